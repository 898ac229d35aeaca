import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BloomFilterMath, capacity, defaultBloomParameters, falsePositiveRate, optimalBits, optimalHashes } from '../../../media/bloom.js';

/** Seeded item bytes (32-bit LCG), so the measured rate is reproducible. */
function* seededItems(seed: number, count: number, length = 8): Generator<Uint8Array> {
  let state = seed;
  for (let n = 0; n < count; n++) {
    const item = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      item[i] = state >>> 24;
    }
    yield item;
  }
}

test('positions are the persisted definition: (h1 + i·h2) mod m over the two 64-bit halves of SHA-256', () => {
  // Computed independently with Python's hashlib:
  //   d = sha256(item).digest(); h1, h2 = int.from_bytes(d[:8], 'big'), int.from_bytes(d[8:16], 'big')
  //   [(h1 + i * h2) % m for i in range(k)]
  const golden: [string, number, number, number[]][] = [
    ['cc1593d537ba04b6', 1e9, 7, [414195889, 581136991, 748078093, 915019195, 81960297, 248901399, 415842501]],
    ['', 1e9, 7, [824261652, 224410936, 624560220, 24709504, 424858788, 825008072, 225157356]],
    ['77656972', 2 ** 32, 5, [2346461131, 385728005, 2719962175, 759229049, 3093463219]],
    ['000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 1000, 10, [654, 853, 52, 251, 450, 649, 848, 47, 246, 445]],
  ];
  for (const [hex, bits, hashes, expected] of golden) {
    const bloom = new BloomFilterMath({ bits, hashes });
    assert.deepEqual([...bloom.positions(Buffer.from(hex, 'hex'))], expected, `item ${hex || '(empty)'}, m ${bits}, k ${hashes}`);
  }
});

test('positions are deterministic, in range, and written into a reused buffer', () => {
  const bloom = new BloomFilterMath();
  const out = new Float64Array(7);
  for (const item of seededItems(3, 200)) {
    const first = [...bloom.positions(item, out)];
    assert.deepEqual([...new BloomFilterMath(defaultBloomParameters).positions(item)], first);
    assert.ok(first.every((p) => Number.isInteger(p) && p >= 0 && p < 1e9));
  }
  assert.throws(() => bloom.positions(new Uint8Array(1), new Float64Array(3)), RangeError);
});

test('measured false-positive rate of a small filter is close to (1 − e^(−kn/m))^k', (t) => {
  const parameters = { bits: 100_000, hashes: 7 };
  const bloom = new BloomFilterMath(parameters);
  const bitset = new Uint8Array(parameters.bits);
  const positions = new Float64Array(parameters.hashes);
  const inserted = 10_000;
  for (const item of seededItems(1, inserted)) for (const p of bloom.positions(item, positions)) bitset[p] = 1;
  const trials = 100_000;
  let hits = 0;
  // Different seed and length: none of these items was inserted.
  for (const item of seededItems(2, trials, 9)) if (bloom.positions(item, positions).every((p) => bitset[p] === 1)) hits++;
  const measured = hits / trials;
  const expected = falsePositiveRate(parameters, inserted);
  t.diagnostic(`m ${parameters.bits}, k ${parameters.hashes}, n ${inserted}: measured ${measured.toFixed(5)} over ${trials} trials, formula ${expected.toFixed(5)}`);
  assert.ok(Math.abs(expected - 0.00819) < 0.0001, `formula gives ${expected}`);
  assert.ok(Math.abs(measured - expected) / expected < 0.15, `measured ${measured}, expected ${expected}`);
});

test('sizing helpers agree with each other and with the textbook figures', () => {
  assert.equal(optimalBits(1_000_000, 0.01), 9_585_059);
  assert.equal(optimalHashes(9_585_059, 1_000_000), 7);
  const n = capacity(defaultBloomParameters, 0.01);
  assert.ok(falsePositiveRate(defaultBloomParameters, n) <= 0.01);
  assert.ok(falsePositiveRate(defaultBloomParameters, n + 1000) > 0.01);
  // The default filter (1e9 bits, k = 7) holds about 104 million images at a 1 % false-positive rate.
  assert.ok(n > 100e6 && n < 110e6, `capacity ${n}`);
  assert.equal(falsePositiveRate(defaultBloomParameters, 0), 0);
  assert.throws(() => new BloomFilterMath({ bits: 2 ** 32 + 1, hashes: 7 }), RangeError);
  assert.throws(() => new BloomFilterMath({ bits: 1000, hashes: 0 }), RangeError);
  assert.throws(() => optimalBits(0, 0.01), RangeError);
});
