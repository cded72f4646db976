"""`python -m workers` is `divelab worker`: the worker side started as a program of its own."""

from workers.celery_worker import main

main()
