"""How the API hands jobs to Celery workers (distributed mode): one app configuration for
both sides, the task's name, and which queue a demo's jobs go to.

Celery carries only `[job_id]` as JSON; a worker reads the rest from the database when it
claims the job. The worker side registers the task's code under `RUN_JOB_TASK`.
"""

from celery import Celery

from core.demo_spec import DemoSpec
from core.settings import Settings

RUN_JOB_TASK = "divelab.run_job"


def queue_for(spec: DemoSpec) -> str:
    return "gpu" if spec.needs_gpu else "cpu"


def create_celery(settings: Settings) -> Celery:
    app = Celery("divelab", broker=settings.redis_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],  # never pickle
        task_ignore_result=True,
        # One job per worker process at a time, acknowledged when it ends: a worker busy with
        # a long job reserves nothing else, and a message is not lost if a worker dies before
        # claiming it. Redelivery (e.g. after the visibility timeout of a very long job) is
        # harmless because of the claim.
        task_acks_late=True,
        task_reject_on_worker_lost=False,
        worker_prefetch_multiplier=1,
        broker_transport_options={
            "global_keyprefix": settings.redis_prefix,
            "visibility_timeout": 12 * 3600,
        },
        broker_connection_retry_on_startup=True,
        task_default_queue="cpu",
        worker_hijack_root_logger=False,
    )
    return app
