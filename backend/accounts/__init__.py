"""Accounts for classroom mode: instructors, classes and their learners, sessions and tokens."""
