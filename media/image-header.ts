/**
 * Reads the size and sample layout of a JPEG or PNG from its first bytes, without a decoder: enough
 * to refuse an oversized image and to pick the decode path before any pixel is decoded.
 */
export interface ImageHeader {
  format: 'jpeg' | 'png';
  width: number;
  height: number;
  /** Samples Pillow and libvips both give as 8-bit grey/RGB(A) with no conversion: JPEG with 1 or 3
   *  components at 8-bit precision, PNG of at most 8 bits per sample. */
  plain8Bit: boolean;
  /** Grey samples (JPEG with one component, PNG colour types 0 and 4). */
  grey: boolean;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The header of a JPEG or PNG, or undefined for other formats and headers it cannot read. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  if (bytes.length >= 24 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return readPngHeader(bytes);
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) return readJpegHeader(bytes);
  return undefined;
}

function readPngHeader(bytes: Uint8Array): ImageHeader | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // IHDR must be the first chunk: length 13, then width, height, bit depth, colour type.
  if (view.getUint32(8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR' || bytes.length < 26) return undefined;
  return { format: 'png', width: view.getUint32(16), height: view.getUint32(20), plain8Bit: bytes[24]! <= 8, grey: bytes[25] === 0 || bytes[25] === 4 };
}

/** Start-of-frame markers: C0–CF except DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function readJpegHeader(bytes: Uint8Array): ImageHeader | undefined {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan or end before any frame header
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (isStartOfFrame(marker)) {
      if (at + 10 > bytes.length) return undefined;
      const precision = bytes[at + 4]!;
      const height = (bytes[at + 5]! << 8) | bytes[at + 6]!;
      const width = (bytes[at + 7]! << 8) | bytes[at + 8]!;
      const components = bytes[at + 9]!;
      return { format: 'jpeg', width, height, plain8Bit: precision === 8 && (components === 1 || components === 3), grey: components === 1 };
    }
    at += 2 + length;
  }
  return undefined;
}
