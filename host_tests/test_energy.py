"""The energy model (tools/energy.py): its arithmetic on hand-made cycles, the sleep the
node plans for a config, and the command line with its plot."""
import json

import pytest

from tools import energy

# one hand-made cycle: 8 M instructions before the wake (imports 4 + restore 4), 16 M in
# all, 1 s of waits; the module awake 2 s, connected 0.5 s, idle 0.1 s before release
CYCLE = {"imports": 4.0, "restore": 4.0, "work": 16.0, "wait_s": 1.0, "module_awake": 2.0,
         "module_connected": 0.5, "module_idle_release": 0.1, "module_light": 0.0}


def test_segments_cover_the_mcu_and_the_module_once():
    segs = energy.segments(CYCLE, "nucleo_l476rg")  # 80 MHz
    pre = 8e6 / 80e6
    ex = 8e6 / 80e6 + 1.0  # AT + flash work, then the waits
    assert segs[0][0] == "MCU restore" and segs[0][1] == pytest.approx(pre)
    module = sum(d for label, d, _, _ in segs[1:])
    assert module == pytest.approx(2.0 + 0.5 + 0.1)  # the module's whole window
    awake_mcu = sum(d for label, d, _, _ in segs[1:] if "MCU awake" in label)
    assert awake_mcu == pytest.approx(ex)
    # the order: awake before the radio, connected, idle before release, awake (T3324)
    assert [s[0] for s in segs[1:]] == ["awake, MCU awake", "connected, MCU awake",
                                        "idle_release, MCU asleep", "awake, MCU asleep"]


def test_energy_is_current_times_time():
    segs = energy.segments(CYCLE, "nucleo_l476rg")
    mcu = energy.MCUS["STM32L476"]
    mod = energy.MODULE
    pre, work, wait = 0.1, 0.1, 1.0
    ex_ma = (work * mcu["run"] + wait * mcu["run"]) / (work + wait)
    want = (pre * (mod["deep_sleep"][0] + mcu["run"])
            + 0.6 * (mod["awake"][0] + ex_ma)          # awake before the radio: 1.1 - 0.5
            + 0.5 * (mod["connected"][0] + ex_ma)
            + 0.1 * (mod["idle_release"][0] + mcu["deep"])
            + 1.4 * (mod["awake"][0] + mcu["deep"])) / 3.6
    assert sum(d for _, d, _, _ in segs) == pytest.approx(pre + 2.6)
    assert energy.cycle_uah(CYCLE, "nucleo_l476rg") == pytest.approx(want)
    # light sleep while waiting saves (run - light) mA over the waits
    saved = wait * (mcu["run"] - mcu["light"]) / 3.6
    assert energy.cycle_uah(CYCLE, "nucleo_l476rg", spin=False) == pytest.approx(want - saved)


def test_the_hold_in_light_sleep_on_a_board_that_has_it():
    # the measured PSM_EINT hold (light_s) is light sleep on a board with it, run current
    # on one without (the QEMU board spins: the measured cycle's waits are all spinning)
    mcu = energy.MCUS["STM32L476"]
    held = dict(CYCLE, light_s=0.12)
    saved = 0.12 * (mcu["run"] - mcu["light"]) / 3.6
    base = energy.cycle_uah(CYCLE, "nucleo_l476rg")
    assert energy.cycle_uah(held, "nucleo_l476rg") == pytest.approx(base - saved)
    energy.BOARDS["nucleo_l476rg"]["lightsleep"] = False
    try:
        assert energy.cycle_uah(held, "nucleo_l476rg") == pytest.approx(base)
    finally:
        energy.BOARDS["nucleo_l476rg"]["lightsleep"] = True


def test_average_current_and_battery_life():
    b = "esp32_c3"
    active = sum(d for _, d, _, _ in energy.segments(CYCLE, b))
    avg = energy.average_ma(CYCLE, b, 1000.0)
    want = (energy.cycle_uah(CYCLE, b) * 3.6 + (1000.0 - active) * energy.sleep_ma(b)) / 1000
    assert avg == pytest.approx(want)
    # 5 Wh at 3.6 V is 1388.9 mAh: 0.015844 mA lasts 10 years
    assert energy.life_years(1388.8889 / (10 * 365.25 * 24)) == pytest.approx(10.0, rel=1e-4)
    assert energy.sleep_ma("esp32_devkitc") == pytest.approx(0.004 + 0.010)


def _config(tmp_path, **over):
    cfg = {"server": {"host": "lwm2m.example.net"}, "lifetime": 900,
           "duty_cycle": {"enabled": True, "sleep_s": 900}, "qlwcfg": {"recovery_mode": 1}}
    cfg.update(over)
    p = tmp_path / "my.json"
    p.write_text(json.dumps(cfg))
    return str(p)


def test_period_is_the_nodes_own_plan(tmp_path):
    # recovery_mode 1, lifetime 900: the MCU wakes before the module's own update (820 s)
    assert energy.period_s(_config(tmp_path), 2.0) == pytest.approx(818.0 + 2.0)
    # recovery_mode 0: the report interval
    p = _config(tmp_path, qlwcfg={"recovery_mode": 0}, duty_cycle={"enabled": True,
                                                                   "sleep_s": 86400})
    assert energy.period_s(p, 2.0) == pytest.approx(86402.0)
    bad = _config(tmp_path, lifetime="long")
    with pytest.raises(SystemExit, match="lifetime"):
        energy.period_s(bad)


def test_cli_prints_life_and_writes_a_plot(tmp_path, capsys):
    fig = tmp_path / "cycle.json"
    fig.write_text(json.dumps({"node": CYCLE, "spin": True}))
    png = tmp_path / "cycle.png"
    assert energy.main(["--config", _config(tmp_path), "--board", "esp32_devkitc",
                        "--cycle", str(fig), "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "energy per cycle: %.1f µAh" % energy.cycle_uah(CYCLE, "esp32_devkitc") in out
    assert "battery life on 5.0 Wh:" in out and "one wake every 820 s" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_refuses_a_board_it_does_not_know(tmp_path, capsys):
    with pytest.raises(SystemExit):
        energy.main(["--config", _config(tmp_path), "--board", "arduino_uno"])
    assert "invalid choice" in capsys.readouterr().err
