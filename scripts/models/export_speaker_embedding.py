"""Exports Resemblyzer's GE2E voice encoder (pretrained.pt shipped in the resemblyzer wheel) to ONNX.

Input  `mels`:      float32 [batch, 160, 40]  power mel frames of one partial utterance each
Output `embedding`: float32 [batch, 256]      ReLU(linear(last LSTM hidden state)), L2-normalised

Then checks the ONNX model against the original PyTorch module on random and speech-like
inputs (cosine >= 0.999 per row). Usage:
    python scripts/models/export_speaker_embedding.py [--out models/speaker-embedding.onnx]
"""
import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from resemblyzer import VoiceEncoder
from resemblyzer.hparams import mel_n_channels, partials_n_frames

OPSET = 17
MIN_COSINE = 0.999


class EmbeddingGraph(torch.nn.Module):
    """The encoder's forward pass only, so the exported graph has no Python-side state."""

    def __init__(self, encoder: VoiceEncoder):
        super().__init__()
        self.lstm = encoder.lstm
        self.linear = encoder.linear

    def forward(self, mels: torch.Tensor) -> torch.Tensor:
        _, (hidden, _) = self.lstm(mels)
        raw = torch.relu(self.linear(hidden[-1]))
        return raw / torch.norm(raw, dim=1, keepdim=True)


def export(encoder: VoiceEncoder, out: Path) -> None:
    graph = EmbeddingGraph(encoder).eval()
    example = torch.rand(2, partials_n_frames, mel_n_channels)
    torch.onnx.export(
        graph,
        (example,),
        str(out),
        input_names=["mels"],
        output_names=["embedding"],
        dynamic_axes={"mels": {0: "batch"}, "embedding": {0: "batch"}},
        opset_version=OPSET,
        do_constant_folding=True,
    )
    model = onnx.load(str(out))
    onnx.checker.check_model(model)
    model.producer_name = "weir scripts/models/export_speaker_embedding.py"
    model.doc_string = "Resemblyzer 0.1.4 GE2E voice encoder (Apache-2.0), exported with torch %s" % torch.__version__
    onnx.save(model, str(out))


def check_parity(encoder: VoiceEncoder, out: Path) -> float:
    """Returns the smallest row cosine between PyTorch and ONNX Runtime outputs."""
    rng = np.random.default_rng(20240611)
    # Power mel values span many decades; draw log-uniform magnitudes like real speech frames.
    speech_like = np.exp(rng.uniform(-12, 2, size=(5, partials_n_frames, mel_n_channels)))
    uniform = rng.uniform(0, 1, size=(3, partials_n_frames, mel_n_channels))
    inputs = np.concatenate([speech_like, uniform]).astype(np.float32)

    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    worst = 1.0
    for batch in (inputs[:1], inputs[:4], inputs):
        with torch.no_grad():
            expected = encoder(torch.from_numpy(batch)).numpy()
        actual = session.run(["embedding"], {"mels": batch})[0]
        cosines = np.sum(expected * actual, axis=1) / (
            np.linalg.norm(expected, axis=1) * np.linalg.norm(actual, axis=1))
        worst = min(worst, float(cosines.min()))
        print("batch %d: min cosine %.8f, max |diff| %.3g" % (
            len(batch), cosines.min(), np.abs(expected - actual).max()))
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("models/speaker-embedding.onnx"))
    args = parser.parse_args()

    torch.manual_seed(0)
    encoder = VoiceEncoder(device="cpu", verbose=False).eval()
    export(encoder, args.out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print("wrote %s (%d bytes, sha256 %s)" % (args.out, args.out.stat().st_size, digest))

    worst = check_parity(encoder, args.out)
    if worst < MIN_COSINE:
        print("parity check failed: min cosine %.6f < %.3f" % (worst, MIN_COSINE), file=sys.stderr)
        return 1
    print("parity check passed: min cosine %.8f >= %.3f" % (worst, MIN_COSINE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
