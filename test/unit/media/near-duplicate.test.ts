import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BAND_COUNT, GUARANTEED_DISTANCE, bandKeys, hammingDistance, parseHash64 } from '../../../media/near-duplicate.js';

function flipBits(hex: string, bits: number[]): string {
  let value = BigInt(`0x${hex}`);
  for (const bit of bits) value ^= 1n << BigInt(bit);
  return value.toString(16).padStart(16, '0');
}

/** Seeded distinct bit indices in 0 … 63. */
function seededBits(seed: number, count: number): number[] {
  const bits = new Set<number>();
  let state = seed;
  while (bits.size < count) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bits.add(state >>> 26);
  }
  return [...bits];
}

test('Hamming distance counts differing bits, in either case of hex', () => {
  assert.equal(hammingDistance('0000000000000000', '0000000000000000'), 0);
  assert.equal(hammingDistance('0000000000000000', 'ffffffffffffffff'), 64);
  assert.equal(hammingDistance('8000000000000001', '0000000000000000'), 2);
  assert.equal(hammingDistance('CC1593D537BA04B6', 'cc1593d537ba04b6'), 0);
  for (let seed = 1; seed <= 50; seed++) {
    const bits = seededBits(seed, 1 + (seed % 20));
    assert.equal(hammingDistance('cc1593d537ba04b6', flipBits('cc1593d537ba04b6', bits)), bits.length);
  }
  assert.throws(() => hammingDistance('abc', '0000000000000000'), TypeError);
  assert.throws(() => parseHash64('zz1593d537ba04b6'), TypeError);
});

test('band keys: four 16-bit bands tagged with their index', () => {
  assert.deepEqual(bandKeys('CC1593D537BA04B6'), ['0:cc15', '1:93d5', '2:37ba', '3:04b6']);
  assert.equal(BAND_COUNT, 4);
  // Equal bits in different bands do not make equal keys.
  assert.equal(new Set(bandKeys('abcdabcdabcdabcd')).size, 4);
});

test('pigeonhole: every hash within distance 3 shares at least one band key, farther ones may not', () => {
  const base = '916450cddba73a66';
  const keys = new Set(bandKeys(base));
  for (let seed = 1; seed <= 2000; seed++) {
    const distance = 1 + (seed % GUARANTEED_DISTANCE);
    const near = flipBits(base, seededBits(seed, distance));
    assert.ok(bandKeys(near).some((key) => keys.has(key)), `${near} at distance ${distance} shares no band with ${base}`);
  }
  // One flipped bit in each band: distance 4 with no band in common.
  const far = flipBits(base, [0, 16, 32, 48]);
  assert.equal(hammingDistance(base, far), 4);
  assert.ok(!bandKeys(far).some((key) => keys.has(key)));
});
