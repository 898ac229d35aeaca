import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MelSpectrogram } from '../../../audio/mel-spectrogram.js';
import { planPartials } from '../../../audio/partials.js';
import { RESEMBLYZER } from '../../../audio/resemblyzer-params.js';
import { volumeGain } from '../../../audio/volume.js';
import { frontendReference, readFixturePcm, readReferenceMel, referenceInput } from './reference-fixtures.js';

const PCM_SCALE = 1 / 32768;

for (const name of ['speaker-kal-1', 'synthetic-noisy-tones']) {
  test(`mel frames of ${name} match librosa (Resemblyzer front-end)`, () => {
    const pcm = readFixturePcm(name);
    const expected = readReferenceMel(name);
    const reference = referenceInput(name);
    const mel = new MelSpectrogram(RESEMBLYZER);
    assert.equal(mel.frameCount(pcm.length), reference.melFrames);
    const out = new Float32Array(reference.melFrames * RESEMBLYZER.melBands);
    assert.equal(mel.compute(pcm, PCM_SCALE, pcm.length, out), reference.melFrames);
    assert.equal(expected.length, out.length);

    let peak = 0;
    for (const v of expected) peak = Math.max(peak, v);
    let worstRelative = 0;
    for (let i = 0; i < out.length; i++) {
      // Relative error, with a floor far below any value that matters (librosa works in float32).
      const error = Math.abs(out[i]! - expected[i]!) / (Math.abs(expected[i]!) + peak * 1e-7);
      worstRelative = Math.max(worstRelative, error);
    }
    assert.ok(worstRelative < 1e-5, `worst relative error ${worstRelative}`);
  });
}

test('zero padding past the end of the input equals computing on explicitly padded audio', () => {
  const pcm = readFixturePcm('synthetic-noisy-tones');
  const padded = new Int16Array(pcm.length + 3000);
  padded.set(pcm);
  const mel = new MelSpectrogram(RESEMBLYZER);
  const frames = mel.frameCount(padded.length);
  const implicit = new Float32Array(frames * RESEMBLYZER.melBands);
  const explicit = new Float32Array(frames * RESEMBLYZER.melBands);
  mel.compute(pcm, PCM_SCALE, padded.length, implicit);
  mel.compute(padded, PCM_SCALE, padded.length, explicit);
  assert.deepEqual(implicit, explicit);
});

test('volume gain matches Resemblyzer normalize_volume(increase_only=True)', () => {
  for (const input of frontendReference.inputs) {
    const gain = volumeGain(readFixturePcm(input.name), PCM_SCALE, RESEMBLYZER.targetDbfs);
    assert.ok(Math.abs(gain - input.volumeGain) <= 1e-5 * input.volumeGain, `${input.name}: ${gain} vs ${input.volumeGain}`);
  }
  assert.equal(volumeGain(new Int16Array(100), PCM_SCALE, -30), 1);
});

test('partial utterance plan matches Resemblyzer compute_partial_slices', () => {
  for (const { samples, melStarts } of frontendReference.partialSlices) {
    const plan = planPartials(samples);
    assert.deepEqual(plan.melStarts, melStarts, `${samples} samples`);
    const lastEnd = (melStarts[melStarts.length - 1]! + RESEMBLYZER.partialFrames) * RESEMBLYZER.hopLength;
    assert.equal(plan.paddedLength, Math.max(samples, lastEnd));
  }
  for (const input of frontendReference.inputs) {
    assert.deepEqual(planPartials(input.samples).melStarts.map((s) => s * RESEMBLYZER.hopLength), input.partialStarts);
  }
});
