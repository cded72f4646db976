"""Generative adversarial networks (book 17.1 in the 0.14 edition; 20.1 today): a generator
learns to imitate 2-D data by fooling a discriminator.

The book's data is a Gaussian made by a linear map, X A + b with X ~ N(0, I); its generator is
one linear layer, its discriminator a small tanh MLP. Each minibatch the discriminator takes a
step of logistic regression (real points labelled 1, generated 0), then the generator a step
towards making its points look real to it (labelled 1). As the generated points come to
cover the real ones, D can no longer tell them apart: D(x) → ½, both losses → ln 2, and the
generated mean and covariance approach b and AᵀA.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec, Preset
from workers.demos.gan_2d.params import Params

BOOK = {
    "target": "gaussian",
    "generator": "linear",
    "discriminator": "book",
    "latent_dim": 2,
    "lr_D": 0.05,
    "lr_G": 0.005,
    "d_steps": 1,
    "batch_size": 8,
    "epochs": 20,
}

DEMO = DemoSpec(
    id="gan-2d",
    title="GANs: a generator learns a 2-D distribution",
    summary="The book's GAN on a 2-D Gaussian, and on a ring of Gaussians or two moons to see "
    "mode collapse: the discriminator's verdict D(x) over the plane with the real and "
    "generated points, the generator's mapping as a deformed latent grid, and the gradient "
    "that pushes its samples.",
    params=Params,
    package=__name__,
    book=[
        d2l(
            "20.1",
            "Generative Adversarial Networks",
            edition_0_14=("17.1", "Generative Adversarial Networks"),
        )
    ],
    zefs=[ZefsChapter(5, "Image generation with GANs")],
    charts=[
        ChartSpec("Losses", ["loss_D", "loss_G"], y_label="per example (ln 2 ≈ 0.693: a draw)"),
        ChartSpec(
            "The discriminator's verdict",
            ["d_real", "d_fake"],
            y_label="mean of D(x): real points, generated",
        ),
        ChartSpec(
            "Generated vs real: moments",
            ["mean_error", "cov_error"],
            y_label="‖μ_G − μ‖, ‖Σ_G − Σ‖",
            log_scale=True,
        ),
        ChartSpec(
            "Generated vs real: distances",
            ["frechet", "sliced_w1"],
            y_label="W₂² of Gaussian fits; sliced W₁",
            log_scale=True,
        ),
    ],
    presets=[
        Preset(
            "classic",
            "The book (0.14 and today)",
            "The book's Gaussian, linear generator and 2-5-3-1 tanh discriminator; Adam with "
            "η_D = 0.05 and η_G = 0.005, latent dimension 2, batch 8, 20 epochs. Today's "
            "edition (20.1) runs the same code.",
            BOOK,
        ),
        Preset(
            "ring",
            "Ring of 8 Gaussians",
            "Tanh MLPs of 32 units for both nets on 8 modes, Adam with η = 0.002 for both, "
            "batch 64, 150 epochs: the generator covers some modes and leaves others, and the "
            "modes it covers move as the discriminator chases them.",
            {
                "target": "ring",
                "generator": "mlp",
                "discriminator": "mlp",
                "hidden": 32,
                "latent_dim": 2,
                "lr_D": 0.002,
                "lr_G": 0.002,
                "d_steps": 1,
                "batch_size": 64,
                "epochs": 150,
            },
        ),
        Preset(
            "moons",
            "Two moons",
            "Tanh MLPs of 32 units for both nets, Adam with η = 0.002, batch 64, 150 epochs: "
            "the generator must bend its latent plane into two arcs.",
            {
                "target": "moons",
                "generator": "mlp",
                "discriminator": "mlp",
                "hidden": 32,
                "latent_dim": 2,
                "lr_D": 0.002,
                "lr_G": 0.002,
                "d_steps": 1,
                "batch_size": 64,
                "epochs": 150,
            },
        ),
    ],
    # The book's run is 2500 steps at 100 a second: a fork point every second. A snapshot
    # (under 100 weights, two Adams' moments and the generators, a few KB) takes about a
    # millisecond; 100 steps take a second at that speed and about 60 ms flat out: under 2%.
    snapshot_every=100,
    what_to_try=[
        "Run the book's settings and watch the plane: D starts out sure of itself (purple "
        "around the generated points, green around the real ones) and the arrows point from "
        "the generated points towards the real ones. As the orange points spread over the "
        "blue, the colours fade to white: D(x) ≈ ½ everywhere, and loss_D and loss_G both "
        "settle near ln 2 ≈ 0.693.",
        "Compare the means and covariances panel: the linear generator makes exactly "
        "N(c, WᵀW), and c and WᵀW approach the book's b = [1, 2] and AᵀA, though a GAN "
        "rarely lands on them exactly: the discriminator is the only judge, and a small one.",
        "Watch the generator's mapping: with a linear G the latent grid stays a grid, only "
        "sheared and stretched, so a Gaussian can only become another Gaussian.",
        "Raise lr_D to 0.5 while it runs, or lower lr_G tenfold: the balance tips, D wins, "
        "loss_D drops well below ln 2 and the generated points stall or wander.",
        "Pick the ring preset: the generator lays its points on a few of the 8 modes (mode "
        "collapse): the sliced W₁ distance stays high although the losses look calm. Try "
        "d_steps = 5 or another seed and count the modes it finds.",
        "Set latent dimension 1 with the moons preset: the generator maps a line into the "
        "plane, so at best it draws one curve through both moons, with a bridge between them.",
    ],
)
