"""Jobs: creating them, reading them, steering them (live params, cancel)."""
