# Runs the test_* functions of one MicroPython test module on the unix port.
# Usage (in the repository, MICROPYPATH as host_tests/conftest.py mp_env sets it):
#   micropython -m mprunner <module> [name ...]
# Run with -m, not as a script: a script's folder goes first on sys.path as an absolute path,
# so the tests would be compiled from source on the heap and their names would make heap use
# depend on the clone's folder. With -m every module is the compiled one from build/mpy.
# Prints one line per test: "@@ <name> PASS" or "@@ <name> FAIL <message>", then traceback lines
# ("@@ <name> SKIP <reason>" where vendored.need found a third-party source absent).
import sys
import gc
import asyncio


def _run(fn):
    r = fn()
    if hasattr(r, "send"):  # a coroutine: run it on a fresh loop
        asyncio.run(r)
        asyncio.new_event_loop()


def main():
    if sys.path and sys.path[0] == "":
        sys.path.pop(0)  # the repository itself holds sources only (lib/, boards/, ...)
    modname = sys.argv[1]
    only = sys.argv[2:]
    mod = __import__(modname)
    names = [n for n in dir(mod) if n.startswith("test_")]
    names.sort()
    for name in names:
        if only and name not in only:
            continue
        gc.collect()
        try:
            _run(getattr(mod, name))
            print("@@", name, "PASS")
        except Exception as e:  # report every failure, keep running the others
            if type(e).__name__ == "Missing":  # vendored.py: a third-party source absent
                print("@@", name, "SKIP", str(e).replace("\n", " ")[:500])
                continue
            msg = "%s: %s" % (type(e).__name__, e)
            print("@@", name, "FAIL", msg.replace("\n", " ")[:500])
            sys.print_exception(e)


main()
