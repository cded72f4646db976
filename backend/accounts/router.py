"""Sign-in, classes and tokens (classroom mode): thin wrappers around `Accounts`."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from backend.accounts.schemas import (
    ClassCreate,
    ClassDetail,
    ClassOut,
    Join,
    Me,
    NewToken,
    Roster,
    SignIn,
    TokenCreate,
    TokenOut,
)
from backend.accounts.service import Accounts
from backend.dependencies import SESSION_COOKIE, CurrentCaller, client_address
from backend.errors import responses
from core.limits import ID_PATTERN
from core.quotas import ClassLimits

router = APIRouter(prefix="/api", tags=["accounts"], responses=responses(400, 422))
CHANGES = responses(401, 403, 413, 415)

Id = Annotated[str, Path(pattern=ID_PATTERN)]


def service(request: Request) -> Accounts:
    return request.app.state.accounts


Service = Annotated[Accounts, Depends(service)]


def open_session(request: Request, response: Response, secret: str) -> None:
    settings = request.app.state.settings
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


@router.post(
    "/session",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**CHANGES, **responses(429)},
    summary="Sign an instructor in (sets the session cookie)",
)
def sign_in(body: SignIn, request: Request, accounts: Service) -> Response:
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    open_session(
        request, response, accounts.sign_in(client_address(request), body.name, body.password)
    )
    return response


@router.delete(
    "/session",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=CHANGES,
    summary="Sign out (ends this session)",
)
def sign_out(request: Request, accounts: Service) -> Response:
    if secret := request.cookies.get(SESSION_COOKIE):
        accounts.sign_out(secret)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=Me, responses=responses(401), summary="Who is signed in")
def me(caller: CurrentCaller, accounts: Service) -> Me:
    return accounts.me(caller)


@router.post(
    "/classes",
    status_code=status.HTTP_201_CREATED,
    response_model=ClassOut,
    responses=CHANGES,
    summary="Create a class and its invite (instructor)",
)
def create_class(body: ClassCreate, caller: CurrentCaller, accounts: Service) -> ClassOut:
    return accounts.create_class(caller, body.name, body.limits)


@router.get("/classes", response_model=list[ClassOut], responses=responses(401, 403))
def list_classes(caller: CurrentCaller, accounts: Service) -> list[ClassOut]:
    return accounts.classes(caller)


@router.post(
    "/classes/join",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**CHANGES, **responses(404, 409, 429)},
    summary="Join a class by its code (signs the learner in)",
)
def join(body: Join, request: Request, accounts: Service) -> Response:
    secret = accounts.join(client_address(request), body.code, body.name, body.pin)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    open_session(request, response, secret)
    return response


@router.get("/classes/{class_id}", response_model=ClassDetail, responses=responses(401, 403, 404))
def get_class(class_id: Id, caller: CurrentCaller, accounts: Service) -> ClassDetail:
    return accounts.class_detail(caller, class_id)


@router.post(
    "/classes/{class_id}/roster",
    response_model=ClassDetail,
    responses={**CHANGES, **responses(404)},
    summary="Create learners ahead, by name",
)
def add_roster(class_id: Id, body: Roster, caller: CurrentCaller, accounts: Service) -> ClassDetail:
    return accounts.add_roster(caller, class_id, body.names)


@router.delete(
    "/classes/{class_id}/learners/{learner_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**CHANGES, **responses(404)},
    summary="Remove a learner (their sessions and tokens stop working)",
)
def remove_learner(
    class_id: Id, learner_id: Id, caller: CurrentCaller, accounts: Service
) -> Response:
    accounts.remove_learner(caller, class_id, learner_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/classes/{class_id}/limits",
    response_model=ClassOut,
    responses={**CHANGES, **responses(404)},
    summary="Set each learner's share: jobs running and waiting, worker minutes, uploads",
)
def set_limits(
    class_id: Id, body: ClassLimits, caller: CurrentCaller, accounts: Service
) -> ClassOut:
    return accounts.set_limits(caller, class_id, body)


@router.post(
    "/classes/{class_id}/invite",
    response_model=ClassOut,
    responses={**CHANGES, **responses(404)},
    summary="A new invite code (the old one stops working)",
)
def renew_invite(class_id: Id, caller: CurrentCaller, accounts: Service) -> ClassOut:
    return accounts.renew_invite(caller, class_id)


@router.delete(
    "/classes/{class_id}/invite",
    response_model=ClassOut,
    responses={**CHANGES, **responses(404)},
    summary="Revoke the invite code",
)
def revoke_invite(class_id: Id, caller: CurrentCaller, accounts: Service) -> ClassOut:
    return accounts.revoke_invite(caller, class_id)


@router.post(
    "/classes/{class_id}/end",
    response_model=ClassOut,
    responses={**CHANGES, **responses(404)},
    summary="End the class: its invite and its learners' sessions stop working",
)
def end_class(class_id: Id, caller: CurrentCaller, accounts: Service) -> ClassOut:
    return accounts.end_class(caller, class_id)


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=NewToken,
    responses={**CHANGES, **responses(409)},
    summary="A personal API token, shown once",
)
def create_token(body: TokenCreate, caller: CurrentCaller, accounts: Service) -> NewToken:
    return accounts.create_token(caller, body.name)


@router.get("/tokens", response_model=list[TokenOut], responses=responses(401, 409))
def list_tokens(caller: CurrentCaller, accounts: Service) -> list[TokenOut]:
    return accounts.tokens(caller)


@router.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**CHANGES, **responses(404, 409)},
    summary="Revoke a token",
)
def revoke_token(token_id: Id, caller: CurrentCaller, accounts: Service) -> Response:
    accounts.revoke_token(caller, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
