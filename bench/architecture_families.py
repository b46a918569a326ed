"""SAGAN, BEGAN and WaveGAN trained on small budgets, each measured against a
baseline in the same run:

- SAGAN vs DCGAN on digits, the same number of steps: digits-FID / IS, the
  attention's γ in G and D per epoch (it starts at 0), an attention-map PNG.
- BEGAN on digits: k_t and the convergence measure M per epoch (plotted), digits-FID.
- WaveGAN on the synthetic drums: audio-IS / FID against a second real set (the
  floor) and white noise at drum loudness; which instruments the drums classifier
  hears among the generated clips; how many clips are silent or clipped.

Run from the repository root:

    PYTHONPATH=. python bench/architecture_families.py --out docs

and it writes `<out>/architecture_families.md` and pictures in
`<out>/architecture_families/`, with the machine and the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shlex
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
from machine import describe_machine

import recipes
import zoo
from zoo.callbacks import plot_history
from zoo.data import load_dataset
from zoo.data.audio import DRUM_INSTRUMENTS, drums_arrays
from zoo.data.images import digits_arrays
from zoo.families.sagan import attention_layer, save_attention_map
from zoo.images import save_image_grid
from zoo.io import write_text
from zoo.metrics.audio import drums_classifier, evaluate_audio
from zoo.metrics.evaluate import evaluate_generator, evaluate_images

#: Budget of the digits models (both SAGAN and DCGAN get exactly this).
IMAGE_SIZE = 16
DIGITS_MODEL = {"latent_dim": 64, "width": 32}
#: BEGAN as in its `began_digits` recipe: a 16-number code (a 64-number one lets the
#: autoencoder copy 8x8-content digits and anything else), both G and the decoder
#: drawing 8x8 content, γ 1.0 and λ_k 0.05 so that k_t acts within a few hundred steps.
#: G's rate 2x D's (4e-4 / 2e-4). Since G and the decoder draw their 8x8 content from a
#: hidden 8x8 layer (a 3x3 convolution to the image), G at 4x D's rate (4e-4 / 1e-4)
#: drew one checkerboard that D reconstructed better than real digits (k_t pinned at 1,
#: digits-FID 350); with D at 2e-4, k_t settles near 0.5 and FID was 71 (seed 0).
BEGAN_MODEL = {"embedding_dim": 16, "content_size": 8, "gamma": 1.0, "lambda_k": 0.05}
BEGAN_COMPILE = {"g_learning_rate": 4e-4, "d_learning_rate": 2e-4}


def train_digits(
    family: str, epochs: int, seed: int, callbacks=(), compile_args: dict | None = None, **overrides
) -> tuple[zoo.GAN, dict, float]:
    keras.utils.set_random_seed(seed)
    data = load_dataset("digits", batch_size=32, image_size=IMAGE_SIZE, seed=seed)
    model = zoo.create(family, data_shape=(IMAGE_SIZE, IMAGE_SIZE, 1), dataset="digits", **DIGITS_MODEL, **overrides)
    model.compile(**(compile_args or {}))
    start = time.perf_counter()
    history = model.fit(data, epochs=epochs, verbose=0, callbacks=list(callbacks)).history
    return model, history, time.perf_counter() - start


def digits_scores(model: zoo.GAN, real: np.ndarray) -> dict[str, float]:
    return evaluate_generator(model, real, metrics=("fid", "is"), seed=0)


def gamma_logger(model_gammas: dict[str, list[float]]) -> keras.callbacks.Callback:
    def record(epoch, logs):
        for name in ("generator", "discriminator"):
            network = getattr(record.model, name)
            model_gammas[name].append(float(attention_layer(network).gamma.numpy()))

    callback = keras.callbacks.LambdaCallback(on_epoch_end=record)
    record.model = None

    class Bind(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            record.model = self.model

    return [Bind(), callback]


def run_images(epochs: int, seed: int, out: pathlib.Path) -> list[str]:
    real, _ = digits_arrays(IMAGE_SIZE, "test")
    lines = []
    gammas = {"generator": [], "discriminator": []}
    sagan, _, sagan_seconds = train_digits(
        "sagan", epochs, seed, gamma_logger(gammas), attention_resolution=IMAGE_SIZE // 2
    )
    dcgan, _, dcgan_seconds = train_digits("dcgan", epochs, seed)
    began, began_history, began_seconds = train_digits("began", epochs, seed, compile_args=BEGAN_COMPILE, **BEGAN_MODEL)
    real_floor = evaluate_images(digits_arrays(IMAGE_SIZE, "train")[0][: len(real)], real, ("fid", "is"))
    scores = {
        name: digits_scores(model, real) for name, model in (("sagan", sagan), ("dcgan", dcgan), ("began", began))
    }
    steps = epochs * (len(digits_arrays(IMAGE_SIZE, "train")[0]) // 32)
    save_attention_map(sagan, out / "sagan_attention.png", n=4)
    for name, model in (("began", began), ("dcgan", dcgan)):
        save_image_grid(model.sample(64, seed=seed), out / f"{name}_samples.png")
    plot_history(
        {"k_t": began_history["k_t"], "convergence (M)": began_history["convergence"]}, out / "began_k_and_m.png"
    )
    plot_history({"gamma in G": gammas["generator"], "gamma in D": gammas["discriminator"]}, out / "sagan_gamma.png")

    lines += [
        f"## Digits ({IMAGE_SIZE}x{IMAGE_SIZE}, {epochs} epochs = {steps} generator steps of batch 32, seed {seed})",
        "",
        (
            f"Models: latent_dim {DIGITS_MODEL['latent_dim']}, width {DIGITS_MODEL['width']}; each family's paper "
            "optimizer (SAGAN: TTUR 1e-4 / 4e-4, Adam(0, 0.9); DCGAN: Adam 2e-4, 0.5; "
            "BEGAN: Adam(0.5), G 4e-4 / D 2e-4; "
            + ", ".join(f"{key} {value}" for key, value in BEGAN_MODEL.items())
            + "). "
            f"Digits-FID / IS of {len(real)} samples against the {len(real)} held-out test digits."
        ),
        "",
        "| model | digits-FID | digits-IS | train time |",
        "|---|---:|---:|---:|",
        f"| real training digits (the floor) | {real_floor['fid']:.2f} | {real_floor['is']:.2f} | |",
    ]
    for name, seconds in (("sagan", sagan_seconds), ("dcgan", dcgan_seconds), ("began", began_seconds)):
        lines.append(f"| {name} | {scores[name]['fid']:.2f} | {scores[name]['is']:.2f} | {seconds:.0f} s |")
    lines += [
        "",
        "SAGAN's attention γ per epoch (0 at the start; `architecture_families/sagan_gamma.png`):",
        "",
        "| epoch | " + " | ".join(str(epoch + 1) for epoch in range(epochs)) + " |",
        "|---|" + "---:|" * epochs,
        "| γ in G | " + " | ".join(f"{value:.4f}" for value in gammas["generator"]) + " |",
        "| γ in D | " + " | ".join(f"{value:.4f}" for value in gammas["discriminator"]) + " |",
        "",
        "Attention map of the generator's centre query on 4 samples: `architecture_families/sagan_attention.png`.",
        "64 samples of BEGAN and of DCGAN: `architecture_families/began_samples.png`, `dcgan_samples.png`.",
        "",
        "BEGAN's k_t and M, epoch means (`architecture_families/began_k_and_m.png`):",
        "",
        "| epoch | " + " | ".join(str(epoch + 1) for epoch in range(epochs)) + " |",
        "|---|" + "---:|" * epochs,
        "| k_t | " + " | ".join(f"{value:.4f}" for value in began_history["k_t"]) + " |",
        "| M | " + " | ".join(f"{value:.4f}" for value in began_history["convergence"]) + " |",
        "",
    ]
    first, last = began_history["convergence"][0], began_history["convergence"][-1]
    lines.append(
        f"M went from {first:.4f} (epoch 1) to {last:.4f} (epoch {epochs}): {'down' if last < first else 'NOT down'}."
    )
    lines.append("")
    return lines


def run_audio(
    clip_length: int, clips: int, epochs: int | None, seed: int, out: pathlib.Path, model_overrides: dict | None = None
) -> list[str]:
    """The `wavegan_drums` recipe's model (updated by `model_overrides`), compile
    settings and epochs (or `epochs`)."""
    recipe = recipes.get_recipe("wavegan_drums")
    recipe = recipe.replace(model={**recipe.model, **(model_overrides or {})})
    epochs = epochs or recipe.epochs
    keras.utils.set_random_seed(seed)
    train, _ = drums_arrays(clips, clip_length, seed=seed)
    model = zoo.create("wavegan", data_shape=(clip_length, 1), dataset="drums", **recipe.model)
    model.compile(**recipe.compile)
    start = time.perf_counter()
    model.fit(train, batch_size=recipe.batch_size, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - start
    count = 500
    real, _ = drums_arrays(count, clip_length, seed=seed + 100)
    other_real, _ = drums_arrays(count, clip_length, seed=seed + 200)
    rng = np.random.default_rng(seed)
    rms = float(np.sqrt(np.mean(np.square(real))))
    noise = np.clip(rng.standard_normal(real.shape) * rms, -1, 1).astype("float32")
    fake = model.sample(count, seed=seed)
    classifier = drums_classifier()
    rows = {
        "real drums (another seed): the floor": evaluate_audio(other_real, real, classifier=classifier),
        "WaveGAN": evaluate_audio(fake, real, classifier=classifier),
        "white noise at drum loudness": evaluate_audio(noise, real, classifier=classifier),
    }
    predicted = np.argmax(np.asarray(classifier.predict(fake, verbose=0)), axis=-1)
    instruments = {name: int(np.sum(predicted == index)) for index, name in enumerate(DRUM_INSTRUMENTS)}
    peaks = np.abs(fake).max(axis=(1, 2))
    silent = int(np.sum(peaks < 0.01))
    clipped = int(np.sum(np.mean(np.abs(fake) > 0.99, axis=(1, 2)) > 0.01))
    from zoo.samples import save_samples

    save_samples(fake[:4], out / "wavegan_drums.wav", preview=True)
    steps = epochs * (clips // recipe.batch_size)
    changed = f" with {model_overrides} changed" if model_overrides else ""
    lines = [
        (
            f"## WaveGAN on drums ({clip_length}-sample clips at 16 kHz, {clips} training clips, {epochs} epochs = "
            f"{steps} generator steps / {model.d_steps * steps} critic steps of batch {recipe.batch_size} "
            f"in {seconds / 60:.1f} min, seed {seed})"
        ),
        "",
        (
            f"Model: the `wavegan_drums` recipe's{changed}, {recipe.model}, compiled with {recipe.compile}; phase "
            f"shuffle 2, WGAN-GP λ 10, Adam β (0.5, 0.9). Scores of {count} clips each against {count} real "
            "clips (drums classifier, `zoo.metrics.audio`)."
        ),
        "",
        "| set | audio-FID | audio-IS |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {row['fid']:.3g} | {row['is']:.3f} |" for name, row in rows.items()]
    lines += [
        "",
        f"Instruments the classifier hears among the {count} generated clips: "
        + ", ".join(f"{name} {value}" for name, value in instruments.items())
        + ".",
        (
            f"Peak level of generated clips: median {np.median(peaks):.3f} "
            f"(min {peaks.min():.3f}, max {peaks.max():.3f}); "
            f"silent (peak < 0.01): {silent}; clipped (over 1% of samples beyond ±0.99): {clipped}."
        ),
        "",
        "Four generated clips: `architecture_families/wavegan_drums_00N.wav` and `wavegan_drums.png`.",
        "",
    ]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=20, help="digits epochs of each image model")
    parser.add_argument("--clip-length", type=int, default=1024)
    parser.add_argument("--clips", type=int, default=1024, help="drums training clips")
    parser.add_argument("--audio-epochs", type=int, help="WaveGAN's epochs (default: the wavegan_drums recipe's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--audio-model",
        type=json.loads,
        default={},
        help="JSON of WaveGAN options over the recipe's, e.g. '{\"ema\": 0.999}'",
    )
    parser.add_argument("--skip", choices=("images", "audio"), help="leave one part out")
    parser.add_argument("--out", default="docs")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    pictures = out / "architecture_families"
    pictures.mkdir(parents=True, exist_ok=True)
    machine = describe_machine()
    start = time.perf_counter()
    lines = []
    if args.skip != "images":
        lines += run_images(args.epochs, args.seed, pictures)
    if args.skip != "audio":
        lines += run_audio(args.clip_length, args.clips, args.audio_epochs, args.seed, pictures, args.audio_model)
    command = "PYTHONPATH=. python bench/architecture_families.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    header = [
        "# SAGAN, BEGAN, WaveGAN: small budgets, measured",
        "",
        f"Machine: {machine}.",
        "",
        (
            f"Command: `{command}` — total {(time.perf_counter() - start) / 60:.1f} min. One seed: these are "
            "single runs on a small budget, not converged models."
        ),
        "",
    ]
    text = "\n".join(header + lines)
    print(text)
    write_text(out / "architecture_families.md", text + "\n")


if __name__ == "__main__":
    main()
