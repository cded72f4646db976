"""Images routes: thin wrappers around ImageService (sync routes run in FastAPI's threadpool)."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Request, Response, UploadFile, status

from backend.dependencies import CurrentCaller
from backend.errors import responses
from backend.images.schemas import ImageOut
from backend.images.service import ImageService
from core.limits import ID_PATTERN

# An upload larger than DIVELAB_MAX_UPLOAD_BYTES is refused before it is read (backend.guard).
router = APIRouter(prefix="/api/images", tags=["images"], responses=responses(400, 422))

ImageId = Annotated[str, Path(pattern=ID_PATTERN, description="An id from GET /api/images.")]


def service(request: Request) -> ImageService:
    return request.app.state.images


Service = Annotated[ImageService, Depends(service)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ImageOut,
    responses=responses(403, 409, 413, 415, 422, 429),
    summary="Upload a PNG, JPEG or WebP image (at most 10 MB and 4096×4096 pixels by default)",
    description="Stored re-encoded: upright, RGB, without metadata, and no larger than the "
    "upload where possible. 409 when the image store is full (DIVELAB_MAX_UPLOADS, "
    "DIVELAB_MAX_UPLOAD_STORAGE_BYTES): delete uploads to make room.",
)
def upload_image(
    file: Annotated[UploadFile, File(description="The image; its type is read from its bytes.")],
    images: Service,
    caller: CurrentCaller,
) -> ImageOut:
    return images.upload(caller, file.filename, file.file)


@router.get("", response_model=list[ImageOut], summary="Built-in images, then uploads")
def list_images(images: Service, caller: CurrentCaller) -> list[ImageOut]:
    return images.list(caller)


@router.get("/{image_id}", response_model=ImageOut, responses=responses(404))
def get_image(image_id: ImageId, images: Service, caller: CurrentCaller) -> ImageOut:
    return images.get(caller, image_id)


@router.delete(
    "/{image_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=responses(403, 404, 409),
    summary="Delete an upload (built-in images cannot be deleted)",
)
def delete_image(image_id: ImageId, images: Service, caller: CurrentCaller) -> Response:
    images.delete(caller, image_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{image_id}/content",
    response_class=Response,
    responses={
        **responses(404),
        200: {
            "content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}},
            "description": "The image's bytes",
        },
    },
)
def image_content(image_id: ImageId, images: Service, caller: CurrentCaller) -> Response:
    content, media_type = images.content(caller, image_id)
    # An id always names the same pixels (uploads are never edited), so browsers may keep it.
    return Response(content, media_type=media_type, headers={"Cache-Control": "max-age=86400"})
