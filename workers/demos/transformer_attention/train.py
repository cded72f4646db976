"""An encoder–decoder Transformer, the book's way (10.3, 10.5–10.7), and what its heads look at.

Reading order: masked softmax and scaled dot-product attention (10.3), multi-head attention
(10.5), positional encoding (10.6), then the Transformer's pieces (10.7): the position-wise
FFN, add & norm, the encoder and decoder blocks. Training uses teacher forcing; evaluation
and the probe decode greedily, token by token.

Frames, every few steps, for the learner's probe (one `heatmap` per layer and head, queries
on rows and keys on columns, as in the book's figures):

- `encoder self-attention · layer L · head H`: probe tokens × probe tokens;
- `decoder self-attention · layer L · head H`: output tokens × decoder inputs (`<bos>` and
  the output so far: position i writes output token i from inputs 0..i);
- `encoder–decoder attention · layer L · head H`: output tokens × probe tokens;
- `output probabilities`: output tokens × target vocabulary, the softmax of each position.

Each is `{"values": [[..]], "x_labels": [keys..], "y_labels": [queries..]}`; a `log` line
gives the probe's current translation as text.
"""

import contextlib
import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from backend.events import FrameKind
from workers.context import JobContext
from workers.demos.transformer_attention import Params
from workers.demos.transformer_attention.tasks import (
    TASKS,
    Task,
    held_out_pairs,
    training_pair,
)

# -- Tokens to tensors -----------------------------------------------------------------------

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"


class Vocab:
    """Token <-> index; index 0 is padding on both sides."""

    def __init__(self, tokens: tuple[str, ...], specials: tuple[str, ...]) -> None:
        self.tokens = [*specials, *tokens]
        self.index = {token: i for i, token in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def ids(self, tokens: list[str]) -> list[int]:
        return [self.index[token] for token in tokens]


PAD_ID = 0


@dataclass(frozen=True)
class Vocabs:
    source: Vocab
    target: Vocab

    @classmethod
    def of(cls, task: Task) -> "Vocabs":
        return cls(Vocab(task.source_vocab, (PAD,)), Vocab(task.target_vocab, (PAD, BOS, EOS)))

    @property
    def bos_id(self) -> int:
        return self.target.index[BOS]

    @property
    def eos_id(self) -> int:
        return self.target.index[EOS]


@dataclass(frozen=True)
class Batch:
    source: Tensor  # (batch, source steps), padded with PAD_ID
    decoder_input: Tensor  # <bos> + target: what teacher forcing feeds the decoder
    labels: Tensor  # target + <eos>: what each decoder position must predict
    tokens: int  # real (non-padding) source and target tokens, for throughput


def pad(rows: list[list[int]]) -> Tensor:
    width = max(map(len, rows))
    return torch.tensor([row + [PAD_ID] * (width - len(row)) for row in rows])


def make_batch(pairs: list[tuple[list[str], list[str]]], vocabs: Vocabs, device: str) -> Batch:
    sources = [vocabs.source.ids(source) for source, _ in pairs]
    targets = [vocabs.target.ids(target) for _, target in pairs]
    return Batch(
        source=pad(sources).to(device),
        decoder_input=pad([[vocabs.bos_id, *target] for target in targets]).to(device),
        labels=pad([[*target, vocabs.eos_id] for target in targets]).to(device),
        tokens=sum(map(len, sources)) + sum(len(target) + 1 for target in targets),
    )


# -- Attention (10.3, 10.5) ------------------------------------------------------------------


def masked_softmax(scores: Tensor, mask: Tensor | None) -> Tensor:
    """Softmax over keys (the last axis) that gives exactly zero weight where mask is False.

    The book fills masked scores with -1e6; -inf is exact, and every query keeps at least one
    key (itself, or a real source token), so no row is all -inf.
    """
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1)


class DotProductAttention(nn.Module):
    """Scaled dot-product attention: softmax(Q Kᵀ / √d) V, for every head at once."""

    def __init__(self, dropout: float) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.attention_weights: Tensor | None = None  # kept, as in the book, to be drawn

    def forward(self, queries: Tensor, keys: Tensor, values: Tensor, mask: Tensor | None) -> Tensor:
        # (batch, heads, queries, d) @ (batch, heads, d, keys): dividing by √d keeps the
        # scores' variance near 1 whatever d is, so the softmax does not saturate.
        scores = queries @ keys.transpose(-2, -1) / math.sqrt(queries.shape[-1])
        weights = masked_softmax(scores, mask)
        self.attention_weights = weights.detach()
        return self.dropout(weights) @ values


class MultiHeadAttention(nn.Module):
    """num_heads attentions in parallel, each on its own d/h-wide projection (10.5)."""

    def __init__(self, hidden: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.Linear(hidden, hidden, bias=False)
        self.W_k = nn.Linear(hidden, hidden, bias=False)
        self.W_v = nn.Linear(hidden, hidden, bias=False)
        self.W_o = nn.Linear(hidden, hidden, bias=False)

    def split_heads(self, X: Tensor) -> Tensor:
        """(batch, steps, hidden) -> (batch, heads, steps, hidden / heads)."""
        batch, steps, hidden = X.shape
        return X.reshape(batch, steps, self.num_heads, hidden // self.num_heads).transpose(1, 2)

    def forward(self, queries: Tensor, keys: Tensor, values: Tensor, mask: Tensor | None) -> Tensor:
        output = self.attention(
            self.split_heads(self.W_q(queries)),
            self.split_heads(self.W_k(keys)),
            self.split_heads(self.W_v(values)),
            mask,
        )
        batch, _, steps, _ = output.shape
        return self.W_o(output.transpose(1, 2).reshape(batch, steps, -1))  # concatenate heads


# -- The Transformer (10.6, 10.7) ------------------------------------------------------------


class PositionalEncoding(nn.Module):
    """Adds sin/cos of the position at geometric frequencies: order, which attention lacks."""

    def __init__(self, hidden: int, dropout: float, max_len: int) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        position = torch.arange(max_len, dtype=torch.float32).reshape(-1, 1)
        angle = position / torch.pow(10000, torch.arange(0, hidden, 2) / hidden)
        P = torch.zeros(1, max_len, hidden)
        P[:, :, 0::2] = torch.sin(angle)
        P[:, :, 1::2] = torch.cos(angle)
        self.register_buffer("P", P, persistent=False)

    def forward(self, X: Tensor) -> Tensor:
        return self.dropout(X + self.P[:, : X.shape[1]])


class PositionWiseFFN(nn.Module):
    """The same two-layer MLP applied to every position on its own."""

    def __init__(self, hidden: int, ffn_hidden: int) -> None:
        super().__init__()
        self.dense1 = nn.Linear(hidden, ffn_hidden)
        self.dense2 = nn.Linear(ffn_hidden, hidden)

    def forward(self, X: Tensor) -> Tensor:
        return self.dense2(F.relu(self.dense1(X)))


class AddNorm(nn.Module):
    """Residual connection followed by layer normalization: LayerNorm(X + Dropout(Y))."""

    def __init__(self, hidden: int, dropout: float) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.ln = nn.LayerNorm(hidden)

    def forward(self, X: Tensor, Y: Tensor) -> Tensor:
        return self.ln(X + self.dropout(Y))


class EncoderBlock(nn.Module):
    def __init__(self, hidden: int, ffn_hidden: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        self.attention = MultiHeadAttention(hidden, num_heads, dropout)
        self.addnorm1 = AddNorm(hidden, dropout)
        self.ffn = PositionWiseFFN(hidden, ffn_hidden)
        self.addnorm2 = AddNorm(hidden, dropout)

    def forward(self, X: Tensor, source_mask: Tensor) -> Tensor:
        Y = self.addnorm1(X, self.attention(X, X, X, source_mask))
        return self.addnorm2(Y, self.ffn(Y))


class DecoderBlock(nn.Module):
    def __init__(self, hidden: int, ffn_hidden: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        self.self_attention = MultiHeadAttention(hidden, num_heads, dropout)
        self.addnorm1 = AddNorm(hidden, dropout)
        self.cross_attention = MultiHeadAttention(hidden, num_heads, dropout)
        self.addnorm2 = AddNorm(hidden, dropout)
        self.ffn = PositionWiseFFN(hidden, ffn_hidden)
        self.addnorm3 = AddNorm(hidden, dropout)

    def forward(
        self, X: Tensor, causal_mask: Tensor, encoded: Tensor, source_mask: Tensor
    ) -> Tensor:
        Y = self.addnorm1(X, self.self_attention(X, X, X, causal_mask))
        Z = self.addnorm2(Y, self.cross_attention(Y, encoded, encoded, source_mask))
        return self.addnorm3(Z, self.ffn(Z))


def padding_mask(source: Tensor) -> Tensor:
    """True where a key is a real token: (batch, 1, 1, keys), the same for every head/query."""
    return (source != PAD_ID)[:, None, None, :]


def causal_mask(steps: int, device: torch.device) -> Tensor:
    """Decoder position i may attend to positions 0..i only: it cannot peek at its answer.

    With it, one teacher-forced pass trains every position at once; the book passes the same
    information as `dec_valid_lens` = 1, 2, ..., steps.
    """
    return torch.ones(steps, steps, dtype=torch.bool, device=device).tril()


ENCODER_SELF = "encoder self-attention"
DECODER_SELF = "decoder self-attention"
ENCODER_DECODER = "encoder–decoder attention"


class Transformer(nn.Module):
    def __init__(self, vocabs: Vocabs, params: Params) -> None:
        super().__init__()
        hidden, heads, dropout = params.hidden, params.num_heads, params.dropout
        ffn_hidden = 2 * hidden  # the book uses 64 for hidden 256; wider helps a small model
        max_len = params.seq_len + 1  # decoder inputs: <bos> and up to seq_len tokens
        self.hidden = hidden
        self.source_embedding = nn.Embedding(len(vocabs.source), hidden)
        self.target_embedding = nn.Embedding(len(vocabs.target), hidden)
        self.pos_encoding = PositionalEncoding(hidden, dropout, max_len)
        self.encoder_blocks = nn.ModuleList(
            EncoderBlock(hidden, ffn_hidden, heads, dropout) for _ in range(params.num_layers)
        )
        self.decoder_blocks = nn.ModuleList(
            DecoderBlock(hidden, ffn_hidden, heads, dropout) for _ in range(params.num_layers)
        )
        self.dense = nn.Linear(hidden, len(vocabs.target))
        for embedding in (self.source_embedding, self.target_embedding):
            # Entries of size 1/√d, so that after the √d scaling in `embed` tokens and
            # positions weigh alike (PyTorch's N(0, 1) default would drown the positions).
            nn.init.normal_(embedding.weight, std=hidden**-0.5)

    def embed(self, embedding: nn.Embedding, tokens: Tensor) -> Tensor:
        # Scaled by √d so that embeddings and positional encodings (in [-1, 1]) weigh alike.
        return self.pos_encoding(embedding(tokens) * math.sqrt(self.hidden))

    def encode(self, source: Tensor) -> Tensor:
        X, mask = self.embed(self.source_embedding, source), padding_mask(source)
        for block in self.encoder_blocks:
            X = block(X, mask)
        return X

    def decode(self, decoder_input: Tensor, encoded: Tensor, source: Tensor) -> Tensor:
        """Logits over the target vocabulary at every decoder position."""
        X = self.embed(self.target_embedding, decoder_input)
        mask = causal_mask(decoder_input.shape[1], decoder_input.device)
        for block in self.decoder_blocks:
            X = block(X, mask, encoded, padding_mask(source))
        return self.dense(X)

    def forward(self, source: Tensor, decoder_input: Tensor) -> Tensor:
        return self.decode(decoder_input, self.encode(source), source)

    def attention_weights(self) -> dict[str, Tensor]:
        """The last forward pass's weights: kind -> (layers, batch, heads, queries, keys)."""
        per_kind = {
            ENCODER_SELF: [block.attention for block in self.encoder_blocks],
            DECODER_SELF: [block.self_attention for block in self.decoder_blocks],
            ENCODER_DECODER: [block.cross_attention for block in self.decoder_blocks],
        }
        return {
            kind: torch.stack([m.attention.attention_weights for m in modules])
            for kind, modules in per_kind.items()
        }


# -- Training --------------------------------------------------------------------------------


def training_batches(task: Task, params: Params, vocabs: Vocabs, device: str) -> Iterator[Batch]:
    """Fresh random examples forever, never from the held-out inputs; seeded by `seed`."""
    rng = random.Random(params.seed)
    while True:
        pairs = [training_pair(task, rng, params.seq_len) for _ in range(params.batch_size)]
        yield make_batch(pairs, vocabs, device)


def mixed_precision(device: str) -> contextlib.AbstractContextManager:
    """bfloat16 autocast on GPUs that have it: faster matmuls, no loss scaling needed."""
    if device == "cuda" and torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def train_step(model: Transformer, optimizer: torch.optim.Optimizer, batch: Batch) -> Tensor:
    """One teacher-forced step; returns the loss without waiting for the device."""
    with mixed_precision(batch.source.device.type):
        logits = model(batch.source, batch.decoder_input)
        loss = F.cross_entropy(logits.flatten(0, 1), batch.labels.flatten(), ignore_index=PAD_ID)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)  # the book clips at 1
    optimizer.step()
    return loss.detach()


def apply_live_params(params: Params, model: Transformer, optimizer: torch.optim.Optimizer) -> None:
    for group in optimizer.param_groups:
        group["lr"] = params.lr
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = params.dropout


class TrainingInterval:
    """Mean loss and throughput over the steps since the last report (evaluation excluded)."""

    def __init__(self, device: str) -> None:
        self.loss_sum = torch.zeros((), device=device)  # summed on the device: no sync per step
        self.steps = 0
        self.tokens = 0
        self.started = time.perf_counter()

    def add(self, loss: Tensor, tokens: int) -> None:
        self.loss_sum += loss
        self.steps += 1
        self.tokens += tokens

    def metrics(self) -> dict[str, float]:
        loss = (self.loss_sum / self.steps).item()  # waits for the device to finish the steps
        seconds = time.perf_counter() - self.started
        return {"loss": loss, "tokens_per_sec": self.tokens / seconds}


# -- Reading the model: greedy decoding, accuracy, the probe ----------------------------------


@torch.no_grad()
def greedy_decode(model: Transformer, source: Tensor, vocabs: Vocabs, steps: int) -> Tensor:
    """Predict one token at a time, feeding each prediction back (batch, steps).

    The whole prefix goes through the decoder again at every step, which the causal mask
    makes equal to the book's cached decoding; sequences here are short. Tokens after a
    sequence's first <eos> are set to padding.
    """
    encoded = model.encode(source)
    output = torch.full((source.shape[0], 1), vocabs.bos_id, device=source.device)
    for _ in range(steps):
        next_token = model.decode(output, encoded, source)[:, -1].argmax(-1)
        output = torch.cat([output, next_token[:, None]], dim=1)
        if (output == vocabs.eos_id).any(dim=1).all():
            break
    output = output[:, 1:]
    is_eos = output == vocabs.eos_id
    after_eos = (is_eos.cumsum(dim=1) - is_eos.int()) > 0
    output = output.masked_fill(after_eos, PAD_ID)
    return F.pad(output, (0, steps - output.shape[1]), value=PAD_ID)


@dataclass(frozen=True)
class Accuracy:
    token: float  # share of target tokens (and the final <eos>) predicted right
    sequence: float  # share of outputs entirely right
    outputs: Tensor  # the greedy outputs


def held_out_accuracy(model: Transformer, batch: Batch, vocabs: Vocabs) -> Accuracy:
    steps = batch.labels.shape[1]
    outputs = greedy_decode(model, batch.source, vocabs, steps)
    real = batch.labels != PAD_ID
    right = (outputs == batch.labels) & real
    return Accuracy(
        token=(right.sum() / real.sum()).item(),
        sequence=(right | ~real).all(dim=1).float().mean().item(),
        outputs=outputs,
    )


def output_tokens(ids: list[int], vocabs: Vocabs) -> list[str]:
    """Tokens up to the first <eos> (not included)."""
    tokens = [vocabs.target.tokens[i] for i in ids]
    return tokens[: tokens.index(EOS)] if EOS in tokens else tokens


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


def heatmap(values: Tensor, x_labels: list[str], y_labels: list[str]) -> dict[str, Any]:
    # 4 decimals are finer than any colour scale, and keep the events small.
    rows = [[round(v, 4) for v in row] for row in values.float().cpu().tolist()]
    return {"values": rows, "x_labels": x_labels, "y_labels": y_labels}


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
                name = f"{kind} · layer {layer} · head {head}"
                ctx.frame(name, FrameKind.heatmap, heatmap(values, keys, queries))
    # Drop <pad> and <bos>: the model never learns to write them.
    written_vocab = slice(2, None)
    ctx.frame(
        "output probabilities",
        FrameKind.heatmap,
        heatmap(
            reading.probabilities[:, written_vocab],
            vocabs.target.tokens[written_vocab],
            reading.produced,
        ),
    )
    ctx.log(f"step {ctx.step}: {task.detokenize(reading.source)} → {reading.output(task)}")


# -- The run ---------------------------------------------------------------------------------

HELD_OUT_EXAMPLES = 128
REPORTS_PER_RUN = 40


@dataclass(frozen=True)
class Evaluation:
    accuracy: Accuracy
    probe: ProbeReading


def evaluate(
    ctx: JobContext[Params],
    model: Transformer,
    held_out: Batch,
    vocabs: Vocabs,
    training: dict[str, float],
) -> Evaluation:
    """Report held-out accuracy (with the training metrics since the last report) and the
    probe's attention maps; dropout is off while the model is read."""
    task = TASKS[ctx.params.task]
    model.eval()
    accuracy = held_out_accuracy(model, held_out, vocabs)
    ctx.metric(
        {**training, "token_accuracy": accuracy.token, "sequence_accuracy": accuracy.sequence}
    )
    probe = read_probe(model, task, ctx.params.probe, vocabs)
    report_probe(ctx, probe, task, vocabs)
    model.train()
    return Evaluation(accuracy, probe)


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    params = ctx.params
    task = TASKS[params.task]
    vocabs = Vocabs.of(task)
    torch.manual_seed(params.seed)  # the initial weights and dropout's masks
    model = Transformer(vocabs, params).to(ctx.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=params.lr)
    batches = training_batches(task, params, vocabs, ctx.device)
    held_out = held_out_pairs(task, params.seq_len, HELD_OUT_EXAMPLES)
    held_out_batch = make_batch(held_out, vocabs, ctx.device)
    report_every = max(1, params.steps // REPORTS_PER_RUN)

    evaluation = evaluate(ctx, model, held_out_batch, vocabs, {})
    interval = TrainingInterval(ctx.device)
    for step in range(1, params.steps + 1):
        params = ctx.checkpoint(step)
        apply_live_params(params, model, optimizer)
        batch = next(batches)
        interval.add(train_step(model, optimizer, batch), batch.tokens)
        if step % report_every == 0 or step == params.steps:
            evaluation = evaluate(ctx, model, held_out_batch, vocabs, interval.metrics())
            interval = TrainingInterval(ctx.device)

    return summary(params, task, vocabs, held_out, evaluation)


def summary(
    params: Params,
    task: Task,
    vocabs: Vocabs,
    held_out: list[tuple[list[str], list[str]]],
    evaluation: Evaluation,
) -> dict[str, Any]:
    examples = []
    outputs = evaluation.accuracy.outputs.tolist()
    for (source, target), ids in zip(held_out[:6], outputs, strict=False):
        output = output_tokens(ids, vocabs)
        examples.append(
            {
                "input": task.detokenize(source),
                "target": task.detokenize(target),
                "output": task.detokenize(output),
                "correct": output == target,
            }
        )
    return {
        "task": params.task,
        "steps": params.steps,
        "token_accuracy": evaluation.accuracy.token,
        "sequence_accuracy": evaluation.accuracy.sequence,
        "examples": examples,
        "probe": {
            "input": task.detokenize(evaluation.probe.source),
            "output": evaluation.probe.output(task),
        },
    }
