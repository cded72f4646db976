"""Classroom mode's accounts: who may sign in, and as whom a request comes.

- Instructors are created on the server (`divelab instructor add NAME`) and sign in with a
  password (argon2id, via argon2-cffi).
- An instructor's class has an invite code (expiring, revocable). A learner joins with the
  code and a display name, optionally a PIN (argon2id too) to come back on another device:
  no approval step. A roster can create learners ahead; an instructor can remove one.
- A sign-in or a join opens a browser session: a random secret in an HttpOnly, SameSite
  cookie. Scripts use personal API tokens (shown once). Only SHA-256 hashes of these secrets
  are stored (they are random, so a slow hash adds nothing); none is ever logged.
"""

import contextlib
import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from backend.accounts.schemas import (
    ClassDetail,
    ClassOut,
    ClassPreset,
    LearnerOut,
    Me,
    NewToken,
    TokenOut,
    Usage,
)
from core.callers import Caller
from core.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests, Unauthorized
from core.quotas import ClassLimits
from core.settings import Settings
from core.store import accounts, quotas
from core.store.database import Database
from core.store.lifecycle import utcnow
from core.store.models import Classroom, Credential, User

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a board
CODE_LENGTH = 8


def new_id() -> str:
    return secrets.token_hex(8)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def caller_of(user: User) -> Caller:
    return Caller(user.id, user.role, user.name, user.class_id)  # type: ignore[arg-type]


class AttemptLimiter:
    """At most `attempts` failed attempts per `seconds` for each key (a client address):
    guessing passwords, PINs or invite codes stays slow. Successful ones are not counted: a
    class of sixty behind one school address joins at once."""

    def __init__(self, attempts: int, seconds: float) -> None:
        self.attempts = attempts
        self.seconds = seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """429 while the key has used up its failed attempts."""
        now = time.monotonic()
        with self._lock:
            failures = self._failures[key]
            while failures and failures[0] <= now - self.seconds:
                failures.popleft()
            if len(failures) >= self.attempts:
                wait = int(failures[0] + self.seconds - now) + 1
                raise TooManyRequests(f"Too many failed attempts: try again in {wait} s.", wait)

    @contextlib.contextmanager
    def attempt(self, key: str) -> Iterator[None]:
        """An attempt: refused while too many failed; counted when it fails (with a 401,
        404 or 409: a wrong password, code or PIN, or an expired invite)."""
        self.check(key)
        try:
            yield
        except (Unauthorized, NotFound, Conflict):
            with self._lock:
                self._failures[key].append(time.monotonic())
            raise


class Accounts:
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self.hasher = PasswordHasher()
        self.sign_ins = AttemptLimiter(10, 60)
        self.joins = AttemptLimiter(30, 60)

    # -- instructors and sessions ---------------------------------------------------------

    def add_instructor(self, name: str, password: str) -> None:
        if len(password) < 8:
            raise InvalidInput(
                [{"loc": ["password"], "msg": "needs at least 8 characters", "type": "too_short"}]
            )
        with self.database.session() as session:
            if accounts.instructor_named(session, name) is not None:
                raise Conflict(f"an instructor named {name!r} exists already")
            accounts.add(
                session,
                User(
                    id=new_id(),
                    name=name,
                    role="instructor",
                    password_hash=self.hasher.hash(password),
                    created_at=utcnow(),
                ),
            )

    def sign_in(self, client: str, name: str, password: str) -> str:
        """A new session's secret for an instructor's name and password."""
        with self.sign_ins.attempt(client):
            return self._sign_in(name, password)

    def _sign_in(self, name: str, password: str) -> str:
        with self.database.session() as session:
            user = accounts.instructor_named(session, name)
            if user is None or not self._verifies(user.password_hash, password):
                raise Unauthorized("That name and password do not match an instructor.")
            return self._open_session(session, user)

    def sign_out(self, secret: str) -> None:
        with self.database.session() as session:
            found = accounts.credential(session, secret_hash(secret), utcnow())
            if found is not None:
                accounts.revoke(session, found[0].id, found[1].id)

    def caller(self, secret: str) -> Caller | None:
        """Who a session cookie or a token stands for; None when it is unknown or dead."""
        with self.database.session() as session:
            found = accounts.credential(session, secret_hash(secret), utcnow())
            return caller_of(found[1]) if found else None

    def me(self, caller: Caller) -> Me:
        with self.database.session() as session:
            limits = quotas.limits_of(session, caller.id)
            usage = quotas.usage_of(session, caller, utcnow())
            classroom = accounts.classroom(session, caller.class_id) if caller.class_id else None
            preset = classroom.preset if classroom else None
        return Me(
            id=caller.id,
            name=caller.name,
            role=caller.role,
            class_id=caller.class_id,
            auth=self.settings.auth,
            limits=limits,
            usage=Usage(**usage) if usage else None,
            preset=ClassPreset.model_validate(preset) if preset else None,
        )

    # -- classes ----------------------------------------------------------------------------

    def set_limits(self, caller: Caller, class_id: str, limits: ClassLimits) -> ClassOut:
        with self.database.session() as session:
            classroom = self.own_class(session, caller, class_id)
            classroom.limits = limits.model_dump()
            return class_out(classroom)

    def create_class(self, caller: Caller, name: str, limits: ClassLimits) -> ClassOut:
        self._require_instructor(caller)
        classroom = Classroom(
            id=new_id(),
            name=name,
            instructor_id=caller.id,
            code=self._new_code(),
            created_at=utcnow(),
            invite_expires_at=utcnow() + timedelta(days=self.settings.invite_days),
            limits=limits.model_dump(),
        )
        with self.database.session() as session:
            accounts.add(session, classroom)
        return class_out(classroom)

    def classes(self, caller: Caller) -> list[ClassOut]:
        self._require_instructor(caller)
        with self.database.session() as session:
            return [class_out(c) for c in accounts.classes_of(session, caller.id)]

    def class_detail(self, caller: Caller, class_id: str) -> ClassDetail:
        with self.database.session() as session:
            classroom = self.own_class(session, caller, class_id)
            learners = [
                LearnerOut(id=u.id, name=u.name, has_pin=u.pin_hash is not None)
                for u in accounts.learners(session, class_id)
            ]
            return ClassDetail(**class_out(classroom).model_dump(), learners=learners)

    def join(self, client: str, code: str, name: str, pin: str | None) -> str:
        """A session's secret for a learner joining (or coming back to) a class by its code."""
        with self.joins.attempt(client):
            return self._join(code, name, pin)

    def _join(self, code: str, name: str, pin: str | None) -> str:
        now = utcnow()
        with self.database.session() as session:
            classroom = accounts.classroom_by_code(session, code.upper())
            if classroom is None or classroom.ended_at is not None:
                raise NotFound("invite code", code)
            if classroom.invite_expires_at < now:
                raise Conflict("This invite has expired: ask your instructor for a new code.")
            learner = accounts.learner_named(session, classroom.id, name)
            if learner is None:
                learner = self._new_learner(session, classroom.id, name, pin)
            elif learner.pin_hash is not None:
                if pin is None or not self._verifies(learner.pin_hash, pin):
                    raise Unauthorized(f"{name!r} is taken in this class: give its PIN.")
            elif accounts.ever_signed_in(session, learner.id):  # without a PIN to prove it
                raise Conflict(f"{name!r} is taken in this class: choose another name.")
            elif pin is not None:  # a name from the roster, claimed for the first time
                learner.pin_hash = self.hasher.hash(pin)
            return self._open_session(session, learner)

    def add_roster(self, caller: Caller, class_id: str, names: list[str]) -> ClassDetail:
        with self.database.session() as session:
            self.own_class(session, caller, class_id)
            for name in dict.fromkeys(n.strip() for n in names if n.strip()):
                if accounts.learner_named(session, class_id, name) is None:
                    self._new_learner(session, class_id, name[:64], None)
        return self.class_detail(caller, class_id)

    def remove_learner(self, caller: Caller, class_id: str, learner_id: str) -> None:
        with self.database.session() as session:
            self.own_class(session, caller, class_id)
            learner = accounts.user(session, learner_id)
            if learner is None or learner.class_id != class_id or learner.removed_at:
                raise NotFound("learner", learner_id)
            learner.removed_at = utcnow()
            accounts.revoke_all_of(session, [learner.id])

    def revoke_invite(self, caller: Caller, class_id: str) -> ClassOut:
        with self.database.session() as session:
            classroom = self.own_class(session, caller, class_id)
            classroom.code = None
            return class_out(classroom)

    def renew_invite(self, caller: Caller, class_id: str) -> ClassOut:
        with self.database.session() as session:
            classroom = self.own_class(session, caller, class_id)
            classroom.code = self._new_code()
            classroom.invite_expires_at = utcnow() + timedelta(days=self.settings.invite_days)
            return class_out(classroom)

    def end_class(self, caller: Caller, class_id: str) -> ClassOut:
        """Invites and the learners' sessions and tokens stop working."""
        with self.database.session() as session:
            classroom = self.own_class(session, caller, class_id)
            classroom.ended_at, classroom.code = utcnow(), None
            accounts.revoke_all_of(session, [u.id for u in accounts.learners(session, class_id)])
            return class_out(classroom)

    # -- tokens -----------------------------------------------------------------------------

    def create_token(self, caller: Caller, name: str) -> NewToken:
        self._require_signed_in(caller)
        token = "dl_" + secrets.token_urlsafe(32)
        credential = Credential(
            id=new_id(),
            user_id=caller.id,
            kind="token",
            name=name,
            secret_hash=secret_hash(token),
            created_at=utcnow(),
        )
        with self.database.session() as session:
            accounts.add(session, credential)
        return NewToken(id=credential.id, token=token)

    def tokens(self, caller: Caller) -> list[TokenOut]:
        self._require_signed_in(caller)
        with self.database.session() as session:
            return [
                TokenOut(id=t.id, name=t.name, created_at=t.created_at)
                for t in accounts.tokens_of(session, caller.id)
            ]

    def revoke_token(self, caller: Caller, token_id: str) -> None:
        self._require_signed_in(caller)
        with self.database.session() as session:
            if not accounts.revoke(session, token_id, caller.id):
                raise NotFound("token", token_id)

    # -- helpers --------------------------------------------------------------------------

    def _verifies(self, stored: str | None, given: str) -> bool:
        try:
            return stored is not None and self.hasher.verify(stored, given)
        except VerificationError:
            return False

    def _open_session(self, session: object, user: User) -> str:
        secret = secrets.token_urlsafe(32)
        accounts.add(
            session,  # type: ignore[arg-type]
            Credential(
                id=new_id(),
                user_id=user.id,
                kind="session",
                secret_hash=secret_hash(secret),
                created_at=utcnow(),
                expires_at=utcnow() + timedelta(hours=self.settings.session_hours),
            ),
        )
        return secret

    def _new_learner(self, session: object, class_id: str, name: str, pin: str | None) -> User:
        learner = User(
            id=new_id(),
            name=name,
            role="learner",
            class_id=class_id,
            pin_hash=self.hasher.hash(pin) if pin else None,
            created_at=utcnow(),
        )
        accounts.add(session, learner)  # type: ignore[arg-type]
        return learner

    def own_class(self, session: object, caller: Caller, class_id: str) -> Classroom:
        self._require_instructor(caller)
        classroom = accounts.classroom(session, class_id)  # type: ignore[arg-type]
        if classroom is None or classroom.instructor_id != caller.id:
            raise NotFound("class", class_id)
        return classroom

    def _new_code(self) -> str:
        return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))

    @staticmethod
    def _require_instructor(caller: Caller) -> None:
        if caller.role != "instructor":
            raise Forbidden("Only an instructor can do this.")

    @staticmethod
    def _require_signed_in(caller: Caller) -> None:
        if caller.role == "local":
            raise Conflict("Tokens are for classroom mode (DIVELAB_AUTH=classroom).")


def class_out(classroom: Classroom) -> ClassOut:
    return ClassOut(
        id=classroom.id,
        name=classroom.name,
        code=classroom.code,
        invite_url=f"/join/{classroom.code}" if classroom.code else None,
        expires_at=classroom.invite_expires_at,
        ended=classroom.ended_at is not None,
        limits=ClassLimits.model_validate(classroom.limits),
        preset=ClassPreset.model_validate(classroom.preset) if classroom.preset else None,
    )
