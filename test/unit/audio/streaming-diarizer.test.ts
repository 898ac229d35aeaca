import assert from 'node:assert/strict';
import { test } from 'node:test';
import { derComponents, diarizationErrorRate } from '../../../audio/der.js';
import { SpeakerEmbedder } from '../../../audio/speaker-embedder.js';
import { speechRegions } from '../../../audio/speech-regions.js';
import { DEFAULT_STREAMING_DIARIZER, StreamingDiarizer, type DiarizerChunk, type EmbedFunction, type SegmentRecord, type StreamingDiarizerParams } from '../../../audio/streaming-diarizer.js';
import { readFixturePcm } from './reference-fixtures.js';
import { fakeEmbed, syntheticChunks, syntheticStream, type SyntheticTurn } from './synthetic-speakers.js';

interface Pass {
  /** Every record in emission order, per call (process calls, then finish). */
  outputs: { segments: SegmentRecord[]; finalBefore: number }[];
  states: number[];
}

/** Runs a stream through one diarizer, or through a fresh restore after every chunk when `restoreEveryChunk`. */
async function run(chunks: readonly DiarizerChunk[], options: { restoreEveryChunk?: boolean; params?: StreamingDiarizerParams; embed?: EmbedFunction } = {}): Promise<Pass> {
  const params = options.params ?? DEFAULT_STREAMING_DIARIZER;
  const embed = options.embed ?? fakeEmbed;
  let diarizer = StreamingDiarizer.create(embed, params);
  const pass: Pass = { outputs: [], states: [] };
  for (const chunk of chunks) {
    pass.outputs.push(await diarizer.process(chunk));
    const state = diarizer.serialize();
    pass.states.push(state.length);
    if (options.restoreEveryChunk) diarizer = StreamingDiarizer.restore(state, embed, params);
  }
  pass.outputs.push(await diarizer.finish());
  return pass;
}

/** The latest revision of every segment, as scored segments. */
function finalSegments(pass: Pass): { start: number; duration: number; speaker: string }[] {
  const latest = new Map<number, SegmentRecord>();
  for (const s of pass.outputs.flatMap((o) => o.segments)) {
    const previous = latest.get(s.segmentId);
    assert.ok(!previous || s.revision === previous.revision + 1, `segment ${s.segmentId}: revision ${s.revision} after ${previous?.revision}`);
    if (previous) assert.deepEqual([s.start, s.end], [previous.start, previous.end], 'a correction never moves a segment');
    latest.set(s.segmentId, s);
  }
  return [...latest.values()].map((s) => ({ start: s.start, duration: s.end - s.start, speaker: `s${s.speaker}` }));
}

const reference = (turns: readonly SyntheticTurn[]): { start: number; duration: number; speaker: string }[] =>
  turns.map((t) => ({ start: t.start, duration: t.end - t.start, speaker: `ref${t.speaker}` }));

// Three voices taking turns with pauses, 40 s.
const CONVERSATION: SyntheticTurn[] = [
  { speaker: 0, start: 0.3, end: 6.2 },
  { speaker: 1, start: 6.8, end: 12.4 },
  { speaker: 0, start: 12.9, end: 16.6 },
  { speaker: 2, start: 17.1, end: 23.0 },
  { speaker: 1, start: 23.3, end: 28.8 },
  { speaker: 2, start: 29.5, end: 33.9 },
  { speaker: 0, start: 34.2, end: 39.5 },
];
const conversationChunks = syntheticChunks(syntheticStream(CONVERSATION, 40), CONVERSATION);

test('diarizes a synthetic conversation: one id per voice, near-zero DER, deterministic', async () => {
  const pass = await run(conversationChunks);
  const hypothesis = finalSegments(pass);
  const der = diarizationErrorRate(derComponents(reference(CONVERSATION), hypothesis, { collar: 0.5 }));
  assert.ok(der < 0.03, `DER ${der}`);
  assert.deepEqual(new Set(hypothesis.map((s) => s.speaker)), new Set(['s0', 's1', 's2']));
  for (const s of pass.outputs.flatMap((o) => o.segments)) assert.ok(s.confidence >= 0 && s.confidence <= 1);
  assert.deepEqual(await run(conversationChunks), pass);
});

test('serialise/restore after every chunk, or once in the middle, gives the same output as one pass', async () => {
  const onePass = await run(conversationChunks);
  assert.deepEqual((await run(conversationChunks, { restoreEveryChunk: true })).outputs, onePass.outputs);

  const middle = 17;
  let diarizer = StreamingDiarizer.create(fakeEmbed);
  const outputs = [];
  for (const chunk of conversationChunks.slice(0, middle)) outputs.push(await diarizer.process(chunk));
  diarizer = StreamingDiarizer.restore(Buffer.from(diarizer.serialize()), fakeEmbed);
  for (const chunk of conversationChunks.slice(middle)) outputs.push(await diarizer.process(chunk));
  outputs.push(await diarizer.finish());
  assert.deepEqual(outputs, onePass.outputs);
});

test('emits a cell when it completes and corrects it when later windows outvote its first label', async () => {
  // B answers A with no pause: the cell where B starts is first labelled from a window mostly of A.
  const turns: SyntheticTurn[] = [
    { speaker: 0, start: 0, end: 5.2 },
    { speaker: 1, start: 5.2, end: 10 },
  ];
  const pass = await run(syntheticChunks(syntheticStream(turns, 10), turns));
  const records = pass.outputs.flatMap((o) => o.segments);
  const corrections = records.filter((s) => s.revision > 0);
  assert.ok(corrections.length > 0, 'no correction emitted');
  for (const c of corrections) {
    const first = records.find((s) => s.segmentId === c.segmentId && s.revision === 0)!;
    assert.notEqual(first.speaker, c.speaker);
    assert.ok(c.start >= 5, `corrected segment at ${c.start} s`);
  }
  // A segment is emitted by the process() call of the chunk that completes its cell, or soon after.
  const firstEmission = pass.outputs.findIndex((o) => o.segments.some((s) => s.start < 0.5));
  assert.ok(firstEmission >= 0 && firstEmission <= 2, `first cell emitted after chunk ${firstEmission}`);
  const der = diarizationErrorRate(derComponents(reference(turns), finalSegments(pass), { collar: 0.5 }));
  assert.ok(der < 0.03, `DER ${der}`);
});

test('finalBefore only moves forward and nothing before it is corrected afterwards', async () => {
  const pass = await run(conversationChunks);
  let finalBefore = 0;
  for (const output of pass.outputs) {
    for (const s of output.segments) if (s.revision > 0) assert.ok(s.end > finalBefore, `segment ${s.start}–${s.end} corrected after finalBefore ${finalBefore}`);
    assert.ok(output.finalBefore >= finalBefore);
    finalBefore = output.finalBefore;
  }
  assert.equal(finalBefore, 40);
});

test('never more speakers than maxSpeakers', async () => {
  const turns: SyntheticTurn[] = [0, 1, 2, 3, 4, 0, 3].map((speaker, i) => ({ speaker, start: 5 * i + 0.2, end: 5 * i + 4.6 }));
  const params = { ...DEFAULT_STREAMING_DIARIZER, clustering: { ...DEFAULT_STREAMING_DIARIZER.clustering, maxSpeakers: 2 } };
  const pass = await run(syntheticChunks(syntheticStream(turns, 35), turns), { params });
  assert.deepEqual([...new Set(pass.outputs.flatMap((o) => o.segments).map((s) => s.speaker))].sort(), [0, 1]);
  const unbounded = await run(syntheticChunks(syntheticStream(turns, 35), turns));
  assert.equal(new Set(finalSegments(unbounded).map((s) => s.speaker)).size, 5);
});

test('state stays bounded on a long stream: the audio tail is under one window', async () => {
  const turns: SyntheticTurn[] = Array.from({ length: 60 }, (_, i) => ({ speaker: i % 3, start: 5 * i, end: 5 * i + 4.9 }));
  const pass = await run(syntheticChunks(syntheticStream(turns, 300), turns));
  const windowBytes = 2 * 1.5 * 16_000;
  const max = Math.max(...pass.states);
  assert.ok(max < windowBytes + 4096, `state ${max} bytes`);
  assert.ok(Math.max(...pass.states.slice(150)) <= Math.max(...pass.states.slice(0, 150)) + 600, 'state grows with the stream');
});

test('a failing embedder leaves the state untouched, so the chunk can be retried', async () => {
  let failures = 0;
  const flaky: EmbedFunction = async (pcm) => {
    if (failures > 0) {
      failures--;
      throw new Error('inference unavailable');
    }
    return fakeEmbed(pcm);
  };
  const onePass = await run(conversationChunks);
  const diarizer = StreamingDiarizer.create(flaky);
  const outputs = [];
  for (const [i, chunk] of conversationChunks.entries()) {
    if (i === 5) {
      const before = diarizer.serialize();
      failures = 1;
      await assert.rejects(diarizer.process(chunk), /inference unavailable/);
      assert.deepEqual(diarizer.serialize(), before);
    }
    outputs.push(await diarizer.process(chunk));
  }
  outputs.push(await diarizer.finish());
  assert.deepEqual(outputs, onePass.outputs);
});

test('rejects chunks out of order, overlapping speech, work after finish and foreign states', async () => {
  const diarizer = StreamingDiarizer.create(fakeEmbed);
  const pcm = new Int16Array(1600).fill(1000);
  await diarizer.process({ end: 16_000, speech: [{ start: 8000, pcm }] });
  await assert.rejects(diarizer.process({ end: 8000, speech: [] }), /previous end 16000/);
  await assert.rejects(diarizer.process({ end: 32_000, speech: [{ start: 15_000, pcm }] }), /starts before 16000/);
  await assert.rejects(diarizer.process({ end: 32_000, speech: [{ start: 20_000, pcm }, { start: 21_000, pcm }] }), /overlapping/);
  await assert.rejects(diarizer.process({ end: 17_000, speech: [{ start: 16_000, pcm }] }), /runs past the end/);
  const concurrent = diarizer.process({ end: 17_000, speech: [] });
  await assert.rejects(diarizer.process({ end: 18_000, speech: [] }), /still running/);
  await concurrent;
  await diarizer.finish();
  await assert.rejects(diarizer.process({ end: 40_000, speech: [] }), /already finished/);
  const state = diarizer.serialize();
  assert.throws(() => StreamingDiarizer.restore(state.subarray(0, 20), fakeEmbed), /truncated/);
  assert.throws(() => StreamingDiarizer.restore(state, fakeEmbed, { ...DEFAULT_STREAMING_DIARIZER, step: 0.25 }), /written with/);
});

test('real voices through the ONNX embedder: two speakers of the committed clips get different ids', async () => {
  const kal = readFixturePcm('speaker-kal-1');
  const slt = readFixturePcm('speaker-slt-1');
  const gap = 8000;
  const pcm = new Int16Array(kal.length + gap + slt.length);
  pcm.set(kal, 0);
  pcm.set(slt, kal.length + gap);
  const regions = speechRegions(pcm, { sampleRate: 16_000, minGap: 0.2 }).map((r) => ({ start: Math.round(r.start * 16_000), end: Math.round(r.end * 16_000) }));
  const chunks: DiarizerChunk[] = [];
  for (let from = 0; from < pcm.length; from += 16_000) {
    const to = Math.min(pcm.length, from + 16_000);
    const speech = regions
      .map((r) => ({ start: Math.max(from, r.start), end: Math.min(to, r.end) }))
      .filter((r) => r.end > r.start)
      .map((r) => ({ start: r.start, pcm: pcm.subarray(r.start, r.end) }));
    chunks.push({ end: to, speech });
  }

  const embedder = await SpeakerEmbedder.create({ intraOpNumThreads: 1 });
  try {
    const segments = finalSegments(await run(chunks, { embed: (x) => embedder.embed(x) }));
    const boundary = kal.length / 16_000;
    const speakersIn = (from: number, to: number): Set<string> => new Set(segments.filter((s) => s.start >= from && s.start + s.duration <= to).map((s) => s.speaker));
    // Away from the change of voice (one window either side), each part has one speaker.
    const first = speakersIn(0, boundary - 1.5);
    const second = speakersIn(boundary + gap / 16_000 + 1.5, pcm.length / 16_000);
    assert.equal(first.size, 1, `first clip: ${[...first]}`);
    assert.equal(second.size, 1, `second clip: ${[...second]}`);
    assert.notDeepEqual(first, second);
  } finally {
    await embedder.release();
  }
});
