"""Who is asking. Every read of the job store takes the caller, so that who may see what is
decided in one place (`core.store.visibility`)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    id: str


LOCAL_USER = Caller("local")
"""The one user of a DiveLab without sign-in: the learner at this machine, who sees all."""
