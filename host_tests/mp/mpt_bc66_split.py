# lib/bc66/modem.py against a stub engine: long values sent in parts with index N-1..0,
# written as pieces (no 1 KB command copies), and argument checks before anything is sent.
import fakemodem
fakemodem.prefer_mpy()


M = []


def _m():
    # one BC66 for all tests (its engine is never started: BC66 hands commands to the stub)
    if not M:
        from bc66.modem import BC66
        M.append(BC66(None))
    m = M[0]
    m.at = StubAT()
    return m


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


async def test_notify_opaque_split_in_two():
    m = _m()
    assert await m.notify(19, 0, 0, 2, bytes(513)) == 2
    a, b = m.at.sent
    # a 1 KB value is written as pieces: head, quote, 16 hex chunks, quote, tail
    assert a[0] == "AT+QLWNOTIFY=19,0,0,2,512," and a[1] == a[-2] == '"' and a[-1] == ",1,1"
    assert len(a) == 20 and all(c == b"00" * 32 for c in a[2:-2])
    assert b == 'AT+QLWNOTIFY=19,0,0,2,1,"00",0,1'
