"""The registered recipes. Hyperparameters follow each paper, scaled to small data."""

from recipes import register_recipe
from recipes.recipe import Recipe

register_recipe(
    Recipe(
        name="dcgan_digits",
        family="dcgan",
        data="digits",
        image_size=32,
        # Fitted to the data (docs/digits_quality.md): the digits are 8x8 images
        # upscaled bilinearly, so G draws 8x8 and upscales the same way
        # (content_size); narrow networks (width 32) buy ~3x the steps of width 64 in
        # the demo's time; EMA samples and exports; lr 5e-4 for both players.
        # 30 epochs of 3 passes (3,960 steps at batch 32): 30 grids, backups, plots.
        epochs=30,
        passes_per_epoch=3,
        batch_size=32,
        model={"latent_dim": 64, "width": 32, "content_size": 8, "ema": 0.999},
        compile={"g_learning_rate": 5e-4, "d_learning_rate": 5e-4},
        description="DCGAN on the bundled 8x8 digits upscaled to 32x32: the demo, a few minutes on a CPU.",
    )
)

register_recipe(
    Recipe(
        name="gan_digits",
        family="gan",
        data="digits",
        image_size=16,
        epochs=40,
        batch_size=64,
        model={"latent_dim": 64, "width": 256},
        description="The 2014 MLP GAN on digits at 16x16.",
    )
)

register_recipe(
    Recipe(
        name="dcgan_mnist",
        family="dcgan",
        data="mnist",
        image_size=32,
        epochs=10,
        batch_size=128,
        model={"latent_dim": 100, "width": 64},
        description="DCGAN on MNIST at 32x32 (TensorFlow Datasets download).",
    )
)

register_recipe(
    Recipe(
        name="dcgan_celeb_a",
        family="dcgan",
        data="celeb_a",
        image_size=64,
        channels=3,
        epochs=5,
        batch_size=128,
        model={"latent_dim": 100, "width": 64},
        description="DCGAN on CelebA faces at 64x64 RGB, the paper's setting (TensorFlow Datasets download).",
    )
)

register_recipe(
    Recipe(
        name="gan_grid25",
        family="gan",
        data="grid25",
        epochs=20,
        batch_size=256,
        num_samples=25_600,
        model={"latent_dim": 2, "width": 128},
        description="The 2014 GAN on 25 Gaussians: watch it drop modes.",
    )
)

register_recipe(
    Recipe(
        name="cogan_digits",
        family="cogan",
        data="digits",
        data_b="digits/negative",
        image_size=16,
        epochs=30,
        batch_size=32,
        model={"latent_dim": 64, "width": 32},
        description="CoGAN on digits <-> their negatives (the paper's MNIST pair), unpaired halves, 16x16.",
    )
)

register_recipe(
    Recipe(
        name="cyclegan_digits",
        family="cyclegan",
        data="digits",
        data_b="digits/colored",
        image_size=16,
        # Both as RGB (gray digits tiled), so the identity loss applies: with gray
        # (1 channel) -> RGB, measured in docs/two_domain.md, G hid the digit in
        # colour noise that F could still decode (A -> B kept 37.5% of the labels).
        channels=3,
        epochs=10,
        batch_size=8,
        callbacks=("linear_decay",),
        model={"width": 16},
        description="CycleGAN gray digits <-> digits on random colours, 16x16 RGB, identity loss, LR decay.",
    )
)

# === Conditional and representation families (digits at 16x16, 4-7 minutes on a busy 2-core CPU;
# measured in docs/conditional.md) ===

register_recipe(
    Recipe(
        name="cgan_digits",
        family="cgan",
        data="digits",
        image_size=16,
        epochs=30,
        batch_size=32,
        model={"latent_dim": 32, "width": 32},
        description="Conditional GAN on digits at 16x16: ask for a digit with --label.",
    )
)

register_recipe(
    Recipe(
        name="acgan_digits",
        family="acgan",
        data="digits",
        image_size=16,
        epochs=30,
        batch_size=32,
        model={"latent_dim": 32, "width": 32},
        description="ACGAN on digits at 16x16: D also classifies; ask for a digit with --label.",
    )
)

register_recipe(
    Recipe(
        name="infogan_digits",
        family="infogan",
        data="digits",
        image_size=16,
        epochs=30,
        batch_size=32,
        model={"latent_dim": 32, "width": 32},
        # The paper's MNIST rates (Chen et al. 2016, appendix C.1): G and Q learn faster than D.
        compile={"g_learning_rate": 1e-3, "d_learning_rate": 2e-4},
        description="InfoGAN on digits at 16x16, no labels: a 10-way category and 2 continuous codes.",
    )
)

register_recipe(
    Recipe(
        name="bigan_digits",
        family="bigan",
        data="digits",
        image_size=16,
        epochs=30,
        batch_size=32,
        model={"latent_dim": 32, "width": 32},
        description="BiGAN on digits at 16x16: an encoder E(x) learned with the generator; exports encoder.onnx.",
    )
)

register_recipe(
    Recipe(
        name="sagan_digits",
        family="sagan",
        data="digits",
        image_size=32,
        # The dcgan_digits budget: self-attention on the 16x16 feature maps of both
        # networks, spectral norm in both, hinge loss, TTUR (1e-4 / 4e-4).
        epochs=30,
        batch_size=32,
        model={"latent_dim": 64, "width": 64, "attention_resolution": 16},
        description="SAGAN on digits at 32x32: self-attention at 16x16 in G and D, spectral norm, hinge, TTUR.",
    )
)

register_recipe(
    Recipe(
        name="began_digits",
        family="began",
        data="digits",
        image_size=32,
        epochs=30,
        batch_size=32,
        model={"latent_dim": 64, "width": 64, "embedding_dim": 64, "gamma": 0.5, "lambda_k": 0.001},
        description="BEGAN on digits at 32x32: autoencoder discriminator, k_t and M in history.csv.",
    )
)

register_recipe(
    Recipe(
        name="wavegan_drums",
        family="wavegan",
        data="drums",
        # 1,024 samples (the 64 ms attack of a hit at 16 kHz, three stride-4 layers)
        # instead of the paper's 16,384, and d = 16 instead of 64, to train on a CPU;
        # the drums classifier still tells the instruments apart at this length
        # (real-vs-real audio-IS 2.96, docs/architecture_families.md).
        clip_length=1024,
        epochs=30,
        batch_size=32,
        num_samples=1024,
        model={"latent_dim": 100, "width": 16},
        description="WaveGAN on synthetic drums (kick, snare, hi-hat), 1,024-sample clips at 16 kHz: WAV samples.",
    )
)

# PacGAN (Lin et al. 2018) on the 2-D mixtures: the 2014 GAN whose discriminator
# judges packs of 4 samples, with an EMA of the generator's weights (which keeps the
# sampled points on the modes rather than on the generator's last oscillation) and
# a deeper, wider MLP than the plain `gan_grid25`. Targets NOT reached: one seed on
# grid25 gave 19/25 modes and 2.0% high quality after 2,000 of its 8,000 steps (load ~22).
PACGAN_MODEL = {"latent_dim": 2, "width": 256, "hidden_layers": 3, "pack": 4, "ema": 0.999}
PACGAN_COMPILE = {"g_learning_rate": 5e-4, "d_learning_rate": 5e-4}

register_recipe(
    Recipe(
        name="pacgan_grid25",
        family="gan",
        data="grid25",
        epochs=80,
        batch_size=256,
        num_samples=25_600,
        model=PACGAN_MODEL,
        compile=PACGAN_COMPILE,
        description="PacGAN4 + EMA on 25 Gaussians (8,000 steps).",
    )
)

register_recipe(
    Recipe(
        name="pacgan_ring8",
        family="gan",
        data="ring8",
        epochs=80,
        batch_size=256,
        num_samples=25_600,
        model=PACGAN_MODEL,
        compile=PACGAN_COMPILE,
        description="PacGAN4 + EMA on 8 Gaussians on a ring (8,000 steps).",
    )
)
