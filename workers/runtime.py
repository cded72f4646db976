"""Running one claimed job, the same way in every mode: the demo between its params event and
its final status. (Whoever hands the job to a worker has claimed it: that is `running`.)"""

import importlib
import logging
import os
import traceback

from core import events
from core.channel import JobTicket, WorkerChannel
from core.events import JobStatus
from workers.context import Cancelled, Diverged, JobContext, JobResources, Resume
from workers.demos import CATALOGUE

log = logging.getLogger(__name__)


def prepare_process(device: str, threads: int) -> None:
    """Import torch once per worker process and size its thread pool to share the CPU."""
    import torch

    torch.set_num_threads(max(1, threads))
    if device == "cuda" and not torch.cuda.is_available():
        log.warning("DIVELAB_DEVICE=cuda but no GPU is visible: demos will fail to start")


def resolve_device(setting: str) -> str:
    import torch

    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return setting


def cpu_threads_per_worker(workers: int) -> int:
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def resume(ticket: JobTicket) -> Resume | None:
    if ticket.resume_step is None or ticket.parent_id is None:
        return None
    return Resume(ticket.job_id, ticket.resume_step, ticket.parent_id)


def run_job(ticket: JobTicket, channel: WorkerChannel, resources: JobResources) -> JobStatus:
    """Run a claimed job to its end and emit its final status; never raises for demo errors."""
    spec = CATALOGUE[ticket.demo]
    ctx: JobContext | None = None
    try:
        params = spec.params.model_validate(ticket.params)
        ctx = JobContext(spec, params, ticket.params_version, channel, resources, resume(ticket))
        ctx.emit_params()
        train = importlib.import_module(spec.train_module)
        summary = train.run(ctx)
        ctx.save_snapshot()  # the last step's state: a fork from it trains on
    except Cancelled as cancelled:
        channel.emit(events.status(JobStatus.cancelled, error=str(cancelled)))
        return JobStatus.cancelled
    except Diverged as diverged:
        channel.emit(events.status(JobStatus.diverged, error=str(diverged)))
        return JobStatus.diverged
    except Exception as error:  # a demo bug or a bad environment: report it, keep the worker
        log.exception("job %s failed", ticket.job_id)
        channel.emit(events.log(traceback.format_exc(), step=ctx.step if ctx else None))
        channel.emit(events.status(JobStatus.failed, error=f"{type(error).__name__}: {error}"))
        return JobStatus.failed
    channel.emit(events.status(JobStatus.succeeded, summary=summary))
    return JobStatus.succeeded
