"""What the learner sees of the Transformer: what every head looks at on the learner's probe.

Frames, every few steps, for the probe (one `heatmap` per layer and head, queries on rows and
keys on columns, as in the book's figures; weights rounded to 4 decimals):

- `encoder self-attention · layer L · head H`: probe tokens × probe tokens;
- `decoder self-attention · layer L · head H`: output tokens × decoder inputs (`<bos>` and
  the output so far: position i writes output token i from inputs 0..i);
- `encoder–decoder attention · layer L · head H`: output tokens × probe tokens;
- `output probabilities`: output tokens × target vocabulary, the softmax of each position.

A `log` line gives the probe's current translation as text.
"""

from dataclasses import dataclass

import torch
from torch import Tensor

from workers.context import JobContext
from workers.demos.transformer_attention.model import (
    BOS,
    DECODER_SELF,
    ENCODER_DECODER,
    ENCODER_SELF,
    EOS,
    Transformer,
    Vocabs,
    greedy_decode,
    output_tokens,
)
from workers.demos.transformer_attention.params import Params
from workers.demos.transformer_attention.tasks import Task
from workers.kit.views import heatmap


@dataclass(frozen=True)
class ProbeReading:
    source: list[str]
    produced: list[str]  # what each decoder position wrote: the output, then <eos> if any
    weights: dict[str, Tensor]  # kind -> (layers, heads, queries, keys)
    probabilities: Tensor  # (produced, target vocabulary)

    def output(self, task: Task) -> str:
        return task.detokenize([token for token in self.produced if token != EOS])


@torch.no_grad()
def read_probe(model: Transformer, task: Task, text: str, vocabs: Vocabs) -> ProbeReading:
    """Decode the probe greedily, then run the decoder once more on that output to collect
    every head's weights (the causal mask makes them the ones used while decoding)."""
    source_tokens = task.tokenize(text)
    device = next(model.parameters()).device
    source = torch.tensor([vocabs.source.ids(source_tokens)], device=device)
    ids = greedy_decode(model, source, vocabs, len(source_tokens) + 1)[0].tolist()
    written = output_tokens(ids, vocabs)
    produced = [*written, EOS] if len(written) < len(ids) else written
    decoder_input = torch.tensor([[vocabs.bos_id, *vocabs.target.ids(produced[:-1])]])
    logits = model(source, decoder_input.to(device))
    return ProbeReading(
        source=source_tokens,
        produced=produced,
        weights={kind: w[:, 0] for kind, w in model.attention_weights().items()},
        probabilities=torch.softmax(logits[0].float(), dim=-1),
    )


def report_probe(
    ctx: JobContext[Params], reading: ProbeReading, task: Task, vocabs: Vocabs
) -> None:
    axes = {  # kind -> (keys, queries)
        ENCODER_SELF: (reading.source, reading.source),
        DECODER_SELF: ([BOS, *reading.produced[:-1]], reading.produced),
        ENCODER_DECODER: (reading.source, reading.produced),
    }
    for kind, weights in reading.weights.items():
        keys, queries = axes[kind]
        for layer, per_head in enumerate(weights, start=1):
            for head, values in enumerate(per_head, start=1):
                ctx.frame(f"{kind} · layer {layer} · head {head}", heatmap(values, keys, queries))
    # Drop <pad> and <bos>: the model never learns to write them.
    written_vocab = slice(2, None)
    ctx.frame(
        "output probabilities",
        heatmap(
            reading.probabilities[:, written_vocab],
            vocabs.target.tokens[written_vocab],
            reading.produced,
        ),
    )
    ctx.log(f"step {ctx.step}: {task.detokenize(reading.source)} → {reading.output(task)}")
