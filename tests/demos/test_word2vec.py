"""word2vec: the book's data pipeline (subsampling, context windows, noise words, padded
batches), the skip-gram scores and masked loss, and the readings (nearest words, analogy,
PCA), each against a hand computation in NumPy; then runs on the offline stand-in text (every
run here uses it: PTB's mirror is a closed port): the loss falls from ln 2, live changes apply
from their step, a word not in the vocabulary says so, and the stand-in is labelled."""

import math

import numpy as np
import pytest
import torch

from core.channel import Control
from core.errors import InvalidInput
from tests.support import RecordingChannel, frames, free_port, run_demo
from workers.demos.word2vec import DEMO
from workers.demos.word2vec.data import (
    Contexts,
    WordVocab,
    batchify,
    centers_and_contexts,
    examples,
    keep_probability,
    negatives,
    subsample,
)
from workers.demos.word2vec.model import (
    MaskedSigmoidBCE,
    analogy,
    example_losses,
    nearest,
    pca_2d,
    skip_gram,
)
from workers.demos.word2vec.views import ANALOGY, NEAREST, PROJECTION

TINY = {"embed_size": 8, "sentences": 1500, "batch_size": 64, "epochs": 2}


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB's mirror is a closed local port: every run trains on the labelled stand-in; one CPU
    thread (the test machine's cores are shared)."""
    monkeypatch.setenv("DIVELAB_DATASETS_MIRROR", f"http://127.0.0.1:{free_port()}")
    torch.set_num_threads(1)


# -- the dataset (14.3) ----------------------------------------------------------------------


def test_subsampling_keeps_each_word_with_probability_sqrt_t_over_f() -> None:
    counts = {"the": 50_000, "cat": 100, "dog": 10, "rare": 5}  # "rare" < 10: <unk>, dropped
    sentences = [[word] * n for word, n in counts.items()]
    vocab = WordVocab(sentences)
    assert vocab.idx_to_token == ["<unk>", "the", "cat", "dog"]
    total = 50_000 + 100 + 10  # tokens once <unk> is dropped
    by_hand = {w: min(1.0, math.sqrt(1e-4 / (counts[w] / total))) for w in ("the", "cat", "dog")}
    probabilities = keep_probability(np.array([0, 50_000, 100, 10.0]), total)
    for word, p in by_hand.items():
        assert min(probabilities[vocab.index(word)], 1.0) == pytest.approx(p, rel=1e-12)

    kept = {w: 0 for w in by_hand}
    draws = 40
    for seed in range(draws):
        lines, counter = subsample(sentences, vocab, np.random.default_rng(seed))
        assert counter.tolist() == [0, 50_000, 100, 10]
        assert not any(vocab.idx_to_token[i] == "rare" for line in lines for i in line)
        for line in lines:
            for i in line:
                kept[vocab.idx_to_token[i]] += 1
    for word, p in by_hand.items():
        n = counts[word] * draws
        assert abs(kept[word] / n - p) < 4 * math.sqrt(p * (1 - p) / n) + 1e-9, word


def test_context_windows_are_within_a_drawn_window_of_the_same_sentence() -> None:
    rng = np.random.default_rng(3)
    # every token distinct, so a context word names its position
    lengths = [1, 2, 7, 13, 4, 30]
    starts = np.cumsum([0, *lengths])
    corpus = [np.arange(start, start + n) + 1 for start, n in zip(starts, lengths, strict=False)]
    max_window = 4
    found = centers_and_contexts(corpus, max_window, rng)
    lines = [line for line in corpus if len(line) >= 2]  # a 1-word sentence has no pair
    assert found.centers.tolist() == np.concatenate(lines).tolist()
    windows_used = set()
    for center, words, count in zip(found.centers, found.words, found.counts, strict=True):
        line = next(line for line in lines if center in line)
        i = int(np.flatnonzero(line == center)[0])
        context = words[:count].tolist()
        assert center not in context and not words[count:].any()
        fits = [
            m
            for m in range(1, max_window + 1)
            if context
            == [int(line[j]) for j in range(max(0, i - m), min(len(line), i + m + 1)) if j != i]
        ]
        assert fits, f"{context} is no window around position {i} of {line.tolist()}"
        windows_used.add(max(fits) if len(fits) > 1 else fits[0])
    assert windows_used == {1, 2, 3, 4}


def test_noise_words_follow_count_to_the_075_and_are_never_context_words() -> None:
    counts = np.array([0, 1000, 300, 100, 50, 20.0])
    rows = 3000
    words = np.zeros((rows, 4), dtype=np.int64)
    words[:, 0] = 1  # every center has the most frequent word as a context word...
    words[::2, 1] = 3  # ...and every other one word 3 too
    n = np.where(np.arange(rows) % 2 == 0, 2, 1)
    noise = negatives(Contexts(np.full(rows, 2), words, n), counts, 5, np.random.default_rng(0))
    assert noise.shape == (rows, 4 * 5)
    for row in range(rows):
        drawn = noise[row, : n[row] * 5]
        assert (drawn > 0).all() and not noise[row, n[row] * 5 :].any()
        assert not np.isin(drawn, words[row, : n[row]]).any()
    # rows with only word 1 as context: noise among 2..5, P ∝ count^0.75 renormalized
    for allowed, which in (([2, 3, 4, 5], slice(1, None, 2)), ([2, 4, 5], slice(0, None, 2))):
        drawn = noise[which][noise[which] > 0]
        observed = np.array([(drawn == w).sum() for w in allowed])
        expected = counts[allowed] ** 0.75 / (counts[allowed] ** 0.75).sum() * len(drawn)
        chi_square = ((observed - expected) ** 2 / expected).sum()
        assert chi_square < 20.0, (observed, expected)  # p < 0.001 for 2–3 degrees of freedom


def test_batchify_pads_contexts_then_noise_with_masks_and_labels() -> None:
    contexts = Contexts(
        centers=np.array([7, 8]),
        words=np.array([[1, 2, 0, 0], [3, 0, 0, 0]]),
        counts=np.array([2, 1]),
    )
    noise = np.zeros((2, 8), dtype=np.int64)
    noise[0, :4] = [4, 5, 6, 4]
    noise[1, :2] = [5, 6]
    ex = examples(contexts, noise, num_noise=2)
    center, words, mask, label = batchify(*ex.tensors(), ex.num_noise)
    assert center.tolist() == [[7], [8]]
    assert words.tolist() == [[1, 2, 4, 5, 6, 4], [3, 5, 6, 0, 0, 0]]  # the book's batchify
    assert mask.tolist() == [[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]]
    assert label.tolist() == [[1, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]]


# -- the model (14.4) ------------------------------------------------------------------------


def test_scores_are_dot_products_and_the_loss_is_the_mean_bce_over_real_labels() -> None:
    torch.manual_seed(0)
    embed_v, embed_u = torch.nn.Embedding(9, 3), torch.nn.Embedding(9, 3)
    center = torch.tensor([[7], [8]])
    words = torch.tensor([[1, 2, 4, 5], [3, 5, 0, 0]])
    mask = torch.tensor([[1.0, 1, 1, 1], [1, 1, 0, 0]])
    label = torch.tensor([[1.0, 1, 0, 0], [1, 0, 0, 0]])
    V, U = embed_v.weight.detach().double().numpy(), embed_u.weight.detach().double().numpy()
    scores = skip_gram(center, words, embed_v, embed_u).detach().double().numpy()
    by_hand = np.array(
        [[[V[c[0]] @ U[w] for w in row]] for c, row in zip(center, words, strict=True)]
    )
    np.testing.assert_allclose(scores, by_hand, rtol=1e-5, atol=1e-6)  # float32

    net = torch.nn.Sequential(embed_v, embed_u)
    losses = example_losses(net, MaskedSigmoidBCE(), (center, words, mask, label))
    s, y, m = by_hand[:, 0, :], label.numpy(), mask.numpy()
    sigma = 1 / (1 + np.exp(-s))
    bce = -(y * np.log(sigma) + (1 - y) * np.log(1 - sigma))
    np.testing.assert_allclose(losses.detach().numpy(), (bce * m).sum(1) / m.sum(1), rtol=1e-5)


def cosine_by_hand(W: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.array([w @ x / (np.linalg.norm(w) * np.linalg.norm(x)) for w in W])


def test_nearest_words_and_analogies_by_cosine() -> None:
    rng = np.random.default_rng(1)
    W = rng.normal(size=(12, 5))
    found = nearest(torch.tensor(W), 4, 3)
    cos = cosine_by_hand(W, W[4])
    order = [i for i in np.argsort(-cos) if i not in (0, 4)][:3]
    assert [n.index for n in found] == order
    assert [n.cosine for n in found] == pytest.approx(cos[order], rel=1e-6)

    # man : king :: woman : queen, on vectors where queen − woman = king − man exactly
    man, king, woman, queen = 1, 2, 3, 4
    W[queen] = W[king] - W[man] + W[woman]
    answers = analogy(torch.tensor(W), man, king, woman, 3)
    assert answers[0].index == queen and answers[0].cosine == pytest.approx(1.0)
    target = W[king] - W[man] + W[woman]
    cos = cosine_by_hand(W, target)
    order = [i for i in np.argsort(-cos) if i not in (0, man, king, woman)][:3]
    assert [n.index for n in answers] == order


def test_pca_matches_the_covariance_eigenvectors_and_keeps_its_orientation() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(20, 6)) * np.array([5, 3, 1, 0.5, 0.2, 0.1])
    rows = list(range(100, 120))
    points = pca_2d(X, None, rows)
    centered = X - X.mean(0)
    _, vectors = np.linalg.eigh(np.cov(centered.T))
    by_hand = centered @ vectors[:, ::-1][:, :2]  # the two largest eigenvalues' vectors
    np.testing.assert_allclose(np.abs(points), np.abs(by_hand), atol=1e-9)
    # a later frame turns each component to agree with the previous frame's points
    flipped = {row: -p for row, p in zip(rows, points, strict=True)}
    again = pca_2d(X, flipped, rows)
    np.testing.assert_allclose(again, -points, atol=1e-9)


def test_the_analogy_param_must_read_a_b_c() -> None:
    assert DEMO.validate({"analogy": "Man : King :: woman"}).analogy == "Man : King :: woman"
    for bad in ("man king woman", "a : b : c", "a :: b : c", ""):
        with pytest.raises(InvalidInput, match="a : b :: c"):
            DEMO.validate({"analogy": bad})


# -- runs on the stand-in text ---------------------------------------------------------------


def test_on_the_stand_in_the_loss_falls_well_below_ln_2() -> None:
    channel = run_demo("word2vec", {"probe": "function"})  # the book's settings
    assert channel.final["status"] == "succeeded", channel.final["error"]
    losses = [m["values"]["loss"] for m in channel.of_type("metric")]
    assert losses[0] == pytest.approx(math.log(2), abs=0.005)  # untrained scores are ≈ 0
    assert losses[-1] < 0.5 and channel.final["summary"]["loss"] < math.log(2)
    summary = channel.final["summary"]
    # the stand-in is labelled: in the log and the summary, for the notice
    assert summary["corpus"] == "fallback" and "stand-in" in summary["corpus_note"]
    assert any("stand-in" in log["message"] for log in channel.of_type("log"))
    assert len(summary["nearest"]) == 8 and "function" not in summary["nearest"]
    last = frames(channel, NEAREST)[-1]
    assert last["kind"] == "bars" and last["data"]["categories"] == summary["nearest"]
    cosines = last["data"]["series"][0]["values"]
    assert cosines == sorted(cosines, reverse=True) and all(-1 <= c <= 1 for c in cosines)
    scatter = frames(channel, PROJECTION)[-1]["data"]
    assert scatter["labels"][:3] == ["the", "a", "is"]  # the most frequent words first
    assert scatter["groups"].count("probe") == 1
    assert scatter["labels"][scatter["groups"].index("probe")] == "function"


def test_a_word_not_in_the_vocabulary_says_so_and_suggests_frequent_words() -> None:
    channel = run_demo("word2vec", {**TINY, "epochs": 1, "analogy": "he : his :: class"})
    assert channel.final["status"] == "succeeded", channel.final["error"]
    nearest_frame = frames(channel, NEAREST)[-1]
    assert nearest_frame["kind"] == "text"  # "chip", the book's probe, is not in the stand-in
    assert "“chip” is not in the vocabulary" in nearest_frame["data"]["text"]
    assert "Frequent words to try:" in nearest_frame["data"]["text"]
    box = frames(channel, ANALOGY)[-1]["data"]["text"]
    assert box.startswith("he : his :: class : ?") and "“he”, “his” are not" in box


def test_a_live_probe_and_learning_rate_apply_from_their_step() -> None:
    params = DEMO.validate(TINY).model_dump(mode="json")
    changed = DEMO.apply_live_change(
        params, {"lr": 0.05, "probe": "class", "analogy": "class : object :: function"}
    )
    at = 20

    def script(poll: int) -> Control:
        return Control(params=changed, version=2) if poll == at else Control()

    live = run_demo("word2vec", params, RecordingChannel(script=script))
    plain = run_demo("word2vec", params)
    assert live.final["status"] == plain.final["status"] == "succeeded"
    assert [(p["step"], p["params"]["probe"]) for p in live.of_type("params")] == [
        (0, "chip"),
        (at, "class"),
    ]
    before = [(m["step"], m["values"]["loss"]) for m in plain.of_type("metric") if m["step"] < at]
    assert [(m["step"], m["values"]["loss"]) for m in live.of_type("metric") if m["step"] < at] == (
        before
    )
    after = {m["step"]: m["values"]["loss"] for m in live.of_type("metric") if m["step"] >= at}
    unchanged = {m["step"]: m["values"]["loss"] for m in plain.of_type("metric") if m["step"] >= at}
    assert all(after[s] != unchanged[s] for s in list(after)[1:])
    probe_frames = frames(live, NEAREST)
    assert all(f["kind"] == "text" for f in probe_frames if f["step"] < at)
    firsts = [f for f in probe_frames if f["step"] >= at]
    assert firsts[0]["step"] == at and firsts[0]["kind"] == "bars"  # redrawn at once
    assert firsts[0]["data"]["y_label"] == "cos(·, class)"
    box = frames(live, ANALOGY)[-1]["data"]["text"]
    assert box.startswith("class : object :: function : ?\n\nnearest to")
