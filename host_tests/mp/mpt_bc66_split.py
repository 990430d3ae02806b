# lib/bc66/modem.py against a stub engine: long values sent in parts with index N-1..0,
# written as pieces (no 1 KB command copies), and argument checks before anything is sent.
import fakemodem
fakemodem.prefer_mpy()


M = []


def test_0_import():
    import gc
    __import__("bc66.modem")
    __import__("bc66.values")
    gc.collect()
    _m()


class StubAT:
    # records what BC66 hands the engine; answers OK and the deferred <err> 0
    def __init__(self):
        self.sent = []

    async def cmd(self, cmd, prefix=None, timeout_ms=300, deferred=None,
                  deferred_timeout_ms=0, capture=None, wake=True, secret=None):
        self.sent.append(cmd)
        info = ['+QLWURC: "report",%d' % len(self.sent)] if capture else []
        return (info, deferred + " 0") if deferred else info


def _m():
    # one BC66 for all tests (its engine is never started: BC66 hands commands to the stub)
    if not M:
        from bc66.modem import BC66
        M.append(BC66(None))
    m = M[0]
    m.at = StubAT()
    return m


async def test_notify_opaque_split_in_two():
    m = _m()
    assert await m.notify(19, 0, 0, 2, bytes(512) + b"\xff") == 2
    a, b = m.at.sent
    # a 1 KB value is written as pieces: head, quote, 16 hex chunks, quote, tail
    assert a[0] == "AT+QLWNOTIFY=19,0,0,2,512," and a[1] == a[-2] == '"' and a[-1] == ",1,1"
    assert len(a) == 20 and all(c == b"00" * 32 for c in a[2:-2])
    assert b == 'AT+QLWNOTIFY=19,0,0,2,1,"FF",0,1'


async def test_read_rsp_string_split_index():
    m = _m()
    await m.read_rsp(7, 1, 9, 0, 0, 1, "a" * 1024 + "bc", index=1)
    a, b = m.at.sent
    assert a[0] == "AT+QLWRDRSP=7,1,9,0,0,1,1024," and a[4] == ",2"
    assert len(a[2]) == 1024 and a[2].count("a") == 1024
    assert b == 'AT+QLWRDRSP=7,1,9,0,0,1,2,"bc",1'


async def test_arguments_checked_before_sending():
    from fakemodem import raises
    m = _m()
    await raises(ValueError, m.read_rsp(1, 2, 9, 0, 0))
    await raises(ValueError, m.read_rsp(70000, 1, 9, 0, 0))
    await raises(ValueError, m.read_rsp(1, 1, 9, 0, 0, 1, 'x"\r\nAT+QLWDEREG'))
    await raises(ValueError, m.obs_rsp(1, 1, 9, -2, 0))
    await raises(ValueError, m.exec_rsp(1, 1))
    await raises(ValueError, m.write_rsp(1, 3))
    await raises(ValueError, m.notify(9, 0, 0, 1, 'a"b'))
    await raises(ValueError, m.notify(9, 0, 0, 3, 1, rai=3))
    await raises(ValueError, m.notify(9, 0, -2, 3, 1))
    await raises(ValueError, m.notify(9, 0, 0, 6, 1))
    await raises(ValueError, m.cfun(2))
    await raises(ValueError, m.sclk(3))
    await raises(ValueError, m.del_object(-1))
    await raises(ValueError, m.update(2, 1))
    await raises(ValueError, m.update(0, 19))
    await raises(ValueError, m.update(1, 2))
    assert m.at.sent == []
