import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { VAD_FRAME_MS, VAD_MODES, VAD_SNAPSHOT_BYTES, WebRtcVadRuntime, vadFrameSamples, type WebRtcVad } from '../../../audio/webrtc-vad.js';
import { clipPcm, referenceClip, referenceKey, vadReference } from './vad-reference.js';

let runtime: WebRtcVadRuntime;
before(async () => {
  runtime = await WebRtcVadRuntime.load();
});

/** Decisions of `vad` on frames [fromFrame, toFrame) of `pcm`, as the fixtures write them. */
function decide(vad: WebRtcVad, pcm: Int16Array, frameSamples: number, fromFrame: number, toFrame: number): string {
  let decisions = '';
  for (let f = fromFrame; f < toFrame; f++) decisions += vad.isSpeech(pcm.subarray(f * frameSamples, (f + 1) * frameSamples)) ? '1' : '0';
  return decisions;
}

test('the fixtures cover every mode and frame length on speech, noise and silence', () => {
  assert.match(vadReference.source, /webrtcvad 2\.0\.10/);
  for (const clip of vadReference.clips) {
    for (const mode of VAD_MODES) {
      for (const frameMs of VAD_FRAME_MS) {
        const expected = clip.decisions[referenceKey(mode, frameMs)];
        assert.equal(expected?.length, Math.floor(clip.samples / vadFrameSamples(frameMs)), `${clip.name} ${referenceKey(mode, frameMs)}`);
      }
    }
  }
  const all = vadReference.clips.flatMap((clip) => Object.values(clip.decisions)).join('');
  assert.ok(all.includes('0') && all.includes('1'));
});

for (const clip of vadReference.clips) {
  test(`frame decisions equal PyPI webrtcvad's exactly: ${clip.name}, modes 0-3, 10/20/30 ms`, () => {
    const pcm = clipPcm(clip);
    for (const mode of VAD_MODES) {
      for (const frameMs of VAD_FRAME_MS) {
        const n = vadFrameSamples(frameMs);
        const vad = runtime.create(mode);
        assert.equal(decide(vad, pcm, n, 0, Math.floor(pcm.length / n)), clip.decisions[referenceKey(mode, frameMs)], referenceKey(mode, frameMs));
        vad.free();
      }
    }
  });
}

test('a VAD restored from a snapshot continues exactly like the uninterrupted one', () => {
  for (const clip of vadReference.clips) {
    const pcm = clipPcm(clip);
    for (const mode of VAD_MODES) {
      for (const frameMs of VAD_FRAME_MS) {
        const n = vadFrameSamples(frameMs);
        const frames = Math.floor(pcm.length / n);
        let vad = runtime.create(mode);
        let decisions = '';
        // Hand the stream to a new instance every 37 frames, as a restart on another worker would.
        for (let from = 0; from < frames; from += 37) {
          decisions += decide(vad, pcm, n, from, Math.min(frames, from + 37));
          const snapshot = vad.snapshot();
          vad.free();
          vad = runtime.restore(snapshot);
          assert.equal(vad.mode, mode);
          assert.deepEqual(vad.snapshot(), snapshot);
        }
        vad.free();
        assert.equal(decisions, clip.decisions[referenceKey(mode, frameMs)], `${clip.name} ${referenceKey(mode, frameMs)}`);
      }
    }
  }
});

test('VADs of different streams do not share state, even interleaved frame by frame', () => {
  const [a, b] = [referenceClip('corpus-conv000-24-38s'), referenceClip('corpus-conv001-0-12s-noisy')];
  const [pcmA, pcmB] = [clipPcm(a), clipPcm(b)];
  const n = vadFrameSamples(30);
  const [framesA, framesB] = [Math.floor(a.samples / n), Math.floor(b.samples / n)];
  const [vadA, vadB] = [runtime.create(3), runtime.create(3)];
  let [decisionsA, decisionsB] = ['', ''];
  for (let f = 0; f < Math.max(framesA, framesB); f++) {
    if (f < framesA) decisionsA += decide(vadA, pcmA, n, f, f + 1);
    if (f < framesB) decisionsB += decide(vadB, pcmB, n, f, f + 1);
  }
  assert.equal(decisionsA, a.decisions[referenceKey(3, 30)]);
  assert.equal(decisionsB, b.decisions[referenceKey(3, 30)]);
  vadA.free();
  vadB.free();
});

test('snapshots are versioned, checked and compact', () => {
  const vad = runtime.create(2);
  const snapshot = vad.snapshot();
  assert.equal(snapshot.length, VAD_SNAPSHOT_BYTES);
  assert.equal(VAD_SNAPSHOT_BYTES, 744);
  assert.throws(() => runtime.restore(snapshot.subarray(1)), /must be 744 bytes/);
  const future = snapshot.slice();
  future[0] = 2;
  assert.throws(() => runtime.restore(future), /unsupported version 2/);
  const zeroed = snapshot.slice();
  zeroed.fill(0, 4);
  assert.throws(() => runtime.restore(zeroed), /layout differs/);
  vad.free();
});

test('bad frames, modes and use after free are errors that say what is wrong', () => {
  const vad = runtime.create();
  assert.equal(vad.mode, 3);
  assert.throws(() => vad.isSpeech(new Int16Array(400)), /160, 320 or 480 samples .* got 400/);
  assert.throws(() => runtime.create(4 as 3), /mode must be 0, 1, 2 or 3, got 4/);
  vad.free();
  vad.free();
  assert.throws(() => vad.isSpeech(new Int16Array(160)), /after free/);
});
