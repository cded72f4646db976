"""A demo beyond the book: it names no section of *Dive into Deep Learning*, only the chapter
of Zefs Guide it follows; its `chapter` says so and the catalogue lists it last."""

import pytest

from core.book import ZefsChapter
from core.demo_spec import BEYOND_THE_BOOK, DemoSpec
from workers.demos import CATALOGUE


def spec(book: list, zefs: list) -> DemoSpec:
    base = CATALOGUE["gradient-descent"]
    return DemoSpec("d", "t", "s", base.params, base.package, book, zefs=zefs)


def test_a_demo_with_no_section_but_a_zefs_chapter_is_valid() -> None:
    beyond = spec([], [ZefsChapter(7, "Diffusion models")])
    assert beyond.chapter == BEYOND_THE_BOOK == "Beyond the book"
    in_book = CATALOGUE["gradient-descent"]
    assert in_book.chapter == "12.3 Gradient Descent"
    assert in_book.catalogue_order < beyond.catalogue_order


def test_a_demo_must_name_a_section_or_a_zefs_chapter() -> None:
    with pytest.raises(ValueError, match="neither a section of the book nor a chapter"):
        spec([], [])


def test_the_catalogue_lists_the_demos_beyond_the_book_last() -> None:
    chapters = [demo.chapter for demo in CATALOGUE.values()]
    assert "diffusion-2d" in CATALOGUE and CATALOGUE["diffusion-2d"].book == []
    assert CATALOGUE["diffusion-2d"].chapter == BEYOND_THE_BOOK
    first_beyond = chapters.index(BEYOND_THE_BOOK)
    assert set(chapters[first_beyond:]) == {BEYOND_THE_BOOK}


def test_its_exports_name_the_zefs_chapter_instead_of_a_section() -> None:
    from backend.exports.script import demo_code, where_to_read

    diffusion = CATALOGUE["diffusion-2d"]
    assert where_to_read(diffusion) == (
        "beyond the book Dive into Deep Learning: Zefs Guide, ch. 7: Diffusion models"
    )
    assert where_to_read(CATALOGUE["gradient-descent"]) == (
        "book section 12.3 Gradient Descent, in Dive into Deep Learning"
    )
    assert "Zefs Guide, ch. 7: Diffusion models" in demo_code("diffusion-2d")
