import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_ONLINE_CLUSTERING, OnlineClustering, type Assignment, type OnlineClusteringParams } from '../../../audio/online-clustering.js';
import { noisyEmbedding } from './synthetic-speakers.js';

const params = (overrides: Partial<OnlineClusteringParams> = {}): OnlineClusteringParams => ({ ...DEFAULT_ONLINE_CLUSTERING, ...overrides });
const pure = (speaker: number, seed: number): Float32Array => noisyEmbedding(new Map([[speaker, 1]]), seed);
/** A window straddling a change of speaker: a third of `a`, two thirds of `b`. */
const straddling = (a: number, b: number, seed: number): Float32Array => noisyEmbedding(new Map([[a, 1 / 3], [b, 2 / 3]]), seed);

/** Feeds windows keyed 0, 1, 2, … with 1.5 s of speech each; returns every decision in order. */
function feed(clustering: OnlineClustering, embeddings: readonly Float32Array[], firstKey = 0): Assignment[] {
  return embeddings.flatMap((e, i) => clustering.assign(firstKey + i, e, 1.5));
}

test('one embedding per window joins its speaker; a new voice opens a new speaker once two windows confirm it', () => {
  const clustering = new OnlineClustering(params());
  assert.deepEqual(clustering.assign(0, pure(0, 1), 1.5), [{ key: 0, speaker: 0, isNew: true, confidence: 1 }]);
  const joined = clustering.assign(1, pure(0, 2), 1.5);
  assert.equal(joined.length, 1);
  assert.equal(joined[0]!.speaker, 0);
  assert.ok(joined[0]!.confidence > 0.5, `confidence ${joined[0]!.confidence}`);

  assert.deepEqual(clustering.assign(2, pure(1, 3), 1.5), [], 'the first far window waits');
  assert.equal(clustering.oldestPending, 2);
  const confirmed = clustering.assign(3, pure(1, 4), 1.5);
  assert.deepEqual(confirmed.map((a) => [a.key, a.speaker, a.isNew]), [[2, 1, true], [3, 1, false]]);
  assert.equal(clustering.oldestPending, undefined);
  assert.deepEqual(clustering.speakers(), [{ speaker: 0, windows: 2 }, { speaker: 1, windows: 2 }]);
});

test('a window between two voices does not open a speaker: it goes to the closest one with confidence 0', () => {
  const clustering = new OnlineClustering(params());
  feed(clustering, [pure(0, 1), pure(0, 2), pure(0, 3)]);
  assert.deepEqual(clustering.assign(3, straddling(0, 1, 4), 1.5), []);
  const decided = clustering.assign(4, pure(0, 5), 1.5);
  assert.deepEqual(decided.map((a) => [a.key, a.speaker, a.confidence]), [[3, 0, 0], [4, 0, decided[1]!.confidence]]);
  assert.deepEqual(clustering.speakers(), [{ speaker: 0, windows: 4 }], 'the settled window moved no centroid');
});

test('with newSpeakerWindows 1 the first far window opens a speaker, as in diart', () => {
  const clustering = new OnlineClustering(params({ newSpeakerWindows: 1 }));
  const decided = feed(clustering, [pure(0, 1), pure(1, 2), pure(2, 3), pure(1, 4)]);
  assert.deepEqual(decided.map((a) => a.speaker), [0, 1, 2, 1]);
  for (const a of decided) assert.ok(a.confidence >= 0 && a.confidence <= 1);
});

test('tauActive skips windows with too little speech; rhoUpdate keeps short ones from moving a centroid', () => {
  const clustering = new OnlineClustering(params({ tauActive: 0.5, rhoUpdate: 1 }));
  assert.deepEqual(clustering.assign(0, pure(0, 1), 0.4), []);
  feed(clustering, [pure(0, 2)]);
  assert.equal(clustering.assign(2, pure(0, 3), 0.8)[0]!.speaker, 0);
  assert.deepEqual(clustering.speakers(), [{ speaker: 0, windows: 1 }]);
  clustering.assign(3, pure(0, 4), 1);
  assert.deepEqual(clustering.speakers(), [{ speaker: 0, windows: 2 }]);
});

test('never more than maxSpeakers: past it, far windows join the closest speaker', () => {
  const clustering = new OnlineClustering(params({ maxSpeakers: 3 }));
  const windows = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 0, 3, 4].map((s, i) => pure(s, 100 + i));
  const decided = [...feed(clustering, windows), ...clustering.flush()];
  assert.equal(decided.length, windows.length);
  assert.deepEqual([...new Set(decided.map((a) => a.speaker))].sort(), [0, 1, 2]);
  assert.equal(clustering.speakers().length, 3);
});

test('flush settles pending windows at the end of a stream', () => {
  const clustering = new OnlineClustering(params());
  feed(clustering, [pure(0, 1), pure(0, 2)]);
  assert.deepEqual(clustering.assign(2, pure(1, 3), 1.5), []);
  assert.deepEqual(clustering.flush().map((a) => [a.key, a.speaker]), [[2, 0]]);
  assert.deepEqual(clustering.flush(), []);
});

test('serialize/restore in the middle, even with a pending window, continues exactly like one pass', () => {
  const script = [0, 0, 0, 1, 1, 0, 2, 2, 2, 1, 0, 1, 2, 3, 3, 0];
  const windows = script.map((s, i) => (i === 5 ? straddling(0, 1, 50 + i) : pure(s, 50 + i)));
  const onePass = new OnlineClustering(params());
  const expected = [...feed(onePass, windows), ...onePass.flush()];

  for (let split = 0; split <= windows.length; split++) {
    const first = new OnlineClustering(params());
    const before = feed(first, windows.slice(0, split));
    const state = first.serialize();
    const restored = OnlineClustering.restore(state, params());
    assert.deepEqual(restored.serialize(), state, `state round trip at ${split}`);
    const after = [...feed(restored, windows.slice(split), split), ...restored.flush()];
    assert.deepEqual([...before, ...after], expected, `split at ${split}`);
  }
  assert.ok(new Set(expected.map((a) => a.speaker)).size >= 4);
});

test('state is compact: header plus one vector per speaker and per pending window', () => {
  const clustering = new OnlineClustering(params());
  feed(clustering, [pure(0, 1), pure(0, 2), pure(1, 3), pure(1, 4), pure(2, 5)]);
  // 11 header bytes, 2 counts, 2 speakers × (8 + 64 × 4), 1 pending × (4 + 64 × 4)
  assert.equal(clustering.serialize().length, 11 + 2 + 2 * (8 + 256) + (4 + 256));
});

test('restore refuses foreign, newer and truncated states; assign refuses bad input', () => {
  const clustering = new OnlineClustering(params());
  feed(clustering, [pure(0, 1)]);
  const state = clustering.serialize();
  assert.throws(() => OnlineClustering.restore(Buffer.from('nonsense state'), params()), /not an online clustering state/);
  const newer = Buffer.from(state);
  newer[2] = 99;
  assert.throws(() => OnlineClustering.restore(newer, params()), /version 99/);
  assert.throws(() => OnlineClustering.restore(state.subarray(0, state.length - 1), params()), /truncated/);
  assert.throws(() => OnlineClustering.restore(Buffer.concat([state, Buffer.alloc(1)]), params()), /left over/);
  assert.throws(() => clustering.assign(1, new Float32Array(8).fill(1), 1.5), /expected 64/);
  assert.throws(() => clustering.assign(1, new Float32Array(64), 1.5), /all-zero/);
  assert.throws(() => clustering.assign(-1, pure(0, 2), 1.5), /window key/);
  assert.throws(() => new OnlineClustering(params({ deltaNewSingle: 0.1 })), /deltaNewSingle/);
  assert.throws(() => new OnlineClustering(params({ rhoUpdate: 0.1 })), /rhoUpdate/);
});
