"""Gradient descent on a loss surface (book chapter 11, Optimization Algorithms).

Several optimizers race from one start point on one 2-D function. Each keeps the book's
hyperparameter names and update equations; the learning rates and momenta are live, so a
learner can slow one down mid-race and see its trajectory bend.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import DemoSpec
from workers.demos.gradient_descent.params import Params

DEMO = DemoSpec(
    id="gradient-descent",
    title="Gradient descent on a loss surface",
    summary="Race optimizers (GD, SGD, momentum, Adagrad, RMSProp, Adadelta, Adam, Yogi) "
    "across a 2-D function and watch their trajectories.",
    params=Params,
    package=__name__,
    book=[
        d2l("12.3", "Gradient Descent", edition_0_14=("11.3", "Gradient Descent")),
        d2l("12.6", "Momentum", edition_0_14=("11.6", "Momentum")),
        d2l("12.10", "Adam", edition_0_14=("11.10", "Adam")),
    ],
    zefs=[
        ZefsChapter(3, "Learning via gradient descent"),
        ZefsChapter(5, "Gradient descent algorithms"),
    ],
    # A default race is 20 steps at 5 a second: a fork point every second. A snapshot holds
    # two numbers per racer and its optimizer's state, and takes about a millisecond.
    snapshot_every=5,
    what_to_try=[
        "On `ill-conditioned`, raise the learning rate of `gd` past 0.5 while it runs and "
        "watch x2 start to oscillate: 2·η·2 > 2 makes each step overshoot.",
        "Give `momentum` β = 0.25 and β = 0.5 side by side: more momentum damps the "
        "oscillation along x2 and speeds up progress along x1.",
        "Try `adagrad` with η = 0.4 and η = 2: its steps shrink as squared gradients pile up.",
        "On `rosenbrock` from [-1, 1], compare `gd` with `adam`: the curved valley punishes a "
        "single learning rate.",
        "On `saddle`, start at [-5, 0.001]: the tiny x2 offset grows until the optimizer "
        "falls off the saddle.",
    ],
)
