"""The unix port as a board (``boards/ports/unix.py``): the BC66 is a serial device or
``tcp:HOST:PORT``; config and state in the working directory."""
BOARD = {"name": "unix", "port": "unix", "config": "config.json", "state_dir": "state"}
