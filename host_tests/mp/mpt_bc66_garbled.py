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
