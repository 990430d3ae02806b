"""The radio connection and RAI (4.2.12 <rai_flag>, 4.2.2 <rai_enable>), light sleep
(AT+QSCLK=2) and the AT+CPSMS timers. Each test quotes the note (or bc66-facts.md)."""
import time

import pytest

from sim_fixtures import attached_client, register

SCALE = 0.05     # 1 module-second = 50 ms: the inactivity timer (20 s) takes 1 s real


def client(sim_factory, **kw):
    kw.setdefault("time_scale", SCALE)
    kw.setdefault("lose_first_after_wake", False)
    return attached_client(sim_factory, **kw)


def released(sim, n):
    sim.wait_for(lambda: len(sim.radio_releases) >= n, 5)
    return sim.radio_releases[n - 1]


@pytest.mark.parametrize("rai,con,how", [(0, 0, "inactivity"), (1, 0, "RAI 1"),
                                         (2, 1, "RAI 2"), (2, 0, "inactivity")])
def test_rai_flag_releases_the_radio(sim_factory, rai, con, how):
    """4.2.12 <rai_flag>: "1 TE will send only 1 UL packet and no DL packets expected",
    "2 TE will send only 1 UL packet and only 1 DL packet expected" (the CON ack); with 0
    the network's inactivity timer (20 s here) releases the radio."""
    sim, c = client(sim_factory)
    assert c.cmd("AT+QLWADDOBJ=19,0,1,0") == ["OK"]
    assert c.wait_line("+QLWADDOBJ") == "+QLWADDOBJ: 0"
    register(c)
    released(sim, 1)                        # the registration's connection
    assert not sim.radio_connected
    assert c.cmd('AT+QLWNOTIFY=19,0,0,1,1,"a",0,%d,%d' % (con, rai)) == ["OK"]
    got, secs = released(sim, 2)
    assert got == how
    if how == "inactivity":
        assert 19.9 < secs < 40
    else:
        assert secs < 5                     # at once (after the ack for RAI 2)


def test_rai_shortens_the_awake_time_before_deep_sleep(sim_factory):
    """Deep sleep waits for the radio's release: a reading sent with RAI 1 lets the module
    sleep 10 s after the UART goes quiet, without RAI only after the inactivity timer."""
    awake = {}
    for rai in (0, 1):
        sim, c = client(sim_factory, sleep_after_s=10)
        assert c.cmd("AT+QLWADDOBJ=19,0,1,0") == ["OK"]
        assert c.wait_line("+QLWADDOBJ") == "+QLWADDOBJ: 0"
        register(c)
        released(sim, 1)
        assert c.cmd("AT+QSCLK=1") == ["OK"]
        t0 = time.monotonic()
        assert c.cmd('AT+QLWNOTIFY=19,0,0,1,1,"a",0,0,%d' % rai) == ["OK"]
        sim.wait_for(lambda: sim.asleep, 5)
        awake[rai] = (time.monotonic() - t0) / SCALE
        c.close()
    assert 9.5 < awake[1] < 18 and 19.5 < awake[0] < 40, awake
    assert awake[0] - awake[1] > 5


def test_rai_enable_releases_after_automatic_updates(sim_factory):
    """4.2.2: <rai_enable> 1 "Enable automatic update registration with RAI flag 2"
    (takes effect after rebooting)."""
    sim, c = client(sim_factory)
    assert c.cmd('AT+QLWCFG="rai_enable",1') == ["OK"]
    sim.reboot()
    sim.wait_for(lambda: sim.attached)
    c.drain(0.05)
    register(c, lifetime=20)                # an automatic update every 10 s
    n = len(sim.radio_releases)
    assert c.wait_line('+QLWURC: "ping"', 3) == '+QLWURC: "ping",0'
    how, secs = released(sim, n + 1)
    assert how in ("inactivity", "RAI 2")   # the registration's own connection may end first
    if how == "inactivity":
        how, secs = released(sim, n + 2)
    assert how == "RAI 2" and secs < 19     # before the 20 s inactivity timer


def test_light_sleep_qsclk_2_is_woken_by_the_uart(sim_factory):
    """bc66-facts.md: AT+QSCLK "=2 light sleep only, woken by the main UART": no reboot,
    no lost command, no deep sleep."""
    sim, c = client(sim_factory, time_scale=0.01, sleep_after_s=10)
    register(c)
    assert c.cmd("AT+QSCLK=2") == ["OK"]
    sim.wait_for(lambda: sim.light_asleep, 3)
    assert not sim.asleep
    assert c.cmd("AT+QLWSTATUS?") == ["+QLWSTATUS: 2", "OK"]   # nothing lost, no banner
    assert not sim.light_asleep and len(sim.light_sleeps) == 1
    sim.wait_for(lambda: sim.light_asleep, 3)
    assert not sim.sleeps


def test_cpsms_timers(sim_factory):
    """AT+CPSMS timers (3GPP 24.008 bit strings, bc66-facts.md): T3324 "active time" before
    deep sleep, T3412 "periodic TAU" wakes the module; mode 0 leaves light sleep only.
    Once deep sleep is allowed the module sleeps after T3324 (0.2 s real here) of UART
    silence, so the command that allows it is the last one: nothing races that window."""
    sim, c = client(sim_factory, time_scale=0.02)
    assert c.cmd("AT+CPSMS?") == ["+CPSMS: 1", "OK"]
    # T3412 = 30 s x 2 = 60 s ("10000010"), T3324 = 2 s x 5 = 10 s ("00000101")
    assert c.cmd('AT+CPSMS=1,,,"10000010","00000101"') == ["OK"]   # AT+QSCLK=0: no sleep
    assert c.cmd("AT+CPSMS?") == ['+CPSMS: 1,,,"10000010","00000101"', "OK"]
    assert c.cmd('AT+CPSMS=1,,,"1000001","00000101"') == ["+CME ERROR: 3"]
    assert c.cmd("AT+CPSMS=0") == ["OK"]
    assert c.cmd("AT+QSCLK=1") == ["OK"]
    sim.wait_for(lambda: sim.light_asleep or sim.asleep, 10)
    assert sim.light_asleep and not sim.sleeps              # mode 0: light sleep only
    assert c.cmd("AT+CPSMS=1") == ["OK"]                     # the timers set above
    sim.wait_for(lambda: sim.asleep, 10)                     # after the 10 s active time
    assert c.wait_line("Leaving the BROM", 10) == "Leaving the BROM"   # T3412 woke it
    assert c.wait_line("+CPIN: READY") == "+CPIN: READY"
    assert 50 < sim.sleeps[0] < 120
