"""The demo catalogue as the API serves it (specs only: no torch here)."""
