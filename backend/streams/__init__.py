"""Live event streams: one fan-out hub per API process, and the websocket route."""
