import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp';
import { readImageHeader } from './image-header.js';
import { MediaError } from './media-error.js';

/** Bounds checked before an image is decoded. */
export interface DecodeLimits {
  /** Largest accepted encoded size in bytes. */
  maxBytes: number;
  /** Largest accepted width × height (of the first page), read from the header before decoding. */
  maxPixels: number;
}

export const defaultDecodeLimits: DecodeLimits = { maxBytes: 32 * 1024 * 1024, maxPixels: 50_000_000 };

/** How the samples of a decoded pixel are laid out (interleaved, one pixel after the other). */
export type SampleLayout = 'grey' | 'grey-alpha' | 'rgb' | 'rgba' | 'cmyk';

const channelsOf: Record<SampleLayout, number> = { grey: 1, 'grey-alpha': 2, rgb: 3, rgba: 4, cmyk: 4 };
const layoutOfChannels: Record<number, SampleLayout> = { 1: 'grey', 2: 'grey-alpha', 3: 'rgb', 4: 'rgba' };

/**
 * The samples of the first page exactly as stored, with no colour management and no EXIF rotation:
 * what Pillow's `Image.open` gives (it applies neither), so the hash can follow Pillow from here.
 */
export interface DecodedImage {
  width: number;
  height: number;
  layout: SampleLayout;
  /** 16 only for 16-bit grey and RGB(A) (PNG, TIFF); everything else is decoded to 8 bits. */
  bitsPerSample: 8 | 16;
  /** width × height × channels samples. */
  data: Uint8Array | Uint16Array;
}

/**
 * Decodes an encoded image (JPEG, PNG, WebP, GIF, TIFF, AVIF… whatever the bundled libvips reads)
 * to raw samples. The header is read first (our own reader for JPEG and PNG, sharp's metadata for
 * the rest and for CMYK or 16-bit layouts), so oversized images are refused before any pixel is
 * decoded. Throws a MediaError: `too-large`, `too-many-pixels` or `undecodable`.
 */
export async function decodeImage(bytes: Uint8Array, limits: DecodeLimits = defaultDecodeLimits): Promise<DecodedImage> {
  if (bytes.length > limits.maxBytes) {
    throw new MediaError('too-large', `image has ${bytes.length} bytes, more than the limit of ${limits.maxBytes}`);
  }
  // ignoreIcc: Pillow does not apply embedded profiles; failOn 'truncated': Pillow refuses truncated
  // files too, but tolerates libjpeg's other warnings (e.g. extraneous bytes before a marker).
  const options: SharpOptions = { failOn: 'truncated', limitInputPixels: limits.maxPixels, ignoreIcc: true, autoOrient: false };
  const header = readImageHeader(bytes);
  if (header?.plain8Bit === true) {
    // The common case (8-bit JPEG and PNG): one call to sharp.
    checkPixels(header.format, header.width, header.height, limits);
    return decodeOrThrow(header.format, header.width, header.height, () => decodeRaw(sharp(bytes, options).toColourspace(header.grey ? 'b-w' : 'srgb'), 8));
  }
  let metadata: Metadata;
  try {
    // The header alone: sharp's own pixel limit would refuse here with a message, not a reason.
    metadata = await sharp(bytes, { ...options, limitInputPixels: false }).metadata();
  } catch (cause) {
    throw new MediaError('undecodable', `image header unreadable: ${messageOf(cause)}`, { cause });
  }
  const width = metadata.width;
  const height = metadata.pageHeight ?? metadata.height;
  checkPixels(metadata.format, width, height, limits);
  if (metadata.depth !== 'uchar' && metadata.depth !== 'ushort') {
    throw new MediaError('undecodable', `image ${metadata.format} has ${metadata.depth} samples; only 8- and 16-bit integer samples are hashed`);
  }
  return decodeOrThrow(metadata.format, width, height, () => {
    if (metadata.space === 'cmyk') return decodeRaw(sharp(bytes, options).pipelineColourspace('cmyk').toColourspace('cmyk'), 8, 'cmyk');
    const grey = metadata.channels <= 2;
    if (metadata.depth === 'ushort') return decodeRaw(sharp(bytes, options).toColourspace(grey ? 'grey16' : 'rgb16'), 16);
    return decodeRaw(sharp(bytes, options).toColourspace(grey ? 'b-w' : 'srgb'), 8);
  });
}

function checkPixels(format: string, width: number, height: number, limits: DecodeLimits): void {
  if (!(width > 0 && height > 0)) throw new MediaError('undecodable', `image ${format} has no size`);
  if (width * height > limits.maxPixels) {
    throw new MediaError('too-many-pixels', `image is ${width}×${height} = ${width * height} pixels, more than the limit of ${limits.maxPixels}`);
  }
}

async function decodeOrThrow(format: string, width: number, height: number, decode: () => Promise<DecodedImage>): Promise<DecodedImage> {
  try {
    return await decode();
  } catch (cause) {
    if (cause instanceof MediaError) throw cause;
    throw new MediaError('undecodable', `image ${format} ${width}×${height} failed to decode: ${messageOf(cause)}`, { cause });
  }
}

async function decodeRaw(pipeline: Sharp, bitsPerSample: 8 | 16, layout?: SampleLayout): Promise<DecodedImage> {
  const { data, info } = await pipeline.raw({ depth: bitsPerSample === 16 ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
  const resolved = layout ?? layoutOfChannels[info.channels];
  if (resolved === undefined || channelsOf[resolved] !== info.channels) {
    throw new MediaError('undecodable', `decoder returned ${info.channels} channels, which no sample layout has`);
  }
  return { width: info.width, height: info.height, layout: resolved, bitsPerSample, data: bitsPerSample === 16 ? asUint16(data) : data };
}

function asUint16(buffer: Buffer): Uint16Array {
  if (buffer.byteOffset % 2 === 0) return new Uint16Array(buffer.buffer, buffer.byteOffset, buffer.length >>> 1);
  return new Uint16Array(Uint8Array.prototype.slice.call(buffer).buffer);
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
