"""Images routes: thin wrappers around ImageService (sync routes run in FastAPI's threadpool)."""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile, status
from fastapi.routing import APIRoute

from backend.dependencies import CurrentCaller
from backend.errors import responses
from backend.images.schemas import ImageOut
from backend.images.service import MAX_UPLOAD_BYTES, ImageService
from core.errors import TooLarge

MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the file


class RefuseOversizedBodies(APIRoute):
    """Answers 413 from the Content-Length header, before a huge body is read and spooled.

    (A body sent without Content-Length is still cut off at the limit when it is read.)
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def refuse_oversized(request: Request) -> Response:
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
                raise TooLarge(
                    f"The upload is larger than {MAX_UPLOAD_BYTES} bytes.",
                    headers={"Connection": "close"},
                )
            return await handler(request)

        return refuse_oversized


router = APIRouter(
    prefix="/api/images",
    tags=["images"],
    route_class=RefuseOversizedBodies,
    responses=responses(422),
)


def service(request: Request) -> ImageService:
    return request.app.state.images


Service = Annotated[ImageService, Depends(service)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ImageOut,
    responses=responses(413, 415, 422),
    summary="Upload a PNG, JPEG or WebP image (at most 10 MB and 4096×4096 pixels)",
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
def get_image(image_id: str, images: Service, caller: CurrentCaller) -> ImageOut:
    return images.get(caller, image_id)


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
def image_content(image_id: str, images: Service, caller: CurrentCaller) -> Response:
    content, media_type = images.content(caller, image_id)
    # An id always names the same pixels (uploads are never edited), so browsers may keep it.
    return Response(content, media_type=media_type, headers={"Cache-Control": "max-age=86400"})
