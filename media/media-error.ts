/**
 * Why an image could not be hashed or fetched. The reason is a short, bounded, machine-readable
 * string (it becomes `weir.reason` and a metric label when the operator routes the record to
 * `rejected`); the message says what and where.
 */
export type MediaErrorReason =
  /** Not an image sharp can read, truncated, or a layout the hash does not support. */
  | 'undecodable'
  /** More bytes than `maxBytes` (inline bytes or a file). */
  | 'too-large'
  /** More pixels than `maxPixels`, as the header declares: the image was not decoded. */
  | 'too-many-pixels'
  /** A `uri` whose scheme no image source handles; the message names the scheme. */
  | 'unsupported-scheme'
  /** A `uri` that does not parse, or a `file:` URI that is not an absolute local path. */
  | 'invalid-uri'
  /** A `file:` path outside the roots the source may read. */
  | 'forbidden-path'
  /** The file does not exist or is not a regular file. */
  | 'not-found'
  /** The read did not finish within the timeout. */
  | 'timeout'
  /** Any other I/O failure (permissions, I/O error). */
  | 'read-failed';

/** Reasons worth retrying: the same record may succeed later. */
const retriableReasons: ReadonlySet<MediaErrorReason> = new Set(['timeout', 'read-failed']);

export class MediaError extends Error {
  readonly reason: MediaErrorReason;
  readonly retriable: boolean;

  constructor(reason: MediaErrorReason, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MediaError';
    this.reason = reason;
    this.retriable = retriableReasons.has(reason);
  }
}
