"""A Transformer whose attention heads a learner watches learn (book 10.5–10.7).

A small encoder–decoder Transformer, written the book's way, learns a sequence-to-sequence
task generated in code. Every few steps it reads a probe sentence, chosen and edited by the
learner while it trains, and shows each head's attention on it: encoder self-attention,
decoder self-attention and encoder–decoder attention, layer by layer.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec
from workers.demos.transformer_attention.params import Params

DEMO = DemoSpec(
    id="transformer-attention",
    title="Transformer attention, head by head",
    summary="Train a small encoder–decoder Transformer to reverse, sort, copy or translate, "
    "and watch every head's attention on a sentence you choose.",
    params=Params,
    package=__name__,
    book=[d2l("11.7", "The Transformer Architecture", edition_0_14=("10.3", "Transformer"))],
    zefs=[ZefsChapter(6, "Attention"), ZefsChapter(6, "Transformers")],
    charts=[
        ChartSpec("Loss", ["loss"], y_label="cross-entropy", log_scale=True),
        ChartSpec("Held-out accuracy", ["*_accuracy"], y_label="accuracy"),
        ChartSpec("Throughput", ["tokens_per_sec"], y_label="tokens/s"),
    ],
    # At the default size a step takes ~40 ms on one CPU thread and a snapshot (weights and
    # Adam's moments, ~2 MB) ~17 ms: every 150 steps costs ~0.3% and gives a default
    # 1500-step run ten fork points, ~20 MB of snapshots in all.
    snapshot_every=150,
    what_to_try=[
        "On `reverse`, watch the last layer's encoder–decoder attention: it ends up as an "
        "anti-diagonal, each output letter looking at its mirror in the input.",
        "Switch to `copy`: the same map becomes the diagonal. `sort` looks letters up by rank.",
        "On `translate`, look at the French article (le, la, un, une): to agree in gender it "
        "must attend to the noun that comes after it in English.",
        'Edit the probe while it trains: try a repeated letter ("aaaa") on `reverse`, or an '
        "ungrammatical sentence on `translate`, and see which heads get confused.",
        "Raise dropout to 0.5 mid-run and watch held-out accuracy; raise lr to 0.05 and watch "
        "the loss jump.",
    ],
)
