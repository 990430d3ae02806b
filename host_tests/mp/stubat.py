# A stub ATEngine for testing lib/bc66/modem.py alone: BC66 hands it every command, it
# records them and answers OK (and the deferred <err>/<status> ``dfr``, " 0" by default).
# Lighter than fake.py: these tests need no reader task and no fragmented replies.

M = []


class StubAT:
    def __init__(self, dfr=" 0"):
        self.sent = []
        self.dfr = dfr

    async def cmd(self, cmd, prefix=None, timeout_ms=300, deferred=None,
                  deferred_timeout_ms=0, capture=None, wake=True, secret=None):
        self.sent.append(cmd)
        info = ['+QLWURC: "report",%d' % len(self.sent)] if capture else []
        return (info, deferred + self.dfr) if deferred else info

    def post(self, cmd, deferred, done, timeout_ms=300, deferred_timeout_ms=0, before=None,
             first=True):
        # an answer command (BC66.answer): recorded without its CR, its <err> given at once
        self.sent.append(cmd[:-1] if isinstance(cmd, str) and cmd.endswith("\r") else cmd)
        done(int(self.dfr))
        return True


def stub_modem(dfr=" 0"):
    # one BC66 for all tests of a module (its engine is never started), on a fresh stub
    if not M:
        from bc66.modem import BC66
        M.append(BC66(None))
    m = M[0]
    m.at = StubAT(dfr)
    return m
