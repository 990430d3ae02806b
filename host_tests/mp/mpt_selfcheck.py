# The MicroPython test runner itself: sync and async tests run, and nothing on the heap
# depends on the folder the repository was cloned into.
import asyncio
import sys


def test_paths_are_relative():
    # sys.path and every loaded module's name are heap objects: relative, so the same size
    # in any clone (the runner runs with -m in the repository; .mpy names are relative)
    assert [p for p in sys.path if p.startswith("/")] == [], sys.path
    import bc66.at  # noqa: F401
    files = [getattr(m, "__file__", "") for m in sys.modules.values()]
    assert [f for f in files if f.startswith("build/mpy") and f.endswith("/lib/bc66/at.mpy")
            ], files  # build/mpy-x86/lib/... on the 32-bit port
    assert [f for f in files if f.startswith("/")] == [], files


def test_errors_name_the_source():
    # a traceback names the repository's source file (mpy-cross -s), not the .mpy
    from lwm2m.config import from_dict
    try:
        from_dict({})
    except Exception as e:
        import io
        s = io.StringIO()
        sys.print_exception(e, s)
        assert 'File "lib/lwm2m/config.py"' in s.getvalue(), s.getvalue()
    else:
        raise AssertionError("no error")


async def test_async_runs():
    await asyncio.sleep_ms(1)
