"""The report cycle in ``make bench``: one wake of the node on the Cortex-M board, measured.

- where: the QEMU MPS2-AN385 (Cortex-M3) with the project frozen, ``-icount
  shift=0,align=off,sleep=off`` (1 us of ``ticks_us`` = 1,000 executed instructions),
  UART1 on the simulator, PSM_EINT through the board's pin stand-in. Under -icount the
  board's clock runs slower than real time (QEMU executes far fewer than 10^9
  instructions a second), so the simulator runs at the board's scale: ``calibrate`` times
  a 1 s ``sleep_ms`` of the board in real seconds and the module's delays are stretched
  by that factor, so a module-second lasts a second of the board's clock (at time scale
  1.0 the board's own timeouts would last several real seconds while the module answers
  in real time). The simulator's RRC inactivity timer 10 s, its T3324 (idle time before
  deep sleep once AT+QSCLK=1 allows it) 2 s;
- what: the real ``firmware/main.py`` (``app.main``, duty mode, tools/board/supervisor.py's
  duty config) run through the raw REPL after a soft reset, once per cycle, the state
  kept on the board's flash (a RAM disk a soft reset keeps). The first cycle (power-on:
  bring-up, configuration, registration) is not counted; then CYCLES wakes, each from the
  module's deep sleep and, for the node, a start flagged as a wake from its own deep sleep
  (``woke_from_sleep``), with a reading queued, delivered, acknowledged and the battery
  voltage sent last with RAI 1;
- instructions per cycle from the first import to the ``SLEEP`` exit
  (tools/bench/mp/cycle_node.py wraps the node from outside): boot + imports (the frozen
  modules the cycle uses), restore (config, App(), the first reading queued), AT traffic
  (everything from ``power.duty_step`` to the sleep but flash writes and waits), flash
  writes (time inside lwm2m.store's file writes, removes and renames), waits (blocked in
  asyncio's poll: this port spins there, so they are executed instructions too, as many as
  the virtual clock's nanoseconds; a port that sleeps while it waits does not execute
  them: tools.energy takes them as seconds). "CPU work" = the total minus the waits;
- AT commands: the simulator's command log for the cycle (probes included); flash: files
  written (lwm2m.store's atomic write + rename), files removed or renamed (the queue's
  pop), bytes written;
- the module's time by state, from the simulator's transcript, from the wake (PSM_EINT) to
  its deep sleep: connected (RRC up, packets flowing), idle before release (RRC up after
  the last packet until the network releases it: the inactivity timer, or at once with
  RAI), awake not connected (boot, AT traffic, T3324), light sleep;
- the minimal cycle (tools/bench/mp/cycle_min.py) on the same board and module, right after:
  only what the note requires of a wake (PSM_EINT, ``AT`` until ``OK``, AT+QSCLK=0,
  AT+QLWSTATUS? -> 7 -> AT+QLWRECOVER -> "recovered", one CON notify of a reading on
  19/0/0, its report_ack, AT+QSCLK=1), synchronous code on the raw UART; once with RAI 2 on
  the notify (released after the ack) and once without RAI;
- the waits follow the simulator's time scale, calibrated once at the start: when the
  machine's load changes during a run the cycles measured later wait longer or shorter
  (the minimal cycle's waits were 0.38 s to 1.08 s in four runs on 2026-12-07, at load
  averages of 2 to 15; the energy ratio node/minimal 0.94-1.06x, 1.08-1.29x and
  1.22-1.52x by board in three of them): compare runs, not one figure.

    .venv/bin/python -m tools.bench.cycle [--cycles 3] [--elf FIRMWARE.elf] [--json OUT]
"""
import json
import os
import re
import tempfile

from tools.bench import mp_script
from tools.board import mcu, qemu
from tools.bc66sim import Simulator
from tools.board.nodeproc import ROOT

CYCLES = 3
INACTIVITY_S = 10.0   # the network's RRC inactivity timer (simulator)
T3324_S = 2.0         # idle module-seconds before deep sleep (simulator's sleep_after_s)
MCU_HZ = 80_000_000
PHASES = ("imports", "restore", "at", "flash", "wait")


def _script(name, head):
    return head + mp_script(name)


def _first_cycle_mods(board):
    # the modules a cycle imports, read from the board after the unmeasured first cycle
    out = board.run("import sys\nprint(' '.join(sorted(sys.modules)))", soft_reset=False)
    mods = [m for m in out.split() if m not in ("__main__", "sys")]
    # parents first (``__import__("a.b")`` imports ``a`` anyway)
    return sorted(mods, key=lambda m: (m.count("."), m))


def timeline(lines, t_from, t_to, inactivity_s=INACTIVITY_S, short_s=0.0, scale=1.0):
    """The module's seconds by state between two transcript times (real seconds; ``scale``
    real seconds per module-second) -> dict of module-seconds: connected, idle_release,
    awake (not connected, not in light sleep), light, and the releases."""
    out = {"connected": 0.0, "idle_release": 0.0, "awake": 0.0, "light": 0.0,
           "releases": []}
    state = {"up": False, "light": False, "asleep": False}
    last = t_from
    for line in lines:
        t, _, rest = line.partition(" ")
        t = float(t)
        if t < t_from or t > t_to or not rest.startswith("# "):
            continue
        ev = rest[2:]
        if not state["asleep"]:
            key = "light" if state["light"] else "connected" if state["up"] else "awake"
            out[key] += (t - last) / scale
        last = t
        if ev == "radio connected":
            state["up"] = True
        elif ev.startswith("radio released"):
            state["up"] = False
            m = re.match(r"radio released \((.+)\) after ([\d.]+) s", ev)
            if m:
                how, dur = m.group(1), float(m.group(2))
                idle = min(dur, inactivity_s if how == "inactivity" else short_s)
                out["releases"].append(how)
                out["connected"] -= idle
                out["idle_release"] += idle
        elif ev == "light sleep":
            state["light"] = True
        elif ev.startswith("light sleep ended"):
            state["light"] = False
        elif ev == "deep sleep":
            state["asleep"] = True
            state["up"] = False
        elif ev.startswith("wake by"):
            state["asleep"] = False
    if not state["asleep"]:  # the window ends at the deep sleep (its line may come later)
        key = "light" if state["light"] else "connected" if state["up"] else "awake"
        out[key] += (t_to - last) / scale
    return out


class Bench:
    """One QEMU board and one simulator for the node's cycles and the minimal ones."""

    def __init__(self, elf=None, workdir=None):
        from tools.board.supervisor import duty_config
        self.work = workdir or tempfile.mkdtemp(prefix="bench-cycle-")
        os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
        log = os.path.join(ROOT, "build", "bench-cycle-bc66.log")
        if os.path.exists(log):
            os.remove(log)
        self.sim = Simulator(time_scale=1.0, attach_s=1, sleep_after_s=T3324_S, seed=4,
                             rrc_inactivity_s=INACTIVITY_S, transcript=log)
        self.sim.start()
        self.pins = os.path.join(self.work, "pins")
        open(self.pins, "w").close()
        self.sim.watch_pins(self.pins)
        self.board = qemu.Board(elf=elf, uart=self.sim.device, pins=self.pins, icount=True)
        self.cfg = duty_config("/state")
        self.log = []
        self.paths = []
        self.scale = self.calibrate()
        self.sim.time_scale = self.scale  # nothing has run on the module yet

    def calibrate(self, ms=1000):
        """Real seconds per second of the board's virtual clock (-icount: QEMU executes
        instructions slower than one per ns): the simulator runs at this time scale, so a
        module-second lasts as long as a second of the board's clock."""
        import time
        self.board.run("", timeout=20)
        t = time.monotonic()
        self.board.run("import time\ntime.sleep_ms(%d)\n" % ms, timeout=120,
                       soft_reset=False)
        return max(1.0, (time.monotonic() - t) / (ms / 1000))

    def close(self):
        self.board.stop()
        self.sim.stop()

    def _t(self):
        # the transcript's clock now
        import time
        return time.monotonic() - self.sim.transcript.t0

    def _run(self, script, key):
        got = {}

        def line(text):
            text = text.strip()
            if text.startswith(key + " "):
                got[key] = [int(x) for x in text.split()[1:]]
            elif text.startswith("PATHS "):  # the files the node wrote, in order
                self.paths = text.split()[1:]
            else:
                self.log.append(text)
        self.board.run(script, timeout=120 * self.scale, out=qemu.each_line(line))
        if key not in got:
            raise RuntimeError("bench cycle: no %s line; the board's last lines:\n%s"
                               % (key, "\n".join(self.log[-25:])))
        return got[key]

    def _wait_deep_sleep(self):
        self.sim.wait_for(lambda: self.sim.asleep, (INACTIVITY_S + T3324_S + 30) * self.scale)

    def _measure(self, run):
        """Run one cycle (``run()`` -> figures) from the module's deep sleep to its next
        deep sleep -> dict with the figures, the commands and the module's timeline."""
        self._wait_deep_sleep()
        n0 = len(self.sim.commands)
        t0 = self._t()
        fig = run()
        self._wait_deep_sleep()
        t1 = self._t()
        lines = list(self.sim.transcript.lines)
        return {"fig": fig, "cmds": self.sim.commands[n0:], "t": (t0, t1),
                "paths": self.paths,
                "module": timeline(lines, t0, t1, short_s=self.sim.modem.short_s,
                                   scale=self.scale)}

    def node_cycles(self, n):
        """The first (power-on) cycle, then ``n`` measured wakes of the node."""
        b = self.board
        b.run("", timeout=20)  # soft reset: a fresh heap, the flash mounted
        b.put("/config.json", json.dumps(self.cfg).encode())
        with open(os.path.join(ROOT, "firmware", "main.py"), "rb") as f:
            b.put("/main.py", f.read())
        head = "_MODS = ()\n_WOKE = False\n"
        self._run(_script("cycle_node.py", head), "CYCLE")
        mods = _first_cycle_mods(b)
        head = "_MODS = %r\n_WOKE = True\n" % (tuple(mods),)
        script = _script("cycle_node.py", head)
        return [self._measure(lambda: self._run(script, "CYCLE")) for _ in range(n)]

    def min_cycles(self, n, rai):
        """``n`` minimal cycles (tools/bench/mp/cycle_min.py) with RAI ``rai`` on the notify."""
        script = _script("cycle_min.py", "_RAI = %d\n" % rai)
        return [self._measure(lambda: self._run(script, "MIN")) for _ in range(n)]


def summary(cycles, node=True):
    """Mean figures of measured cycles -> dict (instructions in millions, seconds)."""
    k = len(cycles)
    s = {"cycles": k}
    if node:
        for i, p in enumerate(PHASES):
            s[p] = sum(c["fig"][i] for c in cycles) / k / 1000
        s["total"] = sum(c["fig"][5] for c in cycles) / k / 1000
        s["writes"] = sum(c["fig"][6] for c in cycles) / k
        s["removes"] = sum(c["fig"][7] for c in cycles) / k
        s["bytes"] = sum(c["fig"][8] for c in cycles) / k
        hold = sum(c["fig"][9] for c in cycles) / k
    else:  # MIN <work us> <wait us> <total us> <hold us>
        s["work"] = sum(c["fig"][0] for c in cycles) / k / 1000
        s["wait"] = sum(c["fig"][1] for c in cycles) / k / 1000
        s["total"] = sum(c["fig"][2] for c in cycles) / k / 1000
        s["writes"] = s["removes"] = s["bytes"] = 0
        hold = sum(c["fig"][3] for c in cycles) / k
    # the waits a board with light sleep sleeps through (the PSM_EINT hold), seconds
    s["light_s"] = min(hold / 1e6, s["wait"] / 1000)
    if node:
        s["work"] = s["total"] - s["wait"]
    s["wait_s"] = s["wait"] / 1000  # M instructions of the 1 GHz virtual clock -> s
    s["cmds"] = sum(len(c["cmds"]) for c in cycles) / k
    s["cmd_list"] = cycles[-1]["cmds"]
    s["flash_paths"] = cycles[-1].get("paths", [])
    s["cmd_counts"] = {}
    for c in cycles[-1]["cmds"]:
        name = c.split("=")[0].split("?")[0]
        s["cmd_counts"][name] = s["cmd_counts"].get(name, 0) + 1
    for key in ("connected", "idle_release", "awake", "light"):
        s["module_" + key] = sum(c["module"][key] for c in cycles) / k
    s["releases"] = sorted({r for c in cycles for r in c["module"]["releases"]})
    return s


def run(cycles=CYCLES, elf=None):
    """The node's cycles and the minimal cycles (RAI and none) -> {"node", "min",
    "min_norai"} summaries (see ``summary``)."""
    b = Bench(elf)
    try:
        node = summary(b.node_cycles(cycles))
        mini = summary(b.min_cycles(cycles, 2), node=False)
        norai = summary(b.min_cycles(cycles, 0), node=False)
    except Exception:
        print("\n".join(b.log[-40:]))
        raise
    finally:
        b.close()
    return {"node": node, "min": mini, "min_norai": norai, "scale": b.scale}


def rows(r):
    """Table rows (measure, value, note) for docs/benchmarks.md."""
    n, m, z = r["node"], r["min"], r["min_norai"]
    M = "%.2f M"
    out = [
        ("report cycle (Cortex-M, %d wakes): instructions from reset to deep sleep"
         % n["cycles"], "%.2f M (CPU work %.2f M + waits %.2f M)" % (n["total"], n["work"],
                                                                   n["wait"]),
         "aim: CPU work <= 5 M; minimal cycle: %.2f M (work %.2f M + waits %.2f M)"
         % (m["total"], m["work"], m["wait"])),
        ("report cycle: boot + imports / restore / AT traffic / flash writes / waits",
         " / ".join(M % n[p] for p in PHASES), "instructions per phase (method below)"),
        ("report cycle: node CPU work / minimal cycle's", "%.1f x" % (n["work"] / m["work"]),
         "%.1f ms vs %.1f ms at 80 MHz" % (n["work"] * 1e6 / MCU_HZ * 1000,
                                           m["work"] * 1e6 / MCU_HZ * 1000)),
        ("report cycle: MCU waits / of which the PSM_EINT hold", "%.3f / %.3f s"
         % (n["wait_s"], n["light_s"]), "the hold in light sleep on esp32/stm32 boards "
         "(the QEMU board spins); minimal cycle %.3f / %.3f s" % (m["wait_s"], m["light_s"])),
        ("report cycle: AT commands per wake", "%.1f" % n["cmds"],
         "aim <= 8; minimal cycle %.1f" % m["cmds"]),
        ("report cycle: files written / removed or renamed / bytes written per wake",
         "%.1f / %.1f / %.0f B" % (n["writes"], n["removes"], n["bytes"]),
         "aim <= 1 write; minimal cycle 0"),
        ("report cycle: module awake by state (connected / idle before release / "
         "awake not connected / light sleep)",
         "%.2f / %.2f / %.2f / %.2f s" % (n["module_connected"], n["module_idle_release"],
                                          n["module_awake"], n["module_light"]),
         "node, RAI 1 on its last packet; releases: %s" % ", ".join(n["releases"])),
        ("minimal cycle: module awake by state, RAI 2 on the notify",
         "%.2f / %.2f / %.2f / %.2f s" % (m["module_connected"], m["module_idle_release"],
                                          m["module_awake"], m["module_light"]),
         "releases: %s" % ", ".join(m["releases"])),
        ("minimal cycle: module awake by state, no RAI",
         "%.2f / %.2f / %.2f / %.2f s" % (z["module_connected"], z["module_idle_release"],
                                          z["module_awake"], z["module_light"]),
         "releases: %s" % ", ".join(z["releases"])),
    ]
    return out


# Before the lean cycle (issue 18): tools.bench.cycle on main at 63be8c1, 3 wakes
# (docs/benchmark-notes.md); the before/after table shows them beside this run's.
BEFORE = {'work': 28.799, 'wait': 922.336, 'imports': 4.331, 'restore': 6.488, 'at': 11.087, 'flash': 6.892, 'cmds': 19.0, 'writes': 6.0, 'removes': 1.0, 'bytes': 1556.0, 'module_connected': 0.505, 'module_idle_release': 0.02, 'module_awake': 2.519, 'module_light': 0.0, 'wait_s': 0.922, 'total': 951.135}


# The start of the second session on issue 18 (main at 011980c, the health object and the
# settings added since): tools.bench.cycle --cycles 3 on 2026-12-07.
SESSION = {'work': 34.385, 'wait': 781.963, 'imports': 4.311, 'restore': 10.946, 'at': 17.779, 'flash': 1.349, 'cmds': 10.0, 'writes': 2.0, 'removes': 2.0, 'bytes': 605.0, 'module_connected': 0.4, 'module_idle_release': 0.02, 'module_awake': 2.41, 'module_light': 0.0, 'wait_s': 0.782, 'total': 816.349}


def _aims(r):
    # (measure, figure of a summary, aim) for the before/after table
    return [
        ("instructions, CPU work (M)", lambda n: "%.2f" % n["work"], "<= 5"),
        ("instructions, waits (M; virtual clock)", lambda n: "%.0f" % n["wait"], ""),
        ("boot + imports / restore / AT / flash (M)",
         lambda n: "%.2f / %.2f / %.2f / %.2f" % (n["imports"], n["restore"], n["at"],
                                                  n["flash"]), ""),
        ("AT commands per wake", lambda n: "%.1f" % n["cmds"], "<= 8"),
        ("files written / removed or renamed / bytes", lambda n: "%.1f / %.1f / %.0f" % (
            n["writes"], n["removes"], n["bytes"]), "<= 1 write"),
        ("module connected / idle before release / awake (s)", lambda n: "%.2f / %.2f / %.2f"
         % (n["module_connected"], n["module_idle_release"], n["module_awake"]), ""),
    ]


def before_after(r):
    """Markdown: the figures before the lean cycle (BEFORE, 63be8c1) and at the start of
    its second session (SESSION, 011980c) beside this run's."""
    rows = ["| measure | before (63be8c1) | 011980c | now | aim |", "|---|---|---|---|---|"]
    for name, fig, aim in _aims(r):
        rows.append("| %s | %s | %s | %s | %s |" % (name, fig(BEFORE), fig(SESSION),
                                                   fig(r["node"]), aim))
    return "\n".join(rows) + "\n"


def write_figures(r, path=None):
    """The figures tools.energy reads (docs/cycle.json by default)."""
    from tools import energy
    with open(path or energy.CYCLE_JSON, "w") as f:
        json.dump({"node": r["node"], "min": r["min"], "min_norai": r["min_norai"],
                   "scale": r["scale"], "spin": True}, f, indent=1, sort_keys=True)
        f.write("\n")


def _config(tmp, **over):
    # firmware/config.example.json in duty-cycle mode, with ``over`` applied
    with open(os.path.join(ROOT, "firmware", "config.example.json")) as f:
        cfg = json.load(f)
    cfg["duty_cycle"]["enabled"] = True
    for k, v in over.items():
        if isinstance(v, dict):
            cfg[k].update(v)
        else:
            cfg[k] = v
    path = os.path.join(tmp, "%d.json" % len(os.listdir(tmp)))
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def energy_rows(r):
    """Energy per cycle and battery life per board: the default config
    (firmware/config.example.json in duty-cycle mode) and 3GPP TR 45.820's case (one
    report a day, 5 Wh, 10 years; lifetime 26 h so that the registration outlives a day)."""
    from tools import energy
    tmp = tempfile.mkdtemp(prefix="bench-energy-")
    default = _config(tmp)
    gpp = _config(tmp, lifetime=93600, duty_cycle={"sleep_s": energy.GPP_PERIOD_S})
    out = []
    for board, f in sorted(battery(r, default, gpp).items()):
        out.append(("energy: %s (%s)" % (board, energy.BOARDS[board]["mcu"]),
                    "%.1f µAh per cycle (minimal %.1f: %.2f x)" % (f["uah"], f["min_uah"],
                                                                   f["uah"] / f["min_uah"]),
                    "aim <= 1.2 x the minimal cycle's; module %.1f µAh, MCU %.1f µAh"
                    % (f["module_uah"], f["uah"] - f["module_uah"])))
        d, g = f["default"], f["gpp"]
        out.append(("battery life: %s, default config" % board,
                    "%.1f years" % d["years"],
                    "a wake every %.0f s, average %.3f mA (the wakes %.0f %% of it), 5 Wh"
                    % (d["period_s"], d["avg_ma"], 100 * d["wake_share"])))
        out.append(("battery life: %s, 3GPP TR 45.820 case" % board,
                    "%.1f years" % g["years"],
                    "one report a day, average %.4f mA (the sleep floor %.0f %% of it), 5 Wh, "
                    "target 10 years; minimal cycle %.1f years"
                    % (g["avg_ma"], 100 - 100 * g["wake_share"], f["gpp_min"]["years"])))
    return out


def battery(r, default, gpp):
    """Per board: µAh per cycle (node, its module part, minimal cycle) and the battery
    life (tools.energy.report, plus the wakes' share of the average current) for the
    configs at ``default`` and ``gpp``."""
    from tools import energy
    out = {}
    n, m = r["node"], r["min"]
    for board in energy.BOARDS:
        segs = energy.segments(n, board)
        act = sum(d for _, d, _, _ in segs)
        f = {"uah": energy.cycle_uah(n, board), "min_uah": energy.cycle_uah(m, board),
             "module_uah": sum(d * mod for _, d, mod, _ in segs) / 3.6}
        for key, cfg in (("default", default), ("gpp", gpp)):
            rep = energy.report(n, board, energy.period_s(cfg, act))
            rep["wake_share"] = f["uah"] * 3.6 / rep["period_s"] / rep["avg_ma"]
            f[key] = rep
        f["gpp_min"] = energy.report(m, board, f["gpp"]["period_s"])
        out[board] = f
    return out


def battery_table(r):
    """The README's "Battery life" table (markdown) from a run's figures."""
    from tools import energy
    tmp = tempfile.mkdtemp(prefix="bench-energy-")
    default = _config(tmp)
    gpp = _config(tmp, lifetime=93600, duty_cycle={"sleep_s": energy.GPP_PERIOD_S})
    rows = ["| board (MCU) | energy per wake | default config | 3GPP TR 45.820: one report a "
            "day |", "|---|---|---|---|"]
    for board, f in sorted(battery(r, default, gpp).items()):
        d, g = f["default"], f["gpp"]
        rows.append("| %s (%s) | %.1f µAh (module %.1f; minimal cycle %.1f) | %.1f years "
                    "(%.3f mA; a wake every %.0f s) | %.1f years (%.4f mA) |"
                    % (board, energy.BOARDS[board]["mcu"], f["uah"], f["module_uah"],
                       f["min_uah"], d["years"], d["avg_ma"], d["period_s"], g["years"],
                       g["avg_ma"]))
    return "\n".join(rows) + "\n"


def main(argv=None):
    ap = mcu.bench_parser(__doc__)
    ap.add_argument("--cycles", type=int, default=CYCLES)
    ap.add_argument("--json", help="write the figures here too")
    ap.add_argument("--write", action="store_true",
                    help="also write docs/cycle.json (what make bench writes for tools.energy)")
    a = ap.parse_args(argv)
    mcu.require_tools("bench cycle")
    r = run(a.cycles, a.elf)
    for row in rows(r):
        print("| %s | %s | %s |" % row)
    print("node commands (last wake):", " ".join(r["node"]["cmd_list"]))
    print("minimal commands:", " ".join(r["min"]["cmd_list"]))
    for row in energy_rows(r):
        print("| %s | %s | %s |" % row)
    print(before_after(r))
    print(battery_table(r))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(r, f, indent=1)
    if a.write:
        write_figures(r)
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main())
