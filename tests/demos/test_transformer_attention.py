"""transformer-attention: the book's Transformer, its attention maps, and the live probe."""

import httpx
import pytest
import torch

from core.channel import Control
from core.errors import InvalidInput
from tests.support import RecordingChannel, Server, run_demo
from workers.demos.transformer_attention import DEMO, Params, tasks
from workers.demos.transformer_attention.model import (
    Transformer,
    Vocabs,
    greedy_decode,
    make_batch,
)

KINDS = ("encoder self-attention", "decoder self-attention", "encoder–decoder attention")
# Small enough to train in seconds on one CPU core.
TINY = {"seq_len": 5, "hidden": 16, "num_heads": 2, "num_layers": 1, "batch_size": 32}


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


def attention_frames(channel: RecordingChannel, kind: str, step: int) -> dict[str, dict]:
    return {
        d["name"]: d["data"]
        for d in channel.of_type("frame")
        if d["name"].startswith(kind) and d["step"] == step
    }


def metric_series(channel: RecordingChannel, *names: str) -> list[tuple]:
    return [(d["step"], *(d["values"].get(n) for n in names)) for d in channel.of_type("metric")]


# -- The model ------------------------------------------------------------------------------


def test_attention_weights_are_rows_summing_to_one_with_masked_positions_at_zero() -> None:
    params = Params(**{**TINY, "num_layers": 2, "num_heads": 4, "hidden": 16})
    vocabs = Vocabs.of(tasks.TASKS["reverse"])
    torch.manual_seed(0)
    model = Transformer(vocabs, params).eval()
    pairs = [(list("abcde"), list("edcba")), (list("xy"), list("yx"))]  # the second is padded
    batch = make_batch(pairs, vocabs, "cpu")
    with torch.no_grad():
        model(batch.source, batch.decoder_input)
    weights = model.attention_weights()

    # layers × batch × heads × queries × keys
    assert weights[KINDS[0]].shape == (2, 2, 4, 5, 5)
    assert weights[KINDS[1]].shape == (2, 2, 4, 6, 6)  # <bos> + 5 target tokens
    assert weights[KINDS[2]].shape == (2, 2, 4, 6, 5)
    for w in weights.values():
        torch.testing.assert_close(w.sum(dim=-1), torch.ones(w.shape[:-1]))
    # Padding keys of the short source (positions 2..4) get exactly zero weight...
    assert (weights[KINDS[0]][:, 1, :, :, 2:] == 0).all()
    assert (weights[KINDS[2]][:, 1, :, :, 2:] == 0).all()
    assert (weights[KINDS[0]][:, 1, :, :, :2] > 0).all()
    # ...and no decoder position attends to a later one.
    later = torch.ones(6, 6, dtype=torch.bool).triu(diagonal=1)
    assert (weights[KINDS[1]][..., later] == 0).all()
    assert (weights[KINDS[1]][..., ~later] > 0).all()


def test_greedy_decoding_equals_one_teacher_forced_pass_on_its_own_output() -> None:
    """What makes the probe's maps honest: the causal mask makes re-reading equal decoding."""
    vocabs = Vocabs.of(tasks.TASKS["sort"])
    torch.manual_seed(1)
    model = Transformer(vocabs, Params(**TINY)).eval()
    source = torch.tensor([vocabs.source.ids(list("dcab"))])
    output = greedy_decode(model, source, vocabs, 5)
    decoder_input = torch.cat([torch.tensor([[vocabs.bos_id]]), output[:, :-1]], dim=1)
    with torch.no_grad():
        logits = model(source, decoder_input)
    assert (logits.argmax(-1) == output).all()


def test_translation_moves_adjectives_and_agrees_articles() -> None:
    translate = tasks.TASKS["translate"]
    english = translate.tokenize("the red cat likes a fast car")
    assert translate.solve(english) == translate.tokenize("le chat rouge aime une voiture rapide")
    assert translate.solve(["a", "table"]) == ["une", "table"]


# -- The spec: params and the probe ---------------------------------------------------------


def test_probe_defaults_to_an_example_and_is_checked_against_the_task() -> None:
    assert Params().probe == "diveinto"  # seq_len 8 letters of "dive into deep learning"
    assert Params(task="translate").probe == "the red cat likes a fast car"
    with pytest.raises(InvalidInput) as bad:
        DEMO.validate({"task": "translate", "probe": "the blue cat"})
    assert bad.value.errors[0]["loc"] == ["probe"] and "'blue'" in bad.value.errors[0]["msg"]
    with pytest.raises(InvalidInput):
        DEMO.validate({"probe": "abcdefghij"})  # longer than seq_len 8
    with pytest.raises(InvalidInput) as bad:
        DEMO.validate({"hidden": 30, "num_heads": 4})
    assert bad.value.errors[0]["loc"] == ["hidden"]
    current = Params().model_dump()
    assert DEMO.apply_live_change(current, {"probe": "hello"})["probe"] == "hello"
    with pytest.raises(InvalidInput):
        DEMO.apply_live_change(current, {"probe": "Hello!"})
    assert DEMO.live_params == ["dropout", "lr", "probe"]


# -- Training -------------------------------------------------------------------------------


def anti_diagonal_mass(heatmap: dict) -> float:
    """Mean weight that output i puts on input n−1−i (the <eos> row left out); 1/n if uniform."""
    n = len(heatmap["x_labels"])
    return sum(heatmap["values"][i][n - 1 - i] for i in range(n)) / n


def test_reverse_learns_and_its_last_layer_attends_along_the_anti_diagonal() -> None:
    params = {
        **TINY,
        "hidden": 32,
        "num_layers": 2,
        "dropout": 0,
        "lr": 0.005,
        "batch_size": 64,
        "steps": 300,
        "probe": "diveo",
    }
    annealed = {**params, "lr": 0.0005}  # a learner lowering lr for the last third
    channel = run_demo(
        "transformer-attention",
        params,
        RecordingChannel(
            script=lambda poll: Control(params=annealed, version=2) if poll == 200 else Control()
        ),
    )
    assert channel.final["status"] == "succeeded", channel.final["error"]
    summary = channel.final["summary"]
    assert summary["sequence_accuracy"] >= 0.9
    assert summary["token_accuracy"] >= 0.95
    assert sum(e["correct"] for e in summary["examples"]) >= 5
    assert summary["probe"] == {"input": "diveo", "output": "oevid"}

    last = attention_frames(channel, KINDS[2], 300)
    heads = [last[f"{KINDS[2]} · layer 2 · head {h}"] for h in (1, 2)]
    assert heads[0]["x_labels"] == list("diveo")
    assert heads[0]["y_labels"] == [*"oevid", "<eos>"]  # learned: the probe reversed
    masses = [anti_diagonal_mass(h) for h in heads]
    assert sum(masses) / 2 >= 0.5, masses  # uniform attention would give 1/5
    untrained = attention_frames(channel, KINDS[2], 0)[f"{KINDS[2]} · layer 2 · head 1"]
    assert anti_diagonal_mass(untrained) < 0.35
    log = channel.of_type("log")[-1]["message"]
    assert log == "step 300: diveo → oevid"


def test_frames_cover_every_layer_head_and_kind_with_token_labels() -> None:
    params = {**TINY, "num_layers": 2, "steps": 3, "probe": "abc"}
    channel = run_demo("transformer-attention", params)
    assert channel.final["status"] == "succeeded", channel.final["error"]
    for kind in KINDS:
        maps = attention_frames(channel, kind, 3)
        names = [f"{kind} · layer {layer} · head {head}" for layer in (1, 2) for head in (1, 2)]
        assert sorted(maps) == names
        for data in maps.values():
            assert len(data["values"]) == len(data["y_labels"])
            assert {len(row) for row in data["values"]} == {len(data["x_labels"])}
            for row in data["values"]:
                assert sum(row) == pytest.approx(1, abs=1e-3)
    encoder = attention_frames(channel, KINDS[0], 3)[f"{KINDS[0]} · layer 1 · head 1"]
    assert encoder["x_labels"] == encoder["y_labels"] == ["a", "b", "c"]
    decoder = attention_frames(channel, KINDS[1], 3)[f"{KINDS[1]} · layer 2 · head 2"]
    assert decoder["x_labels"][0] == "<bos>"
    assert decoder["x_labels"][1:] == decoder["y_labels"][:-1]  # inputs are outputs, shifted
    for i, row in enumerate(decoder["values"]):
        assert all(v == 0 for v in row[i + 1 :])  # masked: the future
    output = [d for d in channel.of_type("frame") if d["name"] == "output probabilities"][-1]
    assert output["data"]["y_labels"] == decoder["y_labels"]
    assert set(output["data"]["x_labels"]) == {*tasks.LETTERS, "<eos>"}
    metrics = channel.of_type("metric")[-1]["values"]
    assert set(metrics) == {"loss", "tokens_per_sec", "token_accuracy", "sequence_accuracy"}
    assert metrics["tokens_per_sec"] > 0


def test_changing_the_probe_changes_the_next_frames_and_nothing_else() -> None:
    params = {**TINY, "steps": 40, "dropout": 0.2, "probe": "abcde"}
    plain = run_demo("transformer-attention", params)
    other = {**params, "probe": "zyx"}
    live = run_demo(
        "transformer-attention",
        params,
        RecordingChannel(
            script=lambda poll: Control(params=other, version=2) if poll == 20 else Control()
        ),
    )
    # Training is untouched: the same losses and held-out accuracies, step for step.
    names = ("loss", "token_accuracy", "sequence_accuracy")
    assert metric_series(live, *names) == metric_series(plain, *names)
    live_summary, plain_summary = live.final["summary"], plain.final["summary"]
    assert live_summary.pop("probe")["input"] == "zyx"
    assert plain_summary.pop("probe")["input"] == "abcde"
    assert live_summary == plain_summary
    # Frames before step 20 are the same; from step 20 on they read the new probe.
    encoder = f"{KINDS[0]} · layer 1 · head 1"
    for step in (0, 19):
        assert attention_frames(live, KINDS[0], step) == attention_frames(plain, KINDS[0], step)
    for step in (20, 40):
        assert attention_frames(live, KINDS[0], step)[encoder]["x_labels"] == ["z", "y", "x"]
        assert attention_frames(plain, KINDS[0], step)[encoder]["x_labels"] == list("abcde")
    assert "zyx →" in live.of_type("log")[-1]["message"]


def test_a_fork_that_trains_longer_goes_on_as_a_longer_run_would_have(tmp_path) -> None:
    params = {**TINY, "steps": 20}  # reports every step, as a run of 40 does
    parent = run_demo("transformer-attention", params, data_dir=str(tmp_path))
    assert {0, 20} <= set(parent.snapshots)
    longer = {**params, "steps": 40}
    fork = run_demo("transformer-attention", longer, data_dir=str(tmp_path), fork_of=(parent, 20))
    straight = run_demo("transformer-attention", longer, data_dir=str(tmp_path))

    assert fork.final["status"] == "succeeded", fork.final["error"]
    # The model, Adam's moments and the batch generator came along: step for step the same.
    names = ("loss", "token_accuracy", "sequence_accuracy")
    expected = [row for row in metric_series(straight, *names) if row[0] > 20]
    assert metric_series(fork, *names) == expected
    assert [row[0] for row in expected] == list(range(21, 41))
    assert fork.final["summary"] == straight.final["summary"]


def test_through_the_api_with_a_live_probe(server: Server) -> None:
    params = {**TINY, "task": "translate", "steps": 40}
    job = server.create("transformer-attention", params)
    assert job["params"]["probe"] == "the cat likes a car"  # the longest example in 5 words
    with httpx.Client(base_url=server.url, timeout=30) as client:
        url = f"/api/jobs/{job['id']}/params"
        refused = client.patch(url, json={"probe": "the blue cat"})
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"][-1] == "probe"
        accepted = client.patch(url, json={"probe": "a fast horse"})
        assert accepted.status_code == 200, accepted.text
    done = server.wait_done(job["id"])
    assert done["status"] == "succeeded", done["error"]
    assert done["summary"]["task"] == "translate"
    events = server.all_events(job["id"])
    last_step = max(e["step"] or 0 for e in events)
    final_maps = [e for e in events if e["type"] == "frame" and e["step"] == last_step]
    encoder = next(e for e in final_maps if e["name"].startswith(KINDS[0]))
    assert encoder["kind"] == "heatmap"
    assert encoder["data"]["x_labels"] == ["a", "fast", "horse"]
