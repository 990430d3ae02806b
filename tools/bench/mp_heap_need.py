"""Measure the smallest MicroPython heap each host_tests/mp/mpt_*.py module passes in.

``python -m tools.bench.mp_heap_need [module ...]`` runs each module with the test runner
(host_tests/mp/mprunner.py, as pytest runs it) and bisects ``-X heapsize`` in 1 KB steps
between 8 KB and 1 MB; prints "<module> <KB>" per module and the largest. The figure is the
same in any clone: the runner's search path and the modules' names are relative to the
repository (see host_tests/conftest.py mp_env).
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [ROOT, os.path.join(ROOT, "host_tests")]


def passes(mod, kb):
    from conftest import run_mp
    try:
        p = run_mp(["-m", "mprunner", mod], heap="%dK" % kb, timeout=120)
    except subprocess.TimeoutExpired:
        return False
    res = [ln.split()[2] for ln in p.stdout.splitlines() if ln.startswith("@@ ")]
    return p.returncode == 0 and bool(res) and all(r == "PASS" for r in res)


def need(mod, lo=8, hi=1024):
    """Smallest heap in KB in which every test of ``mod`` passes (None: not even ``hi``)."""
    if not passes(mod, hi):
        return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if passes(mod, mid):
            hi = mid
        else:
            lo = mid
    return hi


def main():
    from conftest import MP_DIR, build_mpy
    build_mpy()
    mods = sys.argv[1:] or sorted(f[:-3] for f in os.listdir(MP_DIR)
                                  if f.startswith("mpt_") and f.endswith(".py"))
    worst = 0
    for m in mods:
        kb = need(m)
        print(m, kb if kb is not None else "fails at 1024 KB", flush=True)
        worst = max(worst, kb or 0)
    print("largest", worst, "KB")


if __name__ == "__main__":
    main()
