"""The unix stand-in for the module's control lines: a file of pulsed pin names."""


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
