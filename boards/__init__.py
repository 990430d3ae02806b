"""Per-board pin maps and port factories; ``boards.load()`` picks the one for this MCU."""
import sys


def load(name=None):
    """Import and return the board module for ``name`` (default: from ``sys.platform``)."""
    if name is None:
        name = {"esp32": "esp32", "pyboard": "stm32", "linux": "unix", "darwin": "unix"}.get(
            sys.platform, sys.platform)
    return __import__("boards." + name, None, None, ("NAME",))
