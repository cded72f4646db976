"""A run as one standalone script: its demo's code (`bundle`), its params, its live changes
and its recorded metrics, with a `main` that runs it and `--verify` that checks it."""

import pprint
from dataclasses import dataclass
from functools import cache
from typing import Any

from backend.exports.bundle import LINE_LENGTH, Imports, banner, bundle
from core.book import D2L_URL
from core.demo_spec import DemoSpec
from workers.demos import CATALOGUE

THROUGHPUTS = ("per_second", "per_sec")  # timings: they differ from run to run


@dataclass(frozen=True)
class RunRecord:
    """What a script needs of a finished run."""

    job_id: str
    params: dict[str, Any]  # as it started
    live_changes: dict[int, dict[str, Any]]  # step -> the params in force from that step
    metrics: dict[str, list[list[float]]]  # name -> [[step, value], ...], timings left out
    uploads: dict[str, str]  # image id -> base64 file, for the learner's uploaded images


def record_of(job_id: str, events: list[dict[str, Any]], uploads: dict[str, str]) -> RunRecord:
    """A run's record from its events: the first `params` event, the later ones (live
    changes, at the step where the worker applied them), and its metrics."""
    params_events = [e for e in events if e["type"] == "params"]
    metrics: dict[str, list[list[float]]] = {}
    for event in events:
        if event["type"] == "metric":
            for name, value in event["values"].items():
                if not name.endswith(THROUGHPUTS):
                    metrics.setdefault(name, []).append([event["step"], value])
    return RunRecord(
        job_id=job_id,
        params=params_events[0]["params"],
        live_changes={e["step"]: e["params"] for e in params_events[1:]},
        metrics=metrics,
        uploads=uploads,
    )


def assignment(name: str, value: Any) -> str:
    """`NAME = <a Python literal of JSON-like data>`, floats exact (as `repr` writes them),
    within the line length."""
    prefix = f"{name} = "
    return prefix + pprint.pformat(value, width=LINE_LENGTH - len(prefix), sort_dicts=False)


def where_to_read(spec: DemoSpec) -> str:
    """'book section 12.3 Gradient Descent, in Dive into Deep Learning'; for a demo beyond the
    book (no section), the chapter of Zefs Guide it follows."""
    if spec.book:
        return f"book section {spec.book[0].today}, in Dive into Deep Learning"
    zefs = "; ".join(str(chapter) for chapter in spec.zefs)
    return f"beyond the book Dive into Deep Learning: {zefs}"


@cache
def demo_code(demo_id: str) -> str:
    """The demo's training code as its scripts carry it (the Code tab shows it)."""
    spec = CATALOGUE[demo_id]
    imports, code = bundled(spec, main=False)
    header = f'''"""The training code of DiveLab's `{spec.id}` demo.

{spec.title}: {where_to_read(spec)}.

The demo's modules, each under the name of its file, with the pieces of the demo kit they use.
Export a run ("Download script") to get it with the run's params, as a script that runs.
"""'''
    return "\n".join([header, "", imports.block(), "", code, ""])


def bundled(spec: DemoSpec, main: bool = True) -> tuple[Imports, str]:
    """The demo's code and its imports, with those of a script's `main`."""
    imports, code = bundle(spec.train_module)
    add_imports(imports, code, ("argparse", "sys", "torch") if main else ())
    return imports, code


def add_imports(imports: Imports, code: str, runner: tuple[str, ...]) -> None:
    """Adds the imports the code needs besides its modules' own (`SimpleNamespace` where it
    binds a namespace) and those of what runs it: `runner`'s modules and `Path`."""
    for module in runner:
        imports.add(module)
    if runner:
        imports.add_from("pathlib", "Path")
    if "SimpleNamespace(" in code:
        imports.add_from("types", "SimpleNamespace")


def run_values(record: RunRecord, checked_by: str) -> str:
    """PARAMS, LIVE_CHANGES, RECORDED (the metrics `checked_by` compares with) and UPLOADS."""
    return f"""{assignment("PARAMS", record.params)}

# step -> the params in force from that step on (the learner's live changes)
{assignment("LIVE_CHANGES", record.live_changes)}

# the run's metrics, name -> [[step, value], ...], for {checked_by}
{assignment("RECORDED", record.metrics)}

{assignment("UPLOADS", record.uploads)}"""


def script(spec: DemoSpec, record: RunRecord) -> str:
    imports, code = bundled(spec)
    reading = where_to_read(spec)
    header = f'''"""DiveLab run {record.job_id}: {spec.title}.

The run of DiveLab's `{spec.id}` demo as one standalone script.

{reading[0].upper()}{reading[1:]}, {D2L_URL}

    python {spec.id.replace("-", "_")}.py            # trains as the run did, prints its metrics
    python {spec.id.replace("-", "_")}.py --verify   # and checks them against the run's

Generated from the demo's own modules (each below, under the name of its file) with the run's
params and the live changes the learner made while it trained, replayed at the same steps.
Needs Python 3.11+, torch, numpy, pillow, pydantic (and scikit-learn or scikit-image where the
demo's offline data come from them). On a CPU with as many threads as the run's worker
(`--threads`) the metrics match the run's bit for bit; on a GPU they agree to a few digits.
"""'''
    run_section = f"""{banner("this run")}

{run_values(record, "--verify")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verify", action="store_true", help="compare with the run's metrics")
    parser.add_argument("--out", type=Path, default=Path("run-output"), help="pictures go here")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, help="CPU threads (the run's, to match it)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    ctx = JobContext(Params.model_validate(PARAMS), LIVE_CHANGES, args.out, args.device, UPLOADS)
    print(summary_json(run(ctx)))
    if args.verify:
        difference = compare(RECORDED, ctx.metrics)
        if difference:
            sys.exit(f"verify: the metrics differ from the run's: {{difference}}")
        checked = sum(len(points) for points in RECORDED.values())
        print(f"verify: all {{checked}} recorded metric values match the run's")


if __name__ == "__main__":
    main()
"""
    return "\n".join([header, "", imports.block(), "", code, "", "", run_section])
