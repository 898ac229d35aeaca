import type { DecodedImage } from './decode-image.js';

/**
 * Pillow's `convert('L')` of the image Pillow would have opened from the same file, written to
 * `out` (width × height bytes). This is what imagehash hashes, so its quirks are kept:
 * - RGB(A): `(R·19595 + G·38470 + B·7471 + 0x8000) >> 16`; alpha is dropped, not composited, so
 *   transparent pixels count with whatever colour they store.
 * - grey with alpha: the grey sample; palette images arrive expanded to RGB(A), which gives the
 *   same value as Pillow's P → L through the palette.
 * - CMYK: Pillow's CMYK → RGB, `255 − k − round(c·(255 − k)/255)` per channel, then the formula above.
 * - 16-bit grey opens in Pillow as `I;16`, whose conversion to L clamps at 255 (it does not scale):
 *   most 16-bit grey images become nearly white. 16-bit grey+alpha and RGB(A) open as 8-bit
 *   modes keeping the high byte.
 */
export function pillowLuma(image: DecodedImage, out: Uint8Array): void {
  const pixels = image.width * image.height;
  if (out.length < pixels) throw new RangeError(`luma buffer holds ${out.length} pixels, the image has ${pixels}`);
  const data = image.data;
  if (image.bitsPerSample === 16) {
    if (image.layout === 'grey') {
      for (let i = 0; i < pixels; i++) out[i] = Math.min(data[i]!, 255);
    } else if (image.layout === 'grey-alpha') {
      for (let i = 0; i < pixels; i++) out[i] = data[2 * i]! >>> 8;
    } else {
      const step = image.layout === 'rgba' ? 4 : 3;
      for (let i = 0, j = 0; i < pixels; i++, j += step) out[i] = luma24(data[j]! >>> 8, data[j + 1]! >>> 8, data[j + 2]! >>> 8);
    }
    return;
  }
  switch (image.layout) {
    case 'grey':
      out.set(data.subarray(0, pixels));
      return;
    case 'grey-alpha':
      for (let i = 0; i < pixels; i++) out[i] = data[2 * i]!;
      return;
    case 'rgb':
      for (let i = 0, j = 0; i < pixels; i++, j += 3) out[i] = luma24(data[j]!, data[j + 1]!, data[j + 2]!);
      return;
    case 'rgba':
      for (let i = 0, j = 0; i < pixels; i++, j += 4) out[i] = luma24(data[j]!, data[j + 1]!, data[j + 2]!);
      return;
    case 'cmyk':
      for (let i = 0, j = 0; i < pixels; i++, j += 4) {
        const nk = 255 - data[j + 3]!;
        out[i] = luma24(nk - mulDiv255(data[j]!, nk), nk - mulDiv255(data[j + 1]!, nk), nk - mulDiv255(data[j + 2]!, nk));
      }
      return;
  }
}

/** Pillow's L24: ITU-R 601-2 luma in 16-bit fixed point, rounded. */
function luma24(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
}

/** Pillow's MULDIV255: a·b/255 rounded, in integers. */
function mulDiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >>> 8) + t) >>> 8;
}
