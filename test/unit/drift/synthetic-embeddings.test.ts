import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { Prng } from '../../../drift/prng.js';
import {
  concentrationForPairwiseCosine,
  EmbeddingSampler,
  meanCosineForShift,
  pairwiseCosineOf,
  randomOrthogonalUnitVector,
  randomUnitVector,
  shiftedDirection,
  shiftForMeanCosine,
} from '../../../drift/synthetic-embeddings.js';
import { shiftSizeAt } from '../../../drift/synthetic-stream.js';
import { RecordValidator } from '../../../schemas/record-validator.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

test('samples are unit vectors whose pairwise cosine is κ²/(1+κ²)', () => {
  const prng = Prng.fromKey('sampler');
  const d = 256;
  const direction = randomUnitVector(prng, d);
  const sampler = new EmbeddingSampler(d, prng);
  for (const cosine of [0.1, 0.3, 0.5]) {
    const kappa = concentrationForPairwiseCosine(cosine);
    assert.ok(Math.abs(pairwiseCosineOf(kappa) - cosine) < 1e-12);
    const n = 2000;
    const sum = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const x = sampler.sample(direction, kappa);
      assert.ok(Math.abs(dot(x, x) - 1) < 1e-5);
      for (let k = 0; k < d; k++) sum[k]! += x[k]!;
    }
    // For unit vectors the mean pairwise cosine over i ≠ j is (‖Σx‖² − n) / (n(n − 1)).
    const measured = (dot(sum, sum) - n) / (n * (n - 1));
    assert.ok(Math.abs(measured - cosine) < 0.02, `pairwise cosine ${measured} for κ of ${cosine}`);
    // The mean points along the direction.
    assert.ok(dot(sum, direction) / Math.sqrt(dot(sum, sum)) > 0.995);
  }
});

test('a shift of size s turns the mean direction by atan(s)', () => {
  const prng = Prng.fromKey('shift');
  const base = randomUnitVector(prng, 64);
  const towards = randomOrthogonalUnitVector(prng, base);
  assert.ok(Math.abs(dot(base, towards)) < 1e-12);
  assert.ok(Math.abs(dot(towards, towards) - 1) < 1e-12);
  for (const s of [0, 0.1, 0.5, 1, 3]) {
    assert.ok(Math.abs(1 - dot(base, shiftedDirection(base, towards, s)) - meanCosineForShift(s)) < 1e-12);
    assert.ok(Math.abs(shiftForMeanCosine(meanCosineForShift(s)) - s) < 1e-9);
  }
  assert.ok(Math.abs(meanCosineForShift(shiftForMeanCosine(0.1)) - 0.1) < 1e-12);
});

test('shift scenarios: stationary, abrupt from `at`, gradual from `start`', () => {
  assert.equal(shiftSizeAt({ kind: 'stationary' }, 10), 0);
  assert.deepEqual([4.9, 5, 9].map((t) => shiftSizeAt({ kind: 'abrupt', at: 5, size: 0.4 }, t)), [0, 0.4, 0.4]);
  assert.deepEqual([1, 2, 4].map((t) => shiftSizeAt({ kind: 'gradual', start: 2, slope: 0.25 }, t)), [0, 0, 0.5]);
});

const script = fileURLToPath(new URL('../../../scripts/drift/generate-embeddings.ts', import.meta.url));
const run = promisify(execFile);

async function generate(): Promise<string> {
  const args = ['--import', 'tsx', script, '--seed', '7', '--hours', '4', '--rate', '40', '--dimension', '16'];
  return (await run(process.execPath, args, { maxBuffer: 64 << 20 })).stdout;
}

test('the generator writes valid EmbeddingEvent lines in event-time order, the same for the same seed', async () => {
  const [first, second] = await Promise.all([generate(), generate()]);
  assert.equal(first, second);
  const validator = new RecordValidator('EmbeddingEvent');
  const records = first.trim().split('\n').map((line) => JSON.parse(line) as { id: string; tenant: string; model_version: string; vector: number[]; event_time: number });
  for (const record of records) {
    const checked = validator.check(record);
    assert.ok(checked.ok, `${JSON.stringify(record).slice(0, 80)}: ${checked.ok ? '' : checked.rejection.error}`);
    assert.equal(record.vector.length, 16);
  }
  assert.equal(new Set(records.map((r) => r.id)).size, records.length);
  for (let i = 1; i < records.length; i++) assert.ok(records[i]!.event_time >= records[i - 1]!.event_time, `line ${i + 1} goes back in time`);
  const streams = new Map<string, number[]>();
  for (const r of records) streams.set(`${r.tenant} ${r.model_version}`, [...(streams.get(`${r.tenant} ${r.model_version}`) ?? []), r.event_time]);
  assert.deepEqual([...streams.keys()].sort(), ['acme text-encoder@1', 'globex text-encoder@1', 'initech text-encoder@1', 'umbrella text-encoder@1', 'umbrella text-encoder@2']);
  // Default scenarios over 4 hours: umbrella's @2 starts at hour 2, its @1 stops at hour 3.
  const start = Date.parse('2025-01-01T00:00:00Z');
  const hour = 3_600_000;
  assert.ok(Math.min(...streams.get('umbrella text-encoder@2')!) >= start + 2 * hour);
  assert.ok(Math.max(...streams.get('umbrella text-encoder@1')!) < start + 3 * hour);
  // About 40 records an hour per stream.
  const acme = streams.get('acme text-encoder@1')!.length;
  assert.ok(acme > 120 && acme < 200, `acme wrote ${acme} records in 4 hours at 40/h`);
});
