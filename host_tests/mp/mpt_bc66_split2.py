# lib/bc66/modem.py against a stub engine: a string longer than 1024 characters is
# sent in parts, indexes counting down to the caller's index.
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
    __import__("bc66.answer")


class StubAT:
    # records what BC66 hands the engine; answers OK and the deferred <err> 0
    def __init__(self):
        self.sent = []

    async def cmd(self, cmd, prefix=None, timeout_ms=300, deferred=None,
                  deferred_timeout_ms=0, capture=None, wake=True, secret=None):
        self.sent.append(cmd)
        info = ['+QLWURC: "report",%d' % len(self.sent)] if capture else []
        return (info, deferred + " 0") if deferred else info


async def test_read_rsp_string_split_index():
    m = _m()
    await m.read_rsp(7, 1, 9, 0, 0, 1, "a" * 1024 + "bc", index=1)
    a, b = m.at.sent
    assert a[0] == "AT+QLWRDRSP=7,1,9,0,0,1,1024," and a[4] == ",2"
    assert len(a[2]) == 1024 and a[2].count("a") == 1024
    assert b == 'AT+QLWRDRSP=7,1,9,0,0,1,2,"bc",1'
