"""Which rows a caller may read and which they may change: the one place that decides it, for
every query of jobs and images.

Without sign-in there is one user, who reads and changes every row. In classroom mode a
learner reads their own rows and the runs classmates shared (read-only), and changes only
their own; an instructor reads and changes every row.
"""

from sqlalchemy import ColumnElement, and_, or_, select, true

from core.callers import Caller
from core.store.models import Job, UploadedImage, User

Owned = type[Job] | type[UploadedImage]


def visible_to(caller: Caller, model: Owned) -> ColumnElement[bool]:
    if caller.sees_everything:
        return true()
    own = model.owner_id == caller.id
    if model is not Job or caller.class_id is None:
        return own
    classmates = select(User.id).where(User.class_id == caller.class_id)
    return or_(own, and_(Job.shared, Job.owner_id.in_(classmates)))


def changeable_by(caller: Caller, model: Owned) -> ColumnElement[bool]:
    return true() if caller.sees_everything else model.owner_id == caller.id
