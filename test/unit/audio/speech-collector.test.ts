import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { SPEECH_COLLECTOR_DEFAULTS, SpeechCollector, type SpeechCollectorOptions, type SpeechSegment } from '../../../audio/speech-collector.js';
import { VAD_FRAME_MS, VAD_MODES, WebRtcVadRuntime, vadFrameSamples } from '../../../audio/webrtc-vad.js';
import { bounds, clipPcm, referenceClip, referenceKey, vadReference } from './vad-reference.js';

let runtime: WebRtcVadRuntime;
before(async () => {
  runtime = await WebRtcVadRuntime.load();
});

const SECOND = 16_000;

/** Feeds `pcm` in chunks of the given sizes (cycled), optionally through toBuffer/restore after every chunk. */
function collect(pcm: Int16Array, options: Partial<SpeechCollectorOptions>, chunkSizes: number[], restoreEveryChunk = false): SpeechSegment[] {
  let collector = SpeechCollector.create(runtime, options);
  const segments: SpeechSegment[] = [];
  for (let offset = 0, i = 0; offset < pcm.length; i++) {
    const size = chunkSizes[i % chunkSizes.length]!;
    segments.push(...collector.feed(pcm.subarray(offset, offset + size)));
    offset += size;
    if (restoreEveryChunk) {
      const state = collector.toBuffer();
      collector.free();
      collector = SpeechCollector.restore(runtime, state);
    }
  }
  return [...segments, ...collector.end()];
}

function assertPcmOfClip(segments: SpeechSegment[], pcm: Int16Array): void {
  for (const segment of segments) {
    assert.deepEqual(segment.pcm, pcm.subarray(segment.startSample, segment.endSample));
    assert.equal(segment.startSeconds, segment.startSample / SECOND);
    assert.equal(segment.endSeconds, segment.endSample / SECOND);
  }
}

/** A deterministic mix of odd chunk sizes: single samples, partial frames, frame-and-a-bit, over a second. */
const oddSizes = [1, 7, 479, 481, 3, 16_001, 1_000, 2, 959, 12_345];

test('the reference merges some segments and keeps others apart, and ends some clips in speech', () => {
  const merged = vadReference.clips.flatMap((clip) => Object.keys(clip.merged).map((key) => [clip.segments[key]!.length, clip.merged[key]!.length]));
  assert.ok(merged.some(([raw, joined]) => joined! < raw!), 'some merges');
  assert.ok(merged.some(([, joined]) => joined! >= 3), 'several separate segments');
  assert.ok(vadReference.clips.some((clip) => clip.merged[referenceKey(3, 30)]!.at(-1)?.[1] === Math.floor(clip.samples / 480) * 480));
});

for (const clip of vadReference.clips) {
  test(`one pass equals the reference collector and its merge: ${clip.name}, modes 0-3, 10/20/30 ms`, () => {
    const pcm = clipPcm(clip);
    for (const mode of VAD_MODES) {
      for (const frameMs of VAD_FRAME_MS) {
        const key = referenceKey(mode, frameMs);
        const unmerged = collect(pcm, { mode, frameMs, mergeGapMs: 0 }, [pcm.length]);
        assert.deepEqual(bounds(unmerged), clip.segments[key], `${key} unmerged`);
        const merged = collect(pcm, { mode, frameMs }, [pcm.length]);
        assert.deepEqual(bounds(merged), clip.merged[key], `${key} merged`);
        assertPcmOfClip(merged, pcm);
        assert.ok(merged.every((s, i) => s.endedBy === 'silence' || (s.endedBy === 'end-of-stream' && i === merged.length - 1)));
      }
    }
  });
}

test('1-second chunks, odd chunk sizes and a save/restore after every chunk give the one-pass segments', () => {
  for (const clip of vadReference.clips) {
    const pcm = clipPcm(clip);
    for (const mode of VAD_MODES) {
      for (const frameMs of VAD_FRAME_MS) {
        const expected = clip.merged[referenceKey(mode, frameMs)];
        const what = `${clip.name} ${referenceKey(mode, frameMs)}`;
        assert.deepEqual(bounds(collect(pcm, { mode, frameMs }, [SECOND])), expected, `${what} 1 s chunks`);
        const odd = collect(pcm, { mode, frameMs }, oddSizes, true);
        assert.deepEqual(bounds(odd), expected, `${what} odd chunks, restored after each`);
        assertPcmOfClip(odd, pcm);
      }
    }
  }
});

test('segments are emitted as soon as no later segment can merge into them', () => {
  for (const clip of vadReference.clips) {
    const pcm = clipPcm(clip);
    const collector = SpeechCollector.create(runtime);
    const frame = vadFrameSamples(30);
    const emitted: { segment: SpeechSegment; at: number }[] = [];
    for (let offset = 0; offset < pcm.length; offset += frame) {
      for (const segment of collector.feed(pcm.subarray(offset, offset + frame))) emitted.push({ segment, at: collector.receivedSamples });
    }
    const atEnd = collector.end();
    const expected = clip.merged[referenceKey(3, 30)]!;
    assert.deepEqual(bounds([...emitted.map((e) => e.segment), ...atEnd]), expected, clip.name);
    // Closing takes paddingMs of non-speech; after that the merge gap and a full ring must pass.
    const latest = (SECOND * (SPEECH_COLLECTOR_DEFAULTS.mergeGapMs + SPEECH_COLLECTOR_DEFAULTS.paddingMs)) / 1000;
    for (const { segment, at } of emitted) assert.ok(at - segment.endSample <= latest, `${clip.name}: emitted ${at - segment.endSample} samples after its end`);
    for (const segment of atEnd) assert.ok(pcm.length - segment.endSample < latest + frame, `${clip.name}: ${segment.endSample} held until the end`);
  }
  const conv = referenceClip('corpus-conv000-24-38s');
  assert.ok(conv.merged[referenceKey(3, 30)]!.length >= 3);
});

/** Joins segments across gaps below mergeGapMs, ignoring the length limit: what the cuts and refused merges split. */
function rejoin(segments: [number, number][], mergeGapSamples: number): [number, number][] {
  const joined: [number, number][] = [];
  for (const [start, end] of segments) {
    const last = joined.at(-1);
    if (last && start - last[1] < mergeGapSamples) last[1] = end;
    else joined.push([start, end]);
  }
  return joined;
}

test('no segment is longer than maxSegmentMs; cut pieces join back into the reference segments', () => {
  for (const clip of vadReference.clips.filter((c) => c.name.startsWith('corpus'))) {
    const pcm = clipPcm(clip);
    for (const frameMs of VAD_FRAME_MS) {
      const maxSegmentMs = 1_000;
      const segments = collect(pcm, { frameMs, maxSegmentMs }, [SECOND], true);
      const maxSamples = Math.floor(maxSegmentMs / frameMs) * vadFrameSamples(frameMs);
      assert.ok(segments.every((s) => s.endSample - s.startSample <= maxSamples));
      const cuts = segments.filter((s) => s.endedBy === 'max-length');
      assert.ok(cuts.length > 3 && cuts.every((s) => s.endSample - s.startSample === maxSamples));
      assert.deepEqual(rejoin(bounds(segments), 300 * 16), clip.merged[referenceKey(3, frameMs)], `${clip.name} ${frameMs} ms`);
      assertPcmOfClip(segments, pcm);
    }
  }
});

test('the saved state stays within maxSegmentMs + mergeGapMs + paddingMs of audio', () => {
  const clip = referenceClip('corpus-conv000-24-38s');
  const pcm = clipPcm(clip);
  for (const maxSegmentMs of [1_000, 3_000]) {
    const collector = SpeechCollector.create(runtime, { maxSegmentMs });
    let largest = 0;
    for (let offset = 0; offset < pcm.length; offset += 1_111) {
      collector.feed(pcm.subarray(offset, offset + 1_111));
      largest = Math.max(largest, collector.toBuffer().length);
    }
    const boundSamples = ((maxSegmentMs + 300 + 300) * SECOND) / 1000 + vadFrameSamples(30);
    const control = 300; // header, positions, ring, lengths: under 100 bytes, with room
    assert.ok(largest <= 744 + control + 2 * boundSamples, `${largest} bytes for maxSegmentMs ${maxSegmentMs}`);
    assert.ok(largest > 2 * ((maxSegmentMs * SECOND) / 1000), 'a long segment keeps its audio');
    collector.free();
  }
  const idle = SpeechCollector.create(runtime);
  idle.feed(new Int16Array(SECOND));
  assert.ok(idle.toBuffer().length < 744 + 300 + 2 * 10 * 480 + 2 * 480, 'silence keeps only the ring');
  idle.free();
});

test('skip() closes the open segment at the last frame and moves positions over the missing audio', () => {
  const clip = referenceClip('corpus-conv000-24-38s');
  const pcm = clipPcm(clip);
  const [segmentStart, segmentEnd] = clip.merged[referenceKey(3, 30)]![1]!;
  const cutAt = segmentStart + Math.floor((segmentEnd - segmentStart) / 2) + 100; // inside a segment, mid-frame
  const collector = SpeechCollector.create(runtime);
  const before = collector.feed(pcm.subarray(0, cutAt));
  const atGap = collector.skip(5 * SECOND);
  assert.deepEqual(bounds(before), clip.merged[referenceKey(3, 30)]!.slice(0, 1));
  const lastFrameEnd = Math.floor(cutAt / 480) * 480;
  assert.ok(cutAt % 480 !== 0);
  assert.deepEqual(bounds(atGap), [[segmentStart, lastFrameEnd]]);
  assert.equal(atGap[0]!.endedBy, 'gap');
  assert.deepEqual(atGap[0]!.pcm, pcm.subarray(segmentStart, lastFrameEnd));
  assert.equal(collector.receivedSamples, cutAt + 5 * SECOND);
  // After the gap, the rest of the clip: positions continue after the missing audio, frames from there.
  const after = [...collector.feed(pcm.subarray(cutAt)), ...collector.end()];
  const offset = 5 * SECOND;
  assert.ok(after.length > 0 && after.every((s) => s.startSample >= cutAt + offset));
  for (const segment of after) assert.deepEqual(segment.pcm, pcm.subarray(segment.startSample - offset, segment.endSample - offset));
  assert.throws(() => collector.feed(pcm), /feed\(\) after end\(\)/);
});

test('restore refuses damaged or foreign state, and options are checked with the field named', () => {
  const collector = SpeechCollector.create(runtime);
  collector.feed(clipPcm(referenceClip('speaker-kal-1')).subarray(0, 20_000));
  const state = collector.toBuffer();
  assert.throws(() => SpeechCollector.restore(runtime, state.subarray(0, state.length - 1)), /truncated/);
  assert.throws(() => SpeechCollector.restore(runtime, Uint8Array.of(...state, 0)), /trailing bytes/);
  const foreign = Uint8Array.from(state);
  foreign[0] = 0x41;
  assert.throws(() => SpeechCollector.restore(runtime, foreign), /magic/);
  const newer = Uint8Array.from(state);
  newer[3] = 9;
  assert.throws(() => SpeechCollector.restore(runtime, newer), /unsupported version 9/);
  assert.deepEqual(SpeechCollector.restore(runtime, state).options, SPEECH_COLLECTOR_DEFAULTS);
  assert.throws(() => SpeechCollector.create(runtime, { frameMs: 25 as 30 }), /frameMs must be 10, 20 or 30, got 25/);
  assert.throws(() => SpeechCollector.create(runtime, { paddingMs: 5 }), /paddingMs/);
  assert.throws(() => SpeechCollector.create(runtime, { maxSegmentMs: 300 }), /maxSegmentMs must be an integer longer than the padding/);
  assert.throws(() => SpeechCollector.create(runtime, { mergeGapMs: -1 }), /mergeGapMs/);
  collector.free();
});
