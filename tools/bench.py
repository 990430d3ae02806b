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
- duty cycle: 10 cycles of the firmware in duty-cycle mode (tools/supervisor.py) against
  the simulator at time_scale 0.1 (module delays a tenth of real); MCU awake = wall time
  of the firmware process from start to its SLEEP exit (MicroPython start-up included).
"""
import os
import platform
import subprocess
import sys
import threading
import time

from tools import build_mpy
from tools.bc66sim import Simulator
from tools.nodeproc import MPY, ROOT, micropython

WARMUP = 100
N = 100  # measured requests per kind
KINDS = ("read one resource", "read an instance (6 parts)", "write", "execute")
BAUD_BYTES_S = 115200 / 10


def mpy_sizes():
    build_mpy.build(MPY)
    out = {}
    for top in ("lib/bc66", "lib/lwm2m", "firmware", "boards"):
        d = os.path.join(MPY, top)
        out[top] = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)
                       if f.endswith(".mpy"))
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
    p = subprocess.Popen([micropython(), "-X", "heapsize=4M", os.path.join(ROOT, "tools", "bench_node.py"),
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

    ops = [lambda: sim.server.read("3303/0/5700", timeout=5),
           lambda: sim.server.read("3303/0/-1", timeout=5),
           lambda: sim.server.write("3303/0/5750", 1, "bench", timeout=5),
           lambda: sim.server.execute("3303/0/5605", timeout=5)]
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
    from tools.supervisor import Supervisor
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


def main():
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
    from tools import bench_mcu  # the Cortex-M (QEMU) and 32-bit figures
    rows += bench_mcu.rows()
    from tools import bench_request_path  # the request path alone on the Cortex-M
    rows += bench_request_path.rows()
    from tools import heap_kept  # the figures of docs/architecture.md "Heap measures kept"
    rows += heap_kept.rows()
    from tools import bench_cycle, mcu  # the report cycle on the Cortex-M, and its energy
    cyc = None if mcu.tools_missing() else bench_cycle.run()
    if cyc:
        rows += bench_cycle.rows(cyc) + bench_cycle.energy_rows(cyc)
        bench_cycle.write_figures(cyc)
    from tools import heap_objects  # settings, health and object 9: what they cost
    rows += heap_objects.rows()
    table = "\n".join("| %s | %s | %s |" % row for row in rows)
    print(table)
    doc = os.path.join(ROOT, "docs", "benchmarks.md")
    with open(doc, "w") as f:
        f.write("# Benchmarks\n\nWritten by `make bench` (tools/bench.py) on %s, %s, Python %s.\n\n"
                % (time.strftime("%Y-%m-%d"), platform.machine(), platform.python_version()))
        f.write("| measure | value | target |\n|---|---|---|\n%s\n\n" % table)
        f.write("## How it was measured\n\n%s\n" % __doc__.split("\n", 2)[2])
        f.write("\nCortex-M rows (tools/bench_mcu.py): %s\n" % bench_mcu.__doc__.split("\n", 2)[2])
        f.write("\nRequest-path rows (tools/bench_request_path.py): %s\n"
                % bench_request_path.__doc__.split("\n", 2)[2])
        if cyc:
            f.write("\n## The report cycle\n\nRows \"report cycle\", \"minimal cycle\" "
                    "(tools/bench_cycle.py): %s\n" % bench_cycle.__doc__.split("\n", 2)[2])
            f.write("Before the lean cycle (issue 18) and now, per wake (mean of %d):\n\n%s\n"
                    % (cyc["node"]["cycles"], bench_cycle.before_after(cyc)))
            f.write("Commands of the last wake: `%s`\n\n" % " ".join(
                c.split("=")[0] for c in cyc["node"]["cmd_list"]))
            from tools import energy
            f.write("Rows \"energy\", \"battery life\" (tools/energy.py, currents and their "
                    "sources in docs/power.md): %s\n" % energy.__doc__.split("\n", 2)[2])
        f.write("\n%d warm-up requests, then %d measured of each kind: read 3303/0/5700, "
                "read 3303/0/-1, write 3303/0/5750, execute 3303/0/5605.\n" % (WARMUP, N))
        f.write("\nMeasured by hand, with how and before/after figures: "
                "docs/benchmark-notes.md.\n")
    print("written to", doc)


if __name__ == "__main__":
    sys.exit(main())
