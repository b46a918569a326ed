"""Pretrained presets: publish, registry, hash-checked cached downloads, loading.

Downloads are tested against a real HTTP server on 127.0.0.1 started here, whose
routes serve the files of a freshly published tiny preset, or fail on purpose (404,
500, a body cut off halfway, the wrong file). After every fault, the cache must hold
only complete, verified files.
"""

from __future__ import annotations

import collections
import hashlib
import http.server
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import export
import zoo.pretrained
from cli import main
from recipes.publish import publish_all
from zoo.pretrained import preset as preset_lib

ROOT = pathlib.Path(__file__).resolve().parents[1]
NAME = "dcgan_digits"
TINY_RECIPE = {"epochs": 1, "image_size": 8, "model": {"latent_dim": 4, "width": 8}}


# === Fixtures: a tiny published preset and an HTTP server ===


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A tiny dcgan_digits preset, trained and published by the publishing script."""
    root = tmp_path_factory.mktemp("published")
    results = publish_all([NAME], out=root / "presets", runs=root / "runs", overrides=TINY_RECIPE, verbose=0)
    return {"root": root, "folder": root / "presets" / NAME, "run": root / "runs" / NAME, "results": results}


class Server:
    """A ThreadingHTTPServer on 127.0.0.1 serving `/MODE/PRESET/FILE` from a preset
    folder, where MODE chooses the behaviour; it counts requests per path."""

    def __init__(self, folder: pathlib.Path):
        self.folder = folder
        self.hits: collections.Counter[str] = collections.Counter()
        self.failures_left: dict[str, int] = {}
        self.delay = 0.0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

            def do_GET(self):
                server.hits[self.path] += 1
                parts = self.path.strip("/").split("/")
                mode, file = parts[0], parts[-1]
                path = server.folder / file
                if not path.is_file():
                    return self.send_error(404)
                body = path.read_bytes()
                if mode == "404":
                    return self.send_error(404)
                if mode == "500" or (mode == "flaky" and server.failures_left.get(self.path, 1) > 0):
                    server.failures_left[self.path] = server.failures_left.get(self.path, 1) - 1
                    return self.send_error(500)
                if mode == "wrong":
                    body = b"not the file you asked for " * 10
                if mode == "slow":
                    time.sleep(server.delay)
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if mode == "truncated":
                    # Half the promised body, then the connection closes.
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(published):
    server = Server(published["folder"])
    yield server
    server.stop()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_registry(tmp_path: pathlib.Path, folder: pathlib.Path, base: str, name: str = NAME) -> pathlib.Path:
    """A registry whose one preset is downloaded from `base/NAME/FILE`."""
    entry = preset_lib.registry_entry(folder, url_prefix=f"{base}/{name}")
    path = tmp_path / "registry.json"
    path.write_text(json.dumps({"format": 1, "presets": {name: entry}}))
    return path


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv(zoo.pretrained.CACHE_ENV, str(path))
    monkeypatch.delenv(zoo.pretrained.OFFLINE_ENV, raising=False)
    monkeypatch.delenv(zoo.pretrained.BASE_URL_ENV, raising=False)
    return path


def assert_cache_clean(cache: pathlib.Path, registry: pathlib.Path) -> None:
    """Every file in the cache is a complete, verified file of a registry preset."""
    presets = zoo.pretrained.load_registry(registry).presets
    for path in cache.rglob("*") if cache.exists() else []:
        if not path.is_file() or path.parent.name == ".locks":
            continue
        preset = presets[path.parent.name]
        entry = preset.file(path.name)
        assert path.stat().st_size == entry.size, f"{path} is incomplete"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry.sha256, f"{path} does not verify"


def cached_files(cache: pathlib.Path) -> list[str]:
    return sorted(path.name for path in (cache / NAME).iterdir()) if (cache / NAME).exists() else []


# === Publish ===


def test_publish_writes_a_verified_preset_that_loads_back(published):
    folder = published["folder"]
    manifest = zoo.pretrained.verify_folder(folder)
    assert {"config.json", "model.weights.h5", "generator.onnx", "metadata.json", "README.md"} <= set(manifest["files"])
    for file, entry in manifest["files"].items():
        data = (folder / file).read_bytes()
        assert entry == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    metadata = zoo.pretrained.read_metadata(folder)
    assert metadata["family"] == "dcgan" and metadata["dataset"] == "digits"
    assert set(metadata["metrics"]) >= {"digits_fid", "digits_is", "precision", "recall"}
    assert metadata["generator_inputs"][0]["name"] == "z"
    card = (folder / "README.md").read_text()
    assert f"{metadata['metrics']['digits_fid']:.4g}" in card and metadata["paper"] in card
    # config.json is the Keras serialization, without optimizer or lambdas.
    config = json.loads((folder / "config.json").read_text())
    assert config["class_name"] == "DCGAN" and "compile_config" not in config
    assert "lambda" not in (folder / "config.json").read_text().lower()

    import keras

    trained = keras.saving.load_model(published["run"] / "model.keras", compile=False)
    loaded = zoo.pretrained.load(folder)
    np.testing.assert_allclose(loaded.sample(8, seed=3), trained.sample(8, seed=3), atol=1e-6)
    # The reference samples are those the metrics were computed on: model.sample(n, seed=0)[:16].
    np.testing.assert_allclose(loaded.sample(16, seed=0), np.load(folder / "samples.npy"), atol=1e-4)
    onnx = export.load_pretrained_onnx(folder)
    np.testing.assert_allclose(onnx.generate(16, seed=0), np.load(folder / "samples.npy"), atol=1e-4)


def test_publish_cli_round_trips_a_run(published, tmp_path, capsys):
    out = tmp_path / "my_preset"
    assert main(["publish", str(published["run"]), "-o", str(out), "--num-samples", "64"]) == 0
    assert "Wrote preset my_preset" in capsys.readouterr().out
    assert zoo.pretrained.read_metadata(out)["evaluation"]["num_samples"] == 64
    np.testing.assert_allclose(
        zoo.pretrained.load(out).sample(4, seed=1), zoo.pretrained.load(published["folder"]).sample(4, seed=1)
    )


def test_a_preset_over_the_size_limit_is_refused_and_replaces_nothing(published, tmp_path):
    from recipes.publish import publish_run

    out = shutil.copytree(published["folder"], tmp_path / "preset")
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    with pytest.raises(ValueError, match=r"over the limit of 1000; nothing was written"):
        publish_run(published["run"], out, max_bytes=1000, num_samples=64)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["preset"]


def test_publish_refuses_a_folder_without_a_model(tmp_path, capsys):
    before = sorted(tmp_path.iterdir())
    assert main(["publish", str(tmp_path), "-o", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err.strip()
    assert "No model.keras in" in error and len(error.splitlines()) == 1
    assert sorted(tmp_path.iterdir()) == before


def test_tampered_preset_folder_is_refused(published, tmp_path):
    folder = shutil.copytree(published["folder"], tmp_path / "copy")
    weights = folder / "model.weights.h5"
    weights.write_bytes(weights.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(zoo.pretrained.PresetError, match=r"model.weights.h5 does not match its manifest: expected"):
        zoo.pretrained.load(folder)


# === Registry and names ===


def test_unknown_name_suggests_the_nearest(published, tmp_path, cache, monkeypatch, capsys):
    registry = write_registry(tmp_path, published["folder"], f"http://127.0.0.1:{closed_port()}/ok")
    with pytest.raises(zoo.pretrained.UnknownPresetError, match=r"Did you mean 'dcgan_digits'\?"):
        zoo.pretrained.info("dcgan_digit", registry=registry)
    monkeypatch.setenv(zoo.pretrained.REGISTRY_ENV, str(registry))
    assert main(["pull", "dcgn_digits"]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "'dcgan_digits'" in error
    assert not cache.exists()


def test_malformed_registry_is_reported(tmp_path):
    path = tmp_path / "registry.json"
    path.write_text(json.dumps({"format": 1, "presets": {"x": {"family": "gan", "dataset": "d", "files": [{}]}}}))
    with pytest.raises(zoo.pretrained.PresetError, match="preset 'x' is malformed"):
        zoo.pretrained.list(registry=path)


# === Downloads ===


def test_fetch_over_http_verifies_caches_and_works_with_the_network_down(published, server, tmp_path, cache):
    registry = write_registry(tmp_path, published["folder"], f"{server.url}/ok")
    folder = zoo.pretrained.fetch(NAME, registry=registry)
    assert folder == cache / NAME
    files = zoo.pretrained.info(NAME, registry=registry).files
    assert all(server.hits[f"/ok/{NAME}/{item.name}"] == 1 for item in files)
    assert_cache_clean(cache, registry)

    # Warm: no request at all, then the same with the server gone and no offline switch.
    zoo.pretrained.fetch(NAME, registry=registry)
    assert sum(server.hits.values()) == len(files)
    server.stop()
    model = zoo.pretrained.load(NAME, registry=registry)
    np.testing.assert_allclose(model.sample(16, seed=0), np.load(folder / "samples.npy"), atol=1e-4)
    onnx = export.load_pretrained_onnx(NAME, registry=registry)
    np.testing.assert_allclose(onnx.generate(16, seed=0), model.sample(16, seed=0), atol=1e-4)


def test_404_is_reported_without_retrying(published, server, tmp_path, cache):
    registry = write_registry(tmp_path, published["folder"], f"{server.url}/404")
    with pytest.raises(zoo.pretrained.PresetDownloadError, match=r"/404/dcgan_digits/manifest.json: HTTP 404"):
        zoo.pretrained.fetch(NAME, registry=registry, retries=2)
    assert server.hits[f"/404/{NAME}/manifest.json"] == 1
    assert cached_files(cache) == []
    assert_cache_clean(cache, registry)


def test_500_is_retried_then_reported(published, server, tmp_path, cache):
    registry = write_registry(tmp_path, published["folder"], f"{server.url}/500")
    with pytest.raises(zoo.pretrained.PresetDownloadError, match=r"500 Server Error"):
        zoo.pretrained.fetch(NAME, registry=registry, retries=1)
    assert server.hits[f"/500/{NAME}/manifest.json"] == 2
    assert cached_files(cache) == []
    assert_cache_clean(cache, registry)


def test_a_passing_500_is_retried_and_the_fetch_succeeds(published, server, tmp_path, cache):
    registry = write_registry(tmp_path, published["folder"], f"{server.url}/flaky")
    zoo.pretrained.fetch(NAME, registry=registry, retries=1)
    assert server.hits[f"/flaky/{NAME}/config.json"] == 2
    assert len(cached_files(cache)) == len(zoo.pretrained.info(NAME, registry=registry).files)
    assert_cache_clean(cache, registry)


def test_connection_refused_is_reported(published, tmp_path, cache):
    registry = write_registry(tmp_path, published["folder"], f"http://127.0.0.1:{closed_port()}/ok")
    with pytest.raises(zoo.pretrained.PresetDownloadError, match=r"manifest.json: connection refused"):
        zoo.pretrained.fetch(NAME, registry=registry, retries=0)
    assert cached_files(cache) == []
    assert_cache_clean(cache, registry)


def test_truncated_body_is_never_kept(published, server, tmp_path, cache):
    registry = write_registry(tmp_path, published["folder"], f"{server.url}/truncated")
    with pytest.raises(zoo.pretrained.PresetDownloadError, match=r"Could not download manifest.json"):
        zoo.pretrained.fetch(NAME, registry=registry, retries=1)
    assert server.hits[f"/truncated/{NAME}/manifest.json"] == 2
    assert cached_files(cache) == []
    assert_cache_clean(cache, registry)


def test_wrong_hash_deletes_the_file_and_says_expected_vs_got(published, server, tmp_path, cache):
    registry = write_registry(tmp_path, published["folder"], f"{server.url}/wrong")
    expected = zoo.pretrained.info(NAME, registry=registry).file("manifest.json").sha256
    got = hashlib.sha256(b"not the file you asked for " * 10).hexdigest()
    with pytest.raises(zoo.pretrained.PresetDownloadError) as raised:
        zoo.pretrained.fetch(NAME, registry=registry, retries=0)
    assert f"expected sha256:{expected} but got {got}" in str(raised.value)
    assert "deleted" in str(raised.value)
    assert cached_files(cache) == []
    assert_cache_clean(cache, registry)


def test_second_url_is_tried_when_the_first_fails(published, server, tmp_path, cache):
    entry = preset_lib.registry_entry(published["folder"], url_prefix=f"{server.url}/404/{NAME}")
    for item in entry["files"]:
        item["urls"].append(f"{server.url}/ok/{NAME}/{item['name']}")
    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps({"format": 1, "presets": {NAME: entry}}))
    zoo.pretrained.fetch(NAME, registry=registry)
    assert server.hits[f"/404/{NAME}/config.json"] == 1 and server.hits[f"/ok/{NAME}/config.json"] == 1
    assert_cache_clean(cache, registry)


def test_corrupt_cached_file_is_detected_and_fetched_again(published, server, tmp_path, cache):
    registry = write_registry(tmp_path, published["folder"], f"{server.url}/ok")
    folder = zoo.pretrained.fetch(NAME, registry=registry)
    weights = folder / "model.weights.h5"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])  # a killed copy
    (folder / "tmpabc123").write_bytes(b"partial")  # what a killed download leaves
    zoo.pretrained.fetch(NAME, registry=registry)
    assert server.hits[f"/ok/{NAME}/model.weights.h5"] == 2
    assert server.hits[f"/ok/{NAME}/config.json"] == 1
    assert not (folder / "tmpabc123").exists()
    assert_cache_clean(cache, registry)
    zoo.pretrained.load(NAME, registry=registry)


def test_mirror_base_url_replaces_the_registry_urls(published, tmp_path, cache, monkeypatch):
    registry = write_registry(tmp_path, published["folder"], f"http://127.0.0.1:{closed_port()}/ok")
    monkeypatch.setenv(zoo.pretrained.BASE_URL_ENV, (published["root"] / "presets").as_uri())
    zoo.pretrained.fetch(NAME, registry=registry, retries=0)
    assert_cache_clean(cache, registry)
    assert len(cached_files(cache)) == len(zoo.pretrained.info(NAME, registry=registry).files)


def test_offline_with_an_empty_cache_says_what_to_do(published, server, tmp_path, cache, monkeypatch):
    registry = write_registry(tmp_path, published["folder"], f"{server.url}/ok")
    monkeypatch.setenv(zoo.pretrained.OFFLINE_ENV, "1")
    with pytest.raises(zoo.pretrained.PresetNotCachedError) as raised:
        zoo.pretrained.load(NAME, registry=registry)
    message = str(raised.value)
    assert "manifest.json" in message and f"{server.url}/ok/{NAME}/manifest.json" in message
    assert f"gan-zoo pull {NAME}" in message and zoo.pretrained.BASE_URL_ENV in message
    assert sum(server.hits.values()) == 0
    assert cached_files(cache) == []


def test_offline_uses_a_warm_cache_and_deletes_a_corrupt_file(published, server, tmp_path, cache, monkeypatch):
    registry = write_registry(tmp_path, published["folder"], f"{server.url}/ok")
    folder = zoo.pretrained.fetch(NAME, registry=registry)
    hits = sum(server.hits.values())
    monkeypatch.setenv(zoo.pretrained.OFFLINE_ENV, "1")
    zoo.pretrained.load(NAME, registry=registry)
    (folder / "generator.onnx").write_bytes(b"garbage")
    with pytest.raises(zoo.pretrained.PresetNotCachedError, match=r"generator.onnx .* is corrupt"):
        zoo.pretrained.fetch(NAME, registry=registry)
    assert not (folder / "generator.onnx").exists()
    assert sum(server.hits.values()) == hits
    assert_cache_clean(cache, registry)


def test_load_from_file_and_http_urls_of_a_preset_folder(published, server, tmp_path, cache):
    reference = np.load(published["folder"] / "samples.npy")
    for url in (published["folder"].as_uri(), f"{server.url}/ok/{NAME}"):
        model = zoo.pretrained.load(url)
        np.testing.assert_allclose(model.sample(16, seed=0), reference, atol=1e-4)
    assert server.hits[f"/ok/{NAME}/manifest.json"] == 1
    server.stop()
    zoo.pretrained.load(f"{server.url}/ok/{NAME}")  # cached: no network needed


def _run_python(code: str, env: dict[str, str], prefix: list[str] | None = None) -> subprocess.Popen:
    env = {**os.environ, **env, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen(
        [*(prefix or []), sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_pulling_one_preset_download_each_file_once(published, server, tmp_path):
    registry = write_registry(tmp_path, published["folder"], f"{server.url}/slow")
    server.delay = 0.2
    cache, go = tmp_path / "cache", tmp_path / "go"
    code = (
        "import pathlib, time, zoo.pretrained\n"
        "print('ready', flush=True)\n"
        f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.01)\n"
        f"print(zoo.pretrained.fetch({NAME!r}, progressbar=False))\n"
    )
    env = {zoo.pretrained.CACHE_ENV: str(cache), zoo.pretrained.REGISTRY_ENV: str(registry)}
    processes = [_run_python(code, env) for _ in range(2)]
    for process in processes:
        assert process.stdout.readline().strip() == "ready", process.stderr.read()
    go.touch()  # both start fetching together
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], [err for _, err in outputs]
    assert {out.strip() for out, _ in outputs} == {str(cache / NAME)}
    files = zoo.pretrained.info(NAME, registry=registry).files
    assert all(server.hits[f"/slow/{NAME}/{item.name}"] == 1 for item in files), server.hits
    assert_cache_clean(cache, registry)


def test_read_only_cache_cold_fails_clearly_and_warm_loads(published, server, tmp_path):
    registry = write_registry(tmp_path, published["folder"], f"{server.url}/ok")
    prefix = []
    if os.geteuid() == 0:  # root writes anywhere: drop the capabilities that allow it
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot make a folder read-only")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]
    cold, warm = tmp_path / "cold", tmp_path / "warm"
    cold.mkdir()
    zoo.pretrained.fetch(NAME, registry=registry, cache=warm)
    hits = sum(server.hits.values())
    for folder in (cold, warm, warm / NAME):
        folder.chmod(0o555)
    code = (
        "import zoo.pretrained\n"
        "try:\n"
        f"    print('OK', zoo.pretrained.load({NAME!r}).sample(2, seed=0).shape)\n"
        "except zoo.pretrained.PresetError as error:\n"
        "    print('ERROR', error)\n"
    )
    try:
        results = {}
        for name, folder in (("cold", cold), ("warm", warm)):
            env = {zoo.pretrained.CACHE_ENV: str(folder), zoo.pretrained.REGISTRY_ENV: str(registry)}
            out, err = _run_python(code, env, prefix).communicate(timeout=300)
            results[name] = out.strip() or err
    finally:
        for folder in (cold, warm, warm / NAME):
            folder.chmod(0o755)
    assert results["cold"].startswith("ERROR Cannot write to the preset cache"), results["cold"]
    assert zoo.pretrained.CACHE_ENV in results["cold"]
    assert results["warm"] == "OK (2, 8, 8, 1)", results["warm"]
    assert list(cold.iterdir()) == []
    assert sum(server.hits.values()) == hits
    assert_cache_clean(warm, registry)


# === Command line ===


def test_cli_list_pull_and_sample_a_preset(published, server, tmp_path, cache, monkeypatch, capsys):
    registry = write_registry(tmp_path, published["folder"], f"{server.url}/ok")
    monkeypatch.setenv(zoo.pretrained.REGISTRY_ENV, str(registry))
    assert main(["list", "--pretrained"]) == 0
    listing = capsys.readouterr().out
    assert NAME in listing and "digits_fid" in listing

    assert main(["pull", NAME, "--quiet"]) == 0
    assert capsys.readouterr().out.strip() == str(cache / NAME)
    assert_cache_clean(cache, registry)

    grid = tmp_path / "grid.png"
    assert main(["sample", NAME, "-n", "4", "-o", str(grid)]) == 0
    from PIL import Image

    assert Image.open(grid).size[0] > 8
    assert main(["pull", NAME, "--offline", "-q"]) == 0
    capsys.readouterr()
    assert main(["sample", "dcgan_digit", "-o", str(tmp_path / "other.png")]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "Did you mean 'dcgan_digits'?" in error
    assert not (tmp_path / "other.png").exists()


def test_publish_a_mixture_preset_scores_its_modes(tmp_path):
    tiny = {"epochs": 1, "num_samples": 512, "batch_size": 128, "model": {"latent_dim": 2, "width": 16}}
    results = publish_all(["gan_grid25"], out=tmp_path / "presets", runs=tmp_path / "runs", overrides=tiny, verbose=0)
    metadata = zoo.pretrained.read_metadata(tmp_path / "presets" / "gan_grid25")
    assert metadata["metrics"]["num_modes"] == 25 and 0 <= metadata["metrics"]["modes"] <= 25
    assert results["gan_grid25"]["modes"] == metadata["metrics"]["modes"]
    model = zoo.pretrained.load(tmp_path / "presets" / "gan_grid25")
    from zoo.metrics import mode_coverage_for

    # The card's numbers are those of model.sample(2500, seed=0).
    coverage = mode_coverage_for("grid25", model.sample(2500, seed=0))
    assert coverage.modes_captured == metadata["metrics"]["modes"]
    assert coverage.high_quality_fraction == pytest.approx(metadata["metrics"]["high_quality"])
    registry = zoo.pretrained.load_registry(tmp_path / "registry.json")
    assert registry.names() == ["gan_grid25"]


# === The shipped presets ===

SHIPPED = zoo.pretrained.list()


def test_every_registered_family_ships_a_preset():
    assert set(zoo.list_models()) <= {zoo.pretrained.info(name).family for name in SHIPPED}


def assert_same_samples(actual, expected, atol=1e-4):
    """Arrays, or dicts of arrays by name (a CoGAN's pair), equal to `atol`."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected)
        for key in expected:
            np.testing.assert_allclose(actual[key], expected[key], atol=atol, err_msg=key)
    else:
        np.testing.assert_allclose(actual, expected, atol=atol)


def check_reference_samples(name: str, model, folder: pathlib.Path, cache: pathlib.Path) -> None:
    """The Keras model and every exported ONNX network reproduce the stored reference
    samples (a translator: the stored translations of the stored inputs)."""
    metadata = zoo.pretrained.read_metadata(folder)
    reference = metadata["reference_samples"]
    stored = np.load(folder / reference["file"])
    stored = {key: stored[key] for key in stored.files} if isinstance(stored, np.lib.npyio.NpzFile) else stored
    onnx = {
        network: export.load_pretrained_onnx(name, cache=cache, offline=True, network=network)
        for network in metadata["exported_networks"]
    }
    if "translated_a2b" in reference.get("arrays", ()):
        for direction, source in (("a2b", "image_a"), ("b2a", "image_b")):
            translated = model.translate(stored[source], direction)
            np.testing.assert_allclose(translated, stored[f"translated_{direction}"], atol=1e-4)
            np.testing.assert_allclose(onnx[f"generator_{direction}"].translate(stored[source]), translated, atol=1e-4)
        return
    samples = model.sample(reference["n"], seed=reference["seed"])
    assert_same_samples(samples, stored)
    assert_same_samples(onnx["generator"].generate(reference["n"], seed=reference["seed"]), samples)
    if "encoder" in onnx:  # BiGAN: E(x) of the reference samples, in onnxruntime and Keras
        np.testing.assert_allclose(onnx["encoder"].translate(samples), model.encode(samples), atol=1e-4)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_preset_verifies_loads_and_reproduces_its_card(name, tmp_path, monkeypatch):
    from recipes.publish import MAX_PRESET_BYTES, evaluate_preset

    monkeypatch.delenv(zoo.pretrained.BASE_URL_ENV, raising=False)
    entry = zoo.pretrained.info(name)
    for item in entry.files:
        data = (zoo.pretrained.PRESETS_DIR / name / item.name).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (item.size, item.sha256), item.name
    assert entry.size <= MAX_PRESET_BYTES

    # The default registry resolves the shipped files with no network.
    model = zoo.pretrained.load(name, cache=tmp_path, offline=False)
    folder = tmp_path / name
    metadata = zoo.pretrained.read_metadata(folder)
    check_reference_samples(name, model, folder, tmp_path)

    # Re-measuring gives the card's numbers: they were computed on these samples.
    metrics, _, _ = evaluate_preset(model, metadata)
    assert metrics == pytest.approx(metadata["metrics"], rel=1e-3, abs=1e-4)
    assert entry.metrics == metadata["metrics"]


def test_cli_samples_the_shipped_conditional_audio_and_two_domain_presets(tmp_path, cache, capsys):
    from PIL import Image

    # A conditional preset, by label: the CLI's grid holds what Keras and onnxruntime draw.
    assert main(["sample", "cgan_digits", "-n", "4", "--label", "3", "-o", str(tmp_path / "threes.png")]) == 0
    keras_threes = zoo.pretrained.load("cgan_digits").sample(4, seed=0, label=3)
    onnx_threes = export.load_pretrained_onnx("cgan_digits").sample(4, seed=0, label=3)
    np.testing.assert_allclose(onnx_threes, keras_threes, atol=1e-4)
    assert Image.open(tmp_path / "threes.png").size[0] > 16
    # CoGAN's pairs side by side; WaveGAN's clips as WAV files.
    assert main(["sample", "cogan_digits", "-n", "4", "-o", str(tmp_path / "pairs.png")]) == 0
    assert main(["sample", "wavegan_drums", "-n", "2", "-o", str(tmp_path / "drums.wav")]) == 0
    assert sorted(path.name for path in tmp_path.glob("drums*.wav")) == ["drums_000.wav", "drums_001.wav"]
    capsys.readouterr()

    # A translator draws nothing from noise: `sample` says to `translate`, which takes the preset name.
    assert main(["sample", "cyclegan_digits", "-o", str(tmp_path / "none.png")]) == 2
    assert "gan-zoo translate cyclegan_digits" in capsys.readouterr().err
    assert not (tmp_path / "none.png").exists()
    folder = zoo.pretrained.fetch("cyclegan_digits")
    colored = np.load(folder / "samples.npz")["image_b"][:2]
    inputs = tmp_path / "colored"
    inputs.mkdir()
    for index, image in enumerate(colored):
        Image.fromarray(np.round((image + 1) * 127.5).astype("uint8")).save(inputs / f"{index}.png")
    translate = ["translate", "cyclegan_digits", "--input", str(inputs), "--direction", "b2a"]
    assert main([*translate, "--output", str(tmp_path / "gray")]) == 0
    assert sorted(path.name for path in (tmp_path / "gray").iterdir()) == ["0.png", "1.png"]


def test_load_onnx_picks_an_exported_network_by_name(cache):
    encoder = export.load_pretrained_onnx("bigan_digits", network="encoder")
    model = zoo.pretrained.load("bigan_digits")
    images = model.sample(4, seed=1)
    np.testing.assert_allclose(encoder.translate(images), model.encode(images), atol=1e-4)
    assert export.load_pretrained_onnx("cyclegan_digits").metadata.get("artifact") == "generator_a2b"
    with pytest.raises(
        zoo.pretrained.PresetError, match=r"ships no decoder.onnx; its ONNX networks: generator, encoder"
    ):
        export.load_pretrained_onnx("bigan_digits", network="decoder")


def test_hf_urls_go_through_keras_loading(monkeypatch):
    import keras

    calls = []

    def fake_load_model(path, **kwargs):
        calls.append((path, kwargs))
        raise ImportError("To load models from the Hugging Face Hub, you must install the `huggingface_hub` package.")

    monkeypatch.setattr(keras.saving, "load_model", fake_load_model)
    with pytest.raises(zoo.pretrained.PresetError, match="needs the huggingface_hub package"):
        zoo.pretrained.load("hf://someone/dcgan_digits")
    assert calls == [("hf://someone/dcgan_digits", {"compile": False, "safe_mode": True})]


def test_a_preset_url_without_a_manifest_is_reported_and_nothing_kept(published, server, cache):
    with pytest.raises(zoo.pretrained.PresetDownloadError, match=r"/404/dcgan_digits/manifest.json: .*404"):
        zoo.pretrained.load(f"{server.url}/404/{NAME}")
    assert [path for path in cache.rglob("*") if path.is_file()] == []
