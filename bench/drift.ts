/**
 * Calibration of the drift scores on synthetic 256-d unit embeddings (drift/synthetic-embeddings.ts:
 * mean direction + isotropic noise, pairwise cosine c = 0.3 by default; a shift of size s turns the
 * mean by atan(s), population mean-cosine 1 − 1/√(1+s²)). Prints:
 *  1. mmd thresholds equivalent to mean-cosine's 0.07 / 0.1 on this data (mmd's scale depends on the spread);
 *  2. the score distribution and false-alarm rate over 1,000 stationary windows per window size;
 *  3. the smallest window size with no warn in 1,000 stationary windows, per score;
 *  4. detection delays (in windows) for abrupt shifts and gradual slopes;
 *  5. cost of the operations, as ratios to a baseline loop measured in the same run.
 * A window is compared with its stream's first window (the reference); 1,000 stationary windows are
 * 20 streams × 50 windows. Everything is seeded: the figures (not the timings) are reproducible.
 *   nice -n 15 node --import tsx bench/drift.ts [--pairwise-cosine 0.3] [--streams 20] [--quick]
 */
import { parseArgs } from 'node:util';
import { DEFAULT_MIN_RECORDS } from '../drift/evaluate-window.js';
import { DEFAULT_THRESHOLDS, driftLevel, type DriftThresholds } from '../drift/levels.js';
import { DriftScorer, type DriftScoreMethod } from '../drift/scores.js';
import { concentrationForPairwiseCosine, meanCosineForShift, shiftForMeanCosine, stationaryMeanCosine } from '../drift/synthetic-embeddings.js';
import { SyntheticStream, type ShiftScenario } from '../drift/synthetic-stream.js';
import { WindowStatistics, windowSeedKey } from '../drift/window-statistics.js';

const { values } = parseArgs({
  options: {
    'pairwise-cosine': { type: 'string', default: '0.3' },
    streams: { type: 'string', default: '20' },
    quick: { type: 'boolean', default: false },
  },
});
const D = 256;
const R = 256;
const PAIRWISE = Number(values['pairwise-cosine']);
const KAPPA = concentrationForPairwiseCosine(PAIRWISE);
const STREAMS = Number(values.streams);
const WINDOWS_PER_STREAM = Math.round(1000 / STREAMS);
const QUICK = values.quick;
const scorer = new DriftScorer();
const vector = new Float32Array(D);

/** Windows [from, from + count) of a stream; window k holds `records` draws at times k + i/records. */
function* windowsOf(stream: SyntheticStream, seed: string, from: number, count: number, records: number, reservoirSize: number): Generator<WindowStatistics> {
  for (let k = from; k < from + count; k++) {
    const stats = WindowStatistics.create({ dimension: D, reservoirSize, seed: windowSeedKey('bench', seed, k) });
    for (let i = 0; i < records; i++) stats.add(stream.sample(k + i / records, vector));
    yield stats;
  }
}

function streamOf(seed: string, scenario: ShiftScenario): SyntheticStream {
  return new SyntheticStream({ dimension: D, concentration: KAPPA, seed, scenario });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const fmt = (x: number, digits = 4): string => x.toFixed(digits);
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  console.log();
}

console.log(`drift calibration: d = ${D}, pairwise cosine c = ${PAIRWISE} (κ = ${fmt(KAPPA, 3)}), reservoir R = ${R}, ${STREAMS} streams × ${WINDOWS_PER_STREAM} windows\n`);

// 1. mmd thresholds equivalent to mean-cosine's, on this data: E[MMD²_u] at the shifts whose population
// mean-cosine is 0.07 and 0.1, from reservoirs of 256 out of 1,000 records (the estimator is unbiased,
// so the mean over pairs of windows is the population value).
function meanMmdAtShift(size: number, pairs: number): number {
  let sum = 0;
  for (let p = 0; p < pairs; p++) {
    const seed = `mmd-calibration-${p}`;
    const stream = streamOf(seed, { kind: 'abrupt', at: 1, size });
    const [reference, current] = [...windowsOf(stream, seed, 0, 2, 1000, R)];
    sum += scorer.score('mmd', reference!, current!);
  }
  return sum / pairs;
}
const calibrationPairs = QUICK ? 4 : 20;
const MMD_THRESHOLDS: DriftThresholds = {
  warn: Number(meanMmdAtShift(shiftForMeanCosine(DEFAULT_THRESHOLDS.warn), calibrationPairs).toPrecision(2)),
  critical: Number(meanMmdAtShift(shiftForMeanCosine(DEFAULT_THRESHOLDS.critical), calibrationPairs).toPrecision(2)),
};
const THRESHOLDS: Record<DriftScoreMethod, DriftThresholds> = { 'mean-cosine': DEFAULT_THRESHOLDS, mmd: MMD_THRESHOLDS };
console.log('## 1. Thresholds');
console.log(`mean-cosine: warn ${DEFAULT_THRESHOLDS.warn} (shift s = ${fmt(shiftForMeanCosine(0.07), 3)}), critical ${DEFAULT_THRESHOLDS.critical} (s = ${fmt(shiftForMeanCosine(0.1), 3)})`);
console.log(`mmd, equivalent on this data (mean MMD²_u at those shifts over ${calibrationPairs} window pairs): warn ${MMD_THRESHOLDS.warn}, critical ${MMD_THRESHOLDS.critical}\n`);

// 2. Stationary windows: score distribution and false alarms.
interface StationaryRun {
  scores: Record<DriftScoreMethod, number[]>;
}
function stationary(records: number, methods: DriftScoreMethod[]): StationaryRun {
  const scores: Record<DriftScoreMethod, number[]> = { 'mean-cosine': [], mmd: [] };
  const reservoirSize = methods.includes('mmd') ? R : 0;
  for (let s = 0; s < STREAMS; s++) {
    const seed = `stationary-${s}`;
    const [reference, ...rest] = windowsOf(streamOf(seed, { kind: 'stationary' }), seed, 0, WINDOWS_PER_STREAM + 1, records, reservoirSize);
    for (const current of rest) for (const method of methods) scores[method].push(scorer.score(method, reference!, current));
  }
  return { scores };
}
const alarmRate = (scores: number[], thresholds: DriftThresholds, level: 'warn' | 'critical'): number =>
  scores.filter((x) => (level === 'warn' ? driftLevel(x, thresholds) !== 'ok' : driftLevel(x, thresholds) === 'critical')).length / scores.length;

const sizes = QUICK ? [50, 200] : [25, 50, 100, 200, 500, 1000];
const distribution: string[][] = [];
const alarms: string[][] = [];
for (const records of sizes) {
  const { scores } = stationary(records, ['mean-cosine', 'mmd']);
  const mc = [...scores['mean-cosine']].sort((a, b) => a - b);
  const mmd = [...scores.mmd].sort((a, b) => a - b);
  const mean = mc.reduce((s, x) => s + x, 0) / mc.length;
  distribution.push([
    String(records),
    fmt(stationaryMeanCosine(PAIRWISE, records, records)),
    fmt(mean),
    ...[50, 90, 99].map((p) => fmt(percentile(mc, p))),
    fmt(mc.at(-1)!),
    fmt(percentile(mmd, 50), 5),
    fmt(percentile(mmd, 99), 5),
    fmt(mmd.at(-1)!, 5),
  ]);
  alarms.push([
    String(records),
    pct(alarmRate(mc, DEFAULT_THRESHOLDS, 'warn')),
    pct(alarmRate(mc, DEFAULT_THRESHOLDS, 'critical')),
    pct(alarmRate(mmd, MMD_THRESHOLDS, 'warn')),
    pct(alarmRate(mmd, MMD_THRESHOLDS, 'critical')),
  ]);
}
console.log(`## 2. Stationary windows (${STREAMS * WINDOWS_PER_STREAM} per size)`);
table(['records/window', 'mc predicted mean', 'mc mean', 'mc p50', 'mc p90', 'mc p99', 'mc max', 'mmd p50', 'mmd p99', 'mmd max'], distribution);
table(['records/window', 'mc ≥ warn', 'mc critical', 'mmd ≥ warn', 'mmd critical'], alarms);

// 3. Smallest window size with no warn in 1,000 stationary windows: bisection over the size with the
// same seeds at every size (the warn count falls with the size, up to sampling noise).
function smallestQuietSize(method: DriftScoreMethod, high: number): number {
  const warns = (records: number): number => stationary(records, [method]).scores[method].filter((x) => driftLevel(x, THRESHOLDS[method]) !== 'ok').length;
  let low = 1;
  if (warns(high) > 0) return Number.NaN;
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (warns(mid) === 0) high = mid;
    else low = mid;
  }
  return high;
}
console.log('## 3. Smallest window with 0 warns in 1,000 stationary windows');
for (const method of ['mean-cosine', 'mmd'] as const) {
  const size = smallestQuietSize(method, method === 'mmd' ? 64 : 512);
  console.log(`${method}: ${Number.isNaN(size) ? 'none up to the search limit' : `${size} records per window`}`);
}
console.log();

// 4. Detection delay. Abrupt: the shift happens at a seeded random point inside window 3; the delay is
// the first flagged window minus 3 (0 = the window holding the shift, 1 = the first window after it).
// Gradual: the shift grows from the start of window 1; the delay counts windows from there, next to
// where the population score of a window's middle crosses the threshold (no noise).
const HORIZON = 12;
const detectionStreams = QUICK ? 4 : Math.min(STREAMS, 10);
function delays(scenarioOf: (stream: number) => ShiftScenario, onset: number, records: number, horizon: number, method: DriftScoreMethod): { warn: number[]; critical: number[] } {
  const warn: number[] = [];
  const critical: number[] = [];
  for (let s = 0; s < detectionStreams; s++) {
    const seed = `detection-${s}`;
    const windows = windowsOf(streamOf(seed, scenarioOf(s)), seed, 0, onset + horizon, records, method === 'mmd' ? R : 0);
    const reference = windows.next().value as WindowStatistics;
    let firstWarn = Number.POSITIVE_INFINITY;
    let firstCritical = Number.POSITIVE_INFINITY;
    let k = 1;
    for (const current of windows) {
      const level = driftLevel(scorer.score(method, reference, current), THRESHOLDS[method]);
      if (level !== 'ok' && firstWarn === Number.POSITIVE_INFINITY) firstWarn = k - onset;
      if (level === 'critical') {
        firstCritical = k - onset;
        break;
      }
      k++;
    }
    warn.push(firstWarn);
    critical.push(firstCritical);
  }
  return { warn, critical };
}
const summary = (xs: number[]): string => {
  const found = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (found.length === 0) return 'never';
  const median = percentile(found, 50);
  const misses = xs.length - found.length;
  return `${median} [${found[0]}…${found.at(-1)}]${misses ? ` ${misses} never` : ''}`;
};
const detectionSize = DEFAULT_MIN_RECORDS;
console.log(`## 4. Detection delay in windows (${detectionSize} records/window, ${detectionStreams} streams: median [min…max]; "never" within the horizon)`);
const abruptRows: string[][] = [];
for (const size of QUICK ? [0.5, 1] : [0.3, 0.4, 0.45, 0.5, 0.6, 0.8, 1]) {
  const scenarioOf = (s: number): ShiftScenario => ({ kind: 'abrupt', at: 3 + ((s * 0.618) % 1), size });
  const mc = delays(scenarioOf, 3, detectionSize, HORIZON, 'mean-cosine');
  const mmd = delays(scenarioOf, 3, detectionSize, HORIZON, 'mmd');
  abruptRows.push([fmt(size, 2), fmt(meanCosineForShift(size), 3), summary(mc.warn), summary(mc.critical), summary(mmd.warn), summary(mmd.critical)]);
}
console.log(`abrupt shift at a random point of window 3, horizon ${HORIZON} windows:`);
table(['shift s', 'population mc', 'mc warn', 'mc critical', 'mmd warn', 'mmd critical'], abruptRows);
const gradualRows: string[][] = [];
for (const slope of QUICK ? [0.05] : [0.005, 0.01, 0.02, 0.05]) {
  const ideal = (threshold: number): number => Math.ceil(shiftForMeanCosine(threshold) / slope - 0.5);
  const horizon = Math.ceil(1.5 * ideal(DEFAULT_THRESHOLDS.critical)) + 2;
  const scenarioOf = (): ShiftScenario => ({ kind: 'gradual', start: 1, slope });
  const mc = delays(scenarioOf, 1, detectionSize, horizon, 'mean-cosine');
  const mmd = delays(scenarioOf, 1, detectionSize, horizon, 'mmd');
  gradualRows.push([String(slope), `${ideal(0.07)} / ${ideal(0.1)}`, summary(mc.warn), summary(mc.critical), summary(mmd.warn), summary(mmd.critical)]);
}
console.log('gradual shift from window 1 (slope = shift size per window):');
table(['slope', 'population warn / critical', 'mc warn', 'mc critical', 'mmd warn', 'mmd critical'], gradualRows);

// 5. Cost, as ratios to a baseline in the same run (the machine is shared: absolute times are noisy).
/** Milliseconds of CPU (user + system) per call: steadier than wall time on a shared machine. */
function timePerCall(run: () => void, minMs = 300): number {
  const start = process.cpuUsage();
  const spent = (): number => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
  let calls = 0;
  while (spent() < minMs) {
    run();
    calls++;
  }
  return spent() / calls;
}
const full = [...windowsOf(streamOf('cost', { kind: 'stationary' }), 'cost', 0, 2, 1000, R)];
const [a, b] = [full[0]!, full[1]!];
const sums = new Float64Array(D);
const baseline = timePerCall(() => {
  for (let r = 0; r < 1000; r++) for (let i = 0; i < D; i++) sums[i]! += vector[i]!;
});
const addAll = timePerCall(() => {
  const stats = WindowStatistics.create({ dimension: D, seed: 'cost-add' });
  for (let r = 0; r < 1000; r++) stats.add(vector);
});
const bytes = a.encode();
const encode = timePerCall(() => a.encode());
const decode = timePerCall(() => WindowStatistics.decode(bytes));
const copy = timePerCall(() => Buffer.from(bytes));
const meanCosine = timePerCall(() => scorer.score('mean-cosine', a, b));
const mmd = timePerCall(() => scorer.score('mmd', a, b), 1000);
console.log('## 5. Cost in CPU time (shared machine: ratios to a baseline loop of the same run; absolute times indicative)');
console.log(`baseline: summing 1,000 vectors of 256 floats into a Float64Array: ${fmt(baseline, 3)} ms`);
console.log(`add() of 1,000 vectors (checks, sum, reservoir): ${fmt(addAll / baseline, 1)} × baseline (${fmt(addAll, 3)} ms)`);
console.log(`encode / decode of a full window (${bytes.byteLength} bytes): ${fmt(encode / copy, 1)} × / ${fmt(decode / copy, 1)} × a Buffer copy of it (${fmt(encode, 3)} / ${fmt(decode, 3)} ms)`);
console.log(`mean-cosine: ${fmt(meanCosine * 1000, 1)} µs; mmd on two reservoirs of ${R}: ${fmt(mmd, 1)} ms = ${fmt(mmd / baseline, 0)} × baseline`);
console.log(`state per (tenant, model_version): reference + current window = ${2 * bytes.byteLength} bytes with R = ${R}, ${2 * WindowStatistics.create({ dimension: D, reservoirSize: 0, seed: 'x' }).encodedSize} bytes with R = 0`);
