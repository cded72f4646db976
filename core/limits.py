"""Bounds of what the store's columns can hold, for the inputs that reach them."""

MAX_SEQ = 2**31 - 1  # `job_events.seq` is a 32-bit integer in PostgreSQL
MAX_OFFSET = 2**31 - 1  # far beyond any page a caller needs; within every database's range
# Ids of jobs, demos and images, and names of artifacts, as they may appear in a URL; anything
# else (a NUL byte PostgreSQL cannot store, 5,000 characters) is refused before a query.
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
NAME_PATTERN = r"^[A-Za-z0-9_. -]{1,128}$"
