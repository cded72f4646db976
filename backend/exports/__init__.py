"""Runs exported as code: a standalone script (and notebook) that reproduces a run."""
