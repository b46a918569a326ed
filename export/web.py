"""`build_site`: a static web page that runs an exported generator in the browser.

The page (`index.html`, `zoo-sampler.js`, `zoo-page.js`, `generator.onnx`) draws the
generator's inputs with a JavaScript port of `zoo.spec`'s seeded sampler
(zoo-hash32-v1), so a seed gives the same samples in the browser as
`InputSpec.sample` + onnxruntime in Python, and runs the ONNX file with
onnxruntime-web on WebAssembly. It shows a grid of samples, a seed field, a "new
samples" button, a slider walking between two latent points (slerp, White 2016), a
class selector per categorical input and a play button for audio.

onnxruntime-web comes from its public CDN by default, or, for sites without
internet, from the files of the npm package (`--ort-dir`), copied next to the page.
It runs on one thread, so the site needs no cross-origin-isolation headers: any
static file server will do (`python -m http.server -d site`). Pages opened from
`file://` cannot fetch the model; serve the folder.
"""

from __future__ import annotations

import html
import json
import os
import pathlib
import shutil
import tempfile
from typing import Any

import keras

from export import metadata as metadata_lib
from zoo import spec as spec_lib
from zoo.io import atomic_path, write_text
from zoo.spec import InputSpec

#: The onnxruntime-web release the page is written for (scripts/web_deps.sh installs it).
ORT_WEB_VERSION = "1.30.0"
#: Where the page loads onnxruntime-web from without --ort-dir: the npm package's
#: files as served by a public CDN. Kept in this one constant.
ORT_CDN = f"https://cdn.jsdelivr.net/npm/onnxruntime-web@{ORT_WEB_VERSION}/dist/"
#: The WASM-only build: its script, and the module + binary it loads at run time.
ORT_SCRIPT = "ort.wasm.min.js"
ORT_FILES = (ORT_SCRIPT, "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
ORT_SUBFOLDER = "ort"
MODEL_FILE = "generator.onnx"
ASSETS = pathlib.Path(__file__).parent / "web_assets"
PAGE_FILES = ("zoo-sampler.js", "zoo-page.js")
#: Sample rate of audio generators that do not record one.
DEFAULT_SAMPLE_RATE = 16_000
MAX_SAMPLES = 256


def input_spec_of(metadata: dict[str, Any]) -> InputSpec:
    """The generator's inputs from its metadata: the `generator_inputs` key (the
    contract's `InputSpec.get_config()`), else a noise-only spec from `latent_dim`
    and `latent_prior` for generators exported before the contract."""
    if metadata.get("generator_inputs"):
        return InputSpec.from_config(metadata["generator_inputs"])
    inputs = list(metadata.get("inputs") or {})
    if inputs != ["z"] or not metadata.get("latent_dim"):
        raise ValueError(
            f"The ONNX metadata does not declare its inputs (no generator_inputs) and the generator takes "
            f"{inputs or 'unknown inputs'}: pass spec= (a zoo.spec.InputSpec) to build_site."
        )
    return InputSpec([spec_lib.noise(int(metadata["latent_dim"]), metadata.get("latent_prior") or "normal")])


def ort_files(ort_dir: str | os.PathLike) -> pathlib.Path:
    """The folder holding onnxruntime-web's WASM files: `ort_dir` itself, its
    `dist/`, or `node_modules/onnxruntime-web/dist/` under it."""
    root = pathlib.Path(ort_dir)
    for folder in (root, root / "dist", root / "node_modules" / "onnxruntime-web" / "dist"):
        if all((folder / name).is_file() for name in ORT_FILES):
            return folder
    raise FileNotFoundError(
        f"{root} does not hold onnxruntime-web's files ({', '.join(ORT_FILES)}): install them with "
        f"`npm install --prefix DIR onnxruntime-web@{ORT_WEB_VERSION}` and pass --ort-dir DIR."
    )


def _copy(source: pathlib.Path, target: pathlib.Path) -> None:
    with atomic_path(target) as temporary:
        shutil.copyfile(source, temporary)


def _page(config: dict[str, Any], ort_script: str) -> str:
    template = (ASSETS / "index.html").read_text(encoding="utf-8")
    # "</" would end the <script> element holding the JSON.
    config_json = json.dumps(config).replace("</", "<\\/")
    values = {
        "title": html.escape(config["title"]),
        "about": html.escape(config["about"]),
        "ort_script": html.escape(ort_script),
        "config": config_json,
    }
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", value)
    return template


def build_site(
    source: keras.Model | str | os.PathLike,
    output: str | os.PathLike,
    *,
    spec: InputSpec | None = None,
    ort_dir: str | os.PathLike | None = None,
    n: int = 16,
    seed: int = 0,
    precision: str = "fp32",
    title: str | None = None,
) -> pathlib.Path:
    """Write the page for the generator `source` into the folder `output`; returns
    the path of `index.html`.

    Args:
        source: an exported `.onnx` generator (copied), or a `zoo.GAN`, `.keras`
            file or run folder (exported to ONNX at `precision` first).
        spec: the generator's inputs; default read from the ONNX metadata
            (`input_spec_of`).
        ort_dir: a folder with the npm package onnxruntime-web (or its `dist/`):
            its WASM files are copied to `output/ort/` and the page loads them
            from there instead of the CDN.
        n: samples in the grid; seed: the first grid's seed. The page's URL can
            override the seed and fix categorical inputs: `index.html?seed=5&label=3`.
    """
    n = spec_lib.check_count(n)
    if n > MAX_SAMPLES:
        raise ValueError(f"n must be at most {MAX_SAMPLES} (samples in the page's grid), got {n}.")
    seed = spec_lib.check_seed(seed)
    ort_folder = ort_files(ort_dir) if ort_dir is not None else None
    output = pathlib.Path(output)
    if output.exists() and not output.is_dir():
        raise ValueError(f"{output} is a file; the site is written into a folder.")

    with tempfile.TemporaryDirectory() as scratch:
        if isinstance(source, (str, os.PathLike)) and pathlib.Path(source).suffix == ".onnx":
            onnx_path = pathlib.Path(source)
            if precision != "fp32":
                raise ValueError(f"{onnx_path} is exported already: precision={precision!r} applies to models.")
        else:
            from export.model_export import load_source
            from export.onnx_export import to_onnx

            model, _ = load_source(source)
            onnx_path = to_onnx(model, pathlib.Path(scratch) / MODEL_FILE, precision=precision)
        metadata = metadata_lib.read_metadata(onnx_path)
        if not metadata:
            raise ValueError(f"{onnx_path} has no keras-gan-zoo metadata: export it with `gan-zoo export` first.")
        spec = spec if spec is not None else input_spec_of(metadata)
        declared = list(metadata.get("inputs") or {})
        if declared and sorted(spec.names) != sorted(declared):
            raise ValueError(f"spec has the inputs {spec.names}, the ONNX model takes {declared}.")
        undrawable = [item.name for item in spec if not item.drawable]
        if undrawable:
            raise ValueError(
                f"The page draws every input from a seed, but {undrawable[0]!r} is a conditioning sample "
                "(a translator's input image); such generators have no page yet."
            )
        data_shape = tuple(metadata["output"]["shape"][1:])
        family = metadata.get("family")
        dataset = f" ({metadata['dataset']})" if metadata.get("dataset") else ""
        config = {
            "title": title or f"keras-gan-zoo {family or 'generator'}{dataset}",
            "about": (
                f"A {family + ' ' if family else ''}generator running in your browser with onnxruntime-web "
                "(WebAssembly). "
                f"Inputs: {spec.describe()}; drawn with the {spec_lib.SAMPLER} sampler, so a seed gives "
                "the same samples here as in Python."
            ),
            "model": MODEL_FILE,
            "spec": spec.get_config(),
            "sampler": spec_lib.SAMPLER,
            "output": metadata["output"],
            "kind": spec_lib.data_kind(data_shape),
            "valueRange": metadata.get("value_range"),
            "sampleRate": int(metadata.get("sample_rate") or DEFAULT_SAMPLE_RATE),
            "precision": metadata.get("precision", "fp32"),
            "n": n,
            "seed": seed,
            "ortBase": f"{ORT_SUBFOLDER}/" if ort_folder else ORT_CDN,
            "ortVersion": ORT_WEB_VERSION,
        }

        output.mkdir(parents=True, exist_ok=True)
        _copy(onnx_path, output / MODEL_FILE)
    for name in PAGE_FILES:
        _copy(ASSETS / name, output / name)
    if ort_folder is not None:
        for name in ORT_FILES:
            _copy(ort_folder / name, output / ORT_SUBFOLDER / name)
    # The page last: a site whose index.html exists has every file it loads.
    return write_text(output / "index.html", _page(config, config["ortBase"] + ORT_SCRIPT))
