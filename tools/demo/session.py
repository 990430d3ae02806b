"""The demo's session, shared by the simulator's server (tools/demo/local.py) and a real
one (tools/demo/server.py): steps with a printed verdict each, and the node's orderly stop.
"""
import time

RESULT = {1: "2.05 Content", 2: "2.04 Changed", 11: "4.00 Bad Request", 12: "4.01 Unauthorized",
          13: "4.04 Not Found", 14: "4.05 Method Not Allowed", 15: "4.06 Not Acceptable"}


class Session:
    """Steps with a printed verdict each; ``ok`` is False after any failed step."""

    def __init__(self, sim, fw):
        self.sim = sim
        self.fw = fw
        self.ok = True
        self.n = 0

    def step(self, what, fn):
        self.n += 1
        t = time.time()
        try:
            detail = fn()
            print("  [%2d] %-52s ok   %s (%.2f s)" % (self.n, what, detail or "", time.time() - t))
        except Exception as e:  # a demo step reports any failure and carries on
            self.ok = False
            print("  [%2d] %-52s FAIL %s: %s" % (self.n, what, type(e).__name__, e))

    @staticmethod
    def expect(r, result):
        if r.result != result:
            raise AssertionError("answer %s, expected %s" % (RESULT.get(r.result, r.result),
                                                              RESULT[result]))
        return RESULT[result]


def stop_node(fw, sim):
    """Ctrl-C to the firmware, as a user stops it -> one line saying how it ended."""
    try:
        code = fw.interrupt()
    except TimeoutError as e:  # killed: what it was doing is the firmware's last lines
        what, _, last = str(e).partition("; last lines:")
        return what + ": killed; its last lines:" + last
    sent = any(c.startswith("AT+QLWDEREG") for c in sim.commands)
    return "node stopped with exit code %s, %s" % (code, "AT+QLWDEREG sent" if sent else
                                                   "no AT+QLWDEREG (it was not registered)")
