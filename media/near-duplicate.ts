/**
 * Near-duplicate look-up for 64-bit perceptual hashes by banding (pigeonhole): split a hash into
 * 4 bands of 16 bits; two hashes within Hamming distance ≤ 3 differ in at most 3 bands, so they
 * share at least one band exactly. Indexing each hash under its 4 band keys and comparing only the
 * hashes that share a key finds every pair within distance 3 (and some farther ones, which the
 * Hamming distance then filters).
 */

export const BAND_COUNT = 4;
/** The largest distance banding is guaranteed to find: one less than the number of bands. */
export const GUARANTEED_DISTANCE = BAND_COUNT - 1;

const HEX64 = /^[0-9a-f]{16}$/;

/** Checks and normalises a 64-bit hash written as 16 hex characters (lowercased). */
export function parseHash64(hex: string): string {
  const lower = hex.toLowerCase();
  if (!HEX64.test(lower)) throw new TypeError(`not a 64-bit hash of 16 hex characters: ${JSON.stringify(hex)}`);
  return lower;
}

/**
 * The band keys of a hash: `<band>:<4 hex chars>`, band 0 the most significant 16 bits. The band
 * index is part of the key, so equal bits in different positions do not match.
 */
export function bandKeys(hex: string): string[] {
  const hash = parseHash64(hex);
  const keys: string[] = [];
  for (let band = 0; band < BAND_COUNT; band++) keys.push(`${band}:${hash.slice(band * 4, band * 4 + 4)}`);
  return keys;
}

/** Number of differing bits between two 64-bit hashes given as hex. */
export function hammingDistance(a: string, b: string): number {
  const x = parseHash64(a);
  const y = parseHash64(b);
  return popcount32((parseInt(x.slice(0, 8), 16) ^ parseInt(y.slice(0, 8), 16)) >>> 0) + popcount32((parseInt(x.slice(8), 16) ^ parseInt(y.slice(8), 16)) >>> 0);
}

function popcount32(v: number): number {
  let n = v - ((v >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return Math.imul((n + (n >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
