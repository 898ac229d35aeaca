"""Generates the reference values that the TypeScript front-end and embedder are tested against.

Writes into test/fixtures/audio/:
  speaker-*.wav           short 16 kHz mono int16 speech clips (festival voices, via text2wave + sox)
  synthetic-noisy-tones.wav  seeded tones + noise of an odd length (framing edge cases)
  mel-<name>.f32          librosa power mel frames as Resemblyzer computes them, float32 LE [frames, 40]
                          (for MEL_FIXTURES only, to keep the fixtures small)
  frontend-reference.json shapes, volume gains, partial slices and Resemblyzer embeddings

Run once from the repository root (needs scripts/models/requirements.txt and festival voices):
    python scripts/models/make_reference_fixtures.py
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from resemblyzer import VoiceEncoder, audio
from resemblyzer.hparams import audio_norm_target_dBFS, sampling_rate
from scipy.io import wavfile

FIXTURES = Path("test/fixtures/audio")
CLIPS = {
    "speaker-kal-1": ("kal_diphone", "The quick brown fox jumps over the lazy dog."),
    "speaker-kal-2": ("kal_diphone", "Please call Stella and ask her to come home."),
    "speaker-slt-1": ("cmu_us_slt_arctic_hts", "The quick brown fox jumps over the lazy dog."),
}
MEL_FIXTURES = {"speaker-kal-1", "synthetic-noisy-tones"}
SLICE_LENGTHS = [1, 8000, 16000, 20800, 24000, 25600, 32000, 40000, 48000, 100000]


def synthesize(voice: str, text: str, out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        text_file = Path(tmp) / "text.txt"
        raw = Path(tmp) / "raw.wav"
        text_file.write_text(text)
        subprocess.run(["text2wave", "-eval", "(voice_%s)" % voice, "-o", str(raw), str(text_file)], check=True)
        subprocess.run(["sox", "-D", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out)], check=True)


def synthetic_noisy_tones(out: Path) -> None:
    rng = np.random.default_rng(7)
    n = 12345
    t = np.arange(n) / sampling_rate
    # Quiet on purpose (about -45 dBFS), so that the volume normalisation gain is exercised.
    signal = 0.006 * np.sin(2 * np.pi * 440 * t) + 0.004 * np.sin(2 * np.pi * (200 + 3000 * t) * t)
    signal += 0.001 * rng.standard_normal(n)
    wavfile.write(out, sampling_rate, np.round(np.clip(signal, -1, 1) * 32767).astype(np.int16))


def read_pcm(path: Path) -> np.ndarray:
    rate, pcm = wavfile.read(path)
    assert rate == sampling_rate and pcm.dtype == np.int16 and pcm.ndim == 1, path
    return pcm.astype(np.float32) / 32768.0


def volume_gain(wav: np.ndarray) -> float:
    """The factor Resemblyzer's normalize_volume(increase_only=True) applies."""
    normalized = audio.normalize_volume(wav, audio_norm_target_dBFS, increase_only=True)
    nonzero = np.flatnonzero(wav)
    return float(normalized[nonzero[0]] / wav[nonzero[0]]) if len(nonzero) else 1.0


def main() -> int:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name, (voice, text) in CLIPS.items():
        synthesize(voice, text, FIXTURES / (name + ".wav"))
    synthetic_noisy_tones(FIXTURES / "synthetic-noisy-tones.wav")

    torch.manual_seed(0)
    encoder = VoiceEncoder(device="cpu", verbose=False).eval()
    reference = {"sampleRate": sampling_rate, "melBands": 40, "inputs": [], "partialSlices": []}
    for name in list(CLIPS) + ["synthetic-noisy-tones"]:
        wav = read_pcm(FIXTURES / (name + ".wav"))
        mel = audio.wav_to_mel_spectrogram(wav)
        if name in MEL_FIXTURES:
            mel.astype("<f4").tofile(FIXTURES / ("mel-%s.f32" % name))
        normalized = audio.normalize_volume(wav, audio_norm_target_dBFS, increase_only=True)
        embedding, partials, slices = encoder.embed_utterance(normalized, return_partials=True)
        reference["inputs"].append({
            "name": name,
            "samples": int(len(wav)),
            "melFrames": int(mel.shape[0]),
            "volumeGain": volume_gain(wav),
            "embedding": [float(x) for x in embedding],
            "partialCount": int(len(partials)),
            "partialStarts": [int(s.start) for s in slices],
        })
    for n in SLICE_LENGTHS:
        wav_slices, mel_slices = VoiceEncoder.compute_partial_slices(n, 1.3, 0.75)
        reference["partialSlices"].append({
            "samples": n, "melStarts": [int(s.start) for s in mel_slices],
        })
    (FIXTURES / "frontend-reference.json").write_text(json.dumps(reference, indent=1) + "\n")
    print("wrote fixtures to %s" % FIXTURES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
