"""Where the simulator used to accept what the note says the module refuses (issue 13 items
1-5), and every reading the note leaves open at its strict and its lenient value
(tools/bc66sim/readings.py). Each test quotes the note's section it follows."""
import time

import pytest

import sim_fixtures
from tools.bc66sim import ServerTimeout
from tools.bc66sim.readings import READINGS, resolve

from sim_fixtures import CFG, attached_client, register

BOTH = ("strict", "lenient")


def client(sim_factory, **readings):
    """An attached client; readings as in sim_fixtures.FAST, with `readings` on top."""
    r = dict(sim_fixtures.FAST["readings"])
    r.update(readings)
    return attached_client(sim_factory, readings=r, lose_first_after_wake=False)


def ok(c, cmd):
    """cmd gets OK, then its deferred +<NAME>: 0."""
    assert c.cmd(cmd) == ["OK"], cmd
    name = cmd[2:].split("=")[0]
    assert c.wait_line(name + ":") == name + ": 0"


def add(c, spec):
    ok(c, "AT+QLWADDOBJ=" + spec)


def registered(sim_factory, **readings):
    sim, c = client(sim_factory, **readings)
    add(c, "3303,0,2,5700,5701")
    register(c)
    return sim, c


def read_mid(sim, c, path="3303/0/5700"):
    p = sim.server.read(path, block=False)
    return p, int(c.wait_line('+QLWURC: "read"').split(",")[1])


# ---- item 1: answers whose context is gone -----------------------------------------------
@pytest.mark.parametrize("lose", ["reboot", "cfun0", "dereg"])
def test_answer_after_context_lost_is_error_4_and_server_sees_none(sim_factory, lose):
    """Chapter 6: "4 Not register error". A module that rebooted, left the network
    (AT+CFUN=0) or deregistered no longer knows the message id of a request it delivered:
    the answer is refused and the server never sees one."""
    sim, c = registered(sim_factory)
    p, mid = read_mid(sim, c)
    if lose == "reboot":
        sim.reboot()
        sim.wait_for(lambda: sim.attached)
        c.drain(0.05)
    elif lose == "cfun0":
        assert c.cmd("AT+CFUN=0") == ["OK"]
    else:
        assert c.cmd("AT+QLWDEREG") == ["OK"]
        assert c.wait_line("+QLWDEREG") == "+QLWDEREG: 0"
    assert c.cmd("AT+QLWRDRSP=%d,1,3303,0,5700,4,4,21.5,0" % mid) == ["+CME ERROR: 4"]
    with pytest.raises(ServerTimeout, match="module forgot it"):
        p.wait(0.3)
    assert not sim.server.log or sim.server.log[-1].msgid != mid
    if lose == "cfun0":
        assert c.cmd("AT+CFUN=1") == ["OK"]
        c.wait_line("+IP:")
    # registered again: the old id is simply unknown (3)
    assert c.cmd("AT+QLWREG") == ["OK"]
    assert c.wait_line("+QLWREG") == "+QLWREG: 0"
    assert c.cmd("AT+QLWRDRSP=%d,1,3303,0,5700,4,4,21.5,0" % mid) == ["+CME ERROR: 3"]


# ---- item 2: no short forms ------------------------------------------------------------
@pytest.mark.parametrize("cmd", ["AT+QLWRDRSP=%d,13", "AT+QLWRDRSP=%d,13,3303,0,5700",
                                 "AT+QLWOBSRSP=%d,14"])
def test_read_and_observe_answers_need_all_nine_parameters(sim_factory, cmd):
    """4.2.8 / 4.2.11: AT+QLWRDRSP=<messageID>,<result>,<objectID>,<instanceID>,
    <resourceID>,<value_type>,<len>,<value>,<index>, none in [ ]; chapter 6: "2 Parameter
    number error". The full error answer is taken."""
    sim, c = registered(sim_factory)
    kind = "observe" if "OBS" in cmd else "read"
    p = getattr(sim.server, kind)("3303/0/5700", block=False)
    mid = int(c.wait_line('+QLWURC: "%s"' % kind).split(",")[1])
    assert c.cmd(cmd % mid) == ["+CME ERROR: 2"]
    assert not p.done
    full = cmd.split("=")[0] + '=%d,%s,3303,0,5700,1,0,"",0' % (mid, cmd.split(",")[1])
    assert c.cmd(full) == ["OK"]
    assert p.wait(1).result in (13, 14)


# ---- item 3: Integer <len> is the number of characters -----------------------------------
def test_integer_len_must_be_the_number_of_characters(sim_factory):
    """4.2.8 and 4.2.12: "When <value_type> is Integer, <len> is the number of
    characters." (chapter 6: "3 Parameter value error")"""
    sim, c = registered(sim_factory)
    assert c.cmd("AT+QLWNOTIFY=3303,0,5700,3,2,123,0") == ["+CME ERROR: 3"]
    ok(c, "AT+QLWNOTIFY=3303,0,5700,3,3,123,0")
    p, mid = read_mid(sim, c)
    assert c.cmd("AT+QLWRDRSP=%d,1,3303,0,5700,3,1,-5,0" % mid) == ["+CME ERROR: 3"]
    ok(c, "AT+QLWRDRSP=%d,1,3303,0,5700,3,2,-5,0" % mid)
    assert p.wait(1).value == -5


# ---- item 4: only <resourceID> may be -1 ---------------------------------------------------
def test_notify_refuses_negative_object_and_instance(sim_factory):
    """4.2.12: "<instanceID> Integer type. Instance ID." / "<resourceID> ... -1 indicates
    all resources." Only the resource id has a documented -1."""
    sim, c = registered(sim_factory)
    assert c.cmd('AT+QLWNOTIFY=3303,-1,5700,1,1,"a",0') == ["+CME ERROR: 3"]
    assert c.cmd('AT+QLWNOTIFY=-1,0,5700,1,1,"a",0') == ["+CME ERROR: 3"]
    assert c.cmd('AT+QLWNOTIFY=3303,0,-1,1,1,"a",0') == ["OK"]


# ---- item 5: the at prefix -----------------------------------------------------------------
def test_lower_case_at_prefix(sim_factory):
    """4.1.2: "The AT or at prefix must be added at the beginning of each command line." """
    sim, c = client(sim_factory)
    assert c.cmd("at+qlwstatus?") == ["+QLWSTATUS: 0", "OK"]
    assert c.cmd("at+cgsn=1") == ["+CGSN: 867997030052996", "OK"]
    assert c.cmd("ate0") == ["OK"]


# ---- the readings, both sides ------------------------------------------------------------
def test_readings_table_resolves():
    assert all(resolve("strict").values()) and not any(resolve("lenient").values())
    r = resolve({"base": "lenient", "float_len": "strict"})
    assert r["float_len"] and not r["boot_echo"]
    with pytest.raises(ValueError, match="nope"):
        resolve({"nope": "strict"})
    with pytest.raises(ValueError, match="float_len"):
        resolve({"float_len": "maybe"})
    assert len({r.name for r in READINGS}) == len(READINGS)


def test_every_reading_is_documented_with_the_notes_words():
    doc = open(sim_fixtures.__file__.replace("host_tests/sim_fixtures.py",
                                             "docs/simulator.md")).read()
    for r in READINGS:
        row = [x for x in doc.splitlines() if x.startswith("| `%s` |" % r.name)]
        assert row and r.note_strict in row[0] and r.note_lenient in row[0], r.name


@pytest.mark.parametrize("value", BOTH)
def test_float_len(sim_factory, value):
    """4.2.8: "When <value_type> is Float, <len> is the number of characters." against
    5.8.3: AT+QLWRDRSP=17123,1,3303,0,5601,4,4,66.66,0 / OK."""
    sim, c = registered(sim_factory, float_len=value)
    p, mid = read_mid(sim, c)
    for cmd in ("AT+QLWRDRSP=%d,1,3303,0,5700,4,4,66.66,0" % mid,
                "AT+QLWNOTIFY=3303,0,5700,4,4,88.88,0"):
        if value == "strict":
            assert c.cmd(cmd) == ["+CME ERROR: 3"]
        else:
            ok(c, cmd)
    ok(c, "AT+QLWNOTIFY=3303,0,5700,4,5,88.88,0")


@pytest.mark.parametrize("value", BOTH)
def test_index_gap(sim_factory, value):
    """4.2.8 <index>: "If it is split into N parts, the order number of <index> is N-1 to 0
    in descending order" against "If <index> is 0, it means that this is the last message"."""
    sim, c = registered(sim_factory, index_gap=value)
    p, mid = read_mid(sim, c, "3303/0")
    ok(c, 'AT+QLWRDRSP=%d,1,3303,0,5701,1,1,"C",2' % mid)
    last = "AT+QLWRDRSP=%d,1,3303,0,5700,3,2,21,0" % mid
    if value == "strict":
        assert c.cmd(last) == ["+CME ERROR: 3"]
        ok(c, "AT+QLWRDRSP=%d,1,3303,0,5700,3,2,21,1" % mid)
        ok(c, "AT+QLWRDRSP=%d,1,3303,0,5700,3,2,22,0" % mid)
        assert len(p.wait(1).values) == 3
    else:
        ok(c, last)
        assert len(p.wait(1).values) == 2
    # never upwards, under either reading
    p, mid = read_mid(sim, c, "3303/0")
    ok(c, 'AT+QLWRDRSP=%d,1,3303,0,5701,1,1,"C",1' % mid)
    assert c.cmd('AT+QLWRDRSP=%d,1,3303,0,5701,1,1,"C",2' % mid) == ["+CME ERROR: 3"]


@pytest.mark.parametrize("value", BOTH)
def test_part_sent_twice_is_refused_and_the_transcript_says_why(sim_factory, value):
    """A part sent again (an MCU that took its OK for lost) and an answer to a request
    already answered: error 3 under either reading, and the transcript names the rule."""
    sim, c = registered(sim_factory, index_gap=value)
    p, mid = read_mid(sim, c, "3303/0")
    part = 'AT+QLWRDRSP=%d,1,3303,0,5701,1,3,"Cel",1' % mid
    ok(c, part)
    assert c.cmd(part) == ["+CME ERROR: 3"]
    ok(c, "AT+QLWRDRSP=%d,1,3303,0,5700,4,5,21.22,0" % mid)
    assert len(p.wait(1).values) == 2
    assert c.cmd("AT+QLWRDRSP=%d,1,3303,0,5700,4,5,21.22,0" % mid) == ["+CME ERROR: 3"]
    events = [x.split(" # ", 1)[1] for x in sim.transcript.lines if " # refused" in x]
    assert events == ["refused AT+QLWRDRSP: <index> 1 after 1 (reading index_gap: %s)"
                      % ("one less" if value == "strict" else "descending"),
                      "refused AT+QLWRDRSP: no read request with message id %d pending "
                      "(answered already, never sent, or timed out at the server)" % mid], events


@pytest.mark.parametrize("value", BOTH)
def test_recover_idle(sim_factory, value):
    """4.2.15: "Response OK +QLWURC: "recovered",<status_code>" (chapter 6: "3 Recovered
    failed") against "If there is any error: +CMEE ERROR: <err>" ("4 Not register error")."""
    sim, c = client(sim_factory, recover_idle=value)
    if value == "strict":
        assert c.cmd("AT+QLWRECOVER") == ["OK"]
        assert c.wait_line('+QLWURC: "recovered"') == '+QLWURC: "recovered",3'
    else:
        assert c.cmd("AT+QLWRECOVER") == ["+CME ERROR: 4"]
    assert sim.status == 0


def need_recover(sim_factory, **readings):
    sim, c = registered(sim_factory, **readings)
    assert c.cmd('AT+QLWCFG="recovery_mode",1') == ["OK"]
    sim.sleep_now()
    sim.wake()
    c.wait_line("+CPIN: READY")
    assert c.cmd("AT+QLWSTATUS?") == ["+QLWSTATUS: 7", "OK"]
    return sim, c


@pytest.mark.parametrize("value", BOTH)
def test_reg_in_7(sim_factory, value):
    """4.2.14 "7 Need Recover": AT+QLWREG answers "33 Already registered error", or (4.2.3)
    "The Execution Command sends a register request to LwM2M server"."""
    sim, c = need_recover(sim_factory, reg_in_7=value)
    if value == "strict":
        assert c.cmd("AT+QLWREG") == ["+CME ERROR: 33"]
    else:
        assert c.cmd("AT+QLWREG") == ["OK"]
        assert c.wait_line("+QLWREG") == "+QLWREG: 0"
        assert sim.status == 2


@pytest.mark.parametrize("value", BOTH)
def test_config_busy_code(sim_factory, value):
    """4.2.1 note 2: "LwM2M server information can be configured only when the LwM2M client
    status is 'Not Registered'" names no code: 1 (strict) or 32 / 33 (lenient)."""
    sim, c = need_recover(sim_factory, config_busy_code=value)
    assert c.cmd(CFG % 600) == ["+CME ERROR: %d" % (1 if value == "strict" else 33)]
    assert c.cmd("AT+QLWRECOVER") == ["OK"]
    assert c.wait_line('+QLWURC: "recovered"') == '+QLWURC: "recovered",0'
    sim.modem.reg_s = 20
    assert c.cmd("AT+QLWDEREG") == ["OK"]
    c.wait_line("+QLWDEREG")
    assert c.cmd("AT+CFUN=0") == ["OK"] and c.cmd("AT+CFUN=1") == ["OK"]
    c.wait_line("+IP:")
    assert c.cmd("AT+QLWREG") == ["OK"]
    assert c.cmd(CFG % 600) == ["+CME ERROR: %d" % (1 if value == "strict" else 32)]


@pytest.mark.parametrize("value", BOTH)
def test_reg_cfun0(sim_factory, value):
    """4.2.3: "OK / +QLWREG: <status_code>" (1 Timeout) or "15 Not ready receive error"
    at once, after AT+CFUN=0 (3.4 case 3)."""
    sim, c = client(sim_factory, reg_cfun0=value)
    assert c.cmd(CFG % 900) == ["OK"]
    assert c.cmd("AT+CFUN=0") == ["OK"]
    if value == "strict":
        assert c.cmd("AT+QLWREG") == ["OK"]
        assert c.wait_line("+QLWREG") == "+QLWREG: 1"
    else:
        assert c.cmd("AT+QLWREG") == ["+CME ERROR: 15"]
    assert sim.status == 0


@pytest.mark.parametrize("value", BOTH)
def test_dereg_status_and_config_in_4(sim_factory, value):
    """4.2.5 then 4.2.14: after +QLWDEREG: 0 the status is "4 Deregistered" or goes to
    "0 Not Registered"; 4.2.1 note 2: configure only when "Not Registered"."""
    sim, c = registered(sim_factory, dereg_status=value, config_in_4=value)
    assert c.cmd("AT+QLWDEREG") == ["OK"]
    assert c.wait_line("+QLWDEREG") == "+QLWDEREG: 0"
    if value == "strict":
        time.sleep(0.1)                    # 10 module-seconds
        assert sim.status == 4
        assert c.cmd(CFG % 600) == ["+CME ERROR: 1"]
    else:
        sim.wait_status(0)
        assert c.cmd(CFG % 600) == ["OK"]


def test_config_in_4_lenient_alone(sim_factory):
    sim, c = registered(sim_factory, config_in_4="lenient")
    assert c.cmd("AT+QLWDEREG") == ["OK"]
    c.wait_line("+QLWDEREG")
    assert sim.status == 4 and c.cmd(CFG % 600) == ["OK"]


@pytest.mark.parametrize("value", BOTH)
def test_config_after_update_and_update_urcs(sim_factory, value):
    """4.2.4 AT+QLWUPDATE and 4.2.1 AT+QLWCONFIG? ("saved to NVRAM automatically"): the new
    or the configured lifetime; 4.3.11/4.3.12 "lifetime_changed" / "binding_changed" after
    the update, or none as in the examples of 4.2.4 and 5.7.2.2."""
    sim, c = registered(sim_factory, config_after_update=value, update_urcs=value)
    sim.set_next_msgid(38296)
    assert c.cmd("AT+QLWUPDATE=0,600") == ["+QLWUPDATE: 38296", "OK"]
    assert c.wait_line("+QLWUPDATE") == "+QLWUPDATE: 0,38296"
    nxt = c.read_line(0.2)
    if value == "strict":
        assert nxt == '+QLWURC: "lifetime_changed",600'
        assert c.cmd("AT+QLWCONFIG?")[0].endswith(",600,3")
        assert c.cmd("AT+QLWUPDATE=1,0")[-1] == "OK"
        c.wait_line("+QLWUPDATE: 0,")
        assert c.read_line(0.5) == '+QLWURC: "binding_changed","U"'
    else:
        assert nxt is None
        assert c.cmd("AT+QLWCONFIG?")[0].endswith(",900,3")


@pytest.mark.parametrize("value", BOTH)
def test_boot_echo_and_error_prefix(sim_factory, value):
    """bc66-facts.md: "Echo default is *unconfirmed*"; 4.2.x: "If there is any error:
    +CMEE ERROR: <err>" against the 3GPP "+CME ERROR"."""
    sim, c = client(sim_factory, boot_echo=value, error_prefix=value)
    if value == "strict":
        assert c.cmd("AT") == ["AT", "OK"]
        assert c.cmd("AT+QLWDEREG") == ["AT+QLWDEREG", "+CMEE ERROR: 4"]
        sim.reboot()
        c.wait_line("+IP:")                          # boot output over (attached)
        assert c.cmd("AT") == ["AT", "OK"]           # on again after every boot
    else:
        assert c.cmd("AT") == ["OK"]
        assert c.cmd("AT+QLWDEREG") == ["+CME ERROR: 4"]


@pytest.mark.parametrize("value", BOTH)
def test_addobj_exists_builtin_and_65535(sim_factory, value):
    """4.2.6: "The Write Command adds a new LwM2M object." (an existing instance: refused
    or replaced); 3.2.1 built-in objects (3/0: refused or accepted); id 65535."""
    sim, c = client(sim_factory, addobj_exists=value, addobj_builtin=value, id_65535=value)
    add(c, "19,0,1,0")
    cmds = ["AT+QLWADDOBJ=19,0,2,0,1", "AT+QLWADDOBJ=3,0,1,0", "AT+QLWADDOBJ=65535,0,1,0",
            "AT+QLWADDOBJ=20,0,1,65535"]
    for cmd in cmds:
        if value == "strict":
            assert c.cmd(cmd) == ["+CME ERROR: 3"], cmd
        else:
            ok(c, cmd)
    objs = [x for x in c.cmd("AT+QLWADDOBJ?") if x.startswith("+QLWADDOBJ: 19,")]
    assert objs == (["+QLWADDOBJ: 19,0,1,0"] if value == "strict" else
                    ["+QLWADDOBJ: 19,0,2,0,1"])


@pytest.mark.parametrize("value", BOTH)
def test_wrrsp_name(sim_factory, value):
    """4.2.9 "AT+QLWRRSP Respond to the Write Request" against 5.4 "AT+QLWWRRSP=32193,2"."""
    sim, c = registered(sim_factory, wrrsp_name=value)
    p = sim.server.write("3303/0/5701", 1, "F", block=False)
    mid = int(c.wait_line('+QLWURC: "write"').split(",")[1])
    if value == "strict":
        assert c.cmd("AT+QLWWRRSP=%d,2" % mid) == ["ERROR"]
        ok(c, "AT+QLWRRSP=%d,2" % mid)
    else:
        ok(c, "AT+QLWWRRSP=%d,2" % mid)
    assert p.wait(1).result == 2
