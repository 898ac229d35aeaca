import { open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MediaError } from './media-error.js';

/** Where a record's image is: its bytes inline, or a URI to fetch them from. */
export type ImageReference = { bytes: Uint8Array } | { uri: string };

export interface ImageSourceLimits {
  /** Largest image accepted, in bytes, inline or fetched. */
  maxBytes: number;
  /** Longest wait for one fetch. */
  timeoutMs: number;
}

export const defaultImageSourceLimits: ImageSourceLimits = { maxBytes: 32 * 1024 * 1024, timeoutMs: 5000 };

/** Fetches the bytes behind the URIs of one scheme (`file:` today; `http:` can be added the same way). */
export interface UriFetcher {
  /** The URL protocol it handles, with its colon: `file:`. */
  readonly scheme: string;
  /** Resolves with at most `maxBytes` bytes or rejects with a MediaError; stops early when `signal` aborts. */
  fetch(uri: URL, text: string, maxBytes: number, signal: AbortSignal): Promise<Uint8Array>;
}

/**
 * Gets the bytes of an image reference. Every failure is a MediaError whose reason the operator
 * can route: `too-large`, `invalid-uri`, `unsupported-scheme` (the message names the scheme),
 * `forbidden-path`, `not-found`, `timeout`, `read-failed`.
 */
export class ImageSource {
  private readonly fetchers: ReadonlyMap<string, UriFetcher>;
  readonly limits: ImageSourceLimits;

  constructor(fetchers: readonly UriFetcher[], limits: Partial<ImageSourceLimits> = {}) {
    this.fetchers = new Map(fetchers.map((fetcher) => [fetcher.scheme, fetcher]));
    this.limits = { ...defaultImageSourceLimits, ...limits };
  }

  async bytesOf(reference: ImageReference): Promise<Uint8Array> {
    if ('bytes' in reference) {
      if (reference.bytes.length > this.limits.maxBytes) {
        throw new MediaError('too-large', `inline image has ${reference.bytes.length} bytes, more than the limit of ${this.limits.maxBytes}`);
      }
      return reference.bytes;
    }
    let uri: URL;
    try {
      uri = new URL(reference.uri);
    } catch (cause) {
      throw new MediaError('invalid-uri', `image uri ${JSON.stringify(reference.uri)} is not a URI`, { cause });
    }
    const fetcher = this.fetchers.get(uri.protocol);
    if (fetcher === undefined) {
      const supported = [...this.fetchers.keys()].join(', ') || 'none';
      throw new MediaError('unsupported-scheme', `image uri scheme '${uri.protocol}' is not supported (supported: ${supported}): ${reference.uri}`);
    }
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new MediaError('timeout', `fetching ${reference.uri} took longer than ${this.limits.timeoutMs} ms`));
      }, this.limits.timeoutMs);
    });
    try {
      return await Promise.race([fetcher.fetch(uri, reference.uri, this.limits.maxBytes, controller.signal), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const READ_CHUNK = 1 << 20;

/**
 * Reads `file:///absolute/path` URIs (host empty or `localhost`), only below `roots` (real paths,
 * symlinks resolved), so a record cannot make the worker read any file it can see.
 */
export function fileFetcher(roots: readonly string[]): UriFetcher {
  if (roots.length === 0 || !roots.every((root) => isAbsolute(root))) {
    throw new TypeError(`file image source needs absolute root directories, got ${JSON.stringify(roots)}`);
  }
  const realRoots = Promise.all(roots.map((root) => realpath(root).catch(() => root)));
  return {
    scheme: 'file:',
    async fetch(uri, text, maxBytes, signal) {
      if (!/^file:\/\/(localhost)?\//i.test(text)) {
        throw new MediaError('invalid-uri', `file uri must name an absolute local path (file:///…): ${text}`);
      }
      let path: string;
      try {
        path = fileURLToPath(uri);
      } catch (cause) {
        throw new MediaError('invalid-uri', `file uri does not name a local path: ${text}`, { cause });
      }
      try {
        const real = await realpath(path);
        if (!(await realRoots).some((root) => isInside(root, real))) {
          throw new MediaError('forbidden-path', `${path} is outside the image roots ${roots.join(', ')}`);
        }
        // stat before open: opening a FIFO or device could block.
        const info = await stat(real);
        if (!info.isFile()) throw new MediaError('not-found', `${path} is not a regular file`);
        if (info.size > maxBytes) throw new MediaError('too-large', `${path} has ${info.size} bytes, more than the limit of ${maxBytes}`);
        return await readBounded(real, maxBytes, signal);
      } catch (error) {
        throw asMediaError(error, path);
      }
    },
  };
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Reads at most maxBytes (+1 to notice a file that grew after stat), in chunks, checking `signal`. */
async function readBounded(path: string, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      if (signal.aborted) throw new MediaError('timeout', `reading ${path} was aborted`);
      const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new MediaError('too-large', `${path} has more than the limit of ${maxBytes} bytes`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

function asMediaError(error: unknown, path: string): MediaError {
  if (error instanceof MediaError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new MediaError('not-found', `${path} does not exist`, { cause: error });
  return new MediaError('read-failed', `reading ${path} failed: ${code ?? String(error)}`, { cause: error });
}
