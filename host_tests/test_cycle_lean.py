"""The lean report cycle end to end: a wake from the node's own deep sleep takes the note's
wake sequence (5.5) and nothing more, writes its state once, and falls back to the full
setup when the module lost its context. Unix port (tools/board/supervisor.py) and the QEMU
Cortex-M3 board (tools/bench/cycle.py's measured wake)."""
import json
import os

import pytest

from tools.board import mcu

# what a wake must not re-read when nothing changed
REINIT = ("AT+CGSN", "AT+CEREG?", "AT+QLWCONFIG?", "AT+QLWADDOBJ?", "AT+QLWCFG?", "AT+QLWREG",
          "ATE0", "AT+CMEE")  # the wake's reboot leaves echo/CMEE alone (note 5.5)


def _wakes(sup, n):
    # run n cycles -> the commands of each
    out = []
    for _ in range(n):
        c0 = len(sup.sim.commands)
        sup.run(1)
        out.append(sup.sim.commands[c0:])
    return out


def _names(cmds):
    return [c.split("=")[0] for c in cmds]


def _note_sequence(cmds):
    # the note's wake (5.5) then the report: QLWSTATUS? before QLWRECOVER, both before the
    # notifications, AT+QSCLK=1 last, the last uplink with RAI
    n = _names(cmds)
    i = n.index("AT+QLWSTATUS?")
    assert n.index("AT+QLWRECOVER") > i
    assert n.index("AT+QLWNOTIFY") > n.index("AT+QLWRECOVER")
    assert cmds[-1] == "AT+QSCLK=1" and cmds[-2].endswith(",0,0,1")
    assert not [c for c in n if c in REINIT], cmds


# module time at a tenth of real: a process start (about 1 s) is 10 module-s, far inside
# the 300 s lifetime (at 0.01 two starts let the registration lapse: recovery fails)
FAST = {"time_scale": 0.1}


def test_wake_sends_only_the_notes_wake_sequence(duty):
    sup = duty(FAST)
    first, *wakes = _wakes(sup, 3)
    assert "AT+CGSN=1" in first and "AT+QLWREG" in first  # power-on: the full setup
    for cmds in wakes:
        _note_sequence(cmds)
        # every command of the wake, the probes (plain AT until the module answers: the
        # simulator loses the first one, as the facts say the module may) included
        assert len(cmds) <= 8, cmds
    st = json.load(open(os.path.join(sup.workdir, "state", "state.json")))
    assert st["counters"]["delivered"] == 3 and st["duty"]["n"] == 3


def test_config_change_or_lost_context_takes_the_full_setup(duty):
    sup = duty(FAST)
    _wakes(sup, 2)
    sup.sim.reboot()  # the module lost its LwM2M context while the MCU slept
    (cmds,) = _wakes(sup, 1)
    assert "AT+QLWREG" in cmds and "AT+QLWADDOBJ?" in cmds  # registered again, objects
    (cmds,) = _wakes(sup, 1)
    _note_sequence(cmds)  # and lean again after that
    sup.config["lifetime"] = 600  # another config: the module is configured again
    (cmds,) = _wakes(sup, 1)
    assert "AT+QLWCONFIG?" in cmds or "AT+QLWCONFIG" in _names(cmds)


@pytest.mark.skipif(mcu.tools_missing() is not None, reason=str(mcu.tools_missing()))
def test_wake_on_the_cortex_m3_board():
    """The real firmware in duty mode on the QEMU board, a wake from the module's deep
    sleep measured as make bench measures it: the note's sequence, 8 commands and probes,
    the reading delivered, the state and the reading the only files written."""
    from tools.bench import cycle as bench_cycle
    b = bench_cycle.Bench()
    try:
        (w,) = b.node_cycles(1)
        _note_sequence(w["cmds"])
        assert len(w["cmds"]) <= 8, w["cmds"]
        acked = [n for n in b.sim.notifications if n.path == "19/0/0" and n.acked]
        assert len(acked) == 2  # the power-on cycle's reading and this wake's
        # files written: the reading (the queue's put), then the state, once; the pop
        # renames the record to the queue's mark and removes the old mark
        assert w["fig"][6] == 2 and w["paths"][0].startswith("/state/q/"), w["paths"]
        assert w["paths"][-1] == "/state/state.json" and w["fig"][7] == 2, w["paths"]
    finally:
        b.close()
