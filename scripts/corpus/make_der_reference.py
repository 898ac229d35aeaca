"""Scores fixture RTTM pairs with pyannote.metrics, the reference the TypeScript DER scorer must match.

Writes into test/fixtures/audio/der/:
  reference.rttm, hypothesis.rttm   hand-written and seeded random files (overlap, mismatched speaker counts,
                                    empty hypothesis, hypothesis past the reference)
  pyannote-der.json                 per-file and corpus DER components for collars 0, 0.25, 0.5, with and
                                    without skip_overlap

Run once from the repository root with the environment of scripts/models/requirements.txt:
    python scripts/corpus/make_der_reference.py
"""
import json
import random
import sys
import warnings
from pathlib import Path

from pyannote.core import Annotation, Segment
from pyannote.metrics import __version__ as metrics_version
from pyannote.metrics.diarization import DiarizationErrorRate

OUT = Path("test/fixtures/audio/der")

HAND_WRITTEN = {
    "overlap": (
        [(0, 5, "A"), (4, 9, "B"), (10, 12, "A")],
        [(0, 4.5, "s1"), (4.5, 9.5, "s2"), (9.8, 12.3, "s1")],
    ),
    "more-hypothesis-speakers": (
        [(0, 6, "alice"), (6.5, 12, "bob"), (12.2, 15, "alice")],
        [(0, 3, "x"), (3, 6.2, "y"), (6.4, 9, "z"), (9, 12, "w"), (12, 15.5, "x")],
    ),
    "fewer-hypothesis-speakers": (
        [(0, 4, "a"), (3, 7, "b"), (6.5, 9, "c"), (8, 10, "a")],
        [(0.1, 9.7, "only")],
    ),
    "empty-hypothesis": ([(1, 2.5, "a"), (3, 4, "b")], []),
    "hypothesis-past-reference": (
        [(2, 4, "a"), (4, 6, "b")],
        [(0, 4.1, "1"), (4.1, 8, "2")],
    ),
}
CONFIGS = [(collar, skip) for collar in (0.0, 0.25, 0.5) for skip in (False, True)]


def random_file(rng: random.Random, speakers: int, hyp_speakers: int):
    reference, hypothesis = [], []
    t = 0.0
    for _ in range(rng.randint(6, 14)):
        speaker = "spk%d" % rng.randrange(speakers)
        start = round(max(0.0, t + rng.uniform(-0.6, 0.8)), 3)
        end = round(start + rng.uniform(0.4, 3.5), 3)
        reference.append((start, end, speaker))
        t = end
        # The hypothesis follows the reference with jittered boundaries and sometimes a wrong speaker.
        h_start = round(max(0.0, start + rng.uniform(-0.3, 0.3)), 3)
        h_end = round(max(h_start + 0.05, end + rng.uniform(-0.3, 0.3)), 3)
        label = rng.randrange(hyp_speakers) if rng.random() < 0.3 else int(speaker[3:]) % hyp_speakers
        if rng.random() < 0.9:
            hypothesis.append((h_start, h_end, "h%d" % label))
    return reference, hypothesis


def annotation(uri: str, turns) -> Annotation:
    result = Annotation(uri=uri)
    for track, (start, end, speaker) in enumerate(turns):
        result[Segment(start, end), track] = speaker
    return result


def rttm(uri: str, turns) -> str:
    return "".join("SPEAKER %s 1 %.3f %.3f <NA> <NA> %s <NA> <NA>\n" % (uri, s, e - s, spk) for s, e, spk in turns)


def main() -> int:
    warnings.filterwarnings("ignore", message=".*'uem' was approximated.*")
    files = dict(HAND_WRITTEN)
    rng = random.Random(20240611)
    for i, (speakers, hyp_speakers) in enumerate([(2, 2), (3, 2), (2, 4), (4, 4)]):
        files["random-%d" % i] = random_file(rng, speakers, hyp_speakers)

    # Times pass through the RTTM text (3 decimals), so score exactly what the files say.
    reference_text = "".join(rttm(uri, ref) for uri, (ref, _) in files.items())
    hypothesis_text = "".join(rttm(uri, hyp) for uri, (_, hyp) in files.items())
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "reference.rttm").write_text(reference_text)
    (OUT / "hypothesis.rttm").write_text(hypothesis_text)
    parsed = {uri: ([], []) for uri in files}
    for side, text in ((0, reference_text), (1, hypothesis_text)):
        for line in text.splitlines():
            f = line.split()
            start, duration = float(f[3]), float(f[4])
            parsed[f[1]][side].append((start, start + duration, f[7]))

    results = []
    for collar, skip_overlap in CONFIGS:
        metric = DiarizationErrorRate(collar=collar, skip_overlap=skip_overlap)
        per_file = {}
        for uri, (ref, hyp) in parsed.items():
            detail = metric(annotation(uri, ref), annotation(uri, hyp), detailed=True)
            per_file[uri] = components(detail)
        results.append({
            "collar": collar, "skipOverlap": skip_overlap,
            "files": per_file, "corpus": components(metric[:]), "corpusRate": abs(metric),
        })
    report = {"pyannoteMetrics": metrics_version, "results": results}
    (OUT / "pyannote-der.json").write_text(json.dumps(report, indent=1) + "\n")
    print("wrote %d files x %d configurations to %s" % (len(files), len(CONFIGS), OUT))
    return 0


def components(detail) -> dict:
    return {
        "total": detail["total"], "correct": detail["correct"], "falseAlarm": detail["false alarm"],
        "missed": detail["missed detection"], "confusion": detail["confusion"],
        "rate": detail["diarization error rate"] if "diarization error rate" in detail else None,
    }


if __name__ == "__main__":
    sys.exit(main())
