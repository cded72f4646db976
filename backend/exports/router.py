"""Export routes: a run as code. Thin wrappers around `Exports`."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from backend.dependencies import CurrentCaller
from backend.errors import responses
from backend.exports.service import Exports
from backend.jobs.router import JobId

router = APIRouter(prefix="/api/jobs", tags=["exports"], responses=responses(400, 422))


def service(request: Request) -> Exports:
    return request.app.state.exports


Service = Annotated[Exports, Depends(service)]


@router.get(
    "/{job_id}/code",
    response_class=Response,
    responses={
        **responses(404, 409),
        200: {"content": {"text/x-python": {"schema": {"type": "string"}}}},
    },
    summary="A finished run as one standalone PyTorch script that reproduces it",
)
def get_code(job_id: JobId, exports: Service, caller: CurrentCaller) -> Response:
    export = exports.script(caller, job_id)
    return Response(
        export.content,
        media_type="text/x-python; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )


@router.get(
    "/{job_id}/notebook",
    response_class=Response,
    responses={
        **responses(404, 409),
        200: {
            "content": {
                "application/x-ipynb+json": {
                    "schema": {"type": "object", "description": "An nbformat 4 notebook."}
                }
            }
        },
    },
    summary="A finished run as a Jupyter notebook that reproduces it",
)
def get_notebook(job_id: JobId, exports: Service, caller: CurrentCaller) -> Response:
    export = exports.notebook(caller, job_id)
    return Response(
        export.content,
        media_type="application/x-ipynb+json",
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
