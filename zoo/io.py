"""Writing files so that a crash leaves the old file or the new one, never half of one.

Every artifact a user would lose (models, ONNX files, SavedModel folders, grids,
WAV files, histories) is written to a temporary name in the destination's own folder
(the same file system, so the final rename is atomic) and moved into place with
`os.replace` only once it is complete — the way torch.hub's `download_url_to_file`
treats downloads.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import signal
import tempfile
from collections.abc import Iterator


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, directory: bool = False, suffix: str | None = None) -> Iterator[pathlib.Path]:
    """Yield a temporary path beside `path` to write to; on success it replaces
    `path` (a file, or with `directory=True` a folder), on error it is removed and
    `path` is left as it was. The temporary name keeps the suffix, so libraries that
    choose the format by suffix (`.keras`, `.png`) still do; pass `suffix` for a
    longer one (`.weights.h5`)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{suffix or path.suffix}", dir=path.parent)
    os.close(handle)
    temporary = pathlib.Path(name)
    temporary.unlink()  # writers create it themselves (some refuse an existing file)
    try:
        yield temporary
        if not temporary.exists():
            raise FileNotFoundError(f"Nothing was written to {temporary} for {path}.")
        fault_point(f"replace:{path.name}")
        if directory:
            _replace_directory(temporary, path)
        else:
            os.replace(temporary, path)
    finally:
        if temporary.is_dir():
            shutil.rmtree(temporary, ignore_errors=True)
        elif temporary.exists():
            temporary.unlink()


#: Test-only: `POINT` or `POINT@N` makes the process SIGKILL itself the N-th time it
#: reaches `fault_point(POINT)` (tests/test_faults.py kills real runs this way).
FAULT_ENV = "GAN_ZOO_TEST_KILL_AT"
_fault_hits: dict[str, int] = {}


def fault_point(name: str) -> None:
    """Kill this process here if the test-only `GAN_ZOO_TEST_KILL_AT` names `name`.

    A SIGKILL gives Python no chance to clean up, as a power cut or the OOM killer
    would not: what is on disk at this point is what a rerun finds.
    """
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    point, _, count = wanted.partition("@")
    if point != name:
        return
    _fault_hits[name] = _fault_hits.get(name, 0) + 1
    if _fault_hits[name] == int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def remove_temporaries(folder: str | os.PathLike) -> list[pathlib.Path]:
    """Delete what a killed `atomic_path` left in `folder` (and below): the hidden
    `.NAME.<random>.tmp*` files and folders. Returns what was removed."""
    removed = []
    for path in sorted(pathlib.Path(folder).rglob(".*.tmp*"), reverse=True):
        if ".tmp" in path.name and path.exists():
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
            removed.append(path)
    return removed


def _replace_directory(new: pathlib.Path, path: pathlib.Path) -> None:
    """Move folder `new` to `path`; an existing `path` is moved aside first and
    removed only after the new one is in place."""
    if not path.exists():
        os.replace(new, path)
        return
    old = path.with_name(f".{path.name}.old")
    if old.exists():
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    os.replace(path, old)
    os.replace(new, path)
    shutil.rmtree(old) if old.is_dir() else old.unlink()


def available_memory() -> int:
    """Bytes of memory available to this process now (psutil's `available`)."""
    import psutil

    return int(psutil.virtual_memory().available)


def check_memory(nbytes: float, what: str) -> None:
    """A ValueError saying what `what` needs if `nbytes` exceed the available memory,
    instead of a MemoryError or a TensorFlow OOM traceback later."""
    available = available_memory()
    if nbytes > available:
        raise ValueError(f"{what} needs {_size(nbytes)} of memory; this machine has {_size(available)} available.")


def _size(nbytes: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if nbytes < 1000 or unit == "PB":
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1000
    return ""


def write_text(path: str | os.PathLike, text: str) -> pathlib.Path:
    """`path.write_text(text)`, atomically."""
    path = pathlib.Path(path)
    with atomic_path(path) as temporary:
        temporary.write_text(text)
    return path
