import assert from 'node:assert/strict';
import { test } from 'node:test';
import { referenceCounts, verifyCounts, type CountInput, type CountOutput } from '../chaos/verifier.js';

const inputs: CountInput[] = [
  { key: 'a', seq: 0 },
  { key: 'b', seq: 1 },
  { key: 'a', seq: 2 },
  { key: 'a', seq: 3 },
];
const exact: CountOutput[] = [
  { key: 'a', count: 1, seq: 0 },
  { key: 'b', count: 1, seq: 1 },
  { key: 'a', count: 2, seq: 2 },
  { key: 'a', count: 3, seq: 3 },
];

test('an exact run passes', () => {
  const result = verifyCounts(inputs, exact, referenceCounts(inputs));
  assert.equal(result.ok, true);
});

test('a duplicate fails, and so does the count it double-applied', () => {
  const outputs = [...exact.slice(0, 3), { key: 'a', count: 3, seq: 2 }, { key: 'a', count: 4, seq: 3 }];
  const result = verifyCounts(inputs, outputs, new Map([['a', 4], ['b', 1]]));
  assert.equal(result.ok, false);
  assert.deepEqual(result.duplicated, [2]);
  assert.equal(result.wrongCounts, 2);
  assert.deepEqual(result.stateMismatches, ['a: 3 → 4']);
});

test('a gap fails', () => {
  const result = verifyCounts(inputs, exact.filter((output) => output.seq !== 1), referenceCounts(inputs));
  assert.equal(result.ok, false);
  assert.deepEqual(result.missing, [1]);
});

test('lost state shows as wrong counts and a state mismatch even when every record arrived once', () => {
  const outputs = [...exact.slice(0, 3), { key: 'a', count: 1, seq: 3 }];
  const result = verifyCounts(inputs, outputs, new Map([['a', 1], ['b', 1]]));
  assert.equal(result.ok, false);
  assert.equal(result.wrongCounts, 1);
  assert.deepEqual(result.stateMismatches, ['a: 3 → 1']);
});
