"""The diffusion-2d page: a short run with its three pictures drawn (the forward process, the
samples with their reverse paths, the denoising direction), a live change of the sampling
steps and of the field's t, the charts; points drawn on the canvas and trained on; the demo
listed beyond the book; and too few drawn points refused by the API."""

import json
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import (
    change_live_params,
    expect_every_picture_drawn,
    expect_finished,
    train,
    wait_for_frame_images,
)
from tests.support import Server

pytestmark = pytest.mark.browser

# 4 epochs of 8 steps at 10 a second: about 3 s, time to change the live params
SHORT_RUN = {"num_points": 2000, "hidden": 32, "lr": 0.005, "epochs": 4, "speed": 10}


def test_a_short_run_draws_the_process_the_samples_and_the_field(
    page: Page, server: Server, shoot
) -> None:
    job_id = train(page, server, "diffusion-2d", SHORT_RUN)
    server.wait_for_status(job_id, "running")  # a worker may take a while on a busy machine
    field = page.locator('.frame-panel[data-frame="Denoising direction"]')
    expect(field.locator(".trail-legend li")).to_contain_text(["−ε_θ(x, 5) / √(1 − ᾱ_5)"])
    change_live_params(server, job_id, {"sampling_steps": 10, "field_t": 25})
    expect_finished(page, 32)

    forward = page.locator('.frame-panel[data-frame="Forward process q(x_t | x₀)"]')
    expect(forward.locator("img")).to_have_count(5)
    expect(forward).to_contain_text("t = 0, ᾱ_t = 1")
    expect(forward).to_contain_text("t = 50, ᾱ_t = 0.603")
    samples = page.locator('.frame-panel[data-frame="Samples and reverse trajectories"]')
    expect(samples.locator(".trail-legend li")).to_have_text(
        ["data x₀ (points)", "samples (points)", "reverse paths x_T → x₀", "path ends x₀ (points)"]
    )
    expect(field.locator(".trail-legend li")).to_contain_text(["−ε_θ(x, 25) / √(1 − ᾱ_25)"])
    charts = page.locator(".run-panel .chart-group")
    expect(charts.locator(".chart-title")).to_have_text(["Loss", "Samples vs data"])
    expect(charts.nth(1).locator(".legend-label")).to_have_text(
        ["sample_distance", "noise_distance", "data_distance"]
    )
    expect_every_picture_drawn(page)
    wait_for_frame_images(page)
    samples.scroll_into_view_if_needed()
    shoot(page, "01-trained")


def test_points_drawn_on_the_canvas_are_the_data_of_a_run(
    page: Page, server: Server, shoot
) -> None:
    # The catalogue lists the demo last, beyond the book, under its Zefs Guide chapter.
    page.goto(server.url + "/")
    beyond = page.locator("section", has=page.get_by_role("heading", name="Beyond the book"))
    card = beyond.locator(".card", has_text="Diffusion models")
    expect(card.locator(".card-section")).to_have_text("Zefs Guide, ch. 7: Diffusion models")

    # 1 epoch of 8 steps, few sampling steps: the run only has to show the drawn data and samples
    params = {"data": "drawn", "num_points": 2000, "hidden": 16, "epochs": 1, "speed": 0}
    params |= {"sampling_steps": 5}
    page.goto(f"{server.url}/demos/diffusion-2d?params={quote(json.dumps(params))}")
    editor = page.locator('.points-editor[data-path="points"]')
    canvas, text = editor.locator("canvas"), editor.get_by_label("Points as “x, y” lines")
    count = editor.locator(".points-count")
    expect(editor).to_contain_text("Draw points here (pick data = drawn to train on them)")
    expect(count).to_have_text("0 points, at most 2,000")

    box = canvas.bounding_box()
    assert box is not None
    for start, end in [((0.2, 0.3), (0.8, 0.3)), ((0.2, 0.7), (0.8, 0.75))]:  # two strokes
        page.mouse.move(box["x"] + start[0] * box["width"], box["y"] + start[1] * box["height"])
        page.mouse.down()
        page.mouse.move(
            box["x"] + end[0] * box["width"], box["y"] + end[1] * box["height"], steps=25
        )
        page.mouse.up()
    drawn = int(re.match(r"(\d+) points", count.inner_text()).group(1))  # type: ignore[union-attr]
    assert 10 <= drawn <= 60, drawn  # one every few pixels along two strokes
    lines = text.input_value().splitlines()
    assert len(lines) == drawn
    x, y = (float(v) for v in lines[0].split(","))
    assert x == pytest.approx(-3, abs=0.2) and y == pytest.approx(2, abs=0.2)  # (0.2, 0.3) of ±5
    expect(editor.locator(".points-empty")).to_have_count(0)

    canvas.click(position={"x": box["width"] / 2, "y": box["height"] / 2})  # one point: (0, 0)
    expect(count).to_have_text(f"{drawn + 1} points, at most 2,000")
    x, y = (float(v) for v in text.input_value().splitlines()[-1].split(","))
    assert (x, y) == (pytest.approx(0, abs=0.05), pytest.approx(0, abs=0.05))
    editor.get_by_role("button", name="Undo").click()
    expect(count).to_have_text(f"{drawn} points, at most 2,000")

    typed = text.input_value()
    text.fill(typed + "\nnot a point")  # reported, not dropped; the points stay
    expect(editor.locator(".field-error")).to_contain_text("is not two numbers")
    expect(count).to_have_text(f"{drawn} points, at most 2,000")
    text.fill(typed + "\n4.5, -4.5")
    expect(editor.locator(".field-error")).to_have_count(0)
    expect(count).to_have_text(f"{drawn + 1} points, at most 2,000")
    shoot(page, "01-drawn")

    page.get_by_role("button", name="Train", exact=True).click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f]+$"))
    job_id = page.url.rsplit("/", 1)[1]
    assert len(server.job(job_id)["params"]["points"]) == drawn + 1
    expect_finished(page, 8)
    samples = page.locator('.frame-panel[data-frame="Samples and reverse trajectories"]')
    expect(samples.locator(".trail-legend li").first).to_have_text("data x₀ (points)")
    expect_every_picture_drawn(page)
    wait_for_frame_images(page)
    samples.scroll_into_view_if_needed()
    shoot(page, "02-trained")


def test_too_few_drawn_points_are_refused(server: Server) -> None:
    with server.client() as client:
        response = client.post(
            "/api/jobs",
            json={"demo": "diffusion-2d", "params": {"data": "drawn", "points": [[0, 0], [1, 1]]}},
        )
    assert response.status_code == 422, response.text
    assert "at least 10 drawn points" in response.text
