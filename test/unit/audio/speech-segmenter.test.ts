import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { SpeechSegment } from '../../../audio/speech-collector.js';
import { SPEECH_SEGMENTER_DEFAULTS, SpeechSegmenter, type SegmenterOutput } from '../../../audio/speech-segmenter.js';
import { WebRtcVadRuntime } from '../../../audio/webrtc-vad.js';
import { bounds, clipPcm, referenceClip, referenceKey } from './vad-reference.js';

let runtime: WebRtcVadRuntime;
before(async () => {
  runtime = await WebRtcVadRuntime.load();
});

const SECOND = 16_000;
const chunksOf = (pcm: Int16Array): Int16Array[] => Array.from({ length: Math.ceil(pcm.length / SECOND) }, (_, i) => pcm.subarray(i * SECOND, (i + 1) * SECOND));

/** Pushes chunks in the given seq order, saving and restoring the segmenter after every push. */
function run(chunks: Int16Array[], order: number[], windowChunks = SPEECH_SEGMENTER_DEFAULTS.windowChunks): { segments: SpeechSegment[]; dropped: SegmenterOutput['dropped'] } {
  let segmenter = SpeechSegmenter.create(runtime, { windowChunks });
  const segments: SpeechSegment[] = [];
  const dropped: SegmenterOutput['dropped'] = [];
  for (const seq of order) {
    const out = segmenter.push(seq, chunks[seq]!);
    segments.push(...out.segments);
    dropped.push(...out.dropped);
    const state = segmenter.toBuffer();
    segmenter.free();
    segmenter = SpeechSegmenter.restore(runtime, state);
  }
  return { segments: [...segments, ...segmenter.end()], dropped };
}

const clips = ['corpus-conv000-24-38s', 'corpus-conv001-0-12s-noisy'].map(referenceClip);

test('1-second chunks in order, restored after every chunk, give the reference merged segments', () => {
  for (const clip of clips) {
    const chunks = chunksOf(clipPcm(clip));
    const { segments, dropped } = run(chunks, chunks.map((_, i) => i));
    assert.deepEqual(bounds(segments), clip.merged[referenceKey(3, 30)], clip.name);
    assert.deepEqual(dropped, []);
  }
});

test('chunks out of order within the window give the same segments', () => {
  for (const clip of clips) {
    const pcm = clipPcm(clip);
    const chunks = chunksOf(pcm);
    // Each pair swapped, then every third chunk overtaken by the two after it (window 3).
    const swapped = chunks.map((_, i) => (i % 2 === 0 ? Math.min(i + 1, chunks.length - 1) : i - 1)).filter((s, i, all) => all.indexOf(s) === i);
    const overtaken = chunks.map((_, i) => i).sort((a, b) => (a % 3 === 0 ? a + 2.5 : a) - (b % 3 === 0 ? b + 2.5 : b));
    for (const order of [swapped, overtaken]) {
      assert.deepEqual([...order].sort((a, b) => a - b), chunks.map((_, i) => i));
      assert.notDeepEqual(order, chunks.map((_, i) => i));
      const { segments, dropped } = run(chunks, order);
      assert.deepEqual(bounds(segments), clip.merged[referenceKey(3, 30)], `${clip.name} order ${order.join(',')}`);
      for (const segment of segments) assert.deepEqual(segment.pcm, pcm.subarray(segment.startSample, segment.endSample));
      assert.deepEqual(dropped, []);
    }
  }
});

test('a chunk lost beyond the window closes the open segment; a later arrival is dropped', () => {
  const clip = referenceClip('corpus-conv000-24-38s');
  const pcm = clipPcm(clip);
  const chunks = chunksOf(pcm);
  const [speechStart, speechEnd] = clip.merged[referenceKey(3, 30)]![1]!; // 2.25 s to 5.91 s
  const lost = 3; // [3 s, 4 s): inside that segment
  assert.ok(speechStart < lost * SECOND && (lost + 1) * SECOND < speechEnd);
  const order = [0, 1, 2, 4, 5, 6, 3, 7, 8, 9, 10, 11, 12, 13];
  const { segments, dropped } = run(chunks, order);
  assert.deepEqual(dropped, [{ seq: 3, reason: 'late' }]);
  const closed = segments.find((s) => s.endedBy === 'gap');
  assert.ok(closed, 'the open segment is closed by the gap');
  assert.equal(closed.startSample, speechStart);
  assert.equal(closed.endSample, Math.floor((lost * SECOND) / 480) * 480);
  assert.deepEqual(closed.pcm, pcm.subarray(closed.startSample, closed.endSample));
  // Later positions count the lost second; the audio after it is the clip's own.
  const after = segments.filter((s) => s.startSample >= (lost + 1) * SECOND);
  assert.ok(after.length >= 2);
  for (const segment of after) assert.deepEqual(segment.pcm, pcm.subarray(segment.startSample, segment.endSample));
  assert.deepEqual(bounds(segments.filter((s) => s.endSample <= speechStart)), clip.merged[referenceKey(3, 30)]!.slice(0, 1));
});

test('end() processes held chunks, then closes the stream', () => {
  const clip = referenceClip('corpus-conv001-0-12s-noisy');
  const chunks = chunksOf(clipPcm(clip));
  const segmenter = SpeechSegmenter.create(runtime, { windowChunks: 20 });
  const early = chunks.slice(1).flatMap((chunk, i) => segmenter.push(i + 1, chunk).segments);
  assert.deepEqual(early, [], 'everything waits for chunk 0');
  const segments = segmenter.end();
  assert.equal(segments[0]!.endedBy, 'silence');
  assert.ok(segments.every((s) => s.startSample >= SECOND));
  assert.deepEqual(segmenter.options, { ...SPEECH_SEGMENTER_DEFAULTS, windowChunks: 20 });
});

test('restore refuses state that is not a segmenter state', () => {
  const segmenter = SpeechSegmenter.create(runtime);
  const state = segmenter.toBuffer();
  assert.throws(() => SpeechSegmenter.restore(runtime, state.subarray(4)), /speech segmenter state: bad magic/);
  assert.throws(() => SpeechSegmenter.restore(runtime, state.subarray(0, 20)), /truncated/);
  segmenter.free();
});
