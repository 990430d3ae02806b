"""The heap section of ``make bench``: the smallest heap the node lives in on the QEMU
Cortex-M3 board (MPS2-AN385, project frozen), in 4 KB steps.

    .venv/bin/python -m tools.bench --only heap       # the section, into docs/benchmarks.md
    .venv/bin/python -m tools.bench.heap --heap 44 [--requests N] [--runs R]   # one heap

Two measures, each the smallest heap where every run passes:
- short (issue 20's budget, aim 40 KB): ``SHORT_RUNS`` (5) runs, each a fresh boot that
  plays the whole ``make demo`` session, then a fresh boot that answers ``SHORT`` (1,000)
  mixed requests (read a resource, read an instance, write, execute, in turn);
- long (issue 21: a node in a field serves for years): the demo session, then
  ``LONG_RUNS`` (3) fresh boots of ``LONG`` (20,000) mixed requests each.
A run passes when every request is answered and the node's log has no ``MemoryError``
and no task death (the node restarts a dead task, which would hide a heap too small); a
step stops at its first failure (a failing heap usually fails in the demo, in seconds).

The walk: passing steps are the expensive ones (every run in full), so it bisects between
a heap known to fail and one that passes. The first step is the last figure measured
(``LAST``); a passing step gives the upper bound, and the heap in use it reported (the
app's ``stats heap=`` lines, after a collection) rounded down to a step is the lower one (a
heap smaller than the data it holds cannot work); a failing first step walks up in growing
steps (4, 8, 16 KB) to a passing one. The long walk starts at the short figure (a heap
that fails 1,000 requests is taken to fail 20,000) and walks up. Before the walk, the
per-request time of the first session and the walk's longest time are printed.
"""
import os
import re
import sys
import tempfile
import time

from tools.bench import mixed_requests
from tools.board import mcu

STEP = 4 * 1024
TOP = 128 * 1024
SHORT, SHORT_RUNS = 1000, 5
LONG, LONG_RUNS = 20000, 3
# each walk starts at the last figure measured: the node's heap on the QEMU board
# (tools/board/mcu.py DEFAULT_HEAP, the short walk's figure in docs/benchmarks.md, test_heap_walk)
LAST = {"short": mcu.DEFAULT_HEAP, "long": mcu.DEFAULT_HEAP}
_DIED = re.compile(r"MemoryError|task \w+ died")


def _died(lines):
    # the first log line that says the heap was too small (or a task died of anything)
    return next((x for x in lines if _DIED.search(x)), None)


class Walk:
    """Runs at one heap after another; ``log`` gets one line per session."""

    def __init__(self, log=print):
        self.log = log
        self.used = {}  # heap -> most heap in use seen in its sessions ("stats heap=")
        self.per_request_s = None  # wall time per request, from the first full session
        self.steps = []  # (measure, heap KB, passed, seconds)
        self.found = {}  # measure -> its smallest heap

    def session(self, heap, n):
        """A fresh boot at ``heap`` answers ``n`` mixed requests -> (passed, why)."""
        from tools.bc66sim import Simulator
        from tools.board.nodeproc import Firmware
        sim = Simulator(attach_s=0.2, seed=5, response_timeout_s=10.0)
        sim.start()
        fw = Firmware(sim.device, tempfile.mkdtemp(prefix="bench-heap-"), board="qemu",
                      qemu_heap="%dK" % (heap // 1024)).start()
        try:
            sim.wait_status(2, timeout=60)
            ops = mixed_requests(sim)
            t0 = time.time()
            for i in range(n):
                if ops[i % len(ops)]().result not in (1, 2):
                    return False, "request %d unanswered" % i
                if i % 100 == 99 and _died(fw.lines):
                    return False, "after %d requests: %s" % (i + 1, _died(fw.lines))
                if i % 5000 == 4999:  # a long session says how far it is
                    self.log("    %d KB: %d requests, %.0f s" % (heap // 1024, i + 1,
                                                               time.time() - t0))
            if self.per_request_s is None:
                self.per_request_s = (time.time() - t0) / n
            if fw.interrupt(timeout=60) != 0:
                return False, "exit code not 0 after Ctrl-C"
            return (_died(fw.lines) is None), _died(fw.lines) or "ok"
        except Exception as e:  # a node that stopped: the heap is reported too small
            return False, "%s: %s" % (type(e).__name__, e)
        finally:
            fw.kill()
            sim.stop()
            used = [int(m.group(1)) for m in (re.search(r"stats heap=(\d+)", x)
                                              for x in fw.lines) if m]
            if used:
                self.used[heap] = max(self.used.get(heap, 0), max(used))

    def demo(self, heap):
        """The ``make demo`` session on the board at ``heap`` -> passed."""
        import contextlib
        from tools.demo import local as demo
        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
            return bool(demo.run(tempfile.mkdtemp(prefix="bench-demo-"), quiet=True,
                                 board="qemu", qemu_heap="%dK" % (heap // 1024)))

    def passes(self, measure, heap):
        """Every run of ``measure`` ("short", "long") at ``heap``; stops at the first
        failure -> bool."""
        mcu.firmware(heap)  # built first: a build inside the demo would time its steps out
        t0 = time.time()
        n, runs, demo_each = ((SHORT, SHORT_RUNS, True) if measure == "short"
                              else (LONG, LONG_RUNS, False))
        ok = True
        for r in range(runs):
            if demo_each or r == 0:
                ok = self.demo(heap)
                self.log("  %s %d KB run %d: demo %s" % (measure, heap // 1024, r + 1,
                                                         "passed" if ok else "FAILED"))
                if not ok:
                    break
            ok, why = self.session(heap, n)
            self.log("  %s %d KB run %d: %d requests: %s" % (measure, heap // 1024, r + 1, n,
                                                             why))
            if not ok:
                break
            if r == 0 and self.per_request_s:
                self.log("  %.1f ms per request: a passing step of %s is about %.0f min"
                         % (1000 * self.per_request_s, measure,
                            runs * (n * self.per_request_s + 30) / 60))
        self.steps.append((measure, heap // 1024, ok, time.time() - t0))
        return ok

    def smallest(self, measure, start):
        """The smallest heap (STEP multiple) where ``measure`` passes, or None if TOP
        fails."""
        lo, hi = None, None  # fails / passes
        heap, grow = start, STEP
        while hi is None:
            if self.passes(measure, heap):
                hi = heap
            else:
                lo = heap
                if heap >= TOP:
                    return None
                heap = min(TOP, heap + grow)
                grow *= 2
        if lo is None and self.found.get("short") and measure == "long":
            lo = self.found["short"] - STEP  # it failed the short walk: taken to fail
        if lo is None:  # below what the node holds after a collection nothing can work
            used = self.used.get(hi, 0)
            if used % STEP:
                lo = used // STEP * STEP
        heap = hi - STEP
        while lo is None and heap >= STEP:  # no figure in use: down to a failing heap
            if self.passes(measure, heap):
                hi, heap = heap, heap - STEP
            else:
                lo = heap
        lo = 0 if lo is None else lo
        while hi - lo > STEP:
            mid = (lo + hi) // 2 // STEP * STEP
            if self.passes(measure, mid):
                hi = mid
            else:
                lo = mid
        return hi


def walk(log=print, measures=("short", "long")):
    """Both walks -> (Walk, {measure: smallest heap or None})."""
    w = Walk(log)
    for m in measures:
        start = w.found.get("short") if m == "long" else None
        w.found[m] = w.smallest(m, start or LAST[m])
        log("%s: smallest heap %s" % (m, "%d KB" % (w.found[m] // 1024) if w.found[m]
                                      else "over %d KB" % (TOP // 1024)))
    return w, w.found


# What the node holds at start, part by part: the modules the app imports (in the order it
# imports them, grouped), then what App() makes, each kept after a collection; the board's
# REPL and this script take the rest of "in use".
START_SCRIPT = """
import gc
def kept(fn):
    gc.collect()
    a = gc.mem_alloc()
    r = fn()
    gc.collect()
    return r, gc.mem_alloc() - a
GROUPS = (("asyncio", ("asyncio",)),
          ("the driver (bc66)", ("bc66.log", "bc66.errors", "bc66.lines", "bc66.sched",
                                 "bc66.at", "bc66.values", "bc66.urc",
                                 "bc66.transport", "bc66.onoff", "bc66.modem")),
          ("the node (lwm2m: objects, requests, node, ipso, store, backoff, config)",
           ("lwm2m.config", "lwm2m.store", "lwm2m.backoff", "lwm2m.objects", "lwm2m.requests",
            "lwm2m.ipso", "lwm2m.node")),
          ("the operating objects (settings, health, swupdate)",
           ("lwm2m.settings", "lwm2m.health", "lwm2m.swupdate")),
          ("the application (app, sensors, boards, appversion)",
           ("boards", "sensors", "appversion", "app")))
for name, mods in GROUPS:
    n = 0
    for m in mods:
        try:
            n += kept(lambda: __import__(m))[1]
        except ImportError:
            pass
    print("@ imports: %s %d" % (name, n))
import app, boards
from lwm2m import config
import bc66.modem, lwm2m.objects, lwm2m.settings, lwm2m.node, lwm2m.health, lwm2m.swupdate
import sensors
PARTS = ((bc66.modem, "BC66", "the driver (BC66: line buffer, engine)"),
         (lwm2m.objects, "Model", "the object model, empty"),
         (sensors, "open", "the sensors and their IPSO objects"),
         (lwm2m.settings, "Settings", "settings 32769"),
         (lwm2m.node, "Node", "the node"),
         (lwm2m.health, "Health", "health 32770 + 32771"),
         (lwm2m.swupdate, "SwUpdate", "software management 9"))
for mod, attr, name in PARTS:
    def wrap(f=getattr(mod, attr), name=name):
        def w(*a, **k):
            r, n = kept(lambda: f(*a, **k))
            print("@ App(): %s %d" % (name, n))
            return r
        return w
    setattr(mod, attr, wrap())
cfg, n = kept(lambda: config.from_dict({"server": {"host": "leshan.example.net"},
                                        "objects": ["temperature", "voltage", "bindata"],
                                        "state_dir": "/state"}))
print("@ App(): the config %d" % n)
a, n = kept(lambda: app.App(boards.load(), cfg, {"port": None, "config": "/config.json",
                                                 "pins": None, "log": "info", "state": None}))
print("@ App(): all of it %d" % n)
gc.collect()
print("@ in use once App() is made %d" % gc.mem_alloc())
"""


def start_rows():
    """Rows: what the node holds at start on the board, part by part (START_SCRIPT)."""
    from tools.bench import heap_kept
    from tools.board import qemu
    got = heap_kept._figures(qemu.run_script(START_SCRIPT, icount=False))
    return [("Cortex-M: heap at start: " + name, "%d B" % n, "kept after a collection")
            for name, n in got]


def rows(measures=("short", "long")):
    """Table rows (measure, value, note) for docs/benchmarks.md."""
    why = mcu.tools_missing()
    if why:
        return [("Cortex-M: smallest heap", "not measured", why)]
    out = start_rows() if "short" in measures else []
    w, found = walk(lambda s: print(s, flush=True), measures)
    names = {"short": "the demo session + {:,} mixed requests, {} runs of {}".format(
                 SHORT, SHORT_RUNS, SHORT_RUNS),
             "long": "the demo session + {:,} mixed requests, {} runs of {}".format(
                 LONG, LONG_RUNS, LONG_RUNS)}
    for m in measures:
        small = found[m]
        tried = [s for s in w.steps if s[0] == m]
        out.append(("Cortex-M: smallest heap for %s" % names[m],
                    "%d KB" % (small // 1024) if small else "over %d KB" % (TOP // 1024),
                    "%s; walked %s" % ("aim 40 KB" if m == "short" else "issue 21",
                                       ", ".join("%d KB %s (%.0f min)" % (kb, "pass" if ok
                                                                          else "fail", s / 60)
                                                 for _, kb, ok, s in tried))))
    small = found.get("short") or found.get("long")
    if small and w.used.get(small):
        out.append(("Cortex-M: heap in use during the %s walk's requests (most, after a "
                    "collection)" % measures[0], "%d B" % w.used[small],
                    "the app's \"stats heap=\" lines at %d KB" % (small // 1024)))
    if w.per_request_s:
        out.append(("Cortex-M: wall time per request in the %s walk" % measures[0],
                    "%.1f ms" % (1000 * w.per_request_s), "QEMU without -icount, this machine"))
    return out


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--heap", type=int, help="KB: one heap, pass or fail (no walk)")
    ap.add_argument("--measure", choices=("short", "long"), default="short")
    ap.add_argument("--requests", type=int)
    ap.add_argument("--runs", type=int)
    ap.add_argument("--start", action="store_true", help="only the heap at start, by part")
    a = ap.parse_args(argv)
    why = mcu.tools_missing()
    if why:
        raise SystemExit("bench heap: " + why)
    global SHORT, SHORT_RUNS, LONG, LONG_RUNS
    if a.measure == "short":
        SHORT, SHORT_RUNS = a.requests or SHORT, a.runs or SHORT_RUNS
    else:
        LONG, LONG_RUNS = a.requests or LONG, a.runs or LONG_RUNS
    if a.start:
        for r in start_rows():
            print("| %s | %s | %s |" % r)
        return 0
    if a.heap:
        w = Walk()
        t0 = time.time()
        ok = w.passes(a.measure, a.heap * 1024)
        print("%d KB: %s, most heap in use %s, %.0f s" % (a.heap, "pass" if ok else "FAIL",
                                                         w.used.get(a.heap * 1024),
                                                         time.time() - t0))
        return 0 if ok else 1
    for r in rows((a.measure,)):
        print("| %s | %s | %s |" % r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
