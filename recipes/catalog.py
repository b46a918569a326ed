"""The registered recipes. Hyperparameters follow each paper, scaled to small data."""

from recipes import register_recipe
from recipes.recipe import Recipe

DCGAN_DIGITS = register_recipe(
    Recipe(
        name="dcgan_digits",
        family="dcgan",
        data="digits",
        image_size=32,
        # Fitted to the data (docs/digits_quality.md): the digits are 8x8 images
        # upscaled bilinearly, so G draws 8x8 and upscales the same way
        # (content_size) with one more 3x3 convolution at 8x8 (content_layers: depth
        # where it costs 64 pixels, not 1,024), and D judges the images
        # area-downscaled to 16x16 (d_resolution): little is lost on upscaled data,
        # and D's convolutions, most of a step, cost a fraction: 3.5x the steps per
        # second, so 8,800 steps fit in the demo's ~2.5 minutes. Narrow networks
        # (width 32; a wider G or D bought fewer steps and scored worse); EMA samples
        # and exports; lr 1e-3 for G, 4e-4 for D (on 9,680 steps, seed 0: FID 3.5 /
        # IS 8.68 against 7.1 / 8.26 without the 8x8 layer at 5e-4 / 2e-4).
        # steps_per_execution: 44 steps per call of the compiled step instead of one
        # host round trip each. 20 epochs of 10 passes (8,800 steps at batch 32).
        epochs=20,
        passes_per_epoch=10,
        batch_size=32,
        model={
            "latent_dim": 64,
            "width": 32,
            "content_size": 8,
            "content_layers": 1,
            "d_resolution": 16,
            "ema": 0.999,
        },
        compile={"g_learning_rate": 1e-3, "d_learning_rate": 4e-4, "steps_per_execution": 44},
        description="DCGAN on the bundled 8x8 digits upscaled to 32x32: the demo, a few minutes on a CPU.",
    )
)

# The demo (docs/digits_quality.md): dcgan_digits's networks, rates and steps, plus
# InfoGAN's 10-way category and Q head. With one continuous latent, a continuous G must
# pass through malformed between-class digits on its way from one class to the next:
# 17% of dcgan_digits's samples, which capped its digits-IS at 8.65. The category gives
# G ten separate inputs, and Q's mutual-information term makes each one a recognizable
# kind of sample (digits-IS 9.17 over 3 seeds at 17 epochs).
register_recipe(
    DCGAN_DIGITS.replace(
        name="infogan_digits32",
        family="infogan",
        # Q's head makes a step ~10% slower than dcgan_digits's (19-20 ms against 17-18
        # on a quiet machine): 17 epochs (7,480 steps) keep training under 3 minutes.
        epochs=17,
        model=dict(DCGAN_DIGITS.model),
        compile=dict(DCGAN_DIGITS.compile),
        description="The demo: InfoGAN on the 8x8 digits upscaled to 32x32, dcgan_digits's networks and a 10-way code.",
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
        # 60 epochs: the categories settle on digits late. Nearest-generation error over
        # seeds 0-2: 34.1 ± 5.5% after 30 epochs, 17.7 ± 1.0% after 60 (docs/conditional.md).
        epochs=60,
        batch_size=32,
        # content_size=8 with code_weight=0.1 was best on seed 0 (docs/conditional_tuning.md)
        # but worse over seeds 0-2 (error 39.2 ± 16.9%, and 35.2 ± 2.5% with the hidden-layer
        # content_size generator), so not used.
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
        # At the default rates D won outright (it told 99.9% of pairs apart after 10 epochs)
        # and G(E(x)) collapsed to a few digits; G and E at 1e-3 keep D near 75%. At 20 epochs,
        # seed 0, the probe on E(x): 93.6% at 2e-4 / 2e-4, 96.4% at 1e-3 / 2e-4 (random
        # encoder 94.4%); docs/conditional.md has the recipe's seeds 0-2.
        model={"latent_dim": 32, "width": 32, "content_size": 8},
        compile={"g_learning_rate": 1e-3, "d_learning_rate": 2e-4},
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
        # The paper's γ 0.5, λ_k 0.001 and a 64-number code left k_t at 0 and drew no
        # digits (digits-FID 315 at 16x16): a 64-number code lets the autoencoder copy
        # the 8x8-content digits and anything else, and with L(G(z)) never below
        # 0.5·L(x) the controller never pushed fakes away. A 16-number code, 8x8
        # content in G and the decoder, γ 1.0, λ_k 0.05, and G's rate 2x D's. Since G
        # and the decoder reach the 8x8 content with a hidden layer, G at 4x D's rate
        # drew one checkerboard D reconstructed better than real digits (k_t pinned at
        # 1, FID 350 at 16x16); at 2x, k_t settles near 0.5 (docs/architecture_families.md).
        epochs=30,
        batch_size=32,
        model={
            "latent_dim": 64,
            "width": 64,
            "embedding_dim": 16,
            "content_size": 8,
            "gamma": 1.0,
            "lambda_k": 0.05,
        },
        compile={"g_learning_rate": 4e-4, "d_learning_rate": 2e-4},
        description="BEGAN on digits at 32x32: autoencoder discriminator, k_t and M in history.csv.",
    )
)

register_recipe(
    Recipe(
        name="wavegan_drums",
        family="wavegan",
        data="drums",
        # 1,024 samples (the 64 ms attack of a hit at 16 kHz, three stride-4 layers)
        # instead of the paper's 16,384, and d = 8 instead of 64, to train on a CPU;
        # the drums classifier still tells the instruments apart at this length
        # (real-vs-real audio-IS 2.96, docs/architecture_families.md). The paper's
        # settings gave one instrument for the whole batch, switching as training went
        # on: G ignored z. Mode seeking on the clips' spectral shape (MSGAN, weight 30)
        # made it hold two; two critic steps at 2e-4 instead of five at 1e-4 and d = 8
        # give 4x the generator steps in the time. The paper's transposed convolutions
        # drew snares and hi-hats but never a kick; nearest-neighbour upsampling draws
        # kicks (with LeakyReLU: with ReLU its clips fell silent). With mode seeking at
        # full weight from the first step it saturated the tanh on one seed in three,
        # so the weight ramps up over the first 400 G steps. A minibatch standard
        # deviation feature in the critic: on 3 seeds it drew all three instruments
        # as often as without (2 of 3) at a lower audio-FID (21.4 / 26.1 against 28.1 /
        # 32.2). No XLA: it halved the speed of this step on this CPU.
        clip_length=1024,
        epochs=92,
        batch_size=32,
        num_samples=1024,
        model={
            "latent_dim": 100,
            "width": 8,
            "d_steps": 2,
            "upsample": "nearest",
            "mode_seeking": 30.0,
            "mode_seeking_warmup": 400,
            "minibatch_std": True,
        },
        compile={"d_learning_rate": 2e-4, "jit_compile": False},
        description="WaveGAN on synthetic drums (kick, snare, hi-hat), 1,024-sample clips at 16 kHz: WAV samples.",
    )
)

# PacGAN (Lin et al. 2018) on the 2-D mixtures, fitted to this machine's budget
# (docs/mode_coverage.md). What keeps the samples on the modes, measured on grid25: a
# discriminator that learns 10x faster than G (its first-layer weights must grow
# large to tell a point 0.1 off a mode from one on it; with Adam that takes steps of
# at most the learning rate), the rates decayed to 0 over the second half, an EMA of
# G, a 16-d latent (a 2-d one must stretch one continuous sheet between the modes),
# and above all steps: MLP steps are cheap (~6 ms at batch 256), and the share of
# points on the modes grew from 53% at 8,000 steps to 86% at 24,000 and 93% at
# 40,000 (grid25, seed 0). On grid25 one seed in three collapsed onto three columns
# of modes with pack 2 alone; a weak R1 penalty (gamma 0.1; 1.0 is far too strong
# for modes of std 0.05) kept all 25 on every seed. But with R1 the share on the
# modes dipped mid-training (to 10-33% at 20,000 steps with gamma 0.03 or 0.1) and
# recovered only while the rates fell: decaying over the last 75% of the steps instead
# of the last half recovered it on every seed (91.6-92.9% at 40,000 steps, against
# 76.7-92.9%). On ring8, pack 4 kept all 8 modes where pack 2 dropped one. Epochs of
# 100 steps x `passes_per_epoch`.
PACGAN_COMPILE = {"g_learning_rate": 1e-3, "d_learning_rate": 1e-2, "steps_per_execution": 50}

register_recipe(
    Recipe(
        name="pacgan_grid25",
        family="gan",
        data="grid25",
        epochs=80,
        passes_per_epoch=5,
        batch_size=256,
        num_samples=25_600,
        model={"latent_dim": 16, "width": 128, "hidden_layers": 2, "pack": 2, "ema": 0.999, "r1_gamma": 0.1},
        compile=PACGAN_COMPILE,
        callbacks=("linear_decay",),
        decay_start=0.25,
        description="PacGAN2 + R1 + EMA + fast D + LR decay on 25 Gaussians (40,000 steps).",
    )
)

register_recipe(
    Recipe(
        name="pacgan_ring8",
        family="gan",
        data="ring8",
        epochs=80,
        passes_per_epoch=3,
        batch_size=256,
        num_samples=25_600,
        model={"latent_dim": 16, "width": 128, "hidden_layers": 2, "pack": 4, "ema": 0.999},
        compile=PACGAN_COMPILE,
        callbacks=("linear_decay",),
        description="PacGAN4 + EMA + fast D + LR decay on 8 Gaussians on a ring (24,000 steps).",
    )
)
