"""Energy per report cycle and battery life, from the measured cycle and datasheet currents.

    .venv/bin/python -m tools.energy --config my.json --board esp32_devkitc [--plot cycle.png]

reads the node's config (checked by the node's own ``lwm2m.config`` on the MicroPython
unix port), plans its sleep with the node's own ``lwm2m.power.plan_sleep_s``, takes the
cycle ``make bench`` measured last (docs/cycle.json: instructions, waits, the module's
seconds by state) and prints the energy of one cycle (µAh), the average current and the
battery life; ``--plot`` draws the current over one cycle by state, module and MCU
stacked (matplotlib, PNG).

The model (docs/power.md "Energy model"): one cycle is a list of segments, each a
duration with a module current and an MCU current:
- MCU before the wake (boot, imports, restore): the measured instructions at the board's
  clock (one Cortex-M3 instruction counted as one cycle of the board's core: a stand-in
  for the Xtensa/RISC-V/Cortex-M4 code the port really runs), MCU running, module in deep
  sleep;
- the exchange (PSM_EINT .. AT+QSCLK=1 and the flash writes after it): the MCU runs for its
  AT-traffic and flash instructions and waits the rest (the measured waits: at the run
  current, but the PSM_EINT hold, in light sleep on a board that has it); the module is
  awake, connected for its measured connected seconds;
- the module after the MCU sleeps: idle before release, awake until T3324 runs out (the
  measured rest of its awake time); the MCU in deep sleep;
- the rest of the period: both in deep sleep, plus the board's quiescent draw where its
  description knows it.
Energy in µAh = sum of mA x s / 3.6. Battery life = capacity / average current.
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CYCLE_JSON = os.path.join(ROOT, "docs", "cycle.json")

# The BC66's current per state (mA) and where each figure comes from (docs/power.md
# "Currents": searched 2026-12-07; the BC66 Hardware Design copy reached says "TBD").
MODULE = {
    "deep_sleep": (0.004, "stand-in: Quectel BC65 Hardware Design, 3.5.2 Deep Sleep Mode, "
                          "'typically 4 uA' (the BC66 Hardware Design copy reached: 'TBD')"),
    "light_sleep": (0.5, "assumed (BC950N-N1 Hardware Design 3.4.2: 'uA level', no figure)"),
    "awake": (6.0, "assumed: firmware running, radio idle"),
    "connected": (60.0, "assumed: RRC connected, Tx/Rx mix"),
    "idle_release": (8.0, "assumed: RRC connected, no data"),
}

# Each MCU: run current (mA at the clock MicroPython runs it at), light sleep, deep sleep
# with the RTC (mA); docs/power.md cites the datasheet table of each figure and says which
# were not re-checked against a copy.
MCUS = {
    "ESP32": {"mhz": 160, "run": 44.0, "light": 0.8, "deep": 0.010,
              "source": "ESP32 Series Datasheet v3.5 Table 6: Modem-sleep 160 MHz dual-core "
                        "27-44 mA (upper figure); Light-sleep 0.8 mA, Deep-sleep RTC timer + "
                        "RTC memory 10 uA (same table, earlier version)"},
    "ESP32-C3": {"mhz": 160, "run": 28.0, "light": 0.130, "deep": 0.005,
                 "source": "ESP32-C3 Series Datasheet (not re-checked): Modem-sleep 160 MHz "
                           "28 mA, Light-sleep 130 uA, Deep-sleep RTC timer + RTC memory 5 uA"},
    "STM32L476": {"mhz": 80, "run": 8.0, "light": 0.0014, "deep": 0.00042,
                  "source": "DS10198 features (not re-checked): Run 100 uA/MHz (LDO), "
                            "Stop 2 with RTC 1.4 uA, Standby with RTC 420 nA"},
    "STM32F405": {"mhz": 168, "run": 46.0, "light": 0.31, "deep": 0.0031,
                  "source": "DS8626 typical (not re-checked): Run from flash 168 MHz "
                            "peripherals off 46 mA, Stop (low-power regulator) 0.31 mA, "
                            "Standby with RTC 3.1 uA"},
}

# Each board: its MCU, whether the port can light-sleep while it waits for the module,
# and its own quiescent draw (mA) if its description states one (None: not known).
# (lightsleep: the board's HAS_LIGHTSLEEP, machine.lightsleep on esp32 and stm32: the node
# sleeps through the PSM_EINT hold, lwm2m.power.wake)
BOARDS = {
    "esp32_devkitc": {"mcu": "ESP32", "lightsleep": True, "quiescent": None},
    "esp32_wrover": {"mcu": "ESP32", "lightsleep": True, "quiescent": None},
    "esp32_c3": {"mcu": "ESP32-C3", "lightsleep": True, "quiescent": None},
    "nucleo_l476rg": {"mcu": "STM32L476", "lightsleep": True, "quiescent": None},
    "pyboard_v11": {"mcu": "STM32F405", "lightsleep": True, "quiescent": None},
}

BATTERY_V = 3.6           # nominal cell voltage: Wh -> mAh
GPP_WH = 5.0              # 3GPP TR 45.820: a 5 Wh battery
GPP_PERIOD_S = 86400      # one 200-byte report a day
GPP_TARGET_Y = 10.0


def segments(cycle, board, spin=True):
    """One cycle as [(label, seconds, module mA, MCU mA)] on ``board``. ``cycle`` is a
    summary of tools.bench.cycle (instructions in millions, seconds); ``spin`` True: the
    MCU runs while it waits, except the cycle's ``light_s`` (the PSM_EINT hold) on a board
    with light sleep; False: it light-sleeps through every wait."""
    b = BOARDS[board]
    mcu = MCUS[b["mcu"]]
    hz = mcu["mhz"] * 1e6
    deep_m = MODULE["deep_sleep"][0]
    pre = (cycle.get("imports", 0) + cycle.get("restore", 0)) * 1e6 / hz
    work = (cycle["work"] - cycle.get("imports", 0) - cycle.get("restore", 0)) * 1e6 / hz
    wait = cycle["wait_s"]
    light = min(wait, cycle.get("light_s", 0.0)) if b["lightsleep"] else 0.0
    if not spin:
        light = wait
    ex = work + wait
    ex_ma = (work * mcu["run"] + (wait - light) * mcu["run"] + light * mcu["light"]) / ex \
        if ex else 0.0
    # the module's states in their order: awake before the radio, connected, the idle
    # tail until the release; its awake time after the MCU's part goes last (T3324)
    awake_before = max(0.0, min(cycle["module_awake"], ex - cycle["module_connected"]))
    mod = [("awake", awake_before), ("connected", cycle["module_connected"]),
           ("idle_release", cycle["module_idle_release"]),
           ("light_sleep", cycle["module_light"]),
           ("awake", cycle["module_awake"] - awake_before)]
    out = []
    if pre > 0:
        out.append(("MCU restore", pre, deep_m, mcu["run"]))
    t_mcu = ex  # MCU part of the module's window, then the MCU sleeps
    for state, dur in mod:
        while dur > 1e-12:
            if t_mcu > 1e-12:
                d = min(dur, t_mcu)
                out.append((state + ", MCU awake", d, MODULE[state][0], ex_ma))
                t_mcu -= d
            else:
                d = dur
                out.append((state + ", MCU asleep", d, MODULE[state][0], mcu["deep"]))
            dur -= d
    if t_mcu > 1e-12:  # the MCU outlasts the module's window
        out.append(("MCU awake, module asleep", t_mcu, deep_m, ex_ma))
    return out


def cycle_uah(cycle, board, spin=True):
    """Energy of one cycle's active part (from the MCU's start to both asleep), µAh."""
    return sum(d * (m + c) for _, d, m, c in segments(cycle, board, spin)) / 3.6


def sleep_ma(board):
    """Current while both sleep (mA): module deep sleep + MCU deep sleep + board."""
    b = BOARDS[board]
    return MODULE["deep_sleep"][0] + MCUS[b["mcu"]]["deep"] + (b["quiescent"] or 0.0)


def average_ma(cycle, board, period_s, spin=True):
    """Average current over one period of ``period_s`` seconds with one cycle in it."""
    active = sum(d for _, d, _, _ in segments(cycle, board, spin))
    rest = max(0.0, period_s - active)
    return (cycle_uah(cycle, board, spin) * 3.6 + rest * sleep_ma(board)) / period_s


def life_years(avg_ma, wh=GPP_WH, volts=BATTERY_V):
    """Battery life in years at ``avg_ma`` from a ``wh`` battery at ``volts``."""
    mah = wh / volts * 1000
    return mah / avg_ma / 24 / 365.25


def _mp(script):
    # run ``script`` on the MicroPython unix port with lib/ importable -> its stdout
    from tools.board.nodeproc import micropython
    env = dict(os.environ, MICROPYPATH=".frozen:" + os.path.join(ROOT, "lib"))
    r = subprocess.run([micropython(), "-c", script], capture_output=True, text=True,
                       env=env, timeout=60)
    if r.returncode:
        raise SystemExit((r.stdout + r.stderr).strip().splitlines()[-1])
    return r.stdout


def period_s(cfg_path, active_s=0.0):
    """Seconds from one wake to the next for the config at ``cfg_path``: the node's own
    ``plan_sleep_s`` (recovery_mode 1 caps it below the lifetime) plus the active part.
    Raises SystemExit naming the field if the node refuses the config."""
    out = _mp("from lwm2m import config, power\n"
              "try:\n    c = config.load(%r)\nexcept config.ConfigError as e:\n"
              "    raise SystemExit('config: %%s' %% e)\n"
              "print(power.plan_sleep_s(c.lifetime, %r, c.duty_cycle_sleep_s, "
              "recovery_mode=c.qlwcfg_recovery_mode))\n" % (os.path.abspath(cfg_path), active_s))
    return float(out.split()[-1]) + active_s


def load_cycle(path=CYCLE_JSON):
    """The cycle figures ``make bench`` wrote (tools.bench.cycle.write_figures)."""
    with open(path) as f:
        return json.load(f)


def plot(cycle, board, path, spin=True, title=None):
    """PNG of the current over one cycle's active part, module and MCU stacked."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    segs = segments(cycle, board, spin)
    xs, mod, mcu = [0.0], [], []
    for _, d, m, c in segs:
        xs.append(xs[-1] + d)
        mod.append(m)
        mcu.append(c)
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.stairs(mod, xs, fill=True, label="BC66", color="#4c72b0")
    ax.stairs([a + b for a, b in zip(mod, mcu)], xs, baseline=mod, fill=True,
              label="MCU (%s)" % BOARDS[board]["mcu"], color="#dd8452")
    top = max(a + b for a, b in zip(mod, mcu))
    for (label, d, m, c), x in zip(segs, xs):
        if d / xs[-1] > 0.06:
            ax.text(x + d / 2, top * 1.02, label.split(",")[0], ha="center", fontsize=7,
                    rotation=0)
    ax.set_xlabel("seconds from the MCU's start")
    ax.set_ylabel("current (mA)")
    ax.set_ylim(0, top * 1.15)
    ax.set_title(title or "one report cycle on %s: %.1f µAh" % (board, cycle_uah(cycle, board,
                                                                                 spin)))
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def report(cycle, board, period, wh=GPP_WH, spin=True):
    """-> dict: µAh per cycle, average mA, years on a ``wh`` battery."""
    avg = average_ma(cycle, board, period, spin)
    return {"uah": cycle_uah(cycle, board, spin), "avg_ma": avg,
            "years": life_years(avg, wh), "period_s": period}


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True, help="the node's JSON config")
    ap.add_argument("--board", required=True, choices=sorted(BOARDS))
    ap.add_argument("--cycle", default=CYCLE_JSON, help="cycle figures (make bench writes "
                    "docs/cycle.json)")
    ap.add_argument("--battery-wh", type=float, default=GPP_WH)
    ap.add_argument("--plot", help="write a PNG of the current over one cycle here")
    a = ap.parse_args(argv)
    try:
        figs = load_cycle(a.cycle)
    except (OSError, ValueError) as e:
        raise SystemExit("energy: cannot read the cycle figures %s: %s (run make bench)"
                         % (a.cycle, e))
    cycle = figs["node"]
    spin = figs.get("spin", True)
    active = sum(d for _, d, _, _ in segments(cycle, a.board, spin))
    period = period_s(a.config, active)
    r = report(cycle, a.board, period, a.battery_wh, spin)
    mcu = BOARDS[a.board]["mcu"]
    print("board %s (%s at %d MHz), config %s" % (a.board, mcu, MCUS[mcu]["mhz"], a.config))
    print("one wake every %.0f s; active %.2f s of it" % (period, active))
    print("energy per cycle: %.1f µAh (module %.1f, MCU %.1f)"
          % (r["uah"], sum(d * m for _, d, m, _ in segments(cycle, a.board, spin)) / 3.6,
             sum(d * c for _, d, _, c in segments(cycle, a.board, spin)) / 3.6))
    print("sleeping: %.4f mA; average %.4f mA" % (sleep_ma(a.board), r["avg_ma"]))
    print("battery life on %.1f Wh: %.1f years" % (a.battery_wh, r["years"]))
    if BOARDS[a.board]["quiescent"] is None:
        print("(the board's own quiescent draw is not in its description: not included)")
    if a.plot:
        print("plot:", plot(cycle, a.board, a.plot, spin))
    return 0


if __name__ == "__main__":
    sys.exit(main())
