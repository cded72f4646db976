"""SQL for instructors, learners, classes and their credentials (classroom mode)."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core.store.lifecycle import utcnow
from core.store.models import Classroom, Credential, User


def add(session: Session, row: User | Classroom | Credential) -> None:
    session.add(row)
    session.flush()


def instructor_named(session: Session, name: str) -> User | None:
    return session.scalar(
        select(User).where(User.role == "instructor", User.name == name, User.removed_at.is_(None))
    )


def learner_named(session: Session, class_id: str, name: str) -> User | None:
    return session.scalar(
        select(User).where(User.class_id == class_id, User.name == name, User.removed_at.is_(None))
    )


def user(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def learners(session: Session, class_id: str) -> Sequence[User]:
    return session.scalars(
        select(User).where(User.class_id == class_id, User.removed_at.is_(None)).order_by(User.name)
    ).all()


def classroom(session: Session, class_id: str) -> Classroom | None:
    return session.get(Classroom, class_id)


def classroom_by_code(session: Session, code: str) -> Classroom | None:
    return session.scalar(select(Classroom).where(Classroom.code == code))


def classes_of(session: Session, instructor_id: str) -> Sequence[Classroom]:
    return session.scalars(
        select(Classroom)
        .where(Classroom.instructor_id == instructor_id)
        .order_by(Classroom.created_at.desc())
    ).all()


def credential(session: Session, secret_hash: str, now: datetime) -> tuple[Credential, User] | None:
    """A live credential and its user: not revoked, not expired, the user not removed, their
    class (for a learner) not ended."""
    row = session.execute(
        select(Credential, User)
        .join(User, User.id == Credential.user_id)
        .outerjoin(Classroom, Classroom.id == User.class_id)
        .where(
            Credential.secret_hash == secret_hash,
            Credential.revoked_at.is_(None),
            or_(Credential.expires_at.is_(None), Credential.expires_at > now),
            User.removed_at.is_(None),
            Classroom.ended_at.is_(None),
        )
    ).first()
    return (row[0], row[1]) if row else None


def ever_signed_in(session: Session, user_id: str) -> bool:
    query = select(Credential.id).where(Credential.user_id == user_id).limit(1)
    return session.scalar(query) is not None


def tokens_of(session: Session, user_id: str) -> Sequence[Credential]:
    return session.scalars(
        select(Credential)
        .where(
            Credential.user_id == user_id,
            Credential.kind == "token",
            Credential.revoked_at.is_(None),
        )
        .order_by(Credential.created_at.desc())
    ).all()


def revoke(session: Session, credential_id: str, user_id: str) -> bool:
    """Revoke one of the user's credentials; False when they have no such live one."""
    return bool(
        session.execute(
            update(Credential)
            .where(
                Credential.id == credential_id,
                Credential.user_id == user_id,
                Credential.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        ).rowcount
    )


def revoke_all_of(session: Session, user_ids: Sequence[str]) -> None:
    session.execute(
        update(Credential)
        .where(Credential.user_id.in_(user_ids), Credential.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
