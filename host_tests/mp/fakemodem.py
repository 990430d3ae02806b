# The scripted fake BC66 for MicroPython tests: lib/bc66/fake.py (compiled by `make mpy`,
# so it costs less heap than a test helper compiled from source), re-exported here after
# prefer_mpy() put build/mpy first. See lib/bc66/fake.py for the script format.


def prefer_mpy(mods=None):
    # Load lib/bc66 from build/mpy/lib (`make mpy`) when it is fresh: compiling the sources
    # inside a 48 KB heap costs more than the code itself. True if used.
    import os
    import sys
    b = "build/mpy/lib"
    try:
        for m in mods or ("__init__", "log", "errors", "lines", "at", "values", "urc", "modem",
                          "lwsetup", "fake"):
            if os.stat(b + "/bc66/" + m + ".mpy")[8] < os.stat("lib/bc66/" + m + ".py")[8]:
                raise OSError
    except OSError:
        print("prefer_mpy: build/mpy missing or stale (run `make mpy`): using sources")
        return False
    if b not in sys.path:
        sys.path.insert(1 if sys.path[:1] == [".frozen"] else 0, b)
    return True


prefer_mpy()
from bc66.fake import FakeModem, engine, modem, raises  # noqa: E402,F401
