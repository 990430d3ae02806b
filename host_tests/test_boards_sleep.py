"""A sleep longer than one hardware deep sleep, end to end on the unix port: the firmware
sleeps in parts, and the wakes in between go back to sleep without a word to the module.

The unix board takes its longest single sleep from BC66_MAX_SLEEP_MS (a port's limit, e.g.
stm32's 131072 s, scaled down); tools/board/supervisor.py restarts the firmware after each
``SLEEP <ms>`` with BC66_WOKE=1, the stand-in for a deep-sleep reset.
"""
import os

from tools.bc66sim import Simulator
from tools.board.supervisor import EXIT_SLEEP, Supervisor, duty_config


def test_long_sleep_in_parts_without_waking_the_module(tmp_path, monkeypatch):
    monkeypatch.setenv("BC66_MAX_SLEEP_MS", "25000")
    sim = Simulator(time_scale=0.01, attach_s=1, sleep_after_s=600, seed=5,
                    transcript=str(tmp_path / "bc66.log")).start()
    try:
        work = str(tmp_path / "node")
        sup = Supervisor(sim, work, config=duty_config(os.path.join(work, "state")))
        pins = sup.pins
        sizes = []  # (AT commands the module got, bytes in the pins file) before each cycle
        for _ in range(4):
            sizes.append((len(sim.commands),
                          os.path.getsize(pins) if os.path.exists(pins) else 0))
            code, ms = sup.cycle()
            assert code == EXIT_SLEEP, "\n".join(sup.cycles[-1][3][-20:])
            sup.sleep(ms)
        sizes.append((len(sim.commands), os.path.getsize(pins)))
    finally:
        sim.stop()
    # 60 s asked for (duty_config), at most 25 s per sleep: 25 + 25 + 10, then a cycle
    assert [c[1] for c in sup.cycles] == [25000, 25000, 10000, 25000], \
        [c[1] for c in sup.cycles]
    for i in (1, 2):  # the wakes in between: no AT command, no pin pulse, no reading
        assert sizes[i + 1] == sizes[i], (i, sizes)
        lines = sup.cycles[i][3]
        assert any("ms of sleep left" in x for x in lines), lines
        assert not any("reading #" in x for x in lines), lines
    assert sizes[1][0] > sizes[0][0] and sizes[4][0] > sizes[3][0]  # full cycles talk
    assert any("reading #" in x for x in sup.cycles[3][3])
