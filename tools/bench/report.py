"""``make bench``: speed and memory of the driver and node, written to docs/benchmarks.md.

Method (all on this machine, MicroPython unix port, code imported from mpy-cross output):
- code: total .mpy bytes per package, and the heap that importing the driver and node
  takes (code objects live in the heap on the unix port);
- the real Node (driver + object model + node) runs against the simulated BC66 over a pty;
  the simulator's server fires WARMUP + N mixed requests (read resource, read instance,
  write, execute) one after another;
- allocation per request round trip: the node counts heap allocated with the GC off over
  N requests (everything it does: URC in, parsing, answer, response command, deferred
  result);
- working data: heap in use after a collection at the end, minus the imported code;
- CPU per request: the node process's user+system CPU time over the N requests
  (/proc/<pid>/stat), against the time the request's bytes need on the wire at 115200
  baud (both directions, from the simulator's byte counts);
- duty cycle: 10 cycles of the firmware in duty-cycle mode (tools/board/supervisor.py) against
  the simulator at time_scale 0.1 (module delays a tenth of real); MCU awake = wall time
  of the firmware process from start to its SLEEP exit (MicroPython start-up included).
"""
import os
import platform
import subprocess
import sys
import threading
import time

from tools.bench import mixed_requests, mp_script
from tools.board import build_mpy
from tools.bc66sim import Simulator
from tools.board.nodeproc import MPY, ROOT, micropython

WARMUP = 100
N = 100  # measured requests per kind
KINDS = ("read one resource", "read an instance (6 parts)", "write", "execute")
BAUD_BYTES_S = 115200 / 10


def mpy_sizes():
    build_mpy.build(MPY)
    out = {}
    for top in ("lib/bc66", "lib/lwm2m", "firmware", "boards"):
        d = os.path.join(MPY, top)
        out[top] = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d)
                       for f in fs if f.endswith(".mpy"))  # boards/ports too
    return out


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_node_bench():
    sim = Simulator(attach_s=0.2, seed=11, response_timeout_s=5.0,
                    transcript=os.path.join(ROOT, "build", "bench-bc66.log"))
    sim.start()
    env = dict(os.environ, MICROPYPATH=":".join([".frozen", MPY + "/lib", MPY + "/firmware", MPY]))
    script = os.path.join(ROOT, "build", "bench_node_unix.py")  # bench_node.py, node.py
    with open(script, "w") as f:
        f.write(mp_script("bench_node.py", "node.py"))
    p = subprocess.Popen([micropython(), "-X", "heapsize=4M", script,
                          sim.device, str(N), str(len(KINDS))], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, env=env)
    got = {}
    cond = threading.Condition()

    def pump():
        for line in p.stdout:
            parts = line.split()
            with cond:
                if parts and parts[0] == "ALLOC":
                    got.setdefault("ALLOC", {})[int(parts[1])] = int(parts[2])
                elif parts and parts[0] in ("CODE", "READY", "HEAP"):
                    got[parts[0]] = int(parts[1]) if len(parts) > 1 else True
                    cond.notify_all()
                else:
                    got.setdefault("log", []).append(line.rstrip())
    threading.Thread(target=pump, daemon=True).start()

    def wait(key, t=60):
        with cond:
            if not cond.wait_for(lambda: key in got, t):
                raise SystemExit("bench: no %s from the node; log:\n%s" % (key, "\n".join(got.get("log", [])[-20:])))

    ops = mixed_requests(sim, timeout=5)
    assert len(ops) == len(KINDS)
    try:
        wait("READY")
        for i in range(WARMUP):
            try:
                ops[i % len(ops)]()
            except Exception:
                print("\n".join(got.get("log", [])[-30:]))
                raise
        n0 = len(sim.transcript.lines)
        c0, t0 = cpu_s(p.pid), time.time()
        lat = []
        for i in range(N * len(ops)):
            t = time.time()
            try:
                r = ops[i // N]()
            except Exception:
                print("\n".join(got.get("log", [])[-30:]))
                raise
            lat.append(time.time() - t)
            if r.result not in (1, 2):
                raise SystemExit("bench: request %d answered %s" % (i, r.result))
        c1, t1 = cpu_s(p.pid), time.time()
        wait("HEAP")
        wire = wire_bytes(sim, n0)
    finally:
        p.kill()
        sim.stop()
    lat.sort()
    return {"code_heap": got["CODE"], "alloc": got["ALLOC"], "heap": got["HEAP"],
            "cpu_ms": (c1 - c0) * 1000 / (N * len(ops)), "wall_s": t1 - t0,
            "wire_ms": wire / (N * len(ops)) / BAUD_BYTES_S * 1000,
            "wire_bytes": wire / (N * len(ops)),
            "lat_p50": lat[len(lat) // 2] * 1000, "lat_p99": lat[int(len(lat) * 0.99)] * 1000}


def wire_bytes(sim, start_line):
    """Bytes both ways since transcript line ``start_line`` (escapes undone)."""
    total = 0
    for line in sim.transcript.lines[start_line:]:
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in (">", "<"):
            s = parts[2]
            total += len(s.encode().decode("unicode_escape"))
    return total


def run_duty_bench(cycles=10):
    """Duty cycles against the simulator at a tenth of real module time."""
    import tempfile
    from tools.board.supervisor import Supervisor
    sim = Simulator(time_scale=0.1, attach_s=1, sleep_after_s=600, seed=4)
    sim.start()
    try:
        sup = Supervisor(sim, tempfile.mkdtemp(prefix="bench-duty-"))
        sup.sleep_cap_s = 0.2
        sup.run(cycles)
    finally:
        sim.stop()
    awake = [c[2] for c in sup.cycles[1:]]  # the first cycle also configures the module
    notifies = sum(1 for c in sim.commands if c.startswith("AT+QLWNOTIFY="))
    rel = sim.radio_releases      # the module's RRC connection (tools/bc66sim/radio.py)
    return {"cycles": cycles, "awake_mean": sum(awake) / len(awake), "awake_max": max(awake),
            "first": sup.cycles[0][2], "cmds": len(sim.commands) / cycles,
            "notifies": notifies / cycles, "sleeps": len(sim.sleeps),
            "radio_s": sim.radio_s / cycles,
            "released": {h: sum(1 for x in rel if x[0] == h) for h in {x[0] for x in rel}}}


# The sections of ``make bench``, in the order of docs/benchmarks.md: name -> title.
# ``python -m tools.bench --only cycle`` measures one (or a comma-separated few); the
# other sections' rows stay as the doc has them, each with the date it was measured.
SECTIONS = (
    ("unix", "The node on the unix port"),
    ("mcu", "The Cortex-M board (QEMU) and the 32-bit unix port"),
    ("heap", "The smallest heap on the Cortex-M board"),
    ("heap_long", "The smallest heap on the Cortex-M board for 20,000 requests"),
    ("request_path", "The request path alone on the Cortex-M"),
    ("heap_kept", "Heap measures kept"),
    ("cycle", "The report cycle and its energy"),
    ("heap_objects", "The objects for operating a deployed node"),
)
_MARK = "<!-- bench:"


def _unix_section():
    sizes = mpy_sizes()
    d = run_duty_bench()
    r = run_node_bench()
    work = r["heap"] - r["code_heap"]
    rows = [
        ("code: lib/bc66 .mpy", "%d B" % sizes["lib/bc66"], ""),
        ("code: lib/lwm2m .mpy", "%d B" % sizes["lib/lwm2m"], ""),
        ("code: firmware + boards .mpy", "%d B" % (sizes["firmware"] + sizes["boards"]), ""),
        ("heap taken by importing driver + node code", "%d B" % r["code_heap"], ""),
    ] + [("heap allocated per round trip: %s" % k, "%d B" % r["alloc"][i], "budget 256 B")
         for i, k in enumerate(KINDS)] + [
        ("working data (heap in use after run - code)", "%d B" % work, "budget 16384 B"),
        ("node CPU per request", "%.3f ms" % r["cpu_ms"], ""),
        ("wire time per request at 115200 baud", "%.2f ms (%d B)" % (r["wire_ms"], r["wire_bytes"]), ""),
        ("CPU / wire time", "%.1f %%" % (100 * r["cpu_ms"] / r["wire_ms"]), "a small fraction"),
        ("server round trip through the pty, p50 / p99", "%.1f / %.1f ms" % (r["lat_p50"], r["lat_p99"]), ""),
        ("duty cycle: MCU awake per cycle, mean / max", "%.2f / %.2f s" % (d["awake_mean"], d["awake_max"]),
         "first cycle (configures the module): %.2f s" % d["first"]),
        ("duty cycle: AT commands / notifications per cycle", "%.1f / %.1f" % (d["cmds"], d["notifies"]), ""),
        ("duty cycle: module deep sleeps in %d cycles" % d["cycles"], "%d" % d["sleeps"], ""),
        ("duty cycle: module radio connected per cycle (module-s)", "%.1f s" % d["radio_s"],
         "releases: " + ", ".join("%s %d" % kv for kv in sorted(d["released"].items()))),
    ]
    return rows, ("%s\n%d warm-up requests, then %d measured of each kind: read 3303/0/5700, "
                  "read 3303/0/-1, write 3303/0/5750, execute 3303/0/5605.\n"
                  % (__doc__.split("\n", 2)[2], WARMUP, N))


def _mcu_section():
    from tools.bench import cortex_m as bench_mcu  # the Cortex-M (QEMU) and 32-bit figures
    return bench_mcu.rows(), bench_mcu.__doc__.split("\n", 2)[2]


def _heap_section():
    from tools.bench import heap as bench_heap  # the heap at start, and the walk of 5 x 1,000 requests
    return bench_heap.rows(("short",)), bench_heap.__doc__.split("\n", 2)[2]


def _heap_long_section():
    from tools.bench import heap as bench_heap  # the walk of 3 x 20,000 requests: hours
    return bench_heap.rows(("long",)), "tools/bench/heap.py: the long walk (see above).\n"


def _request_path_section():
    from tools.bench import request_path as bench_request_path  # the request path alone on the Cortex-M
    return bench_request_path.rows(), bench_request_path.__doc__.split("\n", 2)[2]


def _heap_kept_section():
    from tools.bench import heap_kept  # the figures of docs/architecture.md "Heap measures kept"
    return heap_kept.rows(), heap_kept.__doc__


def _cycle_section():
    from tools import energy
    from tools.bench import cycle as bench_cycle  # the report cycle on the Cortex-M
    from tools.board import mcu
    why = mcu.tools_missing()
    if why:
        return [("report cycle", "not measured", why)], ""
    cyc = bench_cycle.run()
    bench_cycle.write_figures(cyc)  # docs/cycle.json: what tools.energy reads
    text = ("Rows \"report cycle\", \"minimal cycle\" (tools/bench/cycle.py): %s\n"
            "Before the lean cycle (issue 18) and now, per wake (mean of %d):\n\n%s\n"
            "Commands of the last wake: `%s`\n\n"
            "Rows \"energy\", \"battery life\" (tools/energy.py, currents and their sources "
            "in docs/power.md): %s"
            % (bench_cycle.__doc__.split("\n", 2)[2], cyc["node"]["cycles"],
               bench_cycle.before_after(cyc),
               " ".join(c.split("=")[0] for c in cyc["node"]["cmd_list"]),
               energy.__doc__.split("\n", 2)[2]))
    return bench_cycle.rows(cyc) + bench_cycle.energy_rows(cyc), text


def _heap_objects_section():
    from tools.bench import heap_objects  # settings, health and object 9: what they cost
    return heap_objects.rows(), heap_objects.__doc__


def _doc(module):
    # the method part of a tools/bench module's docstring
    mod = __import__("tools.bench." + module, None, None, ("__doc__",))
    return mod.__doc__.split("\n", 2)[2]


# the method of a section not measured in this run, from its code
_METHOD = {"unix": lambda: __doc__.split("\n", 2)[2], "mcu": lambda: _doc("cortex_m"),
           "heap": lambda: _doc("heap"),
           "heap_long": lambda: "tools/bench/heap.py: the long walk (see above).",
           "request_path": lambda: _doc("request_path"),
           "heap_kept": lambda: _doc("heap_kept"),
           "cycle": lambda: "tools/bench/cycle.py: " + _doc("cycle"),
           "heap_objects": lambda: _doc("heap_objects")}

_RUN = {"unix": _unix_section, "mcu": _mcu_section, "heap": _heap_section,
        "heap_long": _heap_long_section,
        "request_path": _request_path_section,
        "heap_kept": _heap_kept_section, "cycle": _cycle_section,
        "heap_objects": _heap_objects_section}


def _section_of(measure):
    # where a row of a doc written before the sections were marked belongs
    if measure.startswith(("Cortex-M instructions per round trip",
                           "Cortex-M heap allocated per round trip")):
        return "request_path"
    if measure.startswith("Cortex-M: smallest heap") and "20,000" in measure:
        return "heap_long"
    if measure.startswith(("Cortex-M: smallest heap", "Cortex-M: heap in use during",
                           "Cortex-M: heap at start")):
        return "heap"
    if measure.startswith(("Cortex-M", "32-bit unix")):
        return "mcu"
    if measure.startswith("heap kept: objects") or measure.startswith("heap kept: settings"):
        return "heap_objects"
    if measure.startswith("heap kept:"):
        return "heap_kept"
    if measure.startswith(("report cycle", "minimal cycle", "energy:", "battery life")):
        return "cycle"
    return "unix"


def read_sections(path):
    """The sections of an existing docs/benchmarks.md -> {name: {"stamp", "rows",
    "text"}}: the table rows as written and the method text after them. A doc from before
    the sections were marked: its one table's rows sorted into sections by their names,
    stamped with the doc's date."""
    try:
        with open(path) as f:
            lines = f.read().split("\n")
    except OSError:
        return {}
    out = {}
    cur = None
    for line in lines:
        if line.startswith(_MARK):
            name, _, stamp = line[len(_MARK):].rstrip(" ->").partition(" ")
            cur = out[name] = {"stamp": stamp, "rows": [], "text": []}
        elif cur is not None and line.startswith(("## ", "Measured by hand")):
            cur = None
        elif cur is not None and line.startswith("Measured on "):
            continue
        elif cur is not None:
            if line.startswith("| ") and not line.startswith("| measure |"):
                cur["rows"].append(line)
            elif not line.startswith("|---") and not line.startswith("| measure |"):
                cur["text"].append(line)
    if out:
        for sec in out.values():
            sec["text"] = "\n".join(sec["text"]).strip("\n") + "\n"
        return out
    stamp = "?"
    for line in lines:  # "Written by `make bench` (tools/bench/report.py) on DATE, machine, ..."
        if line.startswith("Written by `make bench`") and " on " in line:
            stamp = line.split(" on ", 1)[1].rstrip(".")
            break
    for line in lines:
        if line.startswith("| ") and not line.startswith("| measure |"):
            name = _section_of(line[2:].split(" | ", 1)[0])
            out.setdefault(name, {"stamp": stamp, "rows": [], "text": ""})["rows"].append(line)
    return out


def main(argv=None):
    import argparse
    names = [n for n, _ in SECTIONS]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="measure only these sections (comma-separated: %s); the "
                    "others stay as docs/benchmarks.md has them" % ", ".join(names))
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    a = ap.parse_args(argv)
    only = names if not a.only else [s.strip() for s in a.only.split(",")]
    for s in only:
        if s not in names:
            ap.error("--only: no section %r (sections: %s)" % (s, ", ".join(names)))
    old = read_sections(a.doc)
    stamp = "%s, %s, Python %s" % (time.strftime("%Y-%m-%d"), platform.machine(),
                                   platform.python_version())
    parts = ["# Benchmarks\n\nWritten by `make bench` (tools/bench/report.py), section by section: "
             "`python -m tools.bench --only SECTION[,SECTION]` (or `make bench "
             "ONLY=SECTION`) measures some (%s) and keeps the others' rows as they were; "
             "each section says when it was measured.\n" % ", ".join(names)]
    for name, title in SECTIONS:
        if name in only:
            rows, text = _RUN[name]()
            table = ["| %s | %s | %s |" % row for row in rows]
            print("\n".join(table))
            sec = {"stamp": stamp, "rows": table, "text": text.strip("\n") + "\n"}
        else:
            sec = old.get(name) or {"stamp": "never", "rows": [], "text": ""}
            if not sec["text"].strip():  # the method is the code's: its docstring
                sec["text"] = _METHOD[name]().strip("\n") + "\n"
        parts.append("## %s\n%s%s %s -->\n\nMeasured on %s.\n\n| measure | value | target |\n"
                     "|---|---|---|\n%s\n\n%s" % (title, _MARK, name, sec["stamp"], sec["stamp"],
                                                  "\n".join(sec["rows"]), sec["text"]))
    parts.append("Measured by hand, with how and before/after figures: "
                 "docs/benchmark-notes.md.\n")
    with open(a.doc, "w") as f:
        f.write("\n".join(parts))
    print("written to", a.doc)


if __name__ == "__main__":
    sys.exit(main())
