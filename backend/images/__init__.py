"""Images: built-in choices and learners' uploads, usable as a demo's `content` or `style`."""
