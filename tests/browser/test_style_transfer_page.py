"""The style-transfer page: pick and upload images, train, and see which features were used."""

import io
import re
from collections.abc import Iterator

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from tests.support import Server, start_server, stop_server

pytestmark = pytest.mark.browser


def small_png() -> bytes:
    """A 96×64 picture: a sky, a hill and a sun, small enough to train on quickly."""
    image = Image.new("RGB", (96, 64), (120, 180, 235))
    draw = ImageDraw.Draw(image)
    draw.ellipse((-20, 36, 120, 110), fill=(60, 150, 70))
    draw.ellipse((62, 8, 82, 28), fill=(250, 210, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def picker(page: Page, name: str):
    """The image picker of the param `name` ("content" or "style")."""
    return page.locator(f'fieldset.image-picker[data-path="{name}"]')


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own, with no uploads yet (other tests upload to the shared one)."""
    server = start_server(tmp_path_factory.mktemp("style-page"), {"DIVELAB_WORKERS": "1"})
    yield server
    stop_server(server)


def test_pick_upload_and_train_with_the_fallback_features(
    page: Page, fresh_server: Server, shoot
) -> None:
    server = fresh_server
    page.goto(f"{server.url}/demos/style-transfer")
    content, style = picker(page, "content"), picker(page, "style")
    # the built-ins suggested for each role come first, the chosen one ticked
    expect(content.get_by_role("radio", name="Temple in China")).to_be_checked()
    expect(style.get_by_role("radio", name="Stained glass")).to_be_checked()
    expect(content.locator(".image-options").first.locator(".image-option")).to_have_count(6)
    expect(style.get_by_role("radio", name="Hubble deep field")).to_be_visible()
    expect(style.get_by_role("radio", name="Temple in China")).to_have_count(0)  # not suggested...
    style.get_by_role("button", name=re.compile(r"Show \d+ more built-in images")).click()
    expect(style.get_by_role("radio", name="Temple in China")).to_be_visible()  # ...but selectable
    expect(content.get_by_text("No uploads yet")).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.image-option img')].every((i) => i.naturalWidth > 0)"
    )
    shoot(page, "01-pickers")

    # pick a built-in style with the mouse, then move on with the keyboard (a radio group)
    style.locator('.image-option[data-image="gravel"]').click()
    gravel = style.get_by_role("radio", name="Gravel")
    expect(gravel).to_be_checked()
    expect(style.locator(".image-option.selected")).to_have_attribute("data-image", "gravel")
    gravel.press("ArrowRight")
    expect(style.get_by_role("radio", name="Brick wall")).to_be_checked()
    expect(style.locator(".image-selected")).to_contain_text("Brick wall")
    expect(style.locator(".image-selected")).to_contain_text("scikit-image")
    expect(page).to_have_url(re.compile(r"params=.*brick"))
    shoot(page, "02-style-picked")

    # an upload appears among the uploads of both pickers, picked where it was uploaded
    content.locator('input[type="file"]').set_input_files(
        files=[{"name": "hill.png", "mimeType": "image/png", "buffer": small_png()}]
    )
    mine = content.get_by_role("radio", name="hill.png")
    expect(mine).to_be_checked()
    expect(content.locator(".image-selected")).to_contain_text("hill.png, 96 × 64")
    expect(content.get_by_text("No uploads yet")).to_have_count(0)
    expect(style.get_by_role("radio", name="hill.png")).not_to_be_checked()
    expect(content.locator(".field-error")).to_have_count(0)
    shoot(page, "03-uploaded")

    # a file that is no image: the server's 415, in words, next to the field
    style.locator('input[type="file"]').set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a picture\n"}]
    )
    refusal = style.locator(".field-error")
    expect(refusal).to_have_text(
        "Only PNG, JPEG or WebP images can be used, and that file is none of them."
    )
    expect(style.get_by_role("radio", name="Brick wall")).to_be_checked()  # the choice stays
    refusal.scroll_into_view_if_needed()
    shoot(page, "04-refused")

    # train small and short: the picked images go to the job, the fallback is announced
    page.locator("#param-size").fill("32")
    page.locator("#param-steps").fill("30")
    page.get_by_role("button", name="Train").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f]+$"))
    expect(page.locator(".status")).to_contain_text("Finished at step 30", timeout=60_000)
    notice = page.locator('.run-notice[data-notice="features"]')
    expect(notice).to_contain_text("stand-in random features instead of VGG19's")
    expect(notice).to_contain_text("To use VGG19")  # how to get the real weights
    synthesized = page.locator('.frame-panel[data-frame="synthesized"] img')
    expect(synthesized).to_have_attribute("alt", "synthesized at step 30")
    inputs = page.locator('.frame-panel[data-frame="inputs"] img')
    expect(inputs).to_have_count(2)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.frame-panel img')].every((i) => i.naturalWidth > 0)"
    )
    # 32 px high, the content's 3:2 shape: scaled up without blurring, inside its panel
    shown = synthesized.evaluate(
        "(i) => ({w: i.width, h: i.height, nw: i.naturalWidth, nh: i.naturalHeight,"
        " panel: i.closest('.frame-panel').clientWidth})"
    )
    assert (shown["nw"], shown["nh"]) == (48, 32), shown
    assert shown["h"] >= 64 and shown["w"] <= shown["panel"], shown
    expect(page.locator(".summary-table")).to_contain_text("random")
    expect(page.locator(".summary-table")).not_to_contain_text("features_note")  # shown above
    # the form shows the images the run used
    expect(content.get_by_role("radio", name="hill.png")).to_be_checked()
    expect(style.get_by_role("radio", name="Brick wall")).to_be_checked()
    shoot(page, "05-trained")

    # a replay says it too
    page.reload()
    expect(page.locator('.run-notice[data-notice="features"]')).to_contain_text("stand-in")
    expect(page.locator('.frame-panel[data-frame="synthesized"] img')).to_be_visible()


def test_the_picker_says_when_the_images_cannot_be_listed_and_retries(
    page: Page, server: Server, shoot
) -> None:
    failing = True

    def images(route) -> None:
        if failing:
            route.fulfill(status=503, json={"detail": "The image store is unavailable."})
        else:
            route.continue_()

    page.route(re.compile(r"/api/images$"), images)
    page.goto(f"{server.url}/demos/style-transfer")
    content = picker(page, "content")
    expect(content.get_by_role("alert")).to_contain_text("The images could not be loaded.")
    expect(content.get_by_role("alert")).to_contain_text("The image store is unavailable.")
    expect(content.get_by_role("button", name=re.compile("Upload a content image"))).to_be_enabled()
    shoot(page, "01-error")

    failing = False
    content.get_by_role("button", name="Try again").click()
    expect(content.get_by_role("radio", name="Temple in China")).to_be_checked()
    expect(picker(page, "style").get_by_role("radio", name="Stained glass")).to_be_checked()
