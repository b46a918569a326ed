"""`gan-zoo`: list, train, sample, export and evaluate from the command line."""

from __future__ import annotations

import argparse
import errno
import os
import pathlib
import sys
import time

from cli import pretrained

#: OS errors that are about the user's files or disk, not about our code.
USER_OS_ERRORS = (FileNotFoundError, FileExistsError, PermissionError, IsADirectoryError, NotADirectoryError)
USER_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENAMETOOLONG)


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (and exit code 2) like every other
    bad input; `--help` still prints the usage."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _quiet_tensorflow() -> None:
    # TensorFlow's C++ start-up lines (CUDA probes, CPU features) bury the output.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def command_list(args: argparse.Namespace) -> None:
    if args.pretrained:
        return pretrained.command_list_pretrained(args)
    import recipes
    import zoo
    from zoo.data import list_datasets

    print("Families (generator inputs with the family's defaults):")
    for name in zoo.list_models():
        info = zoo.family_info(name)
        inputs = zoo.create(name).generator_inputs
        print(f"  {name:<10} {info.summary}\n  {'':<10} {info.paper}\n  {'':<10} inputs: {inputs.describe()}")
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
        data_b=args.data_b,
        epochs=args.epochs,
        steps_per_epoch=args.steps_per_epoch,
        batch_size=args.batch_size,
        image_size=args.image_size,
        channels=args.channels,
        clip_length=args.clip_length,
        num_samples=args.num_samples,
        data_dir=args.data_dir,
        model={**recipe.model, **model_settings(args.set)} if args.set else None,
    )
    out = pathlib.Path(args.out or pathlib.Path("runs") / recipe.name)
    passes = f" of {recipe.passes_per_epoch} passes" if recipe.passes_per_epoch > 1 else ""
    if recipe.steps_per_epoch is not None:
        passes = f" of {recipe.steps_per_epoch} steps"
    print(f"Training {recipe.family} on {recipe.data} for {recipe.epochs} epochs{passes} into {out}/")
    if args.workers:
        from recipes.multiworker import run_multi_worker
        from zoo.distributed import WorkerLostError

        try:
            result = run_multi_worker(recipe, out, seed=args.seed)
        except WorkerLostError as error:
            raise SystemExit(f"gan-zoo train: error: {error}") from None
        if not result.files:
            print(f"Worker done in {result.seconds:.0f} s; the chief wrote the run folder.")
            return
        print(f"(Not exported: run `gan-zoo export {out} -o {out / 'generator.onnx'}` on one host.)")
    else:
        result = recipes.run_recipe(
            recipe, out, export_onnx=not args.no_export, seed=args.seed, resume=args.resume, overwrite=args.overwrite
        )
    print(f"Done in {result.seconds:.0f} s. Files:")
    for key, path in result.files.items():
        print(f"  {key:<13} {path}")


def model_settings(items: list[str]) -> dict:
    """`--set KEY=VALUE` pairs as model keyword arguments; VALUE is JSON if it parses
    (numbers, true, null), else a string."""
    import json

    settings = {}
    for item in items:
        key, separator, text = item.partition("=")
        if not separator or not key.isidentifier():
            raise ValueError(f"--set takes KEY=VALUE, got {item!r}.")
        try:
            settings[key] = json.loads(text)
        except ValueError:
            settings[key] = text
    return settings


def fixed_inputs(args: argparse.Namespace, declared) -> dict:
    """`--label`, `--code` and `--input NAME=V1,V2,...` as named generator inputs,
    parsed by what `declared` (the generator's InputSpec) says each input is."""
    import numpy as np

    texts = {}
    if args.label is not None:
        texts["label"] = args.label
    if args.code is not None:
        texts["code"] = args.code
    for item in args.input or []:
        name, separator, values = item.partition("=")
        if not separator or not name:
            raise ValueError(f"--input takes NAME=VALUE[,VALUE...], got {item!r}.")
        texts[name] = values
    fixed = {}
    for name, text in texts.items():
        if name not in declared:
            raise ValueError(f"This generator has no input {name!r}; its inputs are {', '.join(declared.names)}.")
        categorical = declared[name].kind == "categorical"
        try:
            values = [(int if categorical else float)(value) for value in str(text).split(",")]
        except ValueError:
            kind = "integer class ids" if categorical else "numbers"
            raise ValueError(f"{name} takes {kind} separated by commas, got {text!r}.") from None
        fixed[name] = np.asarray(values[0] if categorical and len(values) == 1 else values)
        if not categorical:
            fixed[name] = fixed[name].astype("float32")
    return fixed


def command_sample(args: argparse.Namespace) -> None:
    import export

    generator = export.load_generator(pretrained.sample_source(args.model) or args.model)
    if generator.generator_inputs.noise is None and generator.generator_inputs.of_kind("sample"):
        raise ValueError(
            f"{args.model} is a translator: it draws nothing from noise. Translate images with "
            f"`gan-zoo translate {args.model} --input FOLDER --output FOLDER [--direction b2a]`."
        )
    samples = generator.sample(args.n, seed=args.seed, **fixed_inputs(args, generator.generator_inputs))
    written = export.save_samples(samples, args.output, getattr(generator, "metadata", None), preview=True)
    print(f"Wrote {args.n} samples from {args.model} to {', '.join(str(item) for item in written)}")


def read_images(folder: pathlib.Path, shape: tuple[int, ...]) -> tuple[list[pathlib.Path], object]:
    """Every image file below `folder`, converted to `shape` (height, width, channels:
    gray or RGB, resized bilinearly) in [-1, 1]; a ValueError names a bad file."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    from zoo.data.images import list_image_files

    if not folder.is_dir():
        raise ValueError(f"--input {folder} is not a folder of images.")
    files = list_image_files(folder)
    if not files:
        raise ValueError(f"--input {folder} holds no images.")
    height, width, channels = shape
    images = []
    for path in files:
        try:
            with Image.open(path) as image:
                image = image.convert("L" if channels == 1 else "RGB").resize((width, height), Image.BILINEAR)
                pixels = np.asarray(image, dtype="float32").reshape(height, width, channels)
        except (UnidentifiedImageError, OSError) as error:
            raise ValueError(f"Unreadable image {path}: {error}") from error
        images.append(pixels / 127.5 - 1.0)
    return files, np.stack(images)


def command_translate(args: argparse.Namespace) -> None:
    import export
    from zoo.images import save_image

    # A preset name (or folder, or URL) is its exported translator of that direction.
    source = pretrained.sample_source(args.model, f"generator_{args.direction or 'a2b'}") or pathlib.Path(args.model)
    if source.suffix == ".onnx":
        translator = export.OnnxGenerator(source)
        artifact = translator.metadata.get("artifact")
        if args.direction and artifact != f"generator_{args.direction}":
            raise ValueError(
                f"{source} is {artifact or 'a generator'}, not generator_{args.direction}: pass that file."
            )
        conditioning = translator.generator_inputs.of_kind("sample")
        if len(conditioning) != 1:
            raise ValueError(f"{source} is not a translator (inputs: {translator.generator_inputs.describe()}).")
        shape = conditioning[0].shape
        translate = translator.translate
    else:
        model = export.load_generator(source)
        if not hasattr(model, "domain_shapes") or not hasattr(model, "translate"):
            raise ValueError(f"{source} is not a translator (a CycleGAN .keras file, run folder or generator_*.onnx).")
        direction = args.direction or "a2b"
        if direction not in ("a2b", "b2a"):
            raise ValueError(f"--direction must be a2b or b2a, got {direction!r}.")
        shape = model.domain_shapes[0 if direction == "a2b" else 1]
        translate = lambda images: model.translate(images, direction)  # noqa: E731
    files, images = read_images(pathlib.Path(args.input), shape)
    translated = translate(images)  # every image before the first file is written
    output = pathlib.Path(args.output)
    for path, image in zip(files, translated):
        relative = path.relative_to(args.input).with_suffix(".png")
        save_image(image, output / relative)
    print(f"Translated {len(files)} images from {args.input} into {output}/")


def command_export(args: argparse.Namespace) -> None:
    import export

    start = time.perf_counter()
    paths = export.export_model(args.model, args.output, format=args.format, precision=args.precision)
    for path in paths:
        precision = args.precision if path.suffix == ".onnx" else "fp32"
        tolerance = export.quantize.TOLERANCES[precision]
        print(f"Wrote {path} ({precision}; parity with Keras checked to {tolerance:g})")
    print(f"Export took {time.perf_counter() - start:.1f} s")


def command_web(args: argparse.Namespace) -> None:
    import export

    start = time.perf_counter()
    page = export.build_site(
        args.model, args.output, ort_dir=args.ort_dir, n=args.n, seed=args.seed, precision=args.precision
    )
    source = f"the files in {args.ort_dir}" if args.ort_dir else "its public CDN"
    print(f"Wrote {page} (onnxruntime-web from {source}) in {time.perf_counter() - start:.1f} s")
    print(f"Serve it over HTTP, e.g.: python -m http.server -d {page.parent} 8000, then open http://127.0.0.1:8000/")


def command_eval(args: argparse.Namespace) -> None:
    import json

    import numpy as np

    from zoo.data import load_dataset
    from zoo.metrics import evaluate

    metrics = evaluate.check_metrics(args.metrics)  # before any slow loading
    import export

    sampler = evaluate.as_sampler(export.load_generator(args.model))
    if sampler.data_shape is None or len(sampler.data_shape) != 3:
        raise ValueError(
            f"{sampler.description} does not generate images (output shape {sampler.data_shape}); "
            "`eval` scores image generators."
        )
    data = args.data or sampler.dataset
    if data is None:
        raise ValueError(f"{sampler.description} does not record its dataset: pass --data NAME.")
    image_size, channels = sampler.data_shape[0], sampler.data_shape[-1]
    split = args.split or ("test" if data == "digits" else None)
    # batch_size=1 so that no real image is dropped with a partial last batch.
    dataset = load_dataset(data, batch_size=1, image_size=image_size, channels=channels, split=split, shuffle=False)
    real = np.concatenate([batch.numpy() for batch in dataset.unbatch().take(args.num_real).batch(512)])
    extractor = args.extractor
    if extractor not in evaluate.EXTRACTORS and not pathlib.Path(extractor).is_file():
        raise ValueError(
            f"--extractor must be {' or '.join(evaluate.EXTRACTORS)} or the path of a .keras model; got {extractor!r}."
        )
    results = evaluate.evaluate_generator(
        sampler, real, metrics, extractor, classifier=args.classifier, num_samples=args.n, seed=args.seed
    )
    num_samples = args.n or len(real)
    if args.json:
        print(
            json.dumps(
                {
                    "model": sampler.description,
                    "data": data,
                    "split": split,
                    "extractor": extractor,
                    "num_samples": num_samples,
                    "num_real": len(real),
                    "seed": args.seed,
                    "metrics": results,
                },
                indent=2,
            )
        )
        return
    print(
        f"{sampler.description}: {num_samples} samples (seed {args.seed}) vs {len(real)} real images from "
        f"{data}{':' + split if split else ''}, {extractor} features"
    )
    print(evaluate.format_table(results))


def command_diagnose(args: argparse.Namespace) -> None:
    import json

    from zoo import diagnostics

    out = pathlib.Path(args.out)
    if args.experiment == "vanishing-gradients":
        import zoo
        from zoo.data.images import digits_arrays

        if args.model:
            import keras

            model = keras.saving.load_model(args.model)
        else:
            model = zoo.create("dcgan", data_shape=(16, 16, 1), latent_dim=16, width=16)
        real, _ = digits_arrays(model.data_shape[0], "train", model.data_shape[-1])
        result = diagnostics.vanishing_gradients(
            model, real, d_iterations=args.iterations or 300, seed=args.seed, out_dir=out
        )
        summary = result.summary()
    elif args.experiment == "optimal-discriminator":
        result = diagnostics.optimal_discriminator_check(steps=args.iterations or 2000, seed=args.seed, out_dir=out)
        summary = result.summary()
    else:
        if not args.model:
            raise ValueError("interpolation needs a MODEL (a .keras or .onnx file, or a run folder).")
        import export

        generator = export.load_generator(args.model)
        files = {}
        for method in diagnostics.METHODS:
            path = out / f"interpolation_{method}.png"
            diagnostics.interpolation_grid(generator, path, method=method, seed=args.seed)
            files[method] = path
        result, summary = None, {"files": {key: str(path) for key, path in files.items()}}
    if result is not None:
        summary["files"] = {key: str(path) for key, path in result.files.items()}
    print(json.dumps(summary, indent=2))


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="gan-zoo", description="Train the classic GAN families, sample them, export them to ONNX."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="list families, recipes and datasets")
    listing.add_argument("--pretrained", action="store_true", help="list the pretrained presets instead")
    listing.set_defaults(handler=command_list)

    train = commands.add_parser("train", help="train a recipe or a family")
    train.add_argument("recipe", metavar="RECIPE_OR_FAMILY", help="a recipe name or a family name (see `list`)")
    train.add_argument("--data", help="dataset name or image folder (default: the recipe's)")
    train.add_argument("--data-b", help="domain b of a two-domain family (cogan, cyclegan)")
    train.add_argument("--epochs", type=int, help="number of epochs (default: the recipe's)")
    train.add_argument(
        "--steps-per-epoch",
        type=int,
        help="end each epoch after this many batches (default: the recipe's passes over the data); "
        "with --epochs 1 a quick check of a recipe end to end",
    )
    train.add_argument("--batch-size", type=int, help="global batch size")
    train.add_argument("--image-size", type=int, help="image side in pixels")
    train.add_argument("--clip-length", type=int, help="audio samples per clip (WaveGAN: 16 * 4**k)")
    train.add_argument("--channels", type=int, choices=(1, 3), help="1 (gray) or 3 (RGB)")
    train.add_argument("--out", help="run folder (default: runs/RECIPE); an interrupted run there resumes")
    train.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    train.add_argument("--no-export", action="store_true", help="skip the ONNX export at the end")
    train.add_argument(
        "--workers",
        action="store_true",
        help="train on the cluster in TF_CONFIG (run the same command on every worker; docs/multiworker.md)",
    )
    train.add_argument("--resume", action="store_true", help="train a finished run on, up to --epochs epochs in all")
    train.add_argument("--overwrite", action="store_true", help="start over: remove the run folder's earlier files")
    train.add_argument("--data-dir", help="where TensorFlow Datasets keeps its data (default: tfds's own)")
    train.add_argument("--num-samples", type=int, help="points drawn for the 2-D mixtures")
    train.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="a model hyperparameter, e.g. --set latent_dim=16 --set width=32 (VALUE read as JSON if it parses)",
    )
    train.set_defaults(handler=command_train)

    sample = commands.add_parser("sample", help="write a grid of samples from a .keras or .onnx generator")
    sample.add_argument("model", metavar="MODEL", help="a .keras or .onnx file, a run folder or a preset name")
    sample.add_argument("-n", type=int, default=64, help="number of samples (default 64)")
    sample.add_argument("-o", "--output", default="samples.png", help="output PNG (WAV for audio)")
    sample.add_argument("--seed", type=int, default=0, help="seed of the generator inputs (default 0)")
    sample.add_argument("--label", help="class id for every sample, or one per sample comma-separated")
    sample.add_argument("--code", help="continuous code for every sample, comma-separated (e.g. 0.5,-1)")
    sample.add_argument(
        "--input", action="append", metavar="NAME=VALUES", help="any other generator input, comma-separated values"
    )
    sample.set_defaults(handler=command_sample)

    translator = commands.add_parser("translate", help="translate a folder of images with a CycleGAN model")
    translator.add_argument(
        "model", metavar="MODEL_OR_ONNX", help="a .keras file, a run folder, a generator_*.onnx or a preset name"
    )
    translator.add_argument("--input", required=True, help="folder of images (resized to the model's size)")
    translator.add_argument("--output", required=True, help="folder for the translated PNGs (same names)")
    translator.add_argument(
        "--direction", choices=("a2b", "b2a"), help="a2b (default) or b2a; an .onnx file translates one way"
    )
    translator.set_defaults(handler=command_translate)

    exporter = commands.add_parser("export", help="export a generator to ONNX and/or SavedModel")
    exporter.add_argument("model", metavar="RUN_OR_MODEL", help="a run folder or a .keras file")
    exporter.add_argument("--format", choices=("onnx", "savedmodel", "both"), default="onnx")
    exporter.add_argument("-o", "--output", required=True, help="output file or folder")
    exporter.add_argument(
        "--precision",
        choices=("fp32", "fp16", "int8"),
        default="fp32",
        help="ONNX weights: fp32 (default), fp16 (GPUs) or int8 (quantized, calibrated on drawn inputs)",
    )
    exporter.set_defaults(handler=command_export)

    web = commands.add_parser("web", help="write a static web page that runs the generator in the browser")
    web.add_argument("model", metavar="MODEL_OR_ONNX", help="a .onnx file, a .keras file or a run folder")
    web.add_argument("-o", "--output", required=True, help="folder to write the site into")
    web.add_argument("--ort-dir", help="a folder with the npm package onnxruntime-web, copied in (default: its CDN)")
    web.add_argument("-n", type=int, default=16, help="samples in the grid (default 16)")
    web.add_argument("--seed", type=int, default=0, help="the first grid's seed (default 0)")
    web.add_argument(
        "--precision", choices=("fp32", "fp16", "int8"), default="fp32", help="when exporting a model: its precision"
    )
    web.set_defaults(handler=command_web)

    evaluator = commands.add_parser("eval", help="score a generator: FID, KID, IS, precision/recall")
    evaluator.add_argument("model", metavar="MODEL", help="a .keras file, a .onnx file or a run folder")
    evaluator.add_argument("--data", help="real images: dataset name or image folder (default: the model's)")
    evaluator.add_argument("--split", help="dataset split (default: test for digits, train otherwise)")
    evaluator.add_argument(
        "--metrics", default="fid,kid,is,pr", help="comma-separated: fid, kid, is, pr, dc (default fid,kid,is,pr)"
    )
    evaluator.add_argument(
        "--extractor", default="digits", help="digits, inception, or a .keras feature model (default digits)"
    )
    evaluator.add_argument("--classifier", help="a .keras softmax classifier for the IS (default: the extractor's)")
    evaluator.add_argument("-n", type=int, help="generated samples (default: as many as real images)")
    evaluator.add_argument("--num-real", type=int, default=10_000, help="real images at most (default 10000)")
    evaluator.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    evaluator.add_argument("--json", action="store_true", help="print JSON instead of a table")
    evaluator.set_defaults(handler=command_eval)

    diagnose = commands.add_parser("diagnose", help="run a diagnostic experiment and write its plot and data")
    diagnose.add_argument("experiment", choices=("vanishing-gradients", "optimal-discriminator", "interpolation"))
    diagnose.add_argument("model", metavar="MODEL", nargs="?", help="a .keras model (interpolation: also .onnx)")
    diagnose.add_argument("--out", default="diagnostics", help="output folder (default diagnostics/)")
    diagnose.add_argument("--iterations", type=int, help="discriminator updates (default 300 / 2000)")
    diagnose.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    diagnose.set_defaults(handler=command_diagnose)

    pretrained.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    _quiet_tensorflow()
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except (ValueError, TypeError, MemoryError, *USER_OS_ERRORS) as error:
        # Bad input, a full or read-only disk: one line, no traceback (real bugs,
        # other exception types, keep theirs).
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"gan-zoo {args.command}: error: {message}", file=sys.stderr)
        return 2
    except OSError as error:
        if error.errno not in USER_ERRNOS:
            raise
        print(f"gan-zoo {args.command}: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nInterrupted. Run the same command again to resume training.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
