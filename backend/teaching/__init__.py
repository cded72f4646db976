"""Teaching a class (classroom mode): the instructor's live grid, pushed presets, stop all."""
