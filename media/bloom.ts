import { hash } from 'node:crypto';

/**
 * Bloom filter arithmetic over an abstract bitset of `bits` bits: sizing, the expected false-positive
 * rate, and the `hashes` bit positions of an item. The bits themselves live elsewhere (the engine's
 * bitset state, a Redis bitmap set with SETBIT): an item is "maybe seen" when all its positions are
 * set, and adding it sets them.
 *
 * Positions are persisted, so their definition is fixed and must never change:
 *   digest = SHA-256(item bytes)
 *   h1 = digest[0..8] and h2 = digest[8..16], each an unsigned 64-bit big-endian integer
 *   position(i) = (h1 + i·h2) mod bits, for i = 0 … hashes − 1
 * (double hashing, Kirsch & Mitzenmacher 2006: two independent 64-bit halves of one digest
 * simulate `hashes` hash functions with the same asymptotic false-positive rate). SHA-256 is not the
 * fastest hash, but it is specified once and for all, built into Node, and cheap next to decoding an
 * image. The npm `bloom-filters` package was not used: its filters keep their bits in JS memory, and
 * how it derives indexes is an implementation detail that has changed between its versions.
 */
export interface BloomParameters {
  /** m: bits in the bitset, 1 … 2³² (a Redis bitmap's limit). */
  bits: number;
  /** k: bit positions per item, 1 … 64. */
  hashes: number;
}

export const defaultBloomParameters: BloomParameters = { bits: 1_000_000_000, hashes: 7 };

const MAX_BITS = 2 ** 32;

export function checkBloomParameters(parameters: BloomParameters): BloomParameters {
  const { bits, hashes } = parameters;
  if (!Number.isInteger(bits) || bits < 1 || bits > MAX_BITS) throw new RangeError(`Bloom filter bits must be an integer in 1 … 2^32, got ${bits}`);
  if (!Number.isInteger(hashes) || hashes < 1 || hashes > 64) throw new RangeError(`Bloom filter hashes must be an integer in 1 … 64, got ${hashes}`);
  return parameters;
}

/** Expected false-positive rate after `count` distinct items: (1 − e^(−k·n/m))^k. */
export function falsePositiveRate(parameters: BloomParameters, count: number): number {
  const { bits, hashes } = checkBloomParameters(parameters);
  return Math.pow(-Math.expm1((-hashes * count) / bits), hashes);
}

/** Bits for `expectedItems` at `rate` with the best k: m = ⌈−n·ln p / (ln 2)²⌉. */
export function optimalBits(expectedItems: number, rate: number): number {
  if (!(expectedItems > 0) || !(rate > 0 && rate < 1)) throw new RangeError(`need expectedItems > 0 and 0 < rate < 1, got ${expectedItems}, ${rate}`);
  return Math.ceil((-expectedItems * Math.log(rate)) / (Math.LN2 * Math.LN2));
}

/** The k that minimises the false-positive rate for `expectedItems` in `bits`: round(m/n · ln 2), at least 1. */
export function optimalHashes(bits: number, expectedItems: number): number {
  if (!(bits > 0) || !(expectedItems > 0)) throw new RangeError(`need bits > 0 and expectedItems > 0, got ${bits}, ${expectedItems}`);
  return Math.max(1, Math.round((bits / expectedItems) * Math.LN2));
}

/** How many distinct items the filter holds before its false-positive rate exceeds `rate`. */
export function capacity(parameters: BloomParameters, rate: number): number {
  const { bits, hashes } = checkBloomParameters(parameters);
  if (!(rate > 0 && rate < 1)) throw new RangeError(`need 0 < rate < 1, got ${rate}`);
  return Math.floor((-bits / hashes) * Math.log1p(-Math.pow(rate, 1 / hashes)));
}

/** Positions of items for one parameter set; `positions` writes into a reused array. */
export class BloomFilterMath {
  readonly parameters: BloomParameters;
  private readonly modulus: bigint;

  constructor(parameters: BloomParameters = defaultBloomParameters) {
    this.parameters = checkBloomParameters({ ...parameters });
    this.modulus = BigInt(parameters.bits);
  }

  /** The k bit positions of `item` (each in 0 … bits − 1, repeats possible), in order i = 0 … k − 1. */
  positions(item: Uint8Array, out: Float64Array = new Float64Array(this.parameters.hashes)): Float64Array {
    const { bits, hashes } = this.parameters;
    if (out.length < hashes) throw new RangeError(`positions buffer holds ${out.length}, ${hashes} needed`);
    const digest = hash('sha256', item, 'buffer');
    // Reduce both halves once; then (a + i·b) mod m stays below 2³³ and exact in doubles.
    const a = Number(digest.readBigUInt64BE(0) % this.modulus);
    const b = Number(digest.readBigUInt64BE(8) % this.modulus);
    let position = a;
    for (let i = 0; i < hashes; i++) {
      out[i] = position;
      position += b;
      if (position >= bits) position -= bits;
    }
    return out;
  }

  /** Expected false-positive rate of this filter after `count` distinct items. */
  falsePositiveRate(count: number): number {
    return falsePositiveRate(this.parameters, count);
  }
}
