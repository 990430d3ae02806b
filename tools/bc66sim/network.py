"""The seam between the module's LwM2M engine and the server it talks to.

The engine (lwm2m.py, datacmds.py) reaches the network only through ``sim.network``, which
is either the in-process server model (``server.Server``, the default, through
``InProcessNetwork`` below) or a real LwM2M 1.0 client over CoAP (``coapclient.CoapLink``).
Both implement:

    register(done)                         registration; done(status)
    update(done, lifetime=None, binding=None, objects=False)
                                           registration update; done(status)
    deregister(done)                       de-registration; done(status)
    notify(parts, con, done)               one notification (its parts, index N-1..0);
                                           CON: done(status) when acked or given up
    respond(kind, msgid, result, part, index)
                                           an MCU response command; raises CmeError(3)
                                           for a message id it does not know
    has_pending()                          requests delivered and not answered yet
    forget(reason)                         the module lost its LwM2M context: requests
                                           it had delivered can no longer be answered

``status`` is the note's <status_code> (chapter 6): 0 success, 1 timeout, 4 update
failed, 9 reset, ... Every call and callback runs under ``sim.lock``.
"""
from . import atparse as P


class InProcessNetwork:
    """The in-process server model's side of the seam: it answers at once, after the
    module-time round trips of the modem (``reg_s``, ``ack_s``), faults applied."""

    def register(self, done):
        self.sim.later(self.sim.modem.reg_s, lambda: done(0))

    def update(self, done, lifetime=None, binding=None, objects=False):
        done(0)

    def deregister(self, done):
        done(0)

    def observes(self, obj, inst, res):
        """True if the server observes ``obj/inst/res`` (itself, its instance or its
        object): any path while ``observe_all`` (the default test server, as one that
        observes the node's objects at registration), else only the paths of
        ``observed`` (observe requests the MCU answered)."""
        if self.observe_all:
            return True
        for path in self.observed:
            o, i, r = P.parse_path(path)
            if o == obj and i in (-1, inst) and r in (-1, res):
                return True
        return False

    def notify(self, parts, con, done):
        p0 = parts[0]
        if not self.observes(p0.obj, p0.inst, p0.res):
            # no observation of it: nothing is sent (as coapclient: "report_ack",2)
            self.sim.event("notify %s: no observation of it, nothing sent" % p0.path)
            if con:
                self.sim.later(0, lambda: done(P.NOT_SENT))
            return
        if not con:
            return
        m = self.sim.modem
        lost = not m.network_ok or self.sim.faults.take_ack_loss()
        if lost:
            t, n = m.cfg("retransmit")
            wait = P.retransmit_total(t, n, m.cfg("retransmit_mode")[0])
        else:
            wait = m.ack_s
        self.sim.later(wait, lambda: done(1 if lost else 0))
