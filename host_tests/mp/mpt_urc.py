# lib/bc66/urc.py: every +QLWURC kind of the note's table 1 (18) and the start-up news.
import fakemodem
fakemodem.prefer_mpy(("__init__", "values", "urc"))

CASES = (
    ('+QLWURC: "ping",0', "ping", dict(value=0, status=0)),
    ('+QLWURC: "buffer"', "buffer", {}),
    ('+QLWURC: "write",36560,9,0,0,2,7,"5155454354454C",0', "write",
     dict(msgid=36560, obj=9, inst=0, res=0, vtype=2, length=7, value=b"QUECTEL", part=0)),
    ('+QLWURC: "read",62953,9,0,0', "read", dict(msgid=62953, obj=9, inst=0, res=0)),
    ('+QLWURC: "read",1,3303,-1,-1', "read", dict(inst=-1, res=-1)),
    ('+QLWURC: "execute",39040,15,0,5', "execute", dict(msgid=39040, obj=15, inst=0, res=5)),
    ('+QLWURC: "observe",624,0,9,0,0', "observe", dict(msgid=624, flag=0, obj=9, res=0)),
    ('+QLWURC: "observe",16988,1,3303,0,-1', "observe", dict(flag=1, res=-1)),
    ('+QLWURC: "bs_finished"', "bs_finished", {}),
    ('+QLWURC: "report",17111', "report", dict(msgid=17111)),
    ('+QLWURC: "report_ack",0,17111', "report_ack", dict(status=0, msgid=17111)),
    ('+QLWURC: "lwstatus",1', "lwstatus", dict(value=1)),
    ('+QLWURC: "lifetime_changed",30', "lifetime_changed", dict(value=30)),
    ('+QLWURC: "binding_changed","UQ"', "binding_changed", dict(value="UQ")),
    ('+QLWURC: "min_period_changed",1', "min_period_changed", dict(value=1)),
    ('+QLWURC: "max_period_changed",3600', "max_period_changed", dict(value=3600)),
    ('+QLWURC: "disable",86400', "disable", dict(value=86400)),
    ('+QLWURC: "factory_reset",0', "factory_reset", dict(status=0)),
    ('+QLWURC: "bootstrap_request_trigger",0', "bootstrap_request_trigger", dict(status=0)),
    ('+QLWURC: "recovered",3', "recovered", dict(value=3, status=3)),
    ("+QLWREG: 0", "reg", dict(value=0, status=0)),
    ("+IP: 100.119.77.254", "ip", dict(value="100.119.77.254")),
    ("+CPIN: READY", "cpin", dict(value="READY")),
    ("+CFUN: 1", "cfun", dict(value=1)),
    ("REBOOT", "reboot", {}),
)


def test_all_kinds():
    from bc66.urc import parse, KINDS, REQUESTS
    seen = set()
    for line, kind, want in CASES:
        u = parse(line)
        assert u is not None and u.kind == kind, line
        for k in want:
            assert getattr(u, k) == want[k], (line, k, getattr(u, k))
        seen.add(kind)
    kinds = [x.split(":")[0] for x in KINDS.split()] + [r[1] for r in REQUESTS]
    assert all(k in seen for k in kinds) and len(kinds) == 18, kinds


def test_malformed_is_none():
    from bc66.urc import parse
    for line in ('+QLWURC: "read",a,1,2,3', '+QLWURC: "nope",1', '+QLWURC: "read', "+FOO: 1",
                 "x"):
        assert parse(line) is None, line


def test_request_with_a_readable_message_id_is_a_malformed_record():
    # the one request parser (urc.request) for str lines too: answered 4.00, not lost
    from bc66.urc import parse
    for line, kind in (('+QLWURC: "read",1,2', "read"),
                       ('+QLWURC: "write",1,9,0,0,2,1,"3G",0', "write")):
        u = parse(line)
        assert u.kind == "malformed" and u.msgid == 1 and u.value == kind, (line, u)


def test_spaces_tolerated():
    from bc66.urc import parse
    u = parse('+QLWURC: "report_ack", 0, 17111')
    assert u.status == 0 and u.msgid == 17111


def _bytecode():
    pass


def test_request_fields_are_read_by_native_code():
    # urc.ints is viper code on every port we test (build_mpy.ARCH; QEMU: frozen armv7m)
    from bc66 import urc
    assert type(urc.ints) is not type(_bytecode), type(urc.ints)
    out = urc._fields
    assert urc.ints(b" 1,-2 ,65535", 0, 12, 3, out) and list(out[:3]) == [1, -2, 65535]
    for bad in (b"1,2", b"1,,3", b"+1,2,3", b"1,2,3x", b"1_0,2,3", b"\t1,2,3", b"-,2,3",
                b"1234567890,2,3"):
        assert not urc.ints(bad, 0, len(bad), 3, out), bad
