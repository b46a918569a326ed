"""Hash-checked, cached downloads of preset files.

Downloads go through `pooch` (stream to a temporary file in the destination folder,
check the sha256, then move it into place; retries with back-off; a tqdm progress
bar), with a small downloader for `file://` URLs. A `filelock` per preset makes two
processes fetching one preset take turns: the second finds the files verified and
downloads nothing.

What the anchors get wrong, and what is done here instead:
- a truncated or corrupt download is never kept: every file is verified by sha256
  before it is moved into the cache, and a cached file that no longer verifies is
  downloaded again (or, offline, deleted and reported);
- a hash mismatch deletes the bad file and says expected vs got;
- a warm cache needs no network and no switch: files that verify are used as they
  are, so loading works with the network down;
- offline (`KERAS_GAN_ZOO_OFFLINE=1`) never touches the network, and a missing file
  is reported with its URL and how to bring it over from another machine.

Environment:
    KERAS_GAN_ZOO_CACHE     the cache folder (else `$KERAS_HOME/gan_zoo`, else the
                            platform's cache folder, e.g. ~/.cache/keras-gan-zoo)
    KERAS_GAN_ZOO_BASE_URL  a mirror: files are fetched from BASE/PRESET/FILE instead
                            of the registry's URLs (an `https://` server or a `file://`
                            copy for air-gapped machines)
    KERAS_GAN_ZOO_OFFLINE   1/true/yes: use the cache only
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import sys
import urllib.parse
import urllib.request
from collections.abc import Sequence

from zoo.pretrained.registry import PresetError, PresetFile, PresetInfo

CACHE_ENV = "KERAS_GAN_ZOO_CACHE"
BASE_URL_ENV = "KERAS_GAN_ZOO_BASE_URL"
OFFLINE_ENV = "KERAS_GAN_ZOO_OFFLINE"
#: Extra attempts after a failed download (network error, 5xx, truncated body, bad hash).
DEFAULT_RETRIES = 2
#: Seconds to wait for a server to connect and to send each chunk.
DEFAULT_TIMEOUT = 30
LOCK_DIR = ".locks"
#: How long a process waits for another one fetching the same preset.
LOCK_TIMEOUT = 600


class PresetDownloadError(PresetError):
    """No URL of a preset file gave a complete, verified copy."""


class PresetCacheError(PresetError):
    """The cache folder cannot be written (read-only, wrong permissions)."""


class PresetNotCachedError(PresetError, FileNotFoundError):
    """Offline, and a preset file is not (or no longer validly) in the cache."""


class _PermanentError(Exception):
    """A failure that a retry cannot fix (404, a missing local file): not one of the
    exceptions pooch retries on, so it ends the attempts on this URL at once."""


def cache_dir() -> pathlib.Path:
    """Where presets are cached: `$KERAS_GAN_ZOO_CACHE`, else `$KERAS_HOME/gan_zoo`,
    else the platform's cache folder."""
    if os.environ.get(CACHE_ENV):
        return pathlib.Path(os.environ[CACHE_ENV]).expanduser()
    if os.environ.get("KERAS_HOME"):
        return pathlib.Path(os.environ["KERAS_HOME"]).expanduser() / "gan_zoo"
    import pooch

    return pathlib.Path(pooch.os_cache("keras-gan-zoo"))


def is_offline() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def sha256_of(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_verified(path: pathlib.Path, item: PresetFile) -> bool:
    """Whether `path` is a complete copy of `item` (size, then sha256)."""
    try:
        return path.is_file() and path.stat().st_size == item.size and sha256_of(path) == item.sha256
    except OSError:
        return False


def urls_of(preset: PresetInfo | str, item: PresetFile) -> tuple[str, ...]:
    """Where to download `item` from: the mirror of `$KERAS_GAN_ZOO_BASE_URL` alone
    when it is set (an air-gapped copy must not fall back to the network), else
    the registry's URLs."""
    base = os.environ.get(BASE_URL_ENV, "").strip()
    if base:
        name = preset if isinstance(preset, str) else preset.name
        return (urllib.parse.urljoin(base.rstrip("/") + "/", f"{name}/{item.name}"),)
    return item.urls


# === Downloaders ===


def _progress_bar(total: int, label: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, desc=label, leave=False, file=sys.stderr)


class FileDownloader:
    """Copies a `file://` URL in chunks, with the same progress bar as HTTP."""

    def __init__(self, progressbar: bool = False, chunk_size: int = 1 << 20):
        self.progressbar = progressbar
        self.chunk_size = chunk_size

    def __call__(self, url: str, output_file: str, pooch) -> None:
        source = pathlib.Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
        if not source.is_file():
            raise _PermanentError(f"no file at {source}")
        bar = _progress_bar(source.stat().st_size, source.name) if self.progressbar else None
        try:
            with open(source, "rb") as reader, open(output_file, "wb") as writer:
                for chunk in iter(lambda: reader.read(self.chunk_size), b""):
                    writer.write(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()


class HTTPDownloader:
    """pooch's HTTP downloader, with client errors (404, 403) made permanent: pooch
    retries every `requests` error, but a missing file stays missing."""

    def __init__(self, progressbar: bool = False, timeout: float = DEFAULT_TIMEOUT):
        import pooch

        self._download = pooch.HTTPDownloader(progressbar=progressbar, timeout=timeout)

    def __call__(self, url: str, output_file: str, pooch) -> None:
        import requests

        try:
            self._download(url, output_file, pooch)
        except requests.HTTPError as error:
            status = error.response.status_code if error.response is not None else None
            if status is not None and 400 <= status < 500 and status not in (408, 429):
                raise _PermanentError(f"HTTP {status} {error.response.reason}") from None
            raise


def downloader_for(url: str, progressbar: bool, timeout: float = DEFAULT_TIMEOUT):
    scheme = urllib.parse.urlparse(url).scheme
    if scheme == "file":
        return FileDownloader(progressbar)
    if scheme in ("http", "https"):
        return HTTPDownloader(progressbar, timeout)
    raise _PermanentError(f"unsupported URL scheme {scheme!r} (expected https://, http:// or file://)")


def _describe(error: BaseException) -> str:
    text = str(error).split("\n")[0].strip()
    # requests wraps the reason in layers of repr; the innermost reason is what helps.
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    if "Read timed out" in text:
        return "read timed out"
    return text or type(error).__name__


def download(
    item: PresetFile,
    folder: pathlib.Path,
    urls: Sequence[str],
    *,
    retries: int = DEFAULT_RETRIES,
    progressbar: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> pathlib.Path:
    """`folder/item.name`, downloaded from the first of `urls` that gives a complete
    copy with `item`'s sha256 (a cached copy that verifies is kept as it is).

    pooch writes to a temporary file in `folder` and moves it into place only after
    the hash check, so a failure leaves no partial file behind.
    """
    import pooch

    # pooch logs each download at INFO; a caller without a progress bar asked for quiet.
    logger = pooch.get_logger()
    level = logger.level
    if not progressbar:
        logger.setLevel("WARNING")
    try:
        return _download(item, folder, urls, retries, progressbar, timeout)
    finally:
        logger.setLevel(level)


def _download(
    item: PresetFile, folder: pathlib.Path, urls: Sequence[str], retries: int, progressbar: bool, timeout: float
) -> pathlib.Path:
    import pooch

    failures = []
    for url in urls:
        store = pooch.create(
            path=folder,
            base_url="",
            registry={item.name: f"sha256:{item.sha256}"},
            urls={item.name: url},
            retry_if_failed=retries,
        )
        try:
            return pathlib.Path(store.fetch(item.name, downloader=downloader_for(url, progressbar, timeout)))
        except PermissionError as error:
            raise PresetCacheError(
                f"Cannot write {item.name} into the preset cache {folder}: {error.strerror or error}. "
                f"Set {CACHE_ENV} to a writable folder."
            ) from None
        except Exception as error:  # noqa: BLE001  (pooch and requests raise many types; each is reported)
            message = _describe(error)
            if "does not match the known hash" in message:
                message = message.replace("Deleted download for safety.", "The download was deleted.")
                message = message.split(" The downloaded file may")[0]
            failures.append(f"{url}: {message}")
    tried = "; ".join(failures)
    raise PresetDownloadError(f"Could not download {item.name} ({item.size} bytes, sha256 {item.sha256}): {tried}")


def clean_partial_files(folder: pathlib.Path, keep: Sequence[str]) -> None:
    """Remove what a killed download left behind (pooch's `tmp*` files) and files
    that no entry lists; called with the preset's lock held."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.name not in keep and path.is_file():
            path.unlink(missing_ok=True)


def not_cached_message(preset: PresetInfo, item: PresetFile, path: pathlib.Path, reason: str) -> str:
    url = urls_of(preset, item)[0]
    return (
        f"Offline ({OFFLINE_ENV} is set) and {item.name} of preset {preset.name!r} is {reason} at {path} "
        f"(sha256 {item.sha256}, from {url}). To bring it over: run `gan-zoo pull {preset.name}` on a machine "
        f"with network access and copy the folder it prints to {path.parent}, or set {BASE_URL_ENV} to a "
        "copy of the presets (file:///path/to/presets)."
    )


def fetch_preset(
    preset: PresetInfo,
    *,
    cache: str | os.PathLike | None = None,
    offline: bool | None = None,
    retries: int = DEFAULT_RETRIES,
    progressbar: bool | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    use_mirror: bool = True,
) -> pathlib.Path:
    """The cache folder of `preset`, holding every file of it, verified.

    Files already cached and verified are used with no network access; others are
    downloaded (unless offline). A cached file that fails verification is fetched
    again, or offline, deleted and reported.
    """
    root = pathlib.Path(cache) if cache is not None else cache_dir()
    folder = root / preset.name
    offline = is_offline() if offline is None else offline
    if progressbar is None:
        progressbar = sys.stderr.isatty()

    missing = [item for item in preset.files if not is_verified(folder / item.name, item)]
    if not missing:
        return folder
    if offline:
        item = missing[0]
        path = folder / item.name
        reason = "not cached"
        if path.exists():
            reason = "corrupt (its sha256 does not match; deleted)"
            try:
                path.unlink()
            except OSError:
                reason = "corrupt (its sha256 does not match)"
        raise PresetNotCachedError(not_cached_message(preset, item, path, reason))

    from filelock import FileLock, Timeout

    try:
        (root / LOCK_DIR).mkdir(parents=True, exist_ok=True)
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(root / LOCK_DIR / f"{preset.name}.lock"), timeout=LOCK_TIMEOUT)
        lock.acquire()
    except Timeout:
        raise PresetDownloadError(
            f"Waited {LOCK_TIMEOUT} s for another process fetching preset {preset.name!r} "
            f"(lock {root / LOCK_DIR / preset.name}.lock)."
        ) from None
    except OSError as error:
        raise PresetCacheError(
            f"Cannot write to the preset cache {root} ({error.strerror or error}) to fetch preset "
            f"{preset.name!r}. Set {CACHE_ENV} to a writable folder."
        ) from None
    try:
        # Another process may have fetched them while this one waited for the lock.
        clean_partial_files(folder, [item.name for item in preset.files])
        for item in preset.files:
            if not is_verified(folder / item.name, item):
                download(
                    item,
                    folder,
                    urls_of(preset, item) if use_mirror else item.urls,
                    retries=retries,
                    progressbar=progressbar,
                    timeout=timeout,
                )
    finally:
        lock.release()
    return folder
