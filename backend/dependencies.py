"""Who is asking: every route that reads or steers jobs and images takes the caller."""

from typing import Annotated

from fastapi import Depends

from core.callers import LOCAL_USER, Caller


def current_caller() -> Caller:
    """Without sign-in, every request comes from the learner at this machine."""
    return LOCAL_USER


CurrentCaller = Annotated[Caller, Depends(current_caller)]
