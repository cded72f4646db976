"""A run as a Jupyter notebook: the script of `script.py` cut into cells under headings.

The setup (imports), each of the demo's modules (its file's name as the heading, its docstring
as the text, its code as the cell, as the script carries it), the run's values, a cell that
trains and one that checks the metrics against the run's. Cell ids are fixed, so the same run
exports as the same file.
"""

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from backend.exports.bundle import sections
from backend.exports.script import RunRecord, add_imports, run_values
from core.book import D2L_URL
from core.demo_spec import DemoSpec

TRAIN = """\
out = Path("run-output")  # the latest picture of each panel goes here
device = "cuda" if torch.cuda.is_available() else "cpu"
threads = None  # CPU threads: the run's worker's, for the metrics to match it bit for bit
if threads:
    torch.set_num_threads(threads)
ctx = JobContext(Params.model_validate(PARAMS), LIVE_CHANGES, out, device, UPLOADS)
print(summary_json(run(ctx)))"""

CHECK = """\
difference = compare(RECORDED, ctx.metrics)
assert not difference, f"verify: the metrics differ from the run's: {difference}"
checked = sum(len(points) for points in RECORDED.values())
print(f"verify: all {checked} recorded metric values match the run's")"""


def notebook(spec: DemoSpec, record: RunRecord) -> NotebookNode:
    imports, parts = sections(spec.train_module)
    add_imports(imports, "\n".join(part.code for part in parts), ("torch",))
    if spec.book:
        reading = f"Book section [{spec.book[0].today}]({D2L_URL}) in *Dive into Deep Learning*."
    else:  # a demo beyond the book
        zefs = "; ".join(str(chapter) for chapter in spec.zefs)
        reading = f"Beyond the book [*Dive into Deep Learning*]({D2L_URL}): {zefs}."
    cells = [
        new_markdown_cell(f"""# DiveLab run {record.job_id}: {spec.title}

The run `{record.job_id}` of DiveLab's `{spec.id}` demo as a notebook that trains it again.

{spec.summary}

{reading}

The cells hold the demo's own modules (each under the name of its file) with the run's params
and the live changes the learner made while it trained, replayed at the same steps. Run them
all: *Train* trains as the run did and prints its metrics, *Check against the run* compares
them with the run's. Needs Python 3.11+, torch, numpy, pillow, pydantic (and scikit-learn or
scikit-image where the demo's offline data come from them). On a CPU with as many threads as
the run's worker (`threads` in *Train*) the metrics match the run's bit for bit; on a GPU they
agree to a few digits only, and the check fails."""),
        new_markdown_cell("## Setup\n\nThe libraries the code below uses."),
        new_code_cell(imports.block()),
    ]
    for part in parts:
        heading = f"## `{part.file}`"
        cells.append(new_markdown_cell(f"{heading}\n\n{part.doc}" if part.doc else heading))
        cells.append(new_code_cell(part.code))
    cells += [
        new_markdown_cell(
            "## This run\n\nIts params as it started, the learner's live changes, its "
            "metrics and the images the learner uploaded for it."
        ),
        new_code_cell(run_values(record, "the check at the end")),
        new_markdown_cell(
            "## Train\n\nTrains as the run did, replaying its live changes, and prints its "
            "metrics and summary."
        ),
        new_code_cell(TRAIN),
        new_markdown_cell(
            "## Check against the run\n\nThe metrics of this training against the run's."
        ),
        new_code_cell(CHECK),
    ]
    for index, cell in enumerate(cells):
        cell.id = f"cell-{index}"
    return new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )


def notebook_json(spec: DemoSpec, record: RunRecord) -> str:
    """The notebook's file (nbformat 4, validated)."""
    node = notebook(spec, record)
    nbformat.validate(node)
    return nbformat.writes(node, version=4)
