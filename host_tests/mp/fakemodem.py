# The scripted fake BC66 for MicroPython tests: fake.py in this folder, loaded on first use
# of one of its names (FakeModem, engine, modem, raises) from build/mpy/host_tests/mp (the
# pytest session compiles it: less heap than compiling it here; a test that needs only
# prefer_mpy() does not load it at all). See fake.py for the script format.


def mpy_lib():
    # the compiled lib/ the runner put on the path: build/mpy/lib, or on the 32-bit port
    # build/mpy-x86/lib (its own native code, tools/board/build_mpy.py ARCH)
    import sys
    for p in sys.path:
        if p.startswith("build/mpy") and p.endswith("/lib"):
            return p
    return "build/mpy/lib"


def prefer_mpy(mods=None):
    # Load lib/bc66 from build/mpy/lib (`make mpy`) when it is fresh: compiling the sources
    # inside a 48 KB heap costs more than the code itself. True if used.
    import os
    import sys
    b = mpy_lib()
    try:
        for m in mods or ("__init__", "log", "errors", "lines", "at", "values", "urc", "modem"):
            if os.stat(b + "/bc66/" + m + ".mpy")[8] < os.stat("lib/bc66/" + m + ".py")[8]:
                raise OSError
    except OSError:
        print("prefer_mpy: build/mpy missing or stale (run `make mpy`): using sources")
        return False
    if b not in sys.path:
        sys.path.insert(1 if sys.path[:1] == [".frozen"] else 0, b)
    return True


def __getattr__(name):
    # FakeModem, engine, modem, raises: fake.py's, compiled (the pytest session builds it)
    import sys
    if "build/mpy/host_tests/mp" not in sys.path[:1]:
        sys.path.insert(0, "build/mpy/host_tests/mp")
    import fake
    return getattr(fake, name)


prefer_mpy()
