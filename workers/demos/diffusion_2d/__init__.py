"""Denoising diffusion (Zefs Guide ch. 7; Ho et al. 2020, "Denoising Diffusion Probabilistic
Models"): a model learns to turn Gaussian noise into 2-D data by learning to remove noise.

The forward process blurs the data into noise in T small Gaussian steps; a network ε_θ(x_t, t)
learns to predict the noise that was added (a squared loss); the reverse process starts from
pure noise and runs T denoising steps back. On two moons, 8,000 points, T = 50 and an MLP of
128 units train in a minute on a CPU, and its samples fall on the moons.

d2l.ai has no chapter on diffusion: the demo goes beyond the book (it names no section of it)
and follows Zefs Guide's chapter 7 instead.
"""

from core.book import ZefsChapter
from core.demo_spec import ChartSpec, DemoSpec, Preset
from workers.demos.diffusion_2d.params import Params

SMALL = {"T": 50, "schedule": "linear", "hidden": 128, "lr": 1e-3, "batch_size": 256}

DEMO = DemoSpec(
    id="diffusion-2d",
    title="Diffusion models: denoising 2-D data into shape",
    summary="A denoising diffusion model (DDPM) on two moons, a swiss roll, a ring of Gaussians "
    "or points you draw: the data blurred into noise step by step, samples drawn back out of "
    "noise with the paths they take, and the learned denoising direction as a vector field.",
    params=Params,
    package=__name__,
    book=[],
    zefs=[ZefsChapter(7, "Diffusion models")],
    charts=[
        ChartSpec("Loss", ["train_loss"], y_label="mean of (ε − ε_θ(x_t, t))²", log_scale=True),
        ChartSpec(
            "Samples vs data",
            ["sample_distance", "noise_distance", "data_distance"],
            y_label="sliced Wasserstein distance to the data",
            log_scale=True,
        ),
    ],
    presets=[
        Preset(
            "small",
            "Small 2-D DDPM",
            "The well-known small version: T = 50, β linear from 1e-4 to 0.02, 128 units, "
            "AdamW with η = 1e-3, batches of 256, sampling all 50 steps.",
            {**SMALL, "sampling_steps": 50},
        ),
        Preset(
            "ddpm",
            "DDPM (Ho et al. 2020)",
            "The paper's schedule: T = 1000, β linear from 1e-4 to 0.02 (ᾱ_T ≈ 4e-5: pure "
            "noise); 100 of the 1000 steps sampled, to keep reports quick.",
            {**SMALL, "T": 1000, "sampling_steps": 100},
        ),
        Preset(
            "cosine",
            "Cosine schedule (Nichol & Dhariwal 2021)",
            "T = 50 with ᾱ_t following a squared cosine (s = 0.008): the noise is added more "
            "evenly over the steps, and x_T is pure noise.",
            {**SMALL, "schedule": "cosine", "sampling_steps": 50},
        ),
    ],
    # A step (a minibatch of 256 through a 128-unit MLP, forward and backward) takes about a
    # millisecond flat out, 5 ms at the default 200 steps a second; a snapshot (about 50,000
    # weights with AdamW's two moments, and the generators: 0.6 MB) about 2 ms. Every 200
    # steps: 1% of a paced run, a second apart; the context skips one that would pass 2% of a
    # run flat out.
    snapshot_every=200,
    what_to_try=[
        "Run the small 2-D settings on the moons and watch `sample_distance` fall from the "
        "distance of pure noise (`noise_distance`) towards that of two samples of the data "
        "(`data_distance`); the samples settle onto the two half circles.",
        "Look at the forward process: with T = 50 and β up to 0.02, ᾱ_T is still 0.6, so x_T "
        "keeps 78% of x₀ and the moons are still visible at t = T. The sampler starts from "
        "N(0, I) all the same. Pick the cosine schedule (or T = 1000) and x_T is pure noise.",
        "Follow the reverse paths: they wander while t is large, where the noise dominates, "
        "and are pulled onto the data in the last few steps.",
        "Move `field_t` while it trains: at small t the arrows point sharply onto the moons; at "
        "large t they point roughly towards the middle, as the noisy data is one blob.",
        "Lower `sampling_steps` while it runs: 10 of the 50 steps still give moons, blurrier; "
        "1 step is a single jump from noise: a blob near the data's mean.",
        "Draw your own data: pick `drawn` and draw a letter on the canvas. Fork a trained run "
        "with other data: the same network starts from what it learned.",
        "Shrink `hidden` to 16: the denoiser is too small to bend its field around the moons, "
        "and the samples stay fuzzy.",
    ],
)
