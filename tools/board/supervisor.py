"""The unix port's stand-in for MCU deep sleep: run the firmware cycle after cycle.

In duty-cycle mode the firmware ends each cycle by printing ``SLEEP <ms>`` and exiting
with code 75 (``lwm2m.power.EXIT_SLEEP``), its state saved on "flash" (the state dir).
``Supervisor.cycle()`` starts it, waits for that exit, and lets the simulated time pass
(scaled like the simulator's module time) before the next start, as an RTC alarm would.

    python -m tools.board.supervisor --cycles 20     # a node on the simulator, 20 cycles
"""
import argparse
import os
import re
import sys
import time

from tools.board.nodeproc import Firmware, default_config

EXIT_SLEEP = 75


class Supervisor:
    """Start the firmware for one duty cycle at a time against ``sim``."""

    def __init__(self, sim, workdir, config=None, heap="512K", time_scale=None, echo=None):
        self.sim = sim
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.config = config or duty_config(os.path.join(workdir, "state"))
        self.heap = heap
        self.time_scale = sim.time_scale if time_scale is None else time_scale
        self.pins = os.path.join(workdir, "pins")
        sim.watch_pins(self.pins)
        self.echo = echo
        self.sleep_cap_s = 0.5  # most real time one simulated MCU sleep may take
        self.cycles = []  # (exit code, sleep ms, seconds awake, log lines)

    def cycle(self, timeout=60.0):
        """One MCU wake: run the firmware until it sleeps -> (exit code, sleep ms)."""
        # after our SLEEP the restart is a wake from deep sleep; else a power-on
        slept = bool(self.cycles) and self.cycles[-1][0] == EXIT_SLEEP
        fw = Firmware(self.sim.device, self.workdir, config=self.config, heap=self.heap,
                      pins=self.pins, echo=self.echo, env={"BC66_WOKE": "1" if slept else "0"})
        t0 = time.time()
        fw.start()
        try:
            code = fw.wait(timeout)
        except Exception:
            fw.kill()
            raise TimeoutError("cycle %d did not end; last lines:\n%s"
                               % (len(self.cycles), "\n".join(fw.lines[-20:])))
        awake = time.time() - t0
        ms = 0
        for line in reversed(fw.lines):
            m = re.match(r"SLEEP (\d+)", line)
            if m:
                ms = int(m.group(1))
                break
        self.cycles.append((code, ms, awake, list(fw.lines)))
        return code, ms

    def sleep(self, ms):
        """Let ``ms`` of MCU sleep pass: the module, left with AT+QSCLK=1, goes into deep
        sleep at once (fast-forward: its idle timer is long so it never sleeps during a
        cycle, as a real module's active time outlasts the MCU's timeouts), then up to
        ``sleep_cap_s`` of scaled time passes."""
        m = self.sim.modem
        if m.qsclk == 1 and not m.asleep:
            self.sim.sleep_now()
        time.sleep(min(self.sleep_cap_s, ms / 1000 * self.time_scale))

    def run(self, n, between=None):
        """``n`` cycles; ``between(i)`` runs after each one (fault injection)."""
        for i in range(n):
            code, ms = self.cycle()
            if code != EXIT_SLEEP:
                raise RuntimeError("cycle %d exited %s:\n%s" % (i, code, "\n".join(self.cycles[-1][3][-25:])))
            if between:
                between(i)
            self.sleep(ms)
        return self.cycles


def duty_config(state_dir, **over):
    """A duty-cycle config for the simulator: wake, report, sleep 60 s, manual recovery."""
    cfg = default_config(state_dir, report_interval_s=60, lifetime=300, register_timeout_s=5,
                         network_timeout_s=10)
    cfg["duty_cycle"] = {"enabled": True, "sleep_s": 60, "notify_timeout_s": 5}
    cfg["qlwcfg"] = {"recovery_mode": 1}
    cfg["backoff"] = {"base_s": 5, "cap_s": 120}
    cfg.update(over)
    return cfg


def main():
    from tools.bc66sim import Simulator
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cycles", type=int, default=10)
    ap.add_argument("--time-scale", type=float, default=0.01)
    a = ap.parse_args()
    sim = Simulator(time_scale=a.time_scale, attach_s=1, sleep_after_s=600).start()
    work = os.path.join(os.getcwd(), "build", "duty")
    try:
        sup = Supervisor(sim, work, echo=lambda line: print("  node | " + line))
        sup.run(a.cycles)
        print("%d cycles; module slept %.0f module-s in %d sleeps"
              % (a.cycles, sim.slept_s, len(sim.sleeps)))
    finally:
        sim.stop()


if __name__ == "__main__":
    sys.exit(main())
