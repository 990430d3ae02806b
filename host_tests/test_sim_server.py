"""The LwM2M server control API: requests, responses, buffering, auto-ack, notifications."""
import threading
import time

import pytest

import sim_fixtures
from tools.bc66sim import ServerError, ServerTimeout
from tools.bc66sim.client import ATClient

sim_client = sim_fixtures.sim_client
CFG = 'AT+QLWCONFIG=0,"leshan.eclipse.org",5683,"urn:imei:866971030000717",%d,3'


def registered(c, objects=("3303,0,3,5601,5700,5605", "19,0,1,0"), lifetime=900):
    for o in objects:
        assert c.cmd("AT+QLWADDOBJ=" + o) == ["OK"]
        assert c.wait_line("+QLWADDOBJ") == "+QLWADDOBJ: 0"
    assert c.cmd(CFG % lifetime) == ["OK"]
    assert c.cmd("AT+QLWREG") == ["OK"]
    assert c.wait_line("+QLWREG") == "+QLWREG: 0"


@pytest.fixture
def reg(sim, sim_client):
    registered(sim_client)
    return sim, sim_client


def urc_fields(line):
    return line.split(": ", 1)[1].split(",")


def test_read_single_and_multi_part(reg):
    sim, c = reg
    p = sim.server.read("3303/0/5700", block=False)
    f = urc_fields(c.wait_line('+QLWURC: "read"'))
    assert f == ['"read"', str(p.msgid), "3303", "0", "5700"]
    assert c.cmd("AT+QLWRDRSP=%d,1,3303,0,5700,4,5,21.50,0" % p.msgid) == ["OK"]
    assert c.wait_line("+QLWRDRSP") == "+QLWRDRSP: 0"
    r = p.wait(1)
    assert (r.result, r.values, r.value) == (1, [(3303, 0, 5700, 4, 21.5)], 21.5)
    # instance read answered in two parts, index counting down to 0
    p = sim.server.read("3303/0", block=False)
    f = urc_fields(c.wait_line('+QLWURC: "read"'))
    assert f[-2:] == ["0", "-1"]
    assert c.cmd('AT+QLWRDRSP=%d,1,3303,0,5601,1,2,"hi",1' % p.msgid) == ["OK"]
    assert c.wait_line("+QLWRDRSP") == "+QLWRDRSP: 0"   # each part has its outcome
    assert not p.done
    assert c.cmd("AT+QLWRDRSP=%d,1,3303,0,5700,3,2,42,0" % p.msgid) == ["OK"]
    r = p.wait(1)
    assert r.values == [(3303, 0, 5601, 1, "hi"), (3303, 0, 5700, 3, 42)]


def test_read_error_result_and_blocking_call(reg):
    sim, c = reg

    def mcu():
        f = urc_fields(c.wait_line('+QLWURC: "read"'))
        c.cmd('AT+QLWRDRSP=%s,13,3303,0,5601,1,0,"",0' % f[1])
    t = threading.Thread(target=mcu)
    t.start()
    r = sim.server.read("3303/0/5601", timeout=2)
    t.join()
    assert r.result == 13 and r.values == []


def test_write_value_is_hex_and_result_passes_through(reg):
    sim, c = reg
    p = sim.server.write("19/0/0", 1, "1", block=False)
    line = c.wait_line('+QLWURC: "write"')
    assert line == '+QLWURC: "write",%d,19,0,0,1,1,"31",0' % p.msgid
    assert c.cmd("AT+QLWRRSP=%d,2" % p.msgid) == ["OK"]
    assert c.wait_line("+QLWRRSP") == "+QLWRRSP: 0"
    assert p.wait(1).result == 2
    p = sim.server.write("19/0/0", 2, b"\x01\xab", block=False)
    assert c.wait_line('+QLWURC: "write"').endswith(',19,0,0,2,2,"01AB",0')
    assert c.cmd("AT+QLWRRSP=%d,14" % p.msgid) == ["OK"]
    assert p.wait(1).result == 14


def test_write_response_fallback_switch(reg):
    sim, c = reg
    sim.faults.write_rsp_error()
    p = sim.server.write("19/0/0", 1, "x", block=False)
    c.wait_line('+QLWURC: "write"')
    assert c.cmd("AT+QLWWRRSP=%d,2" % p.msgid) == ["ERROR"]
    assert c.cmd("AT+QLWRRSP=%d,2" % p.msgid) == ["OK"]
    assert c.wait_line("+QLWRRSP") == "+QLWRRSP: 0"
    assert p.wait(1).result == 2


def test_execute_observe_cancel(reg):
    sim, c = reg
    p = sim.server.execute("3303/0/5605", block=False)
    assert c.wait_line('+QLWURC: "execute"') == '+QLWURC: "execute",%d,3303,0,5605' % p.msgid
    assert c.cmd("AT+QLWEXERSP=%d,2" % p.msgid) == ["OK"]
    assert c.wait_line("+QLWEXERSP") == "+QLWEXERSP: 0"
    assert p.wait(1).result == 2
    p = sim.server.observe("3303/0/5700", block=False)
    assert c.wait_line('+QLWURC: "observe"') == \
        '+QLWURC: "observe",%d,0,3303,0,5700' % p.msgid
    assert c.cmd("AT+QLWOBSRSP=%d,1,3303,0,5700,4,4,20.5,0" % p.msgid) == ["OK"]
    assert p.wait(1).value == 20.5
    assert c.wait_line("+QLWOBSRSP") == "+QLWOBSRSP: 0"
    assert "3303/0/5700" in sim.server.observed
    p = sim.server.cancel_observe("3303/0/5700", block=False)
    assert c.wait_line('+QLWURC: "observe"') == \
        '+QLWURC: "observe",%d,1,3303,0,5700' % p.msgid
    assert c.cmd("AT+QLWOBSRSP=%d,1,3303,0,5700,4,4,20.5,0" % p.msgid) == ["OK"]
    p.wait(1)
    assert "3303/0/5700" not in sim.server.observed


def test_msgids_are_fresh_and_wrap(reg):
    sim, c = reg
    sim.set_next_msgid(65535)
    a = sim.server.read("19/0/0", block=False)
    b = sim.server.read("19/0/0", block=False)
    assert (a.msgid, b.msgid) == (65535, 1)


def test_unknown_or_mismatched_msgid_is_cme3(reg):
    sim, c = reg
    p = sim.server.read("19/0/0", block=False)
    c.wait_line('+QLWURC: "read"')
    assert c.cmd("AT+QLWEXERSP=%d,2" % p.msgid) == ["+CME ERROR: 3"]
    assert c.cmd('AT+QLWRDRSP=%d,1,19,0,0,1,1,"a",0' % ((p.msgid + 7) & 0xFFFF)) == \
        ["+CME ERROR: 3"]
    assert c.cmd('AT+QLWRDRSP=%d,1,19,0,0,1,1,"a",0' % p.msgid) == ["OK"]


def test_timeout_and_late_response(reg):
    sim, c = reg
    t0 = time.monotonic()
    with pytest.raises(ServerTimeout, match="read 19/0/0"):
        sim.server.read("19/0/0", timeout=0.2)
    assert 0.18 < time.monotonic() - t0 < 1.0
    mid = int(urc_fields(c.wait_line('+QLWURC: "read"'))[1])
    assert c.cmd('AT+QLWRDRSP=%d,1,19,0,0,1,1,"a",0' % mid) == ["+CME ERROR: 3"]


def test_unknown_object_answered_by_module(reg):
    sim, c = reg
    r = sim.server.read("4242/0/1", timeout=0.5)
    assert r.result == 13
    assert c.drain(0.05) == b""


def test_requests_need_registration(sim, sim_client):
    with pytest.raises(ServerError):
        sim.server.read("3303/0/5700")


def test_access_mode_buffer(sim, sim_client):
    c = sim_client
    assert c.cmd('AT+QLWCFG="access_mode",1') == ["OK"]
    sim.reboot()
    sim.wait_for(lambda: sim.attached)
    c.drain(0.02)
    registered(c)
    p1 = sim.server.read("3303/0/5700", block=False)
    assert c.wait_line("+QLWURC") == '+QLWURC: "buffer"'
    p2 = sim.server.write("19/0/0", 1, "ab", block=False)
    assert c.drain(0.05) == b""            # announced once while the buffer is not empty
    assert c.cmd("AT+QLWRD?") == ["+QLWRD: 2", "OK"]
    assert c.cmd("AT+QLWRD") == ['+QLWRD: 1,"read",%d,3303,0,5700' % p1.msgid, "OK"]
    assert c.cmd("AT+QLWRD") == ['+QLWRD: 0,"write",%d,19,0,0,1,2,"6162",0' % p2.msgid, "OK"]
    assert c.cmd("AT+QLWRD") == ["+QLWRD: 0", "OK"]
    assert c.cmd("AT+QLWRDRSP=%d,1,3303,0,5700,3,2,17,0" % p1.msgid) == ["OK"]
    assert c.cmd("AT+QLWRRSP=%d,2" % p2.msgid) == ["OK"]
    assert p1.wait(1).value == 17 and p2.wait(1).result == 2


def test_auto_ack_answers_observe(sim, sim_client):
    c = sim_client
    assert c.cmd('AT+QLWCFG="auto_ack",1') == ["OK"]
    sim.reboot()
    sim.wait_for(lambda: sim.attached)
    c.drain(0.02)
    registered(c)
    r = sim.server.observe("3303/0/5700", timeout=0.5)
    assert r.auto and r.result == 1
    mid = int(urc_fields(c.wait_line('+QLWURC: "observe"'))[1])
    assert mid == r.msgid
    assert c.cmd("AT+QLWOBSRSP=%d,1,3303,0,5700,3,1,1,0" % mid) == ["OK"]


def test_update_trigger_disable_bootstrap_trigger(sim, sim_client):
    c = sim_client
    registered(c)
    assert sim.server.update_trigger().result == 2
    assert c.wait_line("+QLWURC") == '+QLWURC: "ping",0'
    assert sim.server.execute("1/0/8").result == 2
    assert c.wait_line("+QLWURC") == '+QLWURC: "ping",0'
    sim.server.disable(timeout_s=20)          # 0.2 s real
    assert c.wait_line("+QLWURC") == '+QLWURC: "disable",20'
    assert sim.status == 4
    assert c.wait_line("+QLWREG", 2) == "+QLWREG: 0"
    assert sim.status == 2
    sim.server.bootstrap_request_trigger()
    assert c.wait_line("+QLWURC") == '+QLWURC: "bootstrap_request_trigger",0'
    assert c.wait_line("+QLWREG", 2) == "+QLWREG: 0"


def test_factory_reset_reboots(sim, sim_client):
    c = sim_client
    registered(c)
    sim.server.factory_reset()
    assert c.wait_line("+QLWURC") == '+QLWURC: "factory_reset",0'
    assert c.wait_line("Leaving the BROM")
    assert sim.status == 0


def test_notifications_non_con_rai(reg):
    sim, c = reg
    assert c.cmd('AT+QLWNOTIFY=3303,0,5700,4,4,21.5,0,0,1') == ["OK"]
    assert c.wait_line("+QLWNOTIFY") == "+QLWNOTIFY: 0"
    n = sim.notifications[-1]
    assert (n.con, n.rai, n.msgid, n.acked, n.value) == (False, 1, None, None, 21.5)
    assert c.cmd('AT+QLWNOTIFY=19,0,0,2,2,"0A0B",0,1,2') == ["OK"]
    mid = int(c.wait_line('+QLWURC: "report"').split(",")[1])
    assert c.wait_line("+QLWNOTIFY") == "+QLWNOTIFY: 0"
    assert c.wait_line('+QLWURC: "report_ack"') == '+QLWURC: "report_ack",0,%d' % mid
    n = sim.notifications[-1]
    assert (n.con, n.rai, n.msgid, n.acked, n.value) == (True, 2, mid, True, b"\n\x0b")


def test_notification_in_parts(reg):
    sim, c = reg
    assert c.cmd('AT+QLWNOTIFY=19,0,0,1,3,"abc",1,1') == ["OK"]
    assert c.wait_line("+QLWNOTIFY") == "+QLWNOTIFY: 0"
    assert c.cmd('AT+QLWNOTIFY=19,0,0,1,3,"def",0,1') == ["OK"]
    mid = int(c.wait_line('+QLWURC: "report"').split(",")[1])
    c.wait_line('+QLWURC: "report_ack"')
    assert [(n.value, n.index, n.msgid) for n in sim.notifications] == \
        [("abc", 1, mid), ("def", 0, mid)]


def test_lost_report_ack_waits_for_the_retransmissions(sim, sim_client):
    c = sim_client
    assert c.cmd('AT+QLWCFG="retransmit",3,2') == ["OK"]
    assert c.cmd('AT+QLWCFG="retransmit_mode",1') == ["OK"]
    sim.reboot()
    sim.wait_for(lambda: sim.attached)
    c.drain(0.02)
    registered(c)
    sim.faults.lose_report_ack(1)
    t0 = time.monotonic()
    assert c.cmd('AT+QLWNOTIFY=19,0,0,1,1,"a",0,1') == ["OK"]
    mid = int(c.wait_line('+QLWURC: "report"').split(",")[1])
    assert c.wait_line('+QLWURC: "report_ack"', 2) == '+QLWURC: "report_ack",1,%d' % mid
    assert time.monotonic() - t0 >= 3 * 3 * 0.01 * 0.9          # 9 module-s at 0.01
    assert sim.notifications[-1].acked is False
    assert c.cmd('AT+QLWNOTIFY=19,0,0,1,1,"b",0,1') == ["OK"]
    assert c.wait_line('+QLWURC: "report_ack"').startswith('+QLWURC: "report_ack",0,')


def test_request_while_asleep_is_queued_until_wake(sim_factory):
    sim = sim_factory(sleep_after_s=5)
    c = ATClient(sim.device)
    sim.wait_for(lambda: sim.attached)
    c.drain(0.02)
    registered(c, lifetime=100)            # update interval 70 s = 0.7 s real
    assert c.cmd("AT+QSCLK=1") == ["OK"]
    sim.wait_for(lambda: sim.asleep, 2)
    p = sim.server.read("3303/0/5700", block=False)
    assert c.drain(0.05) == b""
    assert c.wait_line("+QLWURC", 3) == '+QLWURC: "recovered",0'   # woken by the update timer
    assert c.wait_line("+QLWURC").split(",")[1] == str(p.msgid)      # then the queued read
    assert c.wait_line("+QLWURC") == '+QLWURC: "ping",0'              # and the update
    c.close()


def test_factory_reset_in_buffer_mode_is_buffered(sim, sim_client):
    c = sim_client
    assert c.cmd('AT+QLWCFG="access_mode",1') == ["OK"]
    sim.reboot()
    sim.wait_for(lambda: sim.attached)
    c.drain(0.02)
    registered(c)
    sim.server.factory_reset()
    assert c.wait_line("+QLWURC") == '+QLWURC: "buffer"'
    assert c.cmd("AT+QLWRD") == ['+QLWRD: 0,"factory_reset",0', "OK"]
    assert sim.status == 4 and sim.reboots == 1          # the reboot above only


def test_response_compares_to_result_code(reg):
    sim, c = reg
    p = sim.server.write("19/0/0", 3, 5, block=False)
    assert c.wait_line('+QLWURC: "write"').endswith(',19,0,0,3,1,"35",0')
    c.cmd("AT+QLWRRSP=%d,2" % p.msgid)
    r = p.wait(1)
    assert r == 2 and int(r) == 2 and r != 13


def test_notify_of_what_the_module_does_not_hold_is_not_sent(reg):
    # 3.2.2, 4.2.12: only a custom object's instance and resource can be notified; the
    # object 1 that AT+QLWNOTIFY=19 becomes when its "9" is lost on the UART (issue 21) is
    # a built-in one: OK, no "report", +QLWNOTIFY: 3, and nothing reaches the server
    sim, c = reg
    n = len(sim.notifications)
    for path in ("1,0,0", "19,2,0", "19,0,5", "3303,0,5604"):
        assert c.cmd('AT+QLWNOTIFY=%s,2,2,"0A0B",0,1' % path) == ["OK"]
        assert c.wait_line("+Q") == "+QLWNOTIFY: 3", path
    assert len(sim.notifications) == n
    assert c.cmd('AT+QLWNOTIFY=19,0,0,2,2,"0A0B",0,1') == ["OK"]  # what it holds: sent
    mid = int(c.wait_line('+QLWURC: "report"').split(",")[1])
    assert c.wait_line("+QLWNOTIFY") == "+QLWNOTIFY: 0"
    assert c.wait_line('+QLWURC: "report_ack"') == '+QLWURC: "report_ack",0,%d' % mid


def test_notify_the_server_does_not_observe_is_not_sent(reg):
    # observe_all False: the server observes what it asked for only; a CON notify of
    # anything else goes nowhere: "report_ack",2 (Packet not sent), as over CoAP
    sim, c = reg
    sim.server.observe_all = False
    sim.server.observed.add("19/0")
    assert c.cmd('AT+QLWNOTIFY=3303,0,5700,4,4,21.5,0,1') == ["OK"]
    mid = int(c.wait_line('+QLWURC: "report"').split(",")[1])
    assert c.wait_line('+QLWURC: "report_ack"') == '+QLWURC: "report_ack",2,%d' % mid
    assert c.cmd('AT+QLWNOTIFY=19,0,0,2,2,"0A0B",0,1') == ["OK"]
    mid = int(c.wait_line('+QLWURC: "report"').split(",")[1])
    assert c.wait_line('+QLWURC: "report_ack"') == '+QLWURC: "report_ack",0,%d' % mid


def test_drop_command_byte_garbles_what_the_module_reads(reg):
    sim, c = reg
    sim.faults.drop_command_byte(b"AT+QLWNOTIFY=19", 14)
    assert c.cmd('AT+QLWNOTIFY=19,0,0,2,2,"0A0B",0,1') == ["OK"]
    assert c.wait_line("+Q") == "+QLWNOTIFY: 3"  # the module read AT+QLWNOTIFY=1,...
    assert sim.commands[-1].startswith("AT+QLWNOTIFY=1,0,0,")
