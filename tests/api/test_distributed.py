"""Distributed-mode faults and guarantees, on a real Redis, PostgreSQL and Celery worker."""

import threading
import time

import redis
from celery import Celery

from core.dispatch import RUN_JOB_TASK, create_celery
from core.settings import Settings
from tests.support import REDIS_URL, Server

GD = "gradient-descent"


def test_a_lost_worker_host_fails_its_job_and_a_new_worker_takes_over(
    distributed_server: Server,
) -> None:
    server = distributed_server
    job = server.create(GD, {"steps": 100_000, "speed": 20})
    watched: dict = {}
    watcher = threading.Thread(
        target=lambda: watched.update(
            zip(("messages", "code"), server.stream(job["id"], timeout=90), strict=True)
        )
    )
    watcher.start()
    server.wait_for_status(job["id"], "running")
    time.sleep(1)

    server.kill_worker_host()
    killed_at = time.monotonic()
    failed = server.wait_done(job["id"], timeout=40)
    assert time.monotonic() - killed_at < 30
    assert failed["status"] == "failed"
    assert "stopped responding" in failed["error"]

    # The websocket client connected through the fault saw one ordered, duplicate-free story.
    watcher.join(30)
    events = [m for m in watched["messages"] if "seq" in m]
    assert watched["code"] == 1000
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["type"] == "status" and events[-1]["status"] == "failed"
    assert events == server.all_events(job["id"])

    server.start_worker()
    follow_up = server.create(GD, {"function": "quadratic", "speed": 0})
    assert server.wait_done(follow_up["id"], timeout=60)["status"] == "succeeded"


def test_a_redelivered_task_does_not_run_the_job_twice(distributed_server: Server) -> None:
    server = distributed_server
    job = server.create(GD, {"function": "quadratic", "speed": 0, "steps": 5})
    done = server.wait_done(job["id"])
    events_before = server.all_events(job["id"])
    # Deliver the same task message again, as Celery would after a visibility timeout.
    settings = Settings(
        redis_url=server.env["DIVELAB_REDIS_URL"], redis_prefix=server.env["DIVELAB_REDIS_PREFIX"]
    )
    celery: Celery = create_celery(settings)
    celery.send_task(RUN_JOB_TASK, args=[job["id"]], queue="cpu")
    time.sleep(3)
    again = server.job(job["id"])
    assert again["status"] == "succeeded" and again["started_at"] == done["started_at"]
    assert server.all_events(job["id"]) == events_before


def test_events_of_a_finished_job_leave_redis_but_stay_served(distributed_server: Server) -> None:
    server = distributed_server
    job = server.create(GD, {"function": "quadratic", "speed": 0, "steps": 10})
    server.wait_done(job["id"])
    client = redis.Redis.from_url(REDIS_URL)
    stream = f"{server.env['DIVELAB_REDIS_PREFIX']}job:{job['id']}:events"
    assert 0 < client.ttl(stream) <= 3600  # expires; the database keeps the events
    assert client.xlen(stream) == len(server.all_events(job["id"]))
    client.delete(stream)
    messages, code = server.stream(job["id"])
    assert code == 1000
    assert [m["seq"] for m in messages] == list(range(1, len(messages) + 1))
    assert messages[-1]["status"] == "succeeded"


def test_websocket_clients_share_one_redis_reader(distributed_server: Server) -> None:
    server = distributed_server
    client = redis.Redis.from_url(REDIS_URL)
    api_pid = str(server.process.pid)

    def blocked_readers() -> int:
        """The API's connections whose last command is XREAD: its stream readers (pooled
        connections that replay or write do other commands)."""
        return sum(
            1
            for c in client.client_list()
            if c["name"].startswith("divelab-api:")
            and c["name"].endswith(api_pid)
            and c["cmd"] == "xread"
        )

    job = server.create(GD, {"steps": 400, "speed": 40})
    first, _ = server.stream(job["id"], stop_after=3)  # one watcher starts the reader
    assert first
    results: list = []
    watchers = [
        threading.Thread(target=lambda: results.append(server.stream(job["id"]))) for _ in range(6)
    ]
    for watcher in watchers:
        watcher.start()
    readers = []
    for _ in range(20):  # over 2 s of six clients streaming
        readers.append(blocked_readers())
        time.sleep(0.1)
    with server.client() as http:
        http.post(f"/api/jobs/{job['id']}/cancel")
    for watcher in watchers:
        watcher.join(30)
    # One reader serves every client; a reader per client would show six.
    assert max(readers) == 1, readers
    assert len(results) == 6
    for messages, code in results:
        seqs = [m["seq"] for m in messages if "seq" in m]
        assert code == 1000 and seqs == list(range(1, len(seqs) + 1))
