"""The job store: tables, sessions, the job lifecycle, and one repository per table."""
