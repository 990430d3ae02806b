"""Deep sleep (AT+QSCLK), wake by PSM_EINT or the update timer, context recovery."""
import time

import pytest

from tools.bc66sim.modem import BANNER

from sim_fixtures import CFG, attached_client, register  # noqa: F401


@pytest.fixture
def sleepy(sim_factory):
    def make(**kw):
        kw.setdefault("sleep_after_s", 10)          # 0.1 s real
        return attached_client(sim_factory, **kw)
    return make


def wake_lines(c):
    return [c.wait_line(lambda s: True) for _ in range(len(BANNER) + 1)]


def test_sleep_ignores_uart_and_wake_loses_first_command(sleepy):
    sim, c = sleepy()
    assert sim.wake() is False
    assert c.cmd("AT+QSCLK=1") == ["OK"]
    sim.wait_for(lambda: sim.asleep, 2)
    c.send("AT")
    assert c.drain(0.05) == b""
    time.sleep(0.1)
    assert sim.slept_s >= 10
    assert sim.wake() is True
    assert wake_lines(c) == BANNER + ["+CPIN: READY"]
    c.send("AT")                                   # the first command after a wake is lost
    assert c.drain(0.05) == b""
    assert c.cmd("AT") == ["OK"]
    assert sim.last_sleep_s >= 10 and len(sim.sleeps) == 1
    assert sim.commands[-3:] == ["AT+QSCLK=1", "AT", "AT"]     # asleep: never parsed


@pytest.mark.parametrize("mode", [0, 2])
def test_no_deep_sleep_unless_qsclk_1(sleepy, mode):
    sim, c = sleepy()
    assert c.cmd("AT+QSCLK=%d" % mode) == ["OK"]
    time.sleep(0.3)
    assert not sim.asleep and sim.slept_s == 0


def test_uart_traffic_keeps_it_awake(sleepy):
    sim, c = sleepy(sleep_after_s=30)               # 0.3 s real
    assert c.cmd("AT+QSCLK=1") == ["OK"]
    for _ in range(8):
        time.sleep(0.05)
        assert c.cmd("AT") == ["OK"]
    assert not sim.asleep
    sim.wait_for(lambda: sim.asleep, 1)


def test_recovery_mode_1_needs_qlwrecover(sleepy):
    sim, c = sleepy()
    assert c.cmd('AT+QLWCFG="recovery_mode",1') == ["OK"]
    register(c)
    assert c.cmd("AT+QSCLK=1") == ["OK"]
    sim.wait_for(lambda: sim.asleep, 2)
    sim.wake()
    assert wake_lines(c)[-1] == "+CPIN: READY"
    c.send("AT")
    assert c.cmd("AT+QLWSTATUS?") == ["+QLWSTATUS: 7", "OK"]
    assert c.cmd("AT+QLWNOTIFY=19,0,0,1,1,\"a\",0,1") == ["+CME ERROR: 4"]
    assert c.cmd("AT+QLWRECOVER") == ["OK"]
    assert c.wait_line("+QLWURC") == '+QLWURC: "recovered",0'
    assert sim.status == 2


def test_recovery_mode_0_recovers_by_itself(sleepy):
    sim, c = sleepy()
    register(c)
    assert c.cmd("AT+QSCLK=1") == ["OK"]
    sim.wait_for(lambda: sim.asleep, 2)
    sim.wake()
    assert c.wait_line("+QLWURC") == '+QLWURC: "recovered",0'
    assert sim.status == 2


def test_update_timer_wakes_the_module(sleepy):
    # time_scale 0.05: the test has 1 s real (20 module-s) to answer after the timer's wake
    # before the module sleeps again (0.2 s at the usual 0.01 was lost on a busy machine)
    sim, c = sleepy(sleep_after_s=20, time_scale=0.05)
    assert c.cmd('AT+QLWCFG="recovery_mode",1') == ["OK"]
    register(c, lifetime=50)                        # update every 30 s = 1.5 s real
    assert c.cmd("AT+QSCLK=1") == ["OK"]
    sim.wait_for(lambda: sim.asleep, 10)
    assert c.wait_line("Leaving the BROM", 10)
    assert c.wait_line("+CPIN") == "+CPIN: READY"
    assert sim.status == 7 and 5 < sim.last_sleep_s < 60
    assert c.drain(0.05) == b""                     # no ping before the recovery
    c.send("AT")
    assert c.cmd("AT+QLWRECOVER") == ["OK"]
    assert c.wait_line("+QLWURC") == '+QLWURC: "recovered",0'
    assert c.wait_line("+QLWURC") == '+QLWURC: "ping",0'


def test_recovery_fails_after_the_lifetime(sleepy):
    sim, c = sleepy()
    assert c.cmd('AT+QLWCFG="recovery_mode",1') == ["OK"]
    register(c, lifetime=20)
    sim.sleep_now()
    sim.modem._cancel_update()                      # as if the timer could not fire
    time.sleep(0.25)                                # > 20 module-s
    sim.wake()
    wake_lines(c)
    c.send("AT")
    assert c.cmd("AT+QLWRECOVER") == ["OK"]
    assert c.wait_line("+QLWURC") == '+QLWURC: "recovered",3'
    assert sim.status == 0
