"""A job's events and controls in Redis (distributed mode).

Events: one Redis Stream per job whose entry ids are the event `seq` (`<seq>-0`), so a reader
resumes from any cursor with XRANGE/XREAD. A Lua script numbers and appends a batch
atomically, whoever produces it (the worker, or the API for `queued`, `cancelled` before start
and heartbeat failures), and drops anything that comes after a job's terminal status. The
`RedisPublisher` then stores the same numbered events in the database, which keeps them after
the stream is trimmed and expired.

Controls: the newest live params (only ever replaced by a higher version) and a cancel flag,
read by the worker at step boundaries.
"""

import json
from dataclasses import dataclass
from typing import Any

import redis

from core.events import Draft, JobStatus, is_terminal_status, status
from core.store import events as event_store
from core.store.database import Database
from core.store.lifecycle import Lifecycle
from core.store.models import Job
from core.store.thinning import FrameThinning

STREAM_MAXLEN = 20_000  # entries kept per job; the database holds the rest
FINISHED_TTL_SECONDS = 3600  # how long a finished job's stream and keys linger

# KEYS: seq counter, stream, finished flag. ARGV: maxlen, ttl, index of the terminal draft
# (0 if none), then the drafts as JSON. Returns the first seq assigned, or 0 if dropped.
_APPEND = """
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
local maxlen, ttl, terminal = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local first = 0
for i = 4, #ARGV do
  local seq = redis.call('INCR', KEYS[1])
  if first == 0 then first = seq end
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxlen, seq .. '-0', 'e', ARGV[i])
  if i - 3 == terminal then
    redis.call('SET', KEYS[3], 1, 'EX', ttl)
    redis.call('EXPIRE', KEYS[1], ttl)
    redis.call('EXPIRE', KEYS[2], ttl)
    break
  end
end
return first
"""

# KEYS: params key. ARGV: version, JSON. Keeps only the highest version.
_OFFER_PARAMS = """
local current = redis.call('HGET', KEYS[1], 'version')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'params', ARGV[2])
redis.call('EXPIRE', KEYS[1], 86400)
return 1
"""


class RedisKeys:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def seq(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}:seq"

    def stream(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}:events"

    def finished(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}:finished"

    def params(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}:params"

    def cancel(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}:cancel"

    def snapshot_requests(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}:snapshot-requests"

    def job_of_stream(self, stream: str) -> str:
        return stream.removeprefix(f"{self.prefix}job:").removesuffix(":events")


def decode_entry(entry_id: str | bytes, fields: dict) -> dict[str, Any]:
    entry_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    raw = fields.get("e", fields.get(b"e"))
    return {**json.loads(raw), "seq": int(entry_id.split("-", 1)[0])}


@dataclass(frozen=True)
class Controls:
    params: dict[str, Any] | None
    version: int | None
    cancel: str | None
    snapshot_requests: int


class RedisEventLog:
    """Blocking operations, used by workers and by the API's threadpool."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.keys = RedisKeys(prefix)
        self._append = client.register_script(_APPEND)
        self._offer_params = client.register_script(_OFFER_PARAMS)

    def append(self, job_id: str, drafts: list[Draft]) -> list[dict[str, Any]]:
        """Number and append drafts; returns the numbered events ([] if the job had ended)."""
        if not drafts:
            return []
        terminal = next((i for i, d in enumerate(drafts, 1) if is_terminal_status(d)), 0)
        kept = drafts[:terminal] if terminal else drafts
        first = int(
            self._append(
                keys=[self.keys.seq(job_id), self.keys.stream(job_id), self.keys.finished(job_id)],
                args=[
                    STREAM_MAXLEN,
                    FINISHED_TTL_SECONDS,
                    terminal,
                    *(json.dumps(d, allow_nan=False) for d in kept),
                ],
            )
        )
        if first == 0:
            return []
        return [{**draft, "seq": first + i} for i, draft in enumerate(kept)]

    def read_after(self, job_id: str, after: int) -> list[dict[str, Any]]:
        entries = self.client.xrange(self.keys.stream(job_id), min=f"{after + 1}-0")
        return [decode_entry(entry_id, fields) for entry_id, fields in entries]

    def offer_params(self, job_id: str, params: dict[str, Any], version: int) -> None:
        self._offer_params(keys=[self.keys.params(job_id)], args=[version, json.dumps(params)])

    def request_cancel(self, job_id: str, reason: str) -> None:
        self.client.set(self.keys.cancel(job_id), reason, ex=86400)

    def request_snapshot(self, job_id: str) -> None:
        """Ask the job's worker for a snapshot at its next step boundary (a fork "now")."""
        pipe = self.client.pipeline(transaction=False)
        pipe.incr(self.keys.snapshot_requests(job_id))
        pipe.expire(self.keys.snapshot_requests(job_id), 86400)
        pipe.execute()

    def controls(self, job_id: str) -> Controls:
        """The newest params, why to stop once a stop was asked, and how many snapshots were
        asked for, in one round trip."""
        pipe = self.client.pipeline(transaction=False)
        pipe.hmget(self.keys.params(job_id), ["version", "params"])
        pipe.get(self.keys.cancel(job_id))
        pipe.get(self.keys.snapshot_requests(job_id))
        (version, params), cancel, requests = pipe.execute()
        return Controls(
            params=json.loads(params) if version is not None else None,
            version=int(version) if version is not None else None,
            cancel=cancel.decode() if cancel is not None else None,
            snapshot_requests=int(requests or 0),
        )


class RedisPublisher:
    """The distributed mode's sequencer, for workers and API processes alike: in one database
    transaction the lifecycle makes the drafts' transitions, Redis numbers and appends them
    (for live readers), and the database stores them (for good)."""

    def __init__(self, database: Database, lifecycle: Lifecycle, log: RedisEventLog) -> None:
        self.database = database
        self.lifecycle = lifecycle
        self.log = log

    def create(self, job: Job) -> list[dict[str, Any]]:
        """Store a new job and its first event, `queued`."""
        with self.database.session() as session:
            self.lifecycle.create(session, job)
            numbered = self.log.append(job.id, [status(JobStatus.queued)])
            event_store.append(session, job.id, numbered)
        return numbered

    def publish(
        self,
        job_id: str,
        drafts: list[Draft],
        *,
        only_from: JobStatus | None = None,
        thinning: FrameThinning | None = None,
    ) -> list[dict[str, Any]]:
        """The numbered events; [] when the lifecycle refused or the job had already ended.
        The job's worker passes the thinning of its frames."""
        with self.database.session() as session:
            admitted = self.lifecycle.admit(session, job_id, drafts, only_from=only_from)
            numbered = self.log.append(job_id, admitted)
            if not numbered:  # the job ended in Redis first: keep nothing of this batch
                session.rollback()
                return []
            event_store.append(session, job_id, numbered, thinning)
        return numbered
