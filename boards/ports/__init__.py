"""Port adapters, keyed by a board description's ``port``: ``<port>.py`` has
``class Board(boards.base.Board)`` and ``check(desc, machine_name, need)``."""
