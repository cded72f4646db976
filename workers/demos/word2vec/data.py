"""The dataset for pretraining word embeddings (book 14.3 in the 0.14 edition; 15.3 today).

The Penn Treebank's sentences become (center word, context words, noise words) examples:

1. Words seen fewer than 10 times are `<unk>`, and `<unk>` is dropped.
2. Subsampling: frequent words carry little (every word co-occurs with "the"), so each token
   w is kept with probability sqrt(t / f(w)), t = 10⁻⁴, f(w) = count(w) / tokens: a word rarer
   than 1 in 10,000 is always kept, one 100 times more frequent a tenth of the time.
3. Every token is a center word; its context words are those at most m positions away in
   its sentence, m drawn uniformly from 1..max_window_size for each center.
4. Negative sampling: for each context word, K noise words drawn with P(w) ∝ count(w)^0.75
   (index 0, `<unk>`, never), redrawn when one is among the center's context words.
5. A minibatch pads each example's contexts-then-noise words to the longest in it, with a mask
   (1 on real entries) and labels (1 on context words, 0 on noise words and padding).

The book loops over tokens in Python (`random.uniform`, its `RandomGenerator`); here the same
draws are made with NumPy on whole arrays, from one seeded generator, so that the whole of PTB
(~900,000 tokens) is prepared in seconds and a run is reproducible from its seed.
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

MIN_FREQ = 10  # the book's d2l.Vocab(sentences, min_freq=10)
SUBSAMPLING_T = 1e-4
NOISE_POWER = 0.75
UNK = "<unk>"
CHUNK_ROWS = 20_000  # rows compared against their contexts at once (bounds the memory used)


class WordVocab:
    """The book's `Vocab`: `<unk>` at index 0, then the words seen at least `min_freq` times,
    most frequent first (ties in order of first appearance)."""

    def __init__(self, sentences: list[list[str]], min_freq: int = MIN_FREQ) -> None:
        counts = Counter(token for line in sentences for token in line)
        frequent = sorted(counts.items(), key=lambda item: item[1], reverse=True)
        self.idx_to_token = [UNK] + [t for t, n in frequent if n >= min_freq and t != UNK]
        self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def index(self, token: str) -> int:
        return self.token_to_idx.get(token, 0)


def read_sentences(lines: list[str]) -> list[list[str]]:
    """The book's `read_ptb`: a sentence per line, words split on spaces."""
    return [line.split() for line in lines]


def keep_probability(counts: np.ndarray, num_tokens: int, t: float = SUBSAMPLING_T) -> np.ndarray:
    """sqrt(t / f(w)) with f(w) = count(w) / num_tokens (≥ 1: always kept); 0 for count 0."""
    with np.errstate(divide="ignore"):
        return np.where(counts > 0, np.sqrt(t / counts * num_tokens), 0.0)


def subsample(
    sentences: list[list[str]], vocab: WordVocab, rng: np.random.Generator
) -> tuple[list[np.ndarray], np.ndarray]:
    """The book's `subsample`: `<unk>` dropped, then each token kept with its probability.
    Returns the sentences as arrays of indices and every index's count (before subsampling,
    `<unk>` excluded): the book's `counter`, which also weighs the noise words."""
    ids = [np.array([vocab.index(t) for t in line], dtype=np.int64) for line in sentences]
    ids = [line[line != 0] for line in ids]
    flat = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
    counts = np.bincount(flat, minlength=len(vocab)).astype(np.float64)
    keep = rng.random(len(flat)) < keep_probability(counts, len(flat))[flat]
    ends = np.cumsum([len(line) for line in ids])[:-1]
    kept = [line[mask] for line, mask in zip(ids, np.split(keep, ends), strict=True)]
    return kept, counts


@dataclass(frozen=True)
class Contexts:
    centers: np.ndarray  # (N,): every token of a sentence of 2 or more tokens
    words: np.ndarray  # (N, 2 max_window_size): its context words, left-aligned, 0-padded
    counts: np.ndarray  # (N,): how many context words each has


def centers_and_contexts(
    corpus: list[np.ndarray], max_window_size: int, rng: np.random.Generator
) -> Contexts:
    """The book's `get_centers_and_contexts`: for the token at i, a window size m from
    1..max_window_size, and the tokens at i − m..i + m of its sentence but i, in order."""
    lines = [line for line in corpus if len(line) >= 2]  # a pair needs two words
    if not lines:
        empty = np.zeros(0, dtype=np.int64)
        return Contexts(empty, np.zeros((0, 2 * max_window_size), np.int64), empty)
    tokens = np.concatenate(lines)
    sentence = np.repeat(np.arange(len(lines)), [len(line) for line in lines])
    window = rng.integers(1, max_window_size + 1, size=len(tokens))
    offsets = np.r_[-max_window_size:0, 1 : max_window_size + 1]  # left to right, not 0
    position = np.arange(len(tokens))[:, None] + offsets[None, :]
    inside = (position >= 0) & (position < len(tokens))
    position = np.clip(position, 0, len(tokens) - 1)
    valid = inside & (np.abs(offsets)[None, :] <= window[:, None])
    valid &= sentence[position] == sentence[:, None]
    return Contexts(tokens, *left_aligned(tokens[position], valid))


def left_aligned(values: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's valid values moved to its start, in order, the rest 0; and their counts."""
    order = np.argsort(~valid, axis=1, kind="stable")
    packed = np.take_along_axis(np.where(valid, values, 0), order, axis=1)
    return packed, valid.sum(axis=1)


def noise_weights(counts: np.ndarray) -> np.ndarray:
    """The sampling weights of the book's `get_negatives`: count^0.75, 0 for `<unk>`."""
    weights = counts**NOISE_POWER
    weights[0] = 0.0
    return weights


def negatives(
    contexts: Contexts, counts: np.ndarray, num_noise: int, rng: np.random.Generator
) -> np.ndarray:
    """The book's `get_negatives`: K noise words per context word, P(w) ∝ count(w)^0.75, a
    draw that is one of the center's context words thrown away and drawn again (the book's
    `if neg not in contexts`). Returns (N, 2 max_window_size · K), left-aligned, 0-padded."""
    cdf = np.cumsum(noise_weights(counts))
    cdf /= cdf[-1]
    need = contexts.counts * num_noise
    width = contexts.words.shape[1] * num_noise
    out = np.zeros((len(need), width), dtype=np.int64)
    for start in range(0, len(need), CHUNK_ROWS):
        rows = slice(start, start + CHUNK_ROWS)
        words, counts_here = contexts.words[rows], contexts.counts[rows]
        out[rows] = draw_noise(words, counts_here, need[rows], width, cdf, rng)
    return out


def draw_noise(
    words: np.ndarray,
    counts: np.ndarray,
    need: np.ndarray,
    width: int,
    cdf: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Noise words for a chunk of rows: i.i.d. draws, those among the row's context words
    dropped, the first `need` of the rest kept in order; rows left short draw again."""
    out = np.zeros((len(need), width), dtype=np.int64)
    have = np.zeros(len(need), dtype=np.int64)
    todo = np.flatnonzero(need > 0)
    while len(todo):
        columns = int((need[todo] - have[todo]).max()) + 8  # a few spare for the clashes
        draws = np.searchsorted(cdf, rng.random((len(todo), columns)), side="right")
        real = np.arange(words.shape[1])[None, :] < counts[todo, None]
        clash = ((draws[:, :, None] == words[todo, None, :]) & real[:, None, :]).any(axis=2)
        rank = have[todo, None] + np.cumsum(~clash, axis=1)  # where each kept draw goes
        taken = ~clash & (rank <= need[todo, None])
        rows, cols = np.nonzero(taken)
        out[todo[rows], rank[rows, cols] - 1] = draws[rows, cols]
        have[todo] = np.minimum(rank[:, -1], need[todo])
        todo = todo[have[todo] < need[todo]]
    return out


@dataclass(frozen=True)
class Examples:
    """Every (center, contexts and noise words) example, padded to the longest possible; a
    minibatch is cut to its own longest, as the book's `batchify` pads."""

    centers: Tensor  # (N,)
    contexts_negatives: Tensor  # (N, 2 max_window_size (1 + K)), int32
    num_contexts: Tensor  # (N,)
    num_noise: int

    def tensors(self) -> tuple[Tensor, Tensor, Tensor]:
        return self.centers, self.contexts_negatives, self.num_contexts


def examples(contexts: Contexts, noise: np.ndarray, num_noise: int) -> Examples:
    """Each row: its context words, then its noise words, then zeros."""
    n = contexts.counts[:, None]
    column = np.arange(contexts.words.shape[1] + noise.shape[1])[None, :]
    from_words = np.pad(contexts.words, ((0, 0), (0, noise.shape[1])))  # read where column < n
    from_noise = np.take_along_axis(noise, np.clip(column - n, 0, noise.shape[1] - 1), 1)
    row = np.where(column < n, from_words, np.where(column < n * (1 + num_noise), from_noise, 0))
    return Examples(
        torch.from_numpy(contexts.centers.astype(np.int64)),
        torch.from_numpy(row.astype(np.int32)),
        torch.from_numpy(contexts.counts.astype(np.int64)),
        num_noise,
    )


def batchify(
    centers: Tensor, contexts_negatives: Tensor, num_contexts: Tensor, num_noise: int
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The book's `batchify` on a minibatch of examples: centers (B, 1), contexts and noise
    words (B, L) cut to the batch's longest L, masks (1 on real entries) and labels (1 on
    context words), as float tensors."""
    lengths = num_contexts * (1 + num_noise)
    longest = int(lengths.max()) if len(lengths) else 0
    column = torch.arange(longest)[None, :]
    masks = (column < lengths[:, None]).float()
    labels = (column < num_contexts[:, None]).float()
    return centers.reshape(-1, 1), contexts_negatives[:, :longest].long(), masks, labels


@dataclass(frozen=True)
class Prepared:
    vocab: WordVocab
    counts: np.ndarray  # every index's count in the corpus (`<unk>`: 0)
    tokens: int  # in the corpus, `<unk>` excluded
    kept: int  # after subsampling
    examples: Examples


def prepare(
    lines: list[str], max_window_size: int, num_noise: int, seed: int, sentences: int = 0
) -> Prepared:
    """The book's `load_data_ptb` up to its DataLoader: vocabulary, subsampling, centers and
    contexts, noise words, all drawn from one generator seeded by `seed` (in that order)."""
    rng = np.random.default_rng(seed)
    words = read_sentences(lines[:sentences] if sentences else lines)
    vocab = WordVocab(words)
    subsampled, counts = subsample(words, vocab, rng)
    contexts = centers_and_contexts(subsampled, max_window_size, rng)
    noise = negatives(contexts, counts, num_noise, rng)
    kept = sum(len(line) for line in subsampled)
    return Prepared(vocab, counts, int(counts.sum()), kept, examples(contexts, noise, num_noise))
