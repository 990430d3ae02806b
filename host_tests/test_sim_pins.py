"""The unix stand-in for the module's control lines: a file of pulsed pin names, and
VDD_EXT mirrored back in a file beside it; the simulator's power model (--off, PWRKEY,
AT+QPOWD)."""
import pytest


def _pulse(path, word):
    with open(path, "a") as f:
        f.write(word + "\n")


def test_reset_pin_reboots(sim, tmp_path):
    pins = sim.watch_pins(str(tmp_path / "pins"))
    n = sim.reboots
    _pulse(pins.path, "RESET")
    sim.wait_for(lambda: sim.reboots == n + 1, 2)
    assert pins.pulses["RESET"] == 1
    assert any("Leaving the BROM" in line for line in sim.transcript.lines)


def test_psm_eint_wakes_a_sleeping_module(sim, tmp_path):
    pins = sim.watch_pins(str(tmp_path / "pins"))
    sim.sleep_now()
    assert sim.asleep
    _pulse(pins.path, "PSM_EINT")
    sim.wait_for(lambda: not sim.asleep, 2)
    assert pins.pulses["PSM_EINT"] == 1


def test_unknown_words_and_partial_lines_are_ignored(sim, tmp_path):
    pins = sim.watch_pins(str(tmp_path / "pins"))
    n = sim.reboots
    with open(pins.path, "a") as f:
        f.write("BOGUS\nRES")
    pins.poll()
    assert sim.reboots == n
    with open(pins.path, "a") as f:
        f.write("ET\n")
    sim.wait_for(lambda: sim.reboots == n + 1, 2)


def _vdd(pins):
    with open(pins.vdd_path) as f:
        return f.read().strip()


def test_started_off_is_silent_until_pwrkey_then_boots(sim_factory, tmp_path):
    """--off: no banner, AT ignored, VDD_EXT "0"; a PWRKEY pulse powers it on (cold boot:
    banner, RDY, attach) and VDD_EXT reads "1"."""
    from tools.bc66sim.client import ATClient
    sim = sim_factory(off=True)
    pins = sim.watch_pins(str(tmp_path / "pins"))
    assert not sim.powered and _vdd(pins) == "0"
    c = ATClient(sim.device)
    try:
        c.send("AT")
        sim.wait_for(lambda: any("byte(s) ignored" in x for x in sim.transcript.lines), 2)
        assert sim.transcript.count["<"] == 0  # not a byte from an off module
        _pulse(pins.path, "RESET")  # an off module ignores RESET
        sim.wait_for(lambda: any("RESET pin while powered off" in x
                                 for x in sim.transcript.lines), 2)
        _pulse(pins.path, "PWRKEY")
        sim.wait_for(lambda: sim.attached, 5)
        assert sim.power_ons == 1 and pins.pulses["PWRKEY"] == 1
        sim.wait_for(lambda: _vdd(pins) == "1", 2)
        assert c.wait_line(lambda x: x.endswith("Leaving the BROM"))
        c.settle(sim)
        assert c.cmd("AT") == ["OK"]
        # PWRKEY on a module that is on and awake: ignored (no reboot, no power-off)
        n = sim.modem.boots
        _pulse(pins.path, "PWRKEY")
        sim.wait_for(lambda: pins.pulses["PWRKEY"] == 2, 2)
        assert sim.powered and sim.modem.boots == n
    finally:
        c.close()


def test_qpowd_powers_off_and_pwrkey_on_again(sim_factory, tmp_path):
    from host_tests.sim_fixtures import attached_client, register
    sim, c = attached_client(sim_factory)
    pins = sim.watch_pins(str(tmp_path / "pins"))
    try:
        register(c)
        assert sim.status == 2
        assert c.cmd("AT+QPOWD=0") == ["OK"]
        sim.wait_for(lambda: not sim.powered, 2)
        sim.wait_for(lambda: _vdd(pins) == "0", 2)
        assert sim.power_offs == 1 and sim.status == 0 and not sim.attached
        c.send("AT")
        sim.wait_for(lambda: any("byte(s) ignored" in x for x in sim.transcript.lines), 2)
        with pytest.raises(TimeoutError):  # off: no answer at all
            c.cmd("AT+QPOWD=2", timeout=0.3)
        _pulse(pins.path, "PWRKEY")
        sim.wait_for(lambda: sim.attached, 5)
        c.settle(sim)
        assert c.cmd("AT+QPOWD=2") == ["+CME ERROR: 3"]
        assert sim.nvram.data["config"]  # NVRAM kept across the power cut
    finally:
        c.close()


def test_pwrkey_wakes_a_deep_sleeping_module(sim, tmp_path):
    pins = sim.watch_pins(str(tmp_path / "pins"))
    sim.sleep_now()
    _pulse(pins.path, "PWRKEY")
    sim.wait_for(lambda: not sim.asleep, 2)
    assert sim.powered and sim.power_ons == 0
