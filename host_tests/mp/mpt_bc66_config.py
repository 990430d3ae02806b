# The set-up commands of lib/bc66/modem.py (AT+QLWCONFIG, AT+QLWCFG, AT+QLWADDOBJ) against
# a stub engine: the command text, validation and answer parsing.
# (The same calls through the whole stack run in mpt_transcripts.)
import asyncio
import fakemodem
fakemodem.prefer_mpy()

PSK = "3083693CF1E6766A2408BFD88278249A2DB498B40A6BF6049300FD47DE325CFC"


class StubEngine:
    # ATEngine.cmd's signature: records each command, answers with the next scripted info
    # lines (or raises the next scripted exception); deferred results are "<prefix> 0"
    def __init__(self, *answers):
        self.sent = []
        self.answers = list(answers)

    async def cmd(self, cmd, prefix=None, timeout_ms=300, deferred=None,
                  deferred_timeout_ms=0, capture=None, wake=True, secret=None):
        self.sent.append(cmd)
        a = self.answers.pop(0) if self.answers else []
        if isinstance(a, Exception):
            raise a
        return (a, deferred + " 0") if deferred else a


def Stub(*answers):
    # a BC66 on a stub engine
    from bc66.modem import BC66
    m = BC66(None)
    m.at = StubEngine(*answers)
    m.sent = m.at.sent
    return m


def _run(coro):
    return asyncio.run(coro)


def _bad(f, *a):
    try:
        _run(f(*a))
    except ValueError as e:
        assert PSK not in str(e)
        return
    raise AssertionError("accepted %r" % (a,))


def _parse(query, lines):
    # the answer of a query command parsed by the modem method that sends it
    m = Stub(lines)
    return _run(getattr(m, query)())


def test_config_set_and_psk_masking():
    from bc66.errors import CommandError
    s = Stub([], CommandError(3, "AT+QLWCONFIG"))
    _run(s.config_set(0, "leshan.eclipse.org", 5683, "urn:imei:866971030000717", 900, 3))
    assert s.sent[0] == 'AT+QLWCONFIG=0,"leshan.eclipse.org",5683,"urn:imei:866971030000717",900,3'
    try:
        _run(s.config_set(1, "bootp.iot.t-mobile.com", 5584, "urn:imei:1", 900, 0, "id", PSK))
    except CommandError as e:
        assert PSK not in repr(e) and e.code == 3
    assert s.sent[1].endswith(',900,0,"id","%s"' % PSK)


def test_config_get_one_or_two_lines():
    c = _parse("config_get", ['+QLWCONFIG:1,"h",5584,"ep",900,0,"id","00"',
                   '+QLWCONFIG:0,"srv",5683,"ep",30,3'])
    assert len(c) == 2 and c[0].host == "h" and c[0].psk == "00" and c[1].port == 5683
    assert c[1].psk is None and c[1].security == 3 and c[0].bs == 1 and c[0].lifetime == 900


def test_config_validation():
    s = Stub()
    for a in ((2, "h", 1, "e", 20, 3), (0, "h" * 151, 1, "e", 20, 3), (0, "h", 65536, "e", 20, 3),
              (0, "h", 1, 'e"', 20, 3), (0, "h", 1, "e", 19, 3), (0, "h", 1, "e", 31536001, 3),
              (0, "h", 1, "e", 20, 1), (0, "h", 1, "e", 20, 0), (0, "h", 1, "e", 20, 0, "i", "AB1"),
              (0, "h", 1, "e", 20, 0, "i", PSK[:-1] + "G"), (0, "h", 1, "e", 20, 0, "i", "00" * 129),
              (0, "h\r\nAT+QLWDEREG", 1, "e", 20, 3)):
        _bad(s.config_set, *a)
    assert s.sent == []


def test_cfg_every_key_set_get_all():
    from bc66.modem import CFG_RANGES
    for k, r in CFG_RANGES.items():
        vals = (4, 3) if len(r) == 2 else (1,)
        s = Stub([], ['+QLWCFG: "%s",%s' % (k, ",".join(str(x) for x in vals))])
        _run(s.cfg_set(k, *vals))
        assert s.sent[0] == 'AT+QLWCFG="%s",%s' % (k, ",".join(str(x) for x in vals))
        assert _run(s.cfg_get(k)) == vals and s.sent[1] == 'AT+QLWCFG="%s"' % k
    _bad(Stub().cfg_set, "auto_reg", 2)
    _bad(Stub().cfg_set, "retransmit", 21, 1)
    _bad(Stub().cfg_set, "retransmit", 2)
    _bad(Stub().cfg_set, "nope", 1)
    _bad(Stub().cfg_get, "nope")
    d = _parse("cfg_all", ['+QLWCFG: "auto_reg",0', '+QLWCFG: "retransmit",2,4'])
    assert d == {"auto_reg": (0,), "retransmit": (2, 4)}


def test_add_object_and_list():
    s = Stub()
    _run(s.add_object(3303, 0, (5601, 5602, 5603)))
    assert s.sent == ["AT+QLWADDOBJ=3303,0,3,5601,5602,5603"]
    # the note (4.2.6) limits an object to 4 instances, not their ids: 4, 17, 65534 go
    for i in (4, 17, 65534):
        _run(s.add_object(3303, i, (5700,)))
    assert s.sent[1:] == ["AT+QLWADDOBJ=3303,%d,1,5700" % i for i in (4, 17, 65534)]
    for a in ((3303, 65535, (1,)), (3303, -1, (1,)), (3303, 0, ()), (3303, 0, tuple(range(15))),
              (-1, 0, (1,))):
        _bad(s.add_object, *a)
    o = _parse("objects", ["+QLWADDOBJ: 9,0,5,0,1,2,3,4", "+QLWADDOBJ: 19,1,4,0,1,2,3"])
    assert o == [(9, 0, (0, 1, 2, 3, 4)), (19, 1, (0, 1, 2, 3))]


CFG_EXAMPLE = """+QLWCFG: "auto_reg",0
+QLWCFG: "per_regstatus_feat",0
+QLWCFG: "rai_enable",0
+QLWCFG: "retransmit",2,4
+QLWCFG: "auto_ack",0
+QLWCFG: "access_mode",0
+QLWCFG: "recovery_mode",0
+QLWCFG: "retransmit_mode",0"""


def test_chapter_4_query_examples():
    # 4.2.1, 4.2.2 and 4.2.6: the query answers exactly as the note prints them
    d = _parse("cfg_all", CFG_EXAMPLE.split("\n"))
    assert len(d) == 8 and d["retransmit"] == (2, 4) and d["retransmit_mode"] == (0,)
    c = _parse("config_get", ['+QLWCONFIG:1,"bootp.iot.t-mobile.com",5584,"urn:imei:867997030052996",'
                   '900,0,"urn:imei:867997030052996","%s"' % PSK])
    assert c[0].host == "bootp.iot.t-mobile.com" and c[0].port == 5584 and c[0].psk == PSK
    o = _parse("objects", ["+QLWADDOBJ: 3303,%d,3,5601,5602,5603" % i for i in range(4)])
    assert o[3] == (3303, 3, (5601, 5602, 5603))


def test_reboot_and_power_down_commands():
    s = Stub()
    _run(s.reboot())
    _run(s.power_down())
    assert s.sent == ["AT+QRST=1", "AT+QPOWD=0"]


def test_add_object_deferred_error():
    from bc66.errors import CommandError
    s = Stub()

    async def refused(cmd, *a, **k):
        return [], "+QLWADDOBJ: 3"
    s.at.cmd = refused
    try:
        _run(s.add_object(19, 0, (0, 1)))
    except CommandError as e:
        assert e.code == 3 and e.name == "Parameter value error"
    else:
        raise AssertionError("no error")
