"""The reference points of the audio scores: real drums against real drums, and noise.

The audio Inception Score and FID / KID (`zoo.metrics.evaluate_audio`, in the shipped
drums classifier's feature space) of sets that bracket any generator:

- real vs real: two drum sets of different seeds (the floor a perfect generator
  reaches with this many clips);
- one instrument: kicks only (a generator collapsed onto one mode);
- white noise at the drums' loudness (Gaussian, the RMS of the real clips) and at full
  scale (uniform in [-1, 1]).

Each is scored against the same real set, for several repeats (independent seeds),
at the paper's clip length and a short one. The table (mean ± std over repeats) is
printed and written, with the machine and the command line, to `<out>/audio_metrics.md`.

    python bench/audio_metrics.py --clips 1000 --repeats 3 --out docs
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shlex
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import numpy as np
from machine import describe_machine

from zoo.data.audio import DRUM_INSTRUMENTS, drum_clip, drums_arrays
from zoo.metrics.audio import drums_classifier, evaluate_audio

METRICS = ("fid", "kid", "is")
SETS = (
    "real drums (another seed)",
    "kicks only (one instrument)",
    "white noise at drum loudness",
    "white noise, full scale",
)


def candidate_sets(real: np.ndarray, clips: int, clip_length: int, seed: int) -> dict[str, np.ndarray]:
    """The sets scored against `real`, drawn with seeds derived from `seed`."""
    rng = np.random.default_rng(seed)
    other_real, _ = drums_arrays(clips, clip_length, seed=seed + 1)
    kick = DRUM_INSTRUMENTS.index("kick")
    kicks = np.stack([drum_clip(3 * index + kick, seed + 2, clip_length)[0] for index in range(clips)])
    rms = float(np.sqrt(np.mean(np.square(real))))
    quiet = np.clip(rng.normal(0.0, rms, real.shape), -1.0, 1.0).astype("float32")
    loud = rng.uniform(-1.0, 1.0, real.shape).astype("float32")
    return dict(zip(SETS, (other_real, kicks, quiet, loud)))


def run(clips: int, repeats: int, clip_lengths: list[int]) -> dict[tuple[int, str], dict[str, list[float]]]:
    classifier = drums_classifier()
    results: dict[tuple[int, str], dict[str, list[float]]] = {}
    for clip_length in clip_lengths:
        for repeat in range(repeats):
            seed = 1_000 * (repeat + 1)
            real, _ = drums_arrays(clips, clip_length, seed=seed)
            for name, fake in candidate_sets(real, clips, clip_length, seed).items():
                scores = evaluate_audio(fake, real, METRICS, classifier=classifier, seed=repeat)
                row = results.setdefault((clip_length, name), {})
                for key, value in scores.items():
                    row.setdefault(key, []).append(value)
                print(
                    f"{clip_length:>6} repeat {repeat} {name:<30} "
                    + ", ".join(f"{k} {v:.4g}" for k, v in scores.items())
                )
    return results


def cell(values: list[float]) -> str:
    # Four significant digits: the KID of full-scale noise is ~1e9, the FID floor ~0.1.
    return f"{float(np.mean(values)):.4g} ± {float(np.std(values)):.2g}"


def report(results, clips: int, repeats: int, seconds: float, command: str) -> str:
    lines = [
        "# Audio scores: the real floor and white noise",
        "",
        (
            "The audio Inception Score and FID / KID of `zoo.metrics.evaluate_audio`: features and class "
            "probabilities of the shipped drums classifier (a log-mel CNN trained on the synthetic `drums` set, "
            "`python -m zoo.metrics.train_drums_classifier`), scored with the same functions as the image metrics "
            "(`zoo.metrics.scores`). FID and KID compare each set with a real drums set of "
            f"{clips:,} clips; the IS is that of the set alone (at most 3, one class per instrument)."
        ),
        "",
        f"Machine: {describe_machine()}.",
        "",
        f"Command: `{command}` — total {seconds / 60:.1f} min.",
        "",
        f"Mean ± std over {repeats} repeats (independent seeds for every set).",
        "",
        "| clip length | set | FID | KID | IS |",
        "|---:|---|---:|---:|---:|",
    ]
    for (clip_length, name), row in results.items():
        lines.append(f"| {clip_length:,} | {name} | {cell(row['fid'])} | {cell(row['kid'])} | {cell(row['is'])} |")
    lines += [
        "",
        (
            "A generator's audio FID is to be read between the first row (the floor: two real sets this "
            "size differ by sampling alone) and the noise rows; its IS near 3 means all three instruments "
            "appear and are recognisable, near 1 one instrument or unrecognisable sounds."
        ),
        "",
    ]
    return "\n".join(lines)


def write_atomically(path: pathlib.Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as file:
        file.write(text)
    os.replace(file.name, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=1_000, help="clips per set")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clip-lengths", type=int, nargs="+", default=[16_384, 4_096])
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("docs"))
    args = parser.parse_args(argv)

    command = "python bench/audio_metrics.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    start = time.perf_counter()
    results = run(args.clips, args.repeats, args.clip_lengths)
    text = report(results, args.clips, args.repeats, time.perf_counter() - start, command)
    print(text)
    write_atomically(args.out / "audio_metrics.md", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
