"""An encoder–decoder Transformer, the book's way (10.3, 10.5–10.7).

Reading order: tokens to tensors, masked softmax and scaled dot-product attention (10.3),
multi-head attention (10.5), positional encoding (10.6), then the Transformer's pieces (10.7):
the position-wise FFN, add & norm, the encoder and decoder blocks and their masks. Training
uses teacher forcing; evaluation and the probe decode greedily, token by token.
"""

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from workers.demos.transformer_attention.params import Params
from workers.demos.transformer_attention.tasks import Task

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


# -- Greedy decoding -------------------------------------------------------------------------


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


def output_tokens(ids: list[int], vocabs: Vocabs) -> list[str]:
    """Tokens up to the first <eos> (not included)."""
    tokens = [vocabs.target.tokens[i] for i in ids]
    return tokens[: tokens.index(EOS)] if EOS in tokens else tokens
