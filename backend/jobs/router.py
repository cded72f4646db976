"""Jobs routes: thin wrappers around JobService (sync routes run in FastAPI's threadpool)."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response, status

from backend.dependencies import CurrentCaller
from backend.errors import responses
from backend.jobs.forks import Forks
from backend.jobs.schemas import (
    ArtifactOut,
    EventPage,
    ForkCreate,
    JobCreate,
    JobOut,
    JobPage,
    Lineage,
    MetricSeries,
    ParamsUpdateOut,
    QueuePlace,
    ShareChange,
    SnapshotList,
)
from backend.jobs.service import JobService
from core.events import JobStatus
from core.limits import ID_PATTERN, MAX_OFFSET, MAX_SEQ, NAME_PATTERN

router = APIRouter(prefix="/api/jobs", tags=["jobs"], responses=responses(400, 422))
CHANGES = responses(403, 413, 415)  # what a route that changes something may also answer

JobId = Annotated[str, Path(pattern=ID_PATTERN, description="A job id from POST /api/jobs.")]


def service(request: Request) -> JobService:
    return request.app.state.jobs


Service = Annotated[JobService, Depends(service)]


def forks_service(request: Request) -> Forks:
    return request.app.state.forks


ForksService = Annotated[Forks, Depends(forks_service)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=JobOut,
    responses={**CHANGES, **responses(429)},
    summary="Start a job of a demo",
)
def create_job(body: JobCreate, jobs: Service, caller: CurrentCaller) -> JobOut:
    return jobs.create(caller, body.demo, body.params)


@router.get("", response_model=JobPage, summary="Jobs, newest first")
def list_jobs(
    jobs: Service,
    caller: CurrentCaller,
    demo: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> JobPage:
    return jobs.find(caller, demo, status, limit, offset)


@router.get("/{job_id}", response_model=JobOut, responses=responses(404))
def get_job(job_id: JobId, jobs: Service, caller: CurrentCaller) -> JobOut:
    return jobs.get(caller, job_id)


@router.get(
    "/{job_id}/queue",
    response_model=QueuePlace,
    responses=responses(404),
    summary="A waiting job's place in the queue and its estimated wait",
)
def get_queue_place(job_id: JobId, jobs: Service, caller: CurrentCaller) -> QueuePlace:
    return jobs.queue_place(caller, job_id)


@router.delete(
    "/{job_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**CHANGES, **responses(404, 409)},
    summary="Delete a finished job with its events and artifacts",
)
def delete_job(job_id: JobId, jobs: Service, caller: CurrentCaller) -> Response:
    jobs.delete(caller, job_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/{job_id}/shared",
    response_model=JobOut,
    responses={**CHANGES, **responses(404)},
    summary="Share a run with the owner's class, read-only (classroom mode), or stop",
)
def share_job(job_id: JobId, body: ShareChange, jobs: Service, caller: CurrentCaller) -> JobOut:
    return jobs.share(caller, job_id, body.shared)


@router.patch(
    "/{job_id}/params",
    response_model=ParamsUpdateOut,
    responses={**CHANGES, **responses(404, 409)},
    summary="Change live params of a queued or running job",
)
def update_params(
    job_id: JobId,
    jobs: Service,
    caller: CurrentCaller,
    change: Annotated[dict[str, Any], Body(examples=[{"speed": 20}])],
) -> ParamsUpdateOut:
    return jobs.update_params(caller, job_id, change)


@router.post(
    "/{job_id}/cancel",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses={**CHANGES, **responses(404, 409)},
    summary="Stop a job; it ends `cancelled` within one step",
)
def cancel_job(job_id: JobId, jobs: Service, caller: CurrentCaller) -> JobOut:
    return jobs.cancel(caller, job_id)


@router.get(
    "/{job_id}/events",
    response_model=EventPage,
    responses=responses(404),
    summary="A job's stored events after a seq (thinned frames are left out)",
)
def list_events(
    job_id: JobId,
    jobs: Service,
    caller: CurrentCaller,
    after: Annotated[
        int, Query(ge=0, le=MAX_SEQ, description="Return events with seq > after.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> EventPage:
    return jobs.events(caller, job_id, after, limit)


@router.get(
    "/{job_id}/metrics",
    response_model=dict[str, MetricSeries],
    responses=responses(404),
    summary="Each metric series, optionally downsampled",
)
def get_metrics(
    job_id: JobId,
    jobs: Service,
    caller: CurrentCaller,
    max_points: Annotated[
        int | None,
        Query(
            ge=4,
            le=1_000_000,
            description="Downsample each series to at most this many points, keeping the "
            "minimum and maximum of every bin and both ends. Omit for full resolution.",
        ),
    ] = None,
) -> dict[str, MetricSeries]:
    return jobs.metrics(caller, job_id, max_points)


@router.get("/{job_id}/artifacts", response_model=list[ArtifactOut], responses=responses(404))
def list_artifacts(job_id: JobId, jobs: Service, caller: CurrentCaller) -> list[ArtifactOut]:
    return jobs.artifacts(caller, job_id)


@router.get(
    "/{job_id}/artifacts/{name}",
    response_class=Response,
    responses={
        **responses(404),
        200: {
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The artifact's bytes, with the media type the job gave it "
            "(`media_type` in the artifact list)",
        },
    },
)
def download_artifact(
    job_id: JobId,
    name: Annotated[str, Path(pattern=NAME_PATTERN)],
    jobs: Service,
    caller: CurrentCaller,
) -> Response:
    content, media_type = jobs.artifact(caller, job_id, name)
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/{job_id}/snapshots",
    response_model=SnapshotList,
    responses=responses(404),
    summary="The steps a fork can start from",
)
def list_snapshots(job_id: JobId, forks: ForksService, caller: CurrentCaller) -> SnapshotList:
    return forks.snapshots(caller, job_id)


@router.post(
    "/{job_id}/fork",
    status_code=status.HTTP_201_CREATED,
    response_model=JobOut,
    responses={**CHANGES, **responses(404, 409, 429)},
    summary="Fork a run: a new job that continues it from a snapshot, with changed params",
)
def fork_job(job_id: JobId, body: ForkCreate, forks: ForksService, caller: CurrentCaller) -> JobOut:
    return forks.fork(caller, job_id, body.step, body.params)


@router.get(
    "/{job_id}/lineage",
    response_model=Lineage,
    responses=responses(404),
    summary="A run's family of forks",
)
def get_lineage(job_id: JobId, forks: ForksService, caller: CurrentCaller) -> Lineage:
    return forks.lineage(caller, job_id)
