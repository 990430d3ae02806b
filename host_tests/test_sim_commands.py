"""Bring-up commands, errors, the registration state machine, objects, NVRAM, reboot."""
import time

import pytest

import sim_fixtures
from tools.bc66sim.atparse import update_interval, retransmit_total
from tools.bc66sim.client import ATClient
from tools.bc66sim.modem import BANNER

from sim_fixtures import CFG, attached_client, register  # noqa: F401

sim_client = sim_fixtures.sim_client


def test_bring_up(sim_client):
    c = sim_client
    assert c.cmd("AT") == ["OK"]
    assert c.cmd("at") == ["OK"]
    assert c.cmd("AT+CMEE=1") == ["OK"]
    assert c.cmd("AT+CMEE?") == ["+CMEE: 1", "OK"]
    assert c.cmd("AT+CGSN=1") == ["+CGSN: 867997030052996", "OK"]
    assert c.cmd("AT+CEREG?") == ["+CEREG: 0,1", "OK"]
    assert c.cmd("AT+CGPADDR=1") == ["+CGPADDR: 1,100.88.40.249", "OK"]
    assert c.cmd("AT+CSQ") == ["+CSQ: 24,0", "OK"]
    assert c.cmd("AT+CFUN?") == ["+CFUN: 1", "OK"]
    assert c.cmd("AT+CPIN?") == ["+CPIN: READY", "OK"]
    assert c.cmd("AT+QSCLK=1") == ["OK"]
    assert c.cmd("AT+QSCLK?") == ["+QSCLK: 1", "OK"]
    assert c.cmd("AT+QSCLK=3") == ["+CME ERROR: 3"]
    assert c.cmd("ATI")[-1] == "OK"


def test_attach_takes_attach_time(sim_factory):
    sim = sim_factory(attach_s=50)           # 0.5 s real
    c = ATClient(sim.device)
    c.wait_line("+CPIN: READY")
    assert c.cmd("AT+CEREG?") == ["+CEREG: 0,2", "OK"]     # searching
    assert c.cmd("AT+CSQ") == ["+CSQ: 99,99", "OK"]
    assert c.cmd("AT+CGPADDR=1") == ["OK"]
    assert c.wait_line("+IP:", 2) == "+IP: 100.88.40.249"
    assert c.cmd("AT+CEREG?") == ["+CEREG: 0,1", "OK"]
    c.close()


def test_cfun_detach_and_attach(sim_client, sim):
    c = sim_client
    assert c.cmd("AT+CFUN=0") == ["OK"]
    assert c.cmd("AT+CEREG?") == ["+CEREG: 0,0", "OK"]
    assert not sim.attached
    assert c.cmd("AT+QLWCONFIG=0,\"h\",1,\"e\",900,3") == ["OK"]
    assert c.cmd("AT+QLWREG") == ["OK"]           # reading reg_cfun0, strict
    assert c.wait_line("+QLWREG") == "+QLWREG: 1"
    assert c.cmd("AT+CFUN=1") == ["OK"]
    assert c.wait_line("+IP:") == "+IP: 100.88.40.249"


def test_echo_really_echoes(sim_client):
    c = sim_client
    c.send("ATE1")                    # received while echo is off: not echoed
    assert c.read_exact(len(b"\r\nOK\r\n"), 1) == b"\r\nOK\r\n"
    c.send("AT")
    assert c.read_exact(len(b"AT\r\r\nOK\r\n"), 1) == b"AT\r\r\nOK\r\n"
    c.send("ATE0")
    assert c.read_exact(len(b"ATE0\r\r\nOK\r\n"), 1) == b"ATE0\r\r\nOK\r\n"
    c.send("AT")
    assert c.read_exact(len(b"\r\nOK\r\n"), 1) == b"\r\nOK\r\n"


def test_unknown_command_and_cmee0(sim_client):
    c = sim_client
    assert c.cmd("AT+NOPE") == ["ERROR"]
    assert c.cmd("ATX9") == ["ERROR"]
    assert c.cmd("AT+QLWUPDATE=0,100") == ["+CME ERROR: 4"]
    assert c.cmd("AT+CMEE=0") == ["OK"]
    assert c.cmd("AT+QLWUPDATE=0,100") == ["ERROR"]


@pytest.mark.parametrize("cmd,err", [
    ('AT+QLWCONFIG=0,"h",5683,"ep",900', 2),
    ('AT+QLWCONFIG=0,"h",5683,"ep",10,3', 3),
    ('AT+QLWCONFIG=0,"h",70000,"ep",900,3', 3),
    ('AT+QLWCONFIG=2,"h",5683,"ep",900,3', 3),
    ('AT+QLWCONFIG=0,"h",5683,"ep",900,1', 3),
    ('AT+QLWCONFIG=0,"h",5683,"ep",900,0', 2),
    ('AT+QLWCONFIG=0,"h",5683,"ep",900,0,"id","123"', 13),
    ('AT+QLWCONFIG=0,"h",5683,"ep",900,0,"id","zz"', 3),
    ('AT+QLWCFG="nope",1', 3),
    ('AT+QLWCFG="auto_reg",2', 3),
    ('AT+QLWCFG="retransmit",2', 2),
    ('AT+QLWCFG="retransmit",21,4', 3),
    ('AT+QLWUPDATE=0', 2),
    ('AT+QLWNOTIFY=9,0,0,1,3,"abc",0,1', 4),
    ('AT+QLWDELOBJ=9', 3),
    ('AT+QLWRDRSP=1,1,9,0,0,1,3,"abc",0', 4),
    ('AT+QLWRDRSP=1,1,9,0,0', 2),
    ('AT+QLWRRSP=1,2', 4),
    ('AT+QLWEXERSP=1,2,3', 2),
    ('AT+QLWDEREG', 4),
    ('AT+QLWREG', 1),
])
def test_error_codes(sim_client, cmd, err):
    assert sim_client.cmd(cmd) == ["+CME ERROR: %d" % err]


def test_state_machine_and_refusals(sim_client, sim):
    c = sim_client
    assert c.cmd("AT+QLWSTATUS?") == ["+QLWSTATUS: 0", "OK"]
    assert c.cmd(CFG % 900) == ["OK"]
    sim.modem.reg_s = 20                      # 0.2 s real: long enough to look at state 1
    assert c.cmd("AT+QLWREG") == ["OK"]
    assert c.cmd("AT+QLWSTATUS?") == ["+QLWSTATUS: 1", "OK"]
    assert c.cmd("AT+QLWREG") == ["+CME ERROR: 32"]
    assert c.cmd(CFG % 900) == ["+CME ERROR: 1"]        # reading config_busy_code
    assert c.wait_line("+QLWREG") == "+QLWREG: 0"
    assert c.cmd("AT+QLWSTATUS?") == ["+QLWSTATUS: 2", "OK"]
    assert c.cmd("AT+QLWREG") == ["+CME ERROR: 33"]
    assert c.cmd(CFG % 900) == ["+CME ERROR: 33"]
    sim.modem.update_s = 20
    assert c.cmd("AT+QLWDEREG") == ["OK"]
    assert c.cmd("AT+QLWSTATUS?") == ["+QLWSTATUS: 3", "OK"]
    assert c.wait_line("+QLWDEREG") == "+QLWDEREG: 0"
    assert c.cmd("AT+QLWSTATUS?") == ["+QLWSTATUS: 4", "OK"]
    assert c.cmd(CFG % 600) == ["+CME ERROR: 1"]        # readings dereg_status, config_in_4
    assert c.cmd("AT+CFUN=0") == ["OK"]                 # 3.4 case 3: CFUN=0, configure
    assert c.cmd("AT+QLWSTATUS?") == ["+QLWSTATUS: 0", "OK"]
    assert c.cmd(CFG % 600) == ["OK"]
    assert c.cmd("AT+QLWCONFIG?") == [
        '+QLWCONFIG:0,"leshan.eclipse.org",5683,"urn:imei:866971030000717",600,3', "OK"]


def test_failed_registration_goes_back_to_0(sim_client, sim):
    sim.faults.fail_registration(2)
    c = sim_client
    assert c.cmd(CFG % 900) == ["OK"]
    for _ in range(2):
        assert c.cmd("AT+QLWREG") == ["OK"]
        assert c.wait_line("+QLWREG") == "+QLWREG: 1"
        assert sim.status == 0
    assert c.cmd("AT+QLWREG") == ["OK"]
    assert c.wait_line("+QLWREG") == "+QLWREG: 0"


def addobj(c, cmd):
    assert c.cmd(cmd) == ["OK"]
    assert c.wait_line("+QLWADDOBJ") == "+QLWADDOBJ: 0"


def test_custom_object_limits(sim_client):
    c = sim_client
    res14 = ",".join(str(i) for i in range(14))
    assert c.cmd("AT+QLWADDOBJ=3303,0,14,%s" % res14) == ["OK"]
    assert c.wait_line("+QLWADDOBJ") == "+QLWADDOBJ: 0"
    assert c.cmd("AT+QLWADDOBJ=3304,0,15,%s,14" % res14) == ["+CME ERROR: 3"]
    assert c.cmd("AT+QLWADDOBJ=3304,0,3,1,2") == ["+CME ERROR: 2"]
    assert c.cmd("AT+QLWADDOBJ=3303,0,1,1") == ["+CME ERROR: 3"]      # duplicate instance
    assert c.cmd("AT+QLWADDOBJ=3,0,1,1") == ["+CME ERROR: 3"]         # built-in object
    for i in range(1, 4):
        addobj(c, "AT+QLWADDOBJ=3303,%d,1,5700" % i)
    assert c.cmd("AT+QLWADDOBJ=3303,4,1,5700") == ["+CME ERROR: 3"]   # 5th instance
    for o in range(14):
        addobj(c, "AT+QLWADDOBJ=%d,0,1,0" % (20000 + o))
    assert c.cmd("AT+QLWADDOBJ=30000,0,1,0") == ["+CME ERROR: 3"]     # 16th object
    addobj(c, "AT+QLWADDOBJ=20000,1,1,0")                             # instance of one of 15
    lines = c.cmd("AT+QLWADDOBJ?")
    assert len(lines) == 1 + 4 + 14 + 1
    assert c.cmd("AT+QLWDELOBJ=3303") == ["OK"]
    assert c.wait_line("+QLWDELOBJ") == "+QLWDELOBJ: 0"
    assert len(c.cmd("AT+QLWADDOBJ?")) == 1 + 14 + 1


@pytest.mark.parametrize("lifetime,interval", [
    (20, 10), (30, 15), (40, 22.5), (50, 30), (100, 70), (300, 250), (900, 820),
    (86400, 82045)])
def test_update_interval_formula(lifetime, interval):
    assert update_interval(lifetime) == pytest.approx(interval)


def test_retransmit_total():
    assert retransmit_total(2, 4, 0) == 2 + 4 + 8 + 16 + 32
    assert retransmit_total(2, 4, 1) == 10


def test_automatic_updates_follow_the_lifetime(sim_factory):
    sim = sim_factory(time_scale=0.01)
    c = ATClient(sim.device)
    sim.wait_for(lambda: sim.attached)
    c.drain(0.02)
    register(c, lifetime=20)                       # interval 10 s -> 0.1 s real
    t0 = time.monotonic()
    assert c.wait_line('+QLWURC: "ping"') == '+QLWURC: "ping",0'
    dt = time.monotonic() - t0
    assert 0.07 < dt < 0.3
    assert c.wait_line('+QLWURC: "ping"') == '+QLWURC: "ping",0'
    assert c.cmd("AT+QLWUPDATE=0,100") [1] == "OK"  # interval 70 s -> 0.7 s real
    c.wait_line("+QLWUPDATE: 0,")
    n = sim.update_count
    time.sleep(0.4)
    assert sim.update_count == n
    c.wait_line('+QLWURC: "ping"', 1.0)
    c.close()


def test_nvram_persists_config_cfg_objects(tmp_path, sim_factory):
    path = str(tmp_path / "nv.json")
    sim = sim_factory(nvram=path)
    c = ATClient(sim.device)
    sim.wait_for(lambda: sim.attached)
    c.drain(0.02)
    assert c.cmd(CFG % 900) == ["OK"]
    assert c.cmd('AT+QLWCFG="retransmit",4,3') == ["OK"]
    assert c.cmd("AT+QLWADDOBJ=19,0,2,0,1") == ["OK"]
    c.close()
    sim.stop()
    sim2 = sim_factory(nvram=path)
    c = ATClient(sim2.device)
    sim2.wait_for(lambda: sim2.attached)
    c.drain(0.02)
    assert c.cmd("AT+QLWCONFIG?")[0].startswith('+QLWCONFIG:0,"leshan.eclipse.org",5683')
    assert c.cmd('AT+QLWCFG="retransmit"') == ['+QLWCFG: "retransmit",4,3', "OK"]
    assert c.cmd("AT+QLWADDOBJ?") == ["+QLWADDOBJ: 19,0,2,0,1", "OK"]
    sim2.power_cycle()
    sim2.wait_for(lambda: sim2.attached)
    c.drain(0.02)
    assert c.cmd("AT+QLWADDOBJ?") == ["+QLWADDOBJ: 19,0,2,0,1", "OK"]
    c.close()


def test_qlwcfg_takes_effect_after_reboot(sim_client, sim):
    c = sim_client
    assert c.cmd('AT+QLWCFG="access_mode",1') == ["OK"]
    assert c.cmd('AT+QLWCFG="access_mode"') == ['+QLWCFG: "access_mode",1', "OK"]
    assert sim.modem.cfg("access_mode") == [0]
    sim.reboot()
    assert sim.modem.cfg("access_mode") == [1]


def test_auto_reg_after_boot(sim_client, sim):
    c = sim_client
    assert c.cmd(CFG % 900) == ["OK"]
    assert c.cmd('AT+QLWCFG="auto_reg",1') == ["OK"]
    assert c.cmd('AT+QLWCFG="per_regstatus_feat",1') == ["OK"]
    assert c.cmd("AT+QRST=1") == ["OK"]
    lines = [c.wait_line(lambda s: True) for _ in range(len(BANNER) + 5)]
    assert lines == BANNER + ["RDY", "+CFUN: 1", "+CPIN: READY", "+IP: 100.88.40.249",
                              "+QLWREG: 0"]
    assert sim.status == 2


def test_reboot_prints_banner_and_resets_lwm2m(sim_client, sim):
    c = sim_client
    register(c)
    sim.reboot()
    assert [c.wait_line(lambda s: True) for _ in range(len(BANNER))] == BANNER
    c.wait_line("+CPIN: READY")  # the start-up news after the banner, before asking
    assert c.cmd("AT+QLWSTATUS?") == ["+QLWSTATUS: 0", "OK"]
    assert sim.commands[-1] == "AT+QLWSTATUS?"


def test_qlwconfig_read_shows_bootstrap_and_server_lines(sim_client):
    c = sim_client
    psk = "30313233343536373839"
    assert c.cmd('AT+QLWCONFIG=1,"bootp.iot.t-mobile.com",5584,"urn:imei:1",900,0,'
                 '"urn:imei:1","%s"' % psk) == ["OK"]
    assert c.cmd("AT+QLWCONFIG?") == [
        '+QLWCONFIG:1,"bootp.iot.t-mobile.com",5584,"urn:imei:1",900,0,"urn:imei:1","%s"'
        % psk, "OK"]
    assert c.cmd("AT+QLWREG") == ["OK"]
    assert c.wait_line("+QLWREG") == "+QLWREG: 0"
    lines = c.cmd("AT+QLWCONFIG?")
    assert len(lines) == 3 and lines[1].startswith("+QLWCONFIG:0,") and ",30,0," in lines[1]


def test_latency_delays_every_response(sim_factory):
    sim = sim_factory(latency_ms=20000)      # 20 module-s = 0.2 s real at time_scale 0.01
    c = ATClient(sim.device)
    sim.wait_for(lambda: sim.attached)
    c.drain(0.02)
    t0 = time.monotonic()
    assert c.cmd("AT") == ["OK"]
    assert time.monotonic() - t0 >= 0.18
    c.close()


def test_cclk_network_time_after_attach(sim_factory):
    # 3GPP 27.007 8.15: "yy/MM/dd,hh:mm:ss+zz", local time and zone in quarter hours; the
    # unset clock (1980) until the network gave the time at the attach
    import calendar
    sim = sim_factory(attach_s=50)           # 0.5 s real
    c = ATClient(sim.device)
    c.wait_line("+CPIN: READY")
    before = c.cmd("AT+CCLK?")
    assert before[0].startswith('+CCLK: "80/01/06,00:00:') and before[1] == "OK", before
    c.wait_line("+IP:", 5)                   # attached: the network gave the time
    line, ok = c.cmd("AT+CCLK?")
    assert ok == "OK"
    t = line.split('"')[1]
    d, h = t[:-3].split(",")
    z = int(t[-3:])
    assert z == 32
    local = calendar.timegm(time.strptime(d + "," + h, "%y/%m/%d,%H:%M:%S"))
    assert abs(local - z * 900 - time.time()) < 5
    assert c.cmd("AT+CCLK=?") == ["OK"]
    c.close()
