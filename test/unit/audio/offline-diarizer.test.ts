import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterEmbeddings } from '../../../audio/agglomerative-clustering.js';
import { speechRegions } from '../../../audio/speech-regions.js';

const unit = (...xs: number[]): Float32Array => {
  const norm = Math.hypot(...xs);
  return Float32Array.from(xs, (x) => x / norm);
};

test('agglomerative clustering separates directions by threshold or by count', () => {
  const points = [unit(1, 0.1, 0), unit(0, 1, 0.1), unit(1, 0, 0.1), unit(0.1, 1, 0), unit(0, 0, 1)];
  assert.deepEqual(clusterEmbeddings(points, { threshold: 0.9 }), [0, 1, 0, 1, 2]);
  assert.deepEqual(clusterEmbeddings(points, { clusters: 2 }).length, 5);
  assert.equal(new Set(clusterEmbeddings(points, { clusters: 2 })).size, 2);
  assert.deepEqual(clusterEmbeddings(points, { threshold: -1 }), [0, 0, 0, 0, 0]);
  assert.deepEqual(clusterEmbeddings([], { threshold: 0.5 }), []);
  assert.throws(() => clusterEmbeddings(points, {}), RangeError);
});

test('speech regions find tone bursts and bridge short pauses', () => {
  const rate = 16_000;
  const pcm = new Int16Array(rate * 3);
  const burst = (from: number, to: number): void => {
    for (let i = Math.round(from * rate); i < Math.round(to * rate); i++) pcm[i] = Math.round(8000 * Math.sin(i * 0.2));
  };
  burst(0.5, 1.0);
  burst(1.1, 1.5); // 0.1 s pause: bridged
  burst(2.2, 2.6);
  const regions = speechRegions(pcm, { sampleRate: rate });
  assert.equal(regions.length, 2);
  assert.ok(Math.abs(regions[0]!.start - 0.5) < 0.011 && Math.abs(regions[0]!.end - 1.5) < 0.011);
  assert.ok(Math.abs(regions[1]!.start - 2.2) < 0.011 && Math.abs(regions[1]!.end - 2.6) < 0.011);
  assert.deepEqual(speechRegions(new Int16Array(rate), { sampleRate: rate }), []);
});
