"""Word embeddings by word2vec (book 14.1–14.4 in the 0.14 edition; 15.1–15.4 today): the
skip-gram model with negative sampling, pretrained on the Penn Treebank.

The book turns PTB's sentences into (center word, context words) pairs, subsamples frequent
words, draws K = 5 noise words per context word, and trains two tables of 100-dimensional
vectors with Adam so that σ(u_o · v_c) is high for a context word o of c and low for noise.
It then lists the words whose vectors are nearest to "chip": "microprocessor", "mips",
"intel". Here the nearest words, an analogy and a 2-D projection are read while it trains.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec, Notice, Preset
from workers.demos.word2vec.params import Params

DEMO = DemoSpec(
    id="word2vec",
    title="word2vec: word embeddings by skip-gram",
    summary="Train the skip-gram model with negative sampling on the Penn Treebank and watch "
    "words used alike move together: the nearest words to a probe word, an analogy, and a "
    "2-D projection of the vectors, all read while they train.",
    params=Params,
    package=__name__,
    book=[
        d2l(
            "15.1", "Word Embedding (word2vec)", edition_0_14=("14.1", "Word Embedding (word2vec)")
        ),
        d2l("15.2", "Approximate Training", edition_0_14=("14.2", "Approximate Training")),
        d2l(
            "15.3",
            "The Dataset for Pretraining Word Embeddings",
            edition_0_14=("14.3", "The Dataset for Pretraining Word Embedding"),
        ),
        d2l("15.4", "Pretraining word2vec", edition_0_14=("14.4", "Pretraining word2vec")),
    ],
    zefs=[ZefsChapter(6, "Embeddings")],
    charts=[
        ChartSpec("Loss", ["loss"], y_label="binary cross-entropy per label"),
        ChartSpec("Throughput", ["examples_per_sec"], y_label="center words/s"),
    ],
    notices=[
        Notice(
            "corpus",
            "This run trained on a stand-in text, not the Penn Treebank: PTB could not be "
            "downloaded.",
            real_values=["ptb"],
        )
    ],
    presets=[
        Preset(
            "classic",
            "The book's settings",
            "Both editions: vectors of 100, windows up to 5 words, 5 noise words per context "
            "word, Adam with η = 0.002, batches of 512, 5 epochs, the whole corpus.",
            {
                "embed_size": 100,
                "max_window_size": 5,
                "num_noise_words": 5,
                "lr": 0.002,
                "batch_size": 512,
                "epochs": 5,
                "sentences": 0,
            },
        ),
    ],
    # On PTB an epoch is ~730 steps of ~10 ms on a CPU thread; a snapshot (two 6,719 × 100
    # tables and Adam's two moments for each, ~10 MB) takes ~10 ms: every 200 steps costs
    # well under 1% and gives the book's 3,650-step run 18 fork points (~190 MB, within the
    # 256 MB a job may keep).
    snapshot_every=200,
    what_to_try=[
        "Run the book's settings on PTB: the loss starts at ln 2 ≈ 0.693 per label (untrained "
        "vectors score every pair near 0) and the book's mean over the run is 0.410; the "
        "nearest words to “chip” come to include “microprocessor”, “mips” and “intel”.",
        "Change the probe word while it trains (“intel”, “bank”, “stock”, “million”): words "
        "used in the same contexts come out nearest, long before the loss stops falling.",
        "Try an analogy: “he : his :: they” asks for the word that is to “they” what “his” "
        "is to “he”. PTB is small for analogies: expect the right answer among the top few, "
        "not always first.",
        "Watch the projection: the frequent function words (“the”, “of”, “a”) gather, and "
        "the probe's neighbours drift towards it as training goes.",
        "Raise the learning rate to 0.05 mid-run and watch the loss: Adam's steps overshoot "
        "and the loss climbs.",
        "Set K (noise words) to 1 or 15: more noise words per context word make each step "
        "dearer, and the loss per label is a different number (more of the labels are 0).",
    ],
)
