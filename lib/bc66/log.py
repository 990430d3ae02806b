"""Short leveled log lines for a serial console: ``I 12.345 node: registered``.

One global level; ``redact()`` masks secrets before they can reach a log line.
"""
import time

DEBUG = 10
INFO = 20
WARN = 30
ERROR = 40
_NAMES = "DIWE"  # DEBUG, INFO, WARN, ERROR: level // 10 - 1 (a constant, not a dict)

level = INFO
_t0 = time.ticks_ms()
sink = None  # callable(str) to capture lines (tests); None prints


def log(lvl, tag, msg, *args):
    """Emit one line if ``lvl`` passes the global level; ``msg % args`` is built only then."""
    if lvl < level:
        return
    if args:
        msg = msg % args
    t = time.ticks_diff(time.ticks_ms(), _t0)
    i = lvl // 10 - 1
    name = _NAMES[i] if lvl % 10 == 0 and 0 <= i < 4 else "?"
    line = "%s %d.%03d %s: %s" % (name, t // 1000, t % 1000, tag, msg)
    if sink is None:
        print(line)
    else:
        sink(line)


def redact(text, *secrets):
    """Return ``text`` with every non-empty secret replaced by ``***``."""
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    return text
