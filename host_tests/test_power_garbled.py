"""Duty cycles through the simulator with exactly one garbled or lost module line: the cycle
ends (sleeps) well within the supervisor's 60 s limit and no reading is lost."""

import pytest

from tools.supervisor import EXIT_SLEEP

from host_tests.test_node_note_cases import _tmobile_nvram
from host_tests.test_power_duty import acked_seqs, queued_seqs, readings

LIMIT_S = 60  # Supervisor.cycle's: a watchdog's time for one wake


def _cycle(sup):
    code, _ = sup.cycle(timeout=LIMIT_S)
    assert code == EXIT_SLEEP, "\n".join(sup.cycles[-1][3][-20:])
    sup.sleep(sup.cycles[-1][1])
    return sup.cycles[-1]


@pytest.mark.parametrize("pos", [3, 10])  # "+QLNOTIFY: 0" / "+QLWNOTIFY 0": no result line
def test_lost_notify_result_keeps_reading_queued(duty, pos):
    sup = duty()
    sim = sup.sim
    _cycle(sup)
    sim.faults.drop_line_byte(b"+QLWNOTIFY: 0", pos)
    c = _cycle(sup)
    assert any("not acknowledged; kept" in x for x in c[3]), c[3][-20:]
    r = readings(sup)
    assert r[1] in queued_seqs(sup)  # kept on flash for the next cycle, not lost
    _cycle(sup)
    assert queued_seqs(sup) == []
    assert sorted(set(acked_seqs(sim))) == readings(sup)


def test_garbled_notify_result_digit_keeps_reading_queued(duty):
    sup = duty()
    sim = sup.sim
    _cycle(sup)
    sim.faults.drop_line_byte(b"+QLWNOTIFY: 0", 12)  # "+QLWNOTIFY: ": no <err>, no success
    _cycle(sup)
    assert readings(sup)[1] in queued_seqs(sup)
    _cycle(sup)
    assert queued_seqs(sup) == []


def test_unanswered_cfun_fails_within_the_cycle(duty, tmp_path):
    # the module auto-registered with other settings: the cycle needs AT+CFUN=0/1 (note 3.4
    # case 3); the OK of AT+CFUN=1 is lost
    nv = str(tmp_path / "nvram.json")
    _tmobile_nvram(nv)
    sup = duty(sim_opts={"nvram": nv})
    sim = sup.sim
    sim.faults.omit("AT+CFUN=1")
    _cycle(sup)
    assert "AT+CFUN=1" in sim.commands
    for _ in range(3):
        if not queued_seqs(sup):
            break
        _cycle(sup)
    assert queued_seqs(sup) == []
    assert sorted(set(acked_seqs(sim))) == readings(sup)
