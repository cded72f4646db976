"""Persistence: SQLAlchemy models, sessions, the event log and artifacts."""
