"""`gan-zoo publish`, `gan-zoo pull`, `gan-zoo list --pretrained`, and the preset
names that `gan-zoo sample` accepts."""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time


def command_list_pretrained(args: argparse.Namespace) -> None:
    import zoo.pretrained

    registry = zoo.pretrained.load_registry()
    names = registry.names()
    if not names:
        print(f"No presets in {registry.source}.")
        return
    print(f"Pretrained presets ({registry.source}):")
    for name in names:
        preset = registry.get(name)
        metrics = ", ".join(f"{key} {value:.3g}" for key, value in preset.metrics.items() if not key.endswith("_std"))
        print(f"  {name:<16} {preset.family:<8} {preset.dataset:<8} {preset.size / 1e6:.2f} MB  {metrics}")
    print(f"\nCache: {zoo.pretrained.cache_dir()} (set {zoo.pretrained.CACHE_ENV} to move it).")


def command_pull(args: argparse.Namespace) -> None:
    import zoo.pretrained

    start = time.perf_counter()
    # A progress bar only on a terminal: piped into a log it is a line of noise per file.
    progressbar = not args.quiet and sys.stderr.isatty()
    folder = zoo.pretrained.resolve(args.name, offline=args.offline or None, progressbar=progressbar)
    # The folder alone on stdout, so that `cd "$(gan-zoo pull NAME)"` works.
    print(folder)
    if not args.quiet:
        print(f"({time.perf_counter() - start:.2f} s)", file=sys.stderr)


def command_publish(args: argparse.Namespace) -> None:
    from recipes.publish import MAX_PRESET_BYTES, publish_run

    folder = publish_run(
        args.run,
        args.output,
        name=args.name,
        seed=args.seed,
        num_samples=args.num_samples,
        max_bytes=None if args.no_size_limit else MAX_PRESET_BYTES,
    )
    import zoo.pretrained

    metadata = zoo.pretrained.read_metadata(folder)
    print(f"Wrote preset {metadata['name']} to {folder}/")
    for key, value in metadata["metrics"].items():
        print(f"  {key:<14} {value:.4g}")
    manifest = zoo.pretrained.verify_folder(folder)
    total = sum(entry["size"] for entry in manifest["files"].values())
    print(f"  {len(manifest['files'])} files, {total} bytes; sha256 of each in {folder / 'manifest.json'}")


def sample_source(text: str, network: str | None = None) -> pathlib.Path | None:
    """For `gan-zoo sample` / `translate`: the ONNX file of exported `network` (by
    default the first: `generator`, a CycleGAN's `generator_a2b`) of the preset named
    (or located) by `text`, or None when `text` is a model path rather than a preset."""
    import zoo.pretrained

    path = pathlib.Path(text)
    scheme = text.split("://", 1)[0] if "://" in text else ""
    if scheme in ("http", "https", "file"):
        return zoo.pretrained.onnx_path(zoo.pretrained.resolve(text), network)
    if path.is_dir() and (path / zoo.pretrained.MANIFEST_FILE).is_file():
        return zoo.pretrained.onnx_path(zoo.pretrained.resolve(path), network)
    if path.exists() or os.sep in text or path.suffix in (".keras", ".onnx"):
        return None
    try:
        folder = zoo.pretrained.fetch(text)
    except zoo.pretrained.UnknownPresetError as error:
        raise FileNotFoundError(
            f"No model file, run folder or preset named {text!r}: expected a .keras or .onnx file, a run "
            f"folder, or a preset name. {str(error).split(f'{text!r}.', 1)[-1].strip()}"
        ) from None
    return zoo.pretrained.onnx_path(folder, network)


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add `pull` and `publish` to the `gan-zoo` subcommands."""
    pull = commands.add_parser("pull", help="download a pretrained preset (hash-checked) and print its folder")
    pull.add_argument("name", metavar="NAME", help="a preset name (see `list --pretrained`), folder or URL")
    pull.add_argument("--offline", action="store_true", help="use the cache only (also: KERAS_GAN_ZOO_OFFLINE=1)")
    pull.add_argument("-q", "--quiet", action="store_true", help="no progress bar or timing")
    pull.set_defaults(handler=command_pull)

    publish = commands.add_parser("publish", help="write a preset (evaluated, with a manifest) from a run folder")
    publish.add_argument("run", metavar="RUN_FOLDER", help="a run folder holding model.keras (from `train`)")
    publish.add_argument("-o", "--output", required=True, help="the preset folder to write")
    publish.add_argument("--name", help="preset name (default: the output folder's name)")
    publish.add_argument("--seed", type=int, default=0, help="evaluation noise seed (default 0)")
    publish.add_argument("--num-samples", type=int, help="evaluation samples (default 1437 digits, 2500 mixtures)")
    publish.add_argument("--no-size-limit", action="store_true", help="allow a preset over 2 MB")
    publish.set_defaults(handler=command_publish)
