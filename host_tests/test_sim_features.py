"""What the note has that the simulator lacked (issue 13): errors 7 and 34, the built-in
objects and the server's writes of the Server object, the back-off cases of 3.3, the
server-initiated bootstrap and the two-line AT+QLWCONFIG? answer. Each test quotes the
note's section it follows."""
import pytest

from sim_fixtures import CFG, attached_client, register

PSK = "3083693CF1E6766A2408BFD88278249A2DB498B40A6BF6049300FD47DE325CFC"
BS_CFG = ('AT+QLWCONFIG=1,"bootp.iot.t-mobile.com",5584,"urn:imei:867997030052996",900,0,'
          '"urn:imei:867997030052996","%s"' % PSK)
BS_URCS = ['+QLWURC: "lifetime_changed",30', '+QLWURC: "min_period_changed",1',
           '+QLWURC: "max_period_changed",3600', '+QLWURC: "binding_changed","UQ"',
           '+QLWURC: "bs_finished"']


def lines_until(c, prefix, timeout=5.0):
    out = []
    while True:
        line = c.read_line(timeout)
        assert line is not None, "no %s; saw %r" % (prefix, out)
        out.append(line)
        if line.startswith(prefix):
            return out


# ---- chapter 6: errors 7 and 34 -----------------------------------------------------------
def test_disable_refuses_registration_with_error_7_until_the_timeout(sim_factory):
    """4.3.15: "this LwM2M server object is disabled for a certain period of time defined in
    <timeout> ... After this period, the LwM2M client MUST perform registration"; chapter 6:
    "7 Disable error"."""
    sim, c = attached_client(sim_factory)
    register(c)
    sim.server.disable(timeout_s=30)                       # 0.3 s real
    assert c.wait_line('+QLWURC: "disable"') == '+QLWURC: "disable",30'
    assert c.cmd("AT+QLWSTATUS?") == ["+QLWSTATUS: 4", "OK"]
    assert c.cmd("AT+QLWREG") == ["+CME ERROR: 7"]
    assert c.wait_line("+QLWREG", 3) == "+QLWREG: 0"        # by itself, after the period
    assert sim.status == 2


def test_create_error_34(sim_factory):
    """Chapter 6: "34 Create lwm2m error" (the module could not create its client)."""
    sim, c = attached_client(sim_factory)
    assert c.cmd(CFG % 900) == ["OK"]
    sim.faults.create_error()
    assert c.cmd("AT+QLWREG") == ["+CME ERROR: 34"]
    assert sim.status == 0
    register_again = c.cmd("AT+QLWREG")
    assert register_again == ["OK"] and c.wait_line("+QLWREG") == "+QLWREG: 0"


# ---- 3.2.1 built-in objects -----------------------------------------------------------------
def test_builtin_objects_are_answered_by_the_module(sim_factory):
    """3.2.1: "There are some built-in objects which are supported by BC66/BC66-NA LwM2M
    Client by default": the server reads them without any AT traffic."""
    sim, c = attached_client(sim_factory)
    register(c, lifetime=900)
    n = len(sim.commands)
    r = sim.server.read("3/0/0", timeout=1)
    assert (r.result, r.value, r.auto) == (1, "Quectel", True)
    assert sim.server.read("3/0/2").value == "867997030052996"
    assert sim.server.read("1/0/1").value == 900
    assert {v[2] for v in sim.server.read("3/0").values} >= {0, 1, 2, 3}
    assert sim.server.read("3/1/0").result == 13
    assert sim.server.read("3/0/99").result == 13
    assert sim.server.observe("1/0/7").value == "UQ"
    assert sim.commands[n:] == [] and c.read_line(0.1) is None   # nothing reached the MCU


def test_server_writes_of_the_server_object(sim_factory):
    """4.3.11-4.3.14: "lifetime_changed", "binding_changed", "min_period_changed",
    "max_period_changed" notify the TE of the server's changes to the Server object
    (1/0/1 lifetime, 1/0/7 binding, 1/0/2 and 1/0/3 the periods)."""
    sim, c = attached_client(sim_factory)
    register(c, lifetime=900)
    assert sim.server.write("1/0/1", 3, 40).result == 2
    assert c.wait_line("+QLWURC") == '+QLWURC: "lifetime_changed",40'
    assert sim.modem.lifetime == 40
    # the update interval follows at once: 40 s -> 22.5 s (0.225 s real)
    assert c.wait_line('+QLWURC: "ping"', 1.0) == '+QLWURC: "ping",0'
    assert sim.server.write("1/0/7", 1, "U").result == 2
    assert c.wait_line("+QLWURC") == '+QLWURC: "binding_changed","U"'
    assert sim.server.write("1/0/2", 3, 5).result == 2
    assert c.wait_line('+QLWURC: "min') == '+QLWURC: "min_period_changed",5'
    assert sim.server.write("1/0/3", 3, 600).result == 2
    assert c.wait_line('+QLWURC: "max') == '+QLWURC: "max_period_changed",600'
    assert sim.server.read("1/0/3").value == 600
    assert sim.server.write("1/0/1", 3, 5).result == 11          # out of 20-31536000
    assert sim.server.write("1/0/7", 1, "S").result == 11        # "Only support U or UQ"
    assert sim.server.write("3/0/0", 1, "x").result == 14        # read-only


# ---- 3.3 back-off ---------------------------------------------------------------------------
def bs_client(sim_factory):
    sim, c = attached_client(sim_factory)
    assert c.cmd(BS_CFG) == ["OK"]
    return sim, c


def test_backoff_case_1_bootstrap_retried_then_qlwreg_1(sim_factory):
    """3.3 case 1: "when timeout or other error occurs, it will retry to register Bootstrap
    server again. If it still fails, the URC +QLWREG: 1 will be reported." """
    sim, c = bs_client(sim_factory)
    sim.faults.fail_attempts(2, "bootstrap")
    assert c.cmd("AT+QLWREG") == ["OK"]
    assert c.wait_line("+QLWREG", 5) == "+QLWREG: 1"
    assert sim.reg_attempts == [("bootstrap", False)] * 2 and sim.status == 0
    sim.faults.fail_attempts(1, "bootstrap")                  # one retry is enough
    assert c.cmd("AT+QLWREG") == ["OK"]
    assert lines_until(c, "+QLWREG") == BS_URCS + ["+QLWREG: 0"]
    assert sim.reg_attempts[2:] == [("bootstrap", False), ("bootstrap", True), ("lwm2m", True)]


@pytest.mark.parametrize("bs_again", [True, False])
def test_backoff_case_2_server_retried_then_bootstrap(sim_factory, bs_again):
    """3.3 case 2: "the module will retry to register LwM2M Server again. If it still fails
    ... the module will try to register bootstrap server. The URC +QLWREG: 1 will be reported
    when it fails in bootstrap server registration." """
    sim, c = bs_client(sim_factory)
    sim.faults.fail_attempts(2, "lwm2m")
    if not bs_again:
        sim.faults.fail_attempts(2, "bootstrap")      # queued after the LwM2M failures
    assert c.cmd("AT+QLWREG") == ["OK"]
    got = lines_until(c, "+QLWREG", 10)
    want = [("bootstrap", True), ("lwm2m", False), ("lwm2m", False)]
    if bs_again:
        assert got == BS_URCS + BS_URCS + ["+QLWREG: 0"]
        assert sim.reg_attempts == want + [("bootstrap", True), ("lwm2m", True)]
    else:
        assert got == BS_URCS + ["+QLWREG: 1"]
        assert sim.reg_attempts == want + [("bootstrap", False)] * 2


def test_backoff_case_3_update_fails_then_server_then_bootstrap(sim_factory):
    """3.3 case 3: "If the module fails in update, it will re-register LwM2M Server. When
    timeout or error occurs, the module will retry ... If it still fails ... the module will
    try to register bootstrap server"."""
    sim, c = bs_client(sim_factory)
    assert c.cmd("AT+QLWREG") == ["OK"]
    lines_until(c, "+QLWREG")
    sim.faults.fail_update(1)
    sim.faults.fail_attempts(2, "lwm2m")
    sim.server.update_trigger()
    assert c.wait_line('+QLWURC: "ping"') == '+QLWURC: "ping",4'
    assert lines_until(c, "+QLWREG", 10) == BS_URCS + ["+QLWREG: 0"]
    assert sim.reg_attempts[2:] == [("lwm2m", False), ("lwm2m", False), ("bootstrap", True),
                                    ("lwm2m", True)]


def test_backoff_case_4_recovery_fails_then_module_registers(sim_factory):
    """3.3 case 4: "When the module wakes up from deep sleep mode, the recovery process will
    be automatically triggered internally. If recovery fails, the module will re-register
    LwM2M Server, and when timeout or errors, the module will retry"."""
    sim, c = attached_client(sim_factory, lose_first_after_wake=False)
    register(c, lifetime=900)
    sim.sleep_now()
    with sim.lock:                      # the lifetime ran out while it slept
        sim.modem._last_update -= 1000 * sim.time_scale
    sim.faults.fail_attempts(1, "lwm2m")
    sim.wake()
    assert c.wait_line('+QLWURC: "recovered"') == '+QLWURC: "recovered",3'
    assert c.wait_line("+QLWREG", 5) == "+QLWREG: 0"
    assert sim.reg_attempts[-2:] == [("lwm2m", False), ("lwm2m", True)]


# ---- 3.1.1 server-initiated bootstrap, 4.2.1 two-line AT+QLWCONFIG? ------------------------
def test_server_initiated_bootstrap(sim_factory):
    """3.1.1: "BC66/BC66-NA supports three bootstrap modes: Factory Bootstrap, Client
    Initiated Bootstrap and Server Initiated Bootstrap"; 4.2.1: two lines "when bootstrap
    connection mode is configured and the LwM2M server is also connected"."""
    sim, c = bs_client(sim_factory)
    sim.server.bootstrap("lwm2m.example.net", 5684, lifetime=30)
    assert lines_until(c, "+QLWREG") == BS_URCS + ["+QLWREG: 0"]
    assert sim.status == 2 and sim.reg_attempts == [("lwm2m", True)]
    cfg = c.cmd("AT+QLWCONFIG?")
    assert cfg[0].startswith('+QLWCONFIG:1,"bootp.iot.t-mobile.com",5584,')
    assert cfg[1].startswith('+QLWCONFIG:0,"lwm2m.example.net",5684,') and ",30,0," in cfg[1]
    assert len(cfg) == 3


def test_two_line_config_after_bs_enabled_changed(sim_factory):
    """4.2.1: "When the setting of <BS_enabled> has been changed ... +QLWCONFIG: ...
    +QLWCONFIG: ... OK" (the new configuration, then the one it replaced, until the next
    registration)."""
    sim, c = attached_client(sim_factory)
    assert c.cmd(CFG % 900) == ["OK"]
    assert len(c.cmd("AT+QLWCONFIG?")) == 2
    assert c.cmd(BS_CFG) == ["OK"]
    cfg = c.cmd("AT+QLWCONFIG?")
    assert cfg[0].startswith("+QLWCONFIG:1,") and cfg[1].startswith("+QLWCONFIG:0,")
    assert len(cfg) == 3
    assert c.cmd("AT+QLWREG") == ["OK"]
    lines_until(c, "+QLWREG")
    cfg = c.cmd("AT+QLWCONFIG?")   # registered through the bootstrap: its server now
    assert cfg[1].startswith('+QLWCONFIG:0,"lwm2m.example.net"')
