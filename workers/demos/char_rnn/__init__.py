"""Character-level language models (book 8.2–8.6 and 9.1–9.2 in the 0.14 edition; today's
9.2–9.6, 10.1 and 10.2).

The book reads H. G. Wells's *The Time Machine* as characters and trains a recurrent network
to predict each next one: a plain RNN from scratch, then PyTorch's nn.RNN, then the gated
GRU and LSTM. Minibatch SGD with the gradients clipped to norm θ; perplexity, exp of the mean
cross-entropy, falls from about the vocabulary's 28 towards 1 on the training text, and the
model, fed its own output, writes words. The learner types the prefix it continues and
watches its hidden state (and gates) read it.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec, Notice, Preset
from workers.demos.char_rnn.params import Params

CLASSIC = {"sampling": "sequential", "batch_size": 32, "num_steps": 35, "lr": 1.0, "clip": 1.0}
CURRENT = {"sampling": "random", "batch_size": 1024, "num_steps": 32, "hidden": 32, "clip": 1.0}

DEMO = DemoSpec(
    id="char-rnn",
    title="Character-level RNN, GRU and LSTM on The Time Machine",
    summary="Train a recurrent network to write The Time Machine one character at a time: "
    "perplexity, gradient clipping, the text it generates from a prefix you type, and its "
    "hidden state and gates as it reads it.",
    params=Params,
    package=__name__,
    book=[
        d2l(
            "9.5",
            "Recurrent Neural Network Implementation from Scratch",
            edition_0_14=("8.5", "Implementation of Recurrent Neural Networks from Scratch"),
        ),
        d2l(
            "9.6",
            "Concise Implementation of Recurrent Neural Networks",
            edition_0_14=("8.6", "Concise Implementation of Recurrent Neural Networks"),
        ),
        d2l(
            "10.2",
            "Gated Recurrent Units (GRU)",
            edition_0_14=("9.1", "Gated Recurrent Units (GRU)"),
        ),
        d2l(
            "10.1",
            "Long Short-Term Memory (LSTM)",
            edition_0_14=("9.2", "Long Short Term Memory (LSTM)"),
        ),
    ],
    zefs=[
        ZefsChapter(6, "The recurrent neural network"),
        ZefsChapter(6, "Gated recurrent units"),
        ZefsChapter(6, "Long short-term memory"),
    ],
    charts=[
        ChartSpec(
            "Perplexity",
            ["perplexity", "val_perplexity"],
            y_label="exp(cross-entropy)",
            log_scale=True,
        ),
        ChartSpec(
            "Gradient norm before clipping",
            ["grad_norm"],
            y_label="largest ‖g‖ since the last report",
            log_scale=True,
        ),
        ChartSpec("Throughput", ["tokens_per_sec"], y_label="tokens/s"),
    ],
    notices=[
        Notice(
            "corpus",
            "This model is trained on a stand-in text, not The Time Machine.",
            real_values=["The Time Machine (H. G. Wells)"],
        )
    ],
    presets=[
        Preset(
            "classic",
            "Classic edition (0.14): RNN from scratch",
            "The scratch RNN with 512 hidden units, sequential partitioning (32 rows, 35 steps), "
            "SGD with η = 1, θ = 1, 500 epochs (4,000 steps).",
            {**CLASSIC, "model": "rnn", "hidden": 512, "layers": 1, "epochs": 500},
        ),
        Preset(
            "classic-gru",
            "Classic edition (0.14): GRU",
            "A GRU with 256 hidden units, otherwise the classic RNN's settings.",
            {**CLASSIC, "model": "gru", "hidden": 256, "layers": 1, "epochs": 500},
        ),
        Preset(
            "classic-lstm",
            "Classic edition (0.14): LSTM",
            "An LSTM with 256 hidden units, otherwise the classic RNN's settings.",
            {**CLASSIC, "model": "lstm", "hidden": 256, "layers": 1, "epochs": 500},
        ),
        Preset(
            "current",
            "Current edition (d2l.ai): RNN",
            "The scratch RNN with 32 hidden units on shuffled 32-character windows, batches of "
            "1024, SGD with η = 1, θ = 1, 100 epochs.",
            {**CURRENT, "model": "rnn", "layers": 1, "lr": 1.0, "epochs": 100},
        ),
        Preset(
            "current-gru",
            "Current edition (d2l.ai): GRU",
            "A GRU with 32 hidden units, η = 4, 50 epochs, otherwise as the current RNN.",
            {**CURRENT, "model": "gru", "layers": 1, "lr": 4.0, "epochs": 50},
        ),
        Preset(
            "current-lstm",
            "Current edition (d2l.ai): LSTM",
            "An LSTM with 32 hidden units, η = 4, 50 epochs, otherwise as the current RNN.",
            {**CURRENT, "model": "lstm", "layers": 1, "lr": 4.0, "epochs": 50},
        ),
    ],
    # The classic scratch RNN takes ~0.1 s a step on one CPU thread and a snapshot (its 0.3 M
    # weights, the carried state and the generators, ~1.3 MB) a few ms: every 50 steps costs
    # well under 0.1% and gives the 4,000-step classic run 80 fork points (24 kept, spread).
    snapshot_every=50,
    what_to_try=[
        "Run the classic settings and read the generated text every few seconds: first one "
        "letter again and again, then 'the the the', then words, and by the end whole phrases "
        "of the book; the training perplexity falls from about 28 towards 1.",
        "Type your own prefix while it trains ('the machine', 'weena'): the hidden-state "
        "heatmap shows how the units respond to each character.",
        "Set θ to 0 (clipping off) and raise η to 50: the gradient norm spikes by orders of "
        "magnitude and the perplexity jumps; with θ back at 1, the curve of ‖g‖ after clipping "
        "stays flat at 1 while the one before it spikes.",
        "Pick the GRU or LSTM preset: watch the update gate Z (or the forget gate F) stay near "
        "1 on some units, which keep their value across many characters.",
        "Compare the training and validation perplexity late in a classic run: the model "
        "memorises its 10,000 characters, so the validation perplexity stops falling and rises.",
    ],
)
