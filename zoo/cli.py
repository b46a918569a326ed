"""`gan-zoo`: list, train, sample, export and evaluate from the command line."""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time


def _quiet_tensorflow() -> None:
    # TensorFlow's C++ start-up lines (CUDA probes, CPU features) bury the output.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def command_list(args: argparse.Namespace) -> None:
    import recipes
    import zoo
    from zoo.data import list_datasets

    print("Families:")
    for name in zoo.list_models():
        info = zoo.family_info(name)
        print(f"  {name:<10} {info.summary}\n  {'':<10} {info.paper}")
    print("\nRecipes:")
    for name in recipes.list_recipes():
        print(f"  {name:<14} {recipes.get_recipe(name).description}")
    print(f"\nDatasets: {', '.join(list_datasets())}, any TensorFlow Datasets image name, or an image folder.")


def command_train(args: argparse.Namespace) -> None:
    import recipes

    recipe = recipes.get_recipe(args.recipe)
    if args.data is not None and args.data != recipe.data and args.recipe in recipes.list_recipes():
        recipe = recipe.replace(data=args.data)
    elif args.data is not None:
        recipe = recipes.recipe_for(recipe.family, args.data)
    recipe = recipe.replace(
        epochs=args.epochs, batch_size=args.batch_size, image_size=args.image_size, channels=args.channels
    )
    out = pathlib.Path(args.out or pathlib.Path("runs") / recipe.name)
    print(f"Training {recipe.family} on {recipe.data} for {recipe.epochs} epochs into {out}/")
    result = recipes.run_recipe(recipe, out, export_onnx=not args.no_export, seed=args.seed)
    print(f"Done in {result.seconds:.0f} s. Files:")
    for key, path in result.files.items():
        print(f"  {key:<13} {path}")


def command_sample(args: argparse.Namespace) -> None:
    import export

    path = pathlib.Path(args.model)
    if path.is_dir() and (path / "model.keras").exists():
        path = path / "model.keras"
    if not path.exists():
        raise FileNotFoundError(f"No model at {path}: expected a .keras file, a .onnx file or a run folder.")
    if path.suffix == ".onnx":
        samples = export.OnnxGenerator(path).generate(args.n, seed=args.seed)
    elif path.suffix == ".keras":
        import keras

        import zoo  # noqa: F401  (registers the families for loading)

        samples = keras.saving.load_model(path).sample(args.n, seed=args.seed)
    else:
        raise ValueError(f"{path} is not a model: expected a .keras or .onnx file.")
    written = export.save_samples(samples, args.output)
    print(f"Wrote {args.n} samples from {path} to {written}")


def command_export(args: argparse.Namespace) -> None:
    import export

    start = time.perf_counter()
    paths = export.export_model(args.model, args.output, format=args.format)
    for path in paths:
        print(f"Wrote {path} (parity with Keras checked to 1e-4)")
    print(f"Export took {time.perf_counter() - start:.1f} s")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gan-zoo", description="Train the classic GAN families, sample them, export them to ONNX."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="list families, recipes and datasets")
    listing.set_defaults(handler=command_list)

    train = commands.add_parser("train", help="train a recipe or a family")
    train.add_argument("recipe", metavar="RECIPE_OR_FAMILY", help="a recipe name or a family name (see `list`)")
    train.add_argument("--data", help="dataset name or image folder (default: the recipe's)")
    train.add_argument("--epochs", type=int, help="number of epochs (default: the recipe's)")
    train.add_argument("--batch-size", type=int, help="global batch size")
    train.add_argument("--image-size", type=int, help="image side in pixels")
    train.add_argument("--channels", type=int, choices=(1, 3), help="1 (gray) or 3 (RGB)")
    train.add_argument("--out", help="run folder (default: runs/RECIPE); an interrupted run there resumes")
    train.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    train.add_argument("--no-export", action="store_true", help="skip the ONNX export at the end")
    train.set_defaults(handler=command_train)

    sample = commands.add_parser("sample", help="write a grid of samples from a .keras or .onnx generator")
    sample.add_argument("model", metavar="MODEL", help="a .keras file, a .onnx file or a run folder")
    sample.add_argument("-n", type=int, default=64, help="number of samples (default 64)")
    sample.add_argument("-o", "--output", default="samples.png", help="output PNG (WAV for audio)")
    sample.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    sample.set_defaults(handler=command_sample)

    exporter = commands.add_parser("export", help="export a generator to ONNX and/or SavedModel")
    exporter.add_argument("model", metavar="RUN_OR_MODEL", help="a run folder or a .keras file")
    exporter.add_argument("--format", choices=("onnx", "savedmodel", "both"), default="onnx")
    exporter.add_argument("-o", "--output", required=True, help="output file or folder")
    exporter.set_defaults(handler=command_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    _quiet_tensorflow()
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except (ValueError, FileNotFoundError, TypeError) as error:
        print(f"gan-zoo {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nInterrupted. Run the same command again to resume training.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
