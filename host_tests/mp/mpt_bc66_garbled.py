# Garbled answer lines (a byte lost or changed on the UART) through the whole driver on
# a scripted port: never a crash, never taken for an absent or a successful value.
import asyncio
import fakemodem
fakemodem.prefer_mpy()

CFG = '+QLWCONFIG: 0,"leshan.eclipse.org",5683,"urn:imei:866971030000717",900,3'


class Port:
    # a scripted module: every command written is answered with the next lines
    def __init__(self, *answers):
        self.answers = list(answers)
        self.ev = asyncio.Event()
        self.rx = b""
        self.sent = []

    async def write(self, b):
        b = b.encode() if isinstance(b, str) else bytes(b)
        self.sent.append(b)
        if b.endswith(b"\r"):
            a = self.answers.pop(0) if self.answers else "OK"
            self.rx += b"".join(x.encode() + b"\r\n" for x in a.split("|"))
            self.ev.set()

    async def readinto(self, buf):
        while not self.rx:
            self.ev.clear()
            await self.ev.wait()
        n = min(len(buf), len(self.rx))
        buf[:n] = self.rx[:n]
        self.rx = self.rx[n:]
        return n


def _run(port, call):
    from bc66.modem import BC66

    async def go():
        m = BC66(port)
        m.at.start()
        try:
            return m, await call(m)
        finally:
            await m.stop()
    return asyncio.run(go())


def _fails(port, call):
    from bc66.errors import CommandError
    try:
        _run(port, call)
    except CommandError as e:
        return e
    raise AssertionError("a garbled answer was accepted")


def test_unterminated_string_in_qlwcfg_is_command_error():
    # defect 1a: a quote lost from a +QLWCFG: line
    p = Port('+QLWCFG: "auto_reg,0|+QLWCFG: "rai_enable",0|OK')
    _fails(p, lambda m: m.cfg_all())


def test_qlwcfg_line_with_lost_comma_is_command_error():
    p = Port('+QLWCFG: "retransmit",38|+QLWCFG: "auto_reg"0|OK')
    _fails(p, lambda m: m.cfg_all())


def test_garbled_qlwconfig_prefix_is_not_no_configuration():
    # defect 1b: "+QLWCONFIG:" with a byte lost is no answer line: not "no configuration"
    p = Port(CFG.replace("CONFIG", "CONFG") + "|OK")
    _fails(p, lambda m: m.config_get())
    p = Port(CFG.replace(":", ";", 1) + "|OK")
    _fails(p, lambda m: m.config_get())


def test_garbled_qlwconfig_fields_are_command_error():
    for bad in (CFG.replace(",5683", "5683"), CFG.replace('"urn', "urn"),
                CFG.replace(",3", ",x"), CFG + ',"id"'):
        _fails(Port(bad + "|OK"), lambda m: m.config_get())


def test_config_answers_still_read():
    m, c = _run(Port(CFG + "|OK"), lambda m: m.config_get())
    assert len(c) == 1 and c[0].port == 5683 and c[0].security == 3 and c[0].psk is None
    m, c = _run(Port("OK"), lambda m: m.config_get())  # really none
    assert c == []
    m, c = _run(Port('+QLWCFG: "auto_reg",1|+QLWCFG: "retransmit",4,2|OK'),
                lambda m: m.cfg_all())
    assert c == {"auto_reg": (1,), "retransmit": (4, 2)}


def test_garbled_deferred_result_is_command_error():
    # "+QLWNOTIFY: 0" with its digit lost, or a quote: a CommandError, not a crash
    for bad in ("+QLWNOTIFY:", '+QLWNOTIFY: "0'):
        e = _fails(Port("OK|" + bad), lambda m: m.notify(19, 0, 0, 1, "1", 0))
        assert e.code == -1


def test_good_lines_after_garbled_ones():
    _fails(Port(CFG.replace("CONFIG", "CONFG") + "|OK"), lambda m: m.config_get())
    m, s = _run(Port("+QLWSTATUS: 2|OK"), lambda m: m.status())
    assert s == 2


# Issue 21 (2): every parser of a module answer checks its fields' types and counts; a
# line that does not parse is a CommandError, never a TypeError or a wrong value.
OBJ_LIST = "+QLWADDOBJ: 19,0,2,0,1|+QLWADDOBJ: 3303,0,1,5700|OK"


def test_object_list_with_a_lost_byte_is_command_error():
    # "+QLWADDOBJ: 19,0,1,0" with the <n> lost: a TypeError in BC66.objects before
    for bad in ("+QLWADDOBJ: 19,0,,0", "+QLWADDOBJ: 19,0,3,0,1", "+QLWADDOBJ: 19,0,1,0,1",
                "+QLWADDOBJ: 19,0,1", "+QLWADDOBJ: 19,0,1,x", '+QLWADDOBJ: 19,"0",1,0',
                "+QLWADDOBJ: 19,0,0", "+QLWADDOBJ: 19", "+QLWADDOBJ: 19,0,-1,0",
                "+QLWADDOBJ: 70000,0,1,0", "+QLWADDOBJ: 19,0,1,70000"):
        e = _fails(Port(bad + "|OK"), lambda m: m.objects())
        assert e.code == -1, bad
    m, objs = _run(Port(OBJ_LIST), lambda m: m.objects())
    assert objs == [(19, 0, (0, 1)), (3303, 0, (5700,))]


def test_module_answers_with_wrong_types_or_counts_are_command_error():
    cases = (
        (lambda m: m.imei(), ("+CGSN: 86797030052996", "+CGSN: 8679970300529961",
                              "+CGSN: 8679970300x2996", '+CGSN: "867997030052996"',
                              "+CGSN: 867997030052996,1", "+CGSN:")),
        (lambda m: m.cereg(), ("+CEREG: 01", "+CEREG: 0,x", "+CEREG: ,1", '+CEREG: 0,"1"')),
        (lambda m: m.csq(), ("+CSQ: 99", "+CSQ: 9999", "+CSQ: 99,x", "+CSQ: 1,2,3",
                             "+CSQ: 40,0")),
        (lambda m: m.status(), ("+QLWSTATUS: x", "+QLWSTATUS: 2,1", "+QLWSTATUS: 22",
                                "+QLWSTATUS:", '+QLWSTATUS: "2"')),
        (lambda m: m.cfg_get("retransmit"), ('+QLWCFG: "retransmit",4',
                                             '+QLWCFG: "retransmit",4,x',
                                             '+QLWCFG: "auto_reg",4,2', "+QLWCFG: 4,2",
                                             '+QLWCFG: "retransmit",4,2,1')),
        (lambda m: m.rd_count(), ("+QLWRD: x", "+QLWRD: -1", "+QLWRD: 1,2")),
        (lambda m: m.rd_next(), ('+QLWRD: 0,"nope",1', '+QLWRD: 0,"read",x,3303,0,1',
                                 "+QLWRD: x", "+QLWRD: -1,\"read\",1,3303,0,1")),
        (lambda m: m.ip(), ("+CGPADDR: x,1.2.3.4", "+CGPADDR: 1,1.2.3.4,5")),
    )
    for call, bads in cases:
        for bad in bads:
            e = _fails(Port(bad + "|OK"), call)
            assert e.code == -1, bad


def test_good_answers_still_read():
    assert _run(Port("+CGSN: 867997030052996|OK"), lambda m: m.imei())[1] == "867997030052996"
    assert _run(Port("+CEREG: 0,5|OK"), lambda m: m.cereg())[1] == 5
    assert _run(Port('+CEREG: 2,1,"1A2B","0C3D4E5F",9|OK'), lambda m: m.cereg())[1] == 1
    assert _run(Port("+CSQ: 99,99|OK"), lambda m: m.csq())[1] == (99, 99)
    assert _run(Port("+QLWSTATUS: 7|OK"), lambda m: m.status())[1] == 7
    assert _run(Port('+QLWCFG: "retransmit",4,2|OK'),
                lambda m: m.cfg_get("retransmit"))[1] == (4, 2)
    assert _run(Port("+QLWRD: 3|OK"), lambda m: m.rd_count())[1] == 3
    n, u = _run(Port('+QLWRD: 1,"read",7,3303,0,5700|OK'), lambda m: m.rd_next())[1]
    assert n == 1 and u.kind == "read" and u.msgid == 7 and u.res == 5700
    assert _run(Port("+QLWRD: 0|OK"), lambda m: m.rd_next())[1] == (0, None)
    # a buffered request whose message id can be read: a "malformed" record (answered 4.00)
    for bad in ('+QLWRD: 0,"read",1,3303,0', '+QLWRD: 0,"write",1,19,0,0,1,2,"4G",0'):
        n, u = _run(Port(bad + "|OK"), lambda m: m.rd_next())[1]
        assert n == 0 and u.kind == "malformed" and u.msgid == 1, (bad, u)
    assert _run(Port("+CGPADDR: 1|OK"), lambda m: m.ip())[1] is None
    assert _run(Port("OK|+QLWUPDATE: 0,61459"), lambda m: m.update(0, 100))[1] == 61459


def test_garbled_update_and_notify_message_ids_are_command_error():
    for bad in ("OK|+QLWUPDATE: 0,6x459", "+QLWUPDATE: x|OK|+QLWUPDATE: 0",
                "OK|+QLWUPDATE: 0,1,2"):
        _fails(Port(bad), lambda m: m.update(0, 100))
    p = Port('OK|+QLWURC: "report",x|+QLWNOTIFY: 0')
    _fails(p, lambda m: m.notify(19, 0, 0, 1, "1", 1))
