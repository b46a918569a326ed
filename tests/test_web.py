"""`gan-zoo web`: the page runs the generator in a real browser (headless Chromium,
onnxruntime-web on WASM) and shows the samples Python computes for the same seed.

The page is served on 127.0.0.1 by http.server in a thread; Chromium dumps the DOM,
where the page writes its inputs and outputs as JSON. Expected values are the spec
sampler's inputs (`zoo.spec.InputSpec.sample`) run through onnxruntime in Python.
The browser tests skip only when Chromium or the npm files of onnxruntime-web are
missing: `bash scripts/web_deps.sh` installs both.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import pathlib
import re
import shutil
import subprocess
import threading
from typing import ClassVar

import keras
import numpy as np
import onnxruntime as ort
import pytest
from conftest import IMAGE_SHAPE, TINY, VECTOR_SHAPE, random_data, tiny_model
from PIL import Image

import export
import zoo
from cli import main
from export import web
from zoo import spec as spec_lib
from zoo.diagnostics.interpolation import slerp

ROOT = pathlib.Path(__file__).resolve().parent.parent
ORT_DIR = pathlib.Path(os.environ.get("ZOO_ORT_WEB_DIR", ROOT / ".web_deps"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INSTALL = "bash scripts/web_deps.sh (apt chromium, npm onnxruntime-web into .web_deps/)"


def ort_dir_or_none() -> pathlib.Path | None:
    try:
        return web.ort_files(ORT_DIR)
    except FileNotFoundError:
        return None


needs_browser = pytest.mark.skipif(
    CHROMIUM is None or ort_dir_or_none() is None,
    reason=f"needs Chromium and onnxruntime-web's npm files ({'found' if CHROMIUM else 'no'} chromium, "
    f"{'found' if ort_dir_or_none() else 'no'} files in {ORT_DIR}); install them with: {INSTALL}",
)


# === A static server and a headless browser ===


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript"}

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Serves a folder on 127.0.0.1; yields (folder, base URL)."""
    folder = tmp_path_factory.mktemp("served")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=folder))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def chromium(url: str, tmp_path: pathlib.Path, *flags: str) -> str:
    """Chromium's stdout for `url`; the virtual-time budget lets the page's async work
    (fetching and compiling the WASM, running the model) finish first."""
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--virtual-time-budget=60000",
        *flags,
        url,
    ]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def dumped(dom: str, element_id: str) -> dict:
    match = re.search(rf'<pre id="{element_id}"[^>]*>(.*?)</pre>', dom, re.DOTALL)
    assert match and match.group(1), f"no #{element_id} in the page:\n{dom[-3000:]}"
    values = json.loads(html.unescape(match.group(1)))
    assert "error" not in values, values["error"]
    return values


def expected_outputs(onnx_path: pathlib.Path, inputs: dict[str, np.ndarray]) -> np.ndarray:
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    return session.run(None, inputs)[0]


def assert_inputs_match(page: dict, spec: spec_lib.InputSpec, n: int, seed: int, **fixed) -> dict[str, np.ndarray]:
    """The page's inputs equal `spec.sample(n, seed, **fixed)`: ids exactly, floats to 1e-6."""
    expected = spec.sample(n, seed, **fixed)
    assert sorted(page["inputs"]) == sorted(expected)
    for name, values in expected.items():
        actual = np.asarray(page["inputs"][name]).reshape(values.shape)
        if values.dtype.kind == "i":
            np.testing.assert_array_equal(actual, values)
        else:
            np.testing.assert_allclose(actual, values, rtol=0, atol=1e-6)
    return expected


# === Generators ===


@pytest.fixture(scope="module")
def dcgan():
    keras.utils.set_random_seed(0)
    model = tiny_model("dcgan", IMAGE_SHAPE)
    model.compile()
    model.fit(random_data(32, IMAGE_SHAPE), batch_size=8, epochs=1, verbose=0)
    return model


CONDITIONAL_SPEC = spec_lib.InputSpec(
    [
        spec_lib.noise(4, prior="uniform"),
        spec_lib.categorical(5, name="label"),
        spec_lib.continuous(2, low=-2.0, high=3.0, name="code"),
    ]
)


def conditional_model() -> zoo.GAN:
    """A tiny DCGAN whose generator declares uniform noise, class ids and a code."""

    class ConditionalDCGAN(zoo.family_info("dcgan").cls):
        def build_generator_inputs(self):
            return CONDITIONAL_SPEC

    return ConditionalDCGAN(data_shape=IMAGE_SHAPE, **TINY)


# === In the browser ===


@needs_browser
def test_page_samples_equal_python_for_the_same_seed(dcgan, server, tmp_path):
    folder, base = server
    site = folder / "dcgan"
    n, seed = 6, 12345
    page_path = web.build_site(dcgan, site, ort_dir=ORT_DIR, n=n, seed=seed)
    assert page_path == site / "index.html"
    dom = chromium(f"{base}/dcgan/", tmp_path, "--dump-dom")
    page = dumped(dom, "samples")
    assert page["seed"] == seed and page["n"] == n

    # The spec came from the ONNX metadata (generator_inputs), as the model declares it.
    assert web.input_spec_of(export.read_metadata(site / "generator.onnx")) == dcgan.generator_inputs
    inputs = assert_inputs_match(page, dcgan.generator_inputs, n, seed)
    expected = expected_outputs(site / "generator.onnx", inputs)
    assert page["shape"] == list(expected.shape)
    samples = np.asarray(page["output"]).reshape(expected.shape)
    np.testing.assert_allclose(samples, expected, rtol=0, atol=1e-4)
    # The same samples as OnnxGenerator and the Keras model draw for the seed.
    np.testing.assert_allclose(samples, export.OnnxGenerator(site / "generator.onnx").generate(n, seed), atol=1e-4)
    np.testing.assert_allclose(samples, dcgan.sample(n, seed), atol=2e-4)

    # The slider starts half-way between the first two samples' noise (slerp).
    walk = dumped(dom, "interpolation")
    assert walk["t"] == 0.5
    point = slerp(inputs["z"][0], inputs["z"][1], [0.5])
    np.testing.assert_allclose(walk["z"], point[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        walk["output"], expected_outputs(site / "generator.onnx", {"z": point}).ravel(), atol=1e-4
    )
    assert "Ready: 6 samples" in dom

    screenshot = tmp_path / "page.png"
    chromium(f"{base}/dcgan/", tmp_path, "--window-size=900,640", f"--screenshot={screenshot}")
    pixels = np.asarray(Image.open(screenshot).convert("L"))
    assert pixels.shape == (640, 900) and pixels.std() > 5  # the page drew something, not a blank


@needs_browser
def test_page_draws_categorical_and_continuous_inputs_like_python(server, tmp_path):
    folder, base = server
    keras.utils.set_random_seed(1)
    model = conditional_model()
    site = folder / "conditional"
    web.build_site(model, site, ort_dir=ORT_DIR, n=10, seed=7)  # exported, spec from the metadata
    onnx_path = site / "generator.onnx"
    dom = chromium(f"{base}/conditional/", tmp_path, "--dump-dom")
    page = dumped(dom, "samples")
    inputs = assert_inputs_match(page, CONDITIONAL_SPEC, 10, 7)
    assert len(set(inputs["label"].tolist())) > 1  # several classes drawn
    expected = expected_outputs(onnx_path, inputs)
    np.testing.assert_allclose(np.asarray(page["output"]).reshape(expected.shape), expected, rtol=0, atol=1e-4)
    np.testing.assert_allclose(expected, model.sample(10, 7), atol=2e-4)
    # A class selector with "drawn" and the 5 classes; captions name each sample's class.
    select = re.search(r"<select>(.*?)</select>", dom, re.DOTALL).group(1)
    assert re.findall(r'<option value="(\d*)">', select) == ["", "0", "1", "2", "3", "4"]
    assert f"label {inputs['label'][0]}" in dom

    # The URL sets the seed and fixes the class, as the selector does.
    page = dumped(chromium(f"{base}/conditional/?seed=5&label=3", tmp_path, "--dump-dom"), "samples")
    inputs = assert_inputs_match(page, CONDITIONAL_SPEC, 10, 5, label=3)
    assert inputs["label"].tolist() == [3] * 10
    expected = expected_outputs(onnx_path, inputs)
    np.testing.assert_allclose(expected, export.OnnxGenerator(onnx_path).generate(10, 5, label=3), atol=1e-6)
    np.testing.assert_allclose(np.asarray(page["output"]).reshape(expected.shape), expected, rtol=0, atol=1e-4)
    dom = chromium(f"{base}/conditional/?label=9", tmp_path, "--dump-dom")
    assert "Error: label must be a class id in [0, 5), got 9." in dom


def audio_generator() -> keras.Model:
    """A bare generator of 256-sample mono audio from 4 noise values."""
    z = keras.Input((4,), name="z")
    audio = keras.layers.Dense(256, activation="tanh")(z)
    return keras.Model(z, keras.layers.Reshape((256, 1))(audio), name="audio_generator")


@needs_browser
@pytest.mark.parametrize("kind", ["audio", "vectors"])
def test_page_runs_audio_and_vector_generators(kind, server, tmp_path):
    folder, base = server
    keras.utils.set_random_seed(2)
    source = audio_generator() if kind == "audio" else tiny_model("gan", VECTOR_SHAPE)
    site = folder / kind
    web.build_site(source, site, ort_dir=ORT_DIR, n=5, seed=11)
    metadata = export.read_metadata(site / "generator.onnx")
    assert metadata["data_kind"] == kind
    dom = chromium(f"{base}/{kind}/", tmp_path, "--dump-dom")
    page = dumped(dom, "samples")
    inputs = assert_inputs_match(page, web.input_spec_of(metadata), 5, 11)
    expected = expected_outputs(site / "generator.onnx", inputs)
    np.testing.assert_allclose(np.asarray(page["output"]).reshape(expected.shape), expected, rtol=0, atol=1e-4)
    # Audio: a waveform and a play button per sample and for the slider; vectors: one scatter plot.
    assert dom.count("<button>▶ play</button>") == (5 + 1 if kind == "audio" else 0)  # + the slider's
    assert dom.count("<canvas") == (5 + 1 if kind == "audio" else 1 + 1)  # + the slider's view


SAMPLER_PAGE = """<!doctype html><meta charset="utf-8"><script src="zoo-sampler.js"></script>
<pre id="samples"></pre><script>
const cases = {cases};
document.getElementById("samples").textContent = JSON.stringify({{
  results: cases.map(([spec, n, seed]) => Object.fromEntries(
    Object.entries(zooSampler.sample(spec, n, seed)).map(([name, value]) => [name, Array.from(value.data)])))
}});
</script>"""


@needs_browser
def test_js_sampler_equals_the_python_sampler(server, tmp_path):
    folder, base = server
    specs = [
        spec_lib.InputSpec([spec_lib.noise(3, "normal")]),
        spec_lib.InputSpec([spec_lib.noise(4, "uniform", name="w"), spec_lib.noise(3, "normal")]),
        spec_lib.InputSpec([spec_lib.categorical(7), spec_lib.continuous(3, low=-0.5, high=2.5)]),
        CONDITIONAL_SPEC,
        spec_lib.InputSpec([spec_lib.GeneratorInput("grid", "noise", (2, 3), prior="normal")]),
    ]
    cases = [(spec, n, seed) for spec in specs for n, seed in ((1, 0), (5, 1), (9, 2**32 - 1), (33, 123456789))]
    site = folder / "sampler"
    site.mkdir()
    shutil.copy(web.ASSETS / "zoo-sampler.js", site / "zoo-sampler.js")
    payload = json.dumps([[spec.get_config(), n, seed] for spec, n, seed in cases])
    (site / "index.html").write_text(SAMPLER_PAGE.format(cases=payload))
    results = dumped(chromium(f"{base}/sampler/", tmp_path, "--dump-dom"), "samples")["results"]
    assert len(results) == len(cases)
    for (spec, n, seed), page in zip(cases, results):
        assert_inputs_match({"inputs": page}, spec, n, seed)


# === Without a browser ===


def test_build_site_writes_a_page_loading_onnxruntime_web_from_the_cdn(dcgan, tmp_path):
    page = web.build_site(dcgan, tmp_path / "site", n=4, seed=3)
    text = page.read_text()
    assert f'<script src="{web.ORT_CDN}{web.ORT_SCRIPT}"></script>' in text
    config = json.loads(
        re.search(r'<script id="zoo-config" type="application/json">(.*?)</script>', text, re.DOTALL).group(1)
    )
    assert config["spec"] == [{"name": "z", "kind": "noise", "shape": [4], "prior": "normal"}]
    assert (config["n"], config["seed"], config["ortBase"], config["kind"]) == (4, 3, web.ORT_CDN, "images")
    assert sorted(path.name for path in (tmp_path / "site").iterdir()) == [
        "generator.onnx",
        "index.html",
        "zoo-page.js",
        "zoo-sampler.js",
    ]
    assert export.read_metadata(tmp_path / "site" / "generator.onnx")["family"] == "dcgan"


def test_bad_arguments_are_clear_errors_that_write_nothing(dcgan, tmp_path):
    onnx_path = export.to_onnx(dcgan, tmp_path / "g.onnx")
    site = tmp_path / "site"
    with pytest.raises(FileNotFoundError, match=r"does not hold onnxruntime-web's files .* `npm install --prefix DIR"):
        web.build_site(onnx_path, site, ort_dir=tmp_path / "nothing-here")
    with pytest.raises(ValueError, match="n must be a positive integer"):
        web.build_site(onnx_path, site, n=0)
    with pytest.raises(ValueError, match="seed must be an integer"):
        web.build_site(onnx_path, site, seed=-1)
    translator = spec_lib.InputSpec([spec_lib.noise(4), spec_lib.conditioning_sample((8, 8, 1))])
    with pytest.raises(ValueError, match=r"spec has the inputs \['z', 'image'\], the ONNX model takes \['z'\]"):
        web.build_site(onnx_path, site, spec=translator)
    with pytest.raises(ValueError, match="'z' is a conditioning sample"):
        web.build_site(onnx_path, site, spec=spec_lib.InputSpec([spec_lib.conditioning_sample((8, 8, 1), "z")]))
    assert not site.exists()
    with pytest.raises(ValueError, match="is a file"):
        web.build_site(onnx_path, onnx_path)


def test_cli_web(dcgan, tmp_path, capsys):
    onnx_path = export.to_onnx(dcgan, tmp_path / "g.onnx")
    assert main(["web", str(onnx_path), "-o", str(tmp_path / "site"), "-n", "8"]) == 0
    assert "Wrote" in capsys.readouterr().out and (tmp_path / "site" / "index.html").is_file()
    assert main(["web", str(onnx_path), "-o", str(tmp_path / "air"), "--ort-dir", str(tmp_path / "none")]) == 2
    assert "npm install --prefix DIR onnxruntime-web@" in capsys.readouterr().err
    assert not (tmp_path / "air").exists()
