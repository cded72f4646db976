"""Who is asking. Every read of the job store takes the caller, so that who may see what is
decided in one place (`core.store.visibility`)."""

from dataclasses import dataclass
from typing import Literal

Role = Literal["local", "instructor", "learner"]


@dataclass(frozen=True)
class Caller:
    id: str
    role: Role = "local"
    name: str = "local"
    class_id: str | None = None  # a learner's class

    @property
    def sees_everything(self) -> bool:
        """The one user without sign-in, and an instructor (who may see and stop any run)."""
        return self.role != "learner"


LOCAL_USER = Caller("local")
"""The one user of a DiveLab without sign-in: the learner at this machine, who sees all."""
