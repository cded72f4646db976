"""Each demo is one folder that reads like its book section: the files, their size, the
references a learner follows."""

from pathlib import Path

import pytest

from workers.demos import CATALOGUE

DEMOS = Path(__file__).resolve().parents[2] / "workers" / "demos"
LONGEST = 400  # lines; past this a module mixes more than one part of the section


@pytest.mark.parametrize("spec", CATALOGUE.values(), ids=list(CATALOGUE))
def test_a_demo_is_one_folder_of_spec_params_model_loop_views_and_picture(spec) -> None:
    folder = DEMOS / spec.package.rsplit(".", 1)[1]
    present = {path.name for path in folder.iterdir()}
    assert {"__init__.py", "params.py", "model.py", "train.py", "views.py"} <= present
    assert spec.preview_svg.lstrip().startswith(b"<svg")
    assert spec.book and spec.what_to_try


def test_no_demo_module_is_longer_than_the_limit() -> None:
    lengths = {
        str(path.relative_to(DEMOS)): len(path.read_text().splitlines())
        for path in DEMOS.rglob("*.py")
    }
    assert {name: n for name, n in lengths.items() if n > LONGEST} == {}
