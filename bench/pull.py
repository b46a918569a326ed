"""Cold and warm `gan-zoo pull` times, against the start-up of `import zoo` alone.

    python bench/pull.py --out docs/pretrained.md
    python bench/pull.py --in-process --out docs/pretrained.md   # zoo.pretrained.fetch, vs copytree

Every shipped preset is pulled by a fresh `gan-zoo pull NAME` process four ways: cold
from the package's own files (the default registry, `file://`), cold over HTTP from a
server on 127.0.0.1 (`KERAS_GAN_ZOO_BASE_URL`, the mirror setting), warm (the cache
holds the verified files: only hashing, no network), and warm with the offline
switch. The baseline is `python -c "import zoo"` in the same run: the fixed cost of
any `gan-zoo` command (TensorFlow's import), so the difference is the pull itself.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

START = "<!-- bench/pull.py start -->"
END = "<!-- bench/pull.py end -->"
IN_PROCESS_START = "<!-- bench/pull.py --in-process start -->"
IN_PROCESS_END = "<!-- bench/pull.py --in-process end -->"


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def serve(folder: pathlib.Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def measure(names: list[str], repeats: int) -> dict[str, dict[str, float]]:
    import zoo.pretrained

    base_env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    for key in (zoo.pretrained.OFFLINE_ENV, zoo.pretrained.BASE_URL_ENV, zoo.pretrained.REGISTRY_ENV):
        base_env.pop(key, None)
    server, url = serve(zoo.pretrained.PRESETS_DIR)
    pull = [sys.executable, "-m", "cli", "pull"]
    rows: dict[str, dict[str, list[float]]] = {}
    try:
        for _ in range(repeats):
            baseline = timed([sys.executable, "-c", "import zoo"], base_env)
            for name in names:
                row = rows.setdefault(name, {})
                row.setdefault("import zoo (baseline)", []).append(baseline)
                with tempfile.TemporaryDirectory() as cache:
                    env = {**base_env, zoo.pretrained.CACHE_ENV: cache}
                    row.setdefault("cold, package files", []).append(timed([*pull, name, "-q"], env))
                    row.setdefault("warm", []).append(timed([*pull, name, "-q"], env))
                    offline = {**env, zoo.pretrained.OFFLINE_ENV: "1"}
                    row.setdefault("warm, offline", []).append(timed([*pull, name, "-q"], offline))
                with tempfile.TemporaryDirectory() as cache:
                    env = {**base_env, zoo.pretrained.CACHE_ENV: cache, zoo.pretrained.BASE_URL_ENV: url}
                    row.setdefault("cold, HTTP 127.0.0.1", []).append(timed([*pull, name, "-q"], env))
    finally:
        server.shutdown()
    return {name: {key: statistics.median(values) for key, values in row.items()} for name, row in rows.items()}


def measure_in_process(names: list[str], repeats: int) -> dict[str, dict[str, float]]:
    """`zoo.pretrained.fetch` inside one process (no interpreter or TensorFlow start):
    cold from the package files and over HTTP, warm (hashing only); against the
    baseline of copying the preset folder with `shutil.copytree` (no hash check)."""
    import shutil

    import zoo.pretrained

    server, url = serve(zoo.pretrained.PRESETS_DIR)
    rows: dict[str, dict[str, list[float]]] = {}
    try:
        for _ in range(repeats):
            for name in names:
                row = rows.setdefault(name, {})
                with tempfile.TemporaryDirectory() as scratch:
                    start = time.perf_counter()
                    shutil.copytree(zoo.pretrained.PRESETS_DIR / name, pathlib.Path(scratch) / name)
                    row.setdefault("copytree (baseline)", []).append(time.perf_counter() - start)
                with tempfile.TemporaryDirectory() as cache:
                    for key in ("cold, package files", "warm"):
                        start = time.perf_counter()
                        zoo.pretrained.fetch(name, cache=cache, progressbar=False)
                        row.setdefault(key, []).append(time.perf_counter() - start)
                with tempfile.TemporaryDirectory() as cache:
                    os.environ[zoo.pretrained.BASE_URL_ENV] = url
                    try:
                        start = time.perf_counter()
                        zoo.pretrained.fetch(name, cache=cache, progressbar=False)
                        row.setdefault("cold, HTTP 127.0.0.1", []).append(time.perf_counter() - start)
                    finally:
                        del os.environ[zoo.pretrained.BASE_URL_ENV]
    finally:
        server.shutdown()
    return {name: {key: statistics.median(values) for key, values in row.items()} for name, row in rows.items()}


def markdown(
    results: dict[str, dict[str, float]], repeats: int, command: str, markers: tuple[str, str] = (START, END)
) -> str:
    from machine import machine_facts

    import zoo.pretrained

    columns = list(next(iter(results.values())))
    unit, scale = ("ms", 1e3) if markers[0] == IN_PROCESS_START else ("s", 1.0)
    lines = [
        markers[0],
        "| preset | MB | " + " | ".join(columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for name, row in results.items():
        size = zoo.pretrained.info(name).size / 1e6
        cells = " | ".join(f"{row[key] * scale:.2f} {unit}" for key in columns)
        lines.append(f"| `{name}` | {size:.2f} | {cells} |")
    what = "in one process" if markers[0] == IN_PROCESS_START else "each a fresh process"
    lines += ["", f"Median of {repeats} runs, {what}. Command: `{command}`.", ""]
    lines += [f"- **{key}**: {value}" for key, value in machine_facts().items()]
    lines.append(markers[1])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import zoo.pretrained

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="presets (default: all shipped)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", help="a markdown file whose bench/pull.py section is rewritten")
    parser.add_argument("--in-process", action="store_true", help="time zoo.pretrained.fetch in this process")
    args = parser.parse_args(argv)
    names = args.names or zoo.pretrained.list()
    markers = (IN_PROCESS_START, IN_PROCESS_END) if args.in_process else (START, END)
    results = (measure_in_process if args.in_process else measure)(names, args.repeats)
    command = "python bench/pull.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = markdown(results, args.repeats, command.strip(), markers)
    print(text)
    if args.out:
        path = pathlib.Path(args.out)
        old = path.read_text() if path.exists() else ""
        if markers[0] in old and markers[1] in old:
            before, rest = old.split(markers[0], 1)
            text = before + text + rest.split(markers[1], 1)[1]
        else:
            text = old + ("\n" if old else "") + text + "\n"
        staging = path.with_name(f".{path.name}.partial")
        staging.write_text(text)
        os.replace(staging, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
