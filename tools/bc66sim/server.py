"""The LwM2M server side of the simulator, for tests (`sim.server`).

Each request emits the URC the note specifies with a fresh message id (or the buffer
announcement in access_mode 1), waits for the MCU's response command and returns a
`Response`, or raises `ServerTimeout`. All waits are in real seconds.
"""
from . import atparse as P
from . import builtins
from .atparse import CmeError
from .network import InProcessNetwork


class ServerTimeout(TimeoutError):
    """The MCU did not answer a server request within the deadline."""


class ServerError(RuntimeError):
    """The request cannot be sent (client not registered, network lost, ...)."""


class Response:
    """What the server received: `result` (the note's result code, e.g. 1 content,
    2 changed, 11..15 errors), `values` [(obj, inst, res, vtype, value), ...] in the order
    the parts arrived, `msgid`, `kind` and `auto` (answered by the module itself)."""

    def __init__(self, kind, msgid, result=None, values=None, auto=False):
        self.kind, self.msgid, self.result = kind, msgid, result
        self.values = values if values is not None else []
        self.auto = auto

    @property
    def value(self):
        """The value of the first part (None when there is none)."""
        return self.values[0][4] if self.values else None

    @property
    def ok(self):
        return self.result in (1, 2)

    def __eq__(self, other):
        """`response == 2` compares the result code (handy for write/execute)."""
        if isinstance(other, int) and not isinstance(other, bool):
            return self.result == other
        return NotImplemented

    __hash__ = object.__hash__

    def __int__(self):
        return self.result

    def __repr__(self):
        return "Response(%s, msgid=%s, result=%s, values=%r)" % (
            self.kind, self.msgid, self.result, self.values)


class Pending:
    """A request in flight; `wait(timeout)` -> Response or raises ServerTimeout."""

    def __init__(self, server, kind, msgid, path, deadline):
        self.server, self.kind, self.msgid, self.path = server, kind, msgid, path
        self.deadline = deadline
        self.response = None
        self.values = []
        self.delivered = False
        self.cancel = False
        self.indexes = []      # <index> of each part received so far
        self.lost = None       # why the module forgot this request (it is never answered)

    @property
    def done(self):
        return self.response is not None

    def wait(self, timeout=None):
        timeout = self.deadline if timeout is None else timeout
        sim = self.server.sim
        with sim.cond:
            if not sim.cond.wait_for(lambda: self.response is not None, timeout):
                self.server.pending.pop(self.msgid, None)
                raise ServerTimeout("%s %s (msgid %d): no response from the MCU within %.3f s%s"
                                    % (self.kind, self.path, self.msgid, timeout,
                                       " (module forgot it: %s)" % self.lost
                                       if self.lost else ""))
            return self.response


_RSP_CMD = {"read": "AT+QLWRDRSP", "write": "AT+QLWWRRSP", "execute": "AT+QLWEXERSP",
            "observe": "AT+QLWOBSRSP"}


class Server(InProcessNetwork):
    """The in-process LwM2M server model (the default ``sim.network``)."""

    def __init__(self, sim, deadline_s=5.0):
        self.sim = sim
        self.deadline_s = deadline_s
        self.pending = {}
        self.auto_acked = set()
        self.observed = set()
        # True: every path counts as observed (see observes); False: only ``observed``
        self.observe_all = True
        self.queued = []       # requests held while the module sleeps (queue mode)
        self.log = []          # every Response completed, in order

    def has_pending(self):
        """Requests delivered to the MCU and not answered yet."""
        return any(p.delivered for p in self.pending.values())

    # ---- request plumbing ----------------------------------------------------------------
    def _check(self):
        m = self.sim.modem
        if m.state not in (2, 6, 7):
            raise ServerError("client not registered (QLWSTATUS %d)" % m.state)
        if not m.network_ok or not m.attached:
            raise ServerError("network lost")

    def _request(self, kind, path, urc, msgid, timeout, block, obj, inst, cancel=False,
                 payload=None):
        sim = self.sim
        with sim.cond:
            self._check()
            m = sim.modem
            mid = m.next_msgid() if msgid is None else msgid
            p = Pending(self, kind, mid, path, self.deadline_s if timeout is None else timeout)
            p.cancel = cancel
            if builtins.is_builtin(m, obj):           # note 3.2.1: the module answers
                m.radio.downlink()
                m.radio.uplink()
                o, i, r = P.parse_path(path)
                if kind in ("read", "observe"):
                    result, values = builtins.read(m, o, i, r)
                elif kind == "write":
                    result, values = builtins.write(m, o, i, r, payload), []
                else:
                    result, values = builtins.NOT_ALLOWED, []
                p.response = Response(kind, mid, result, values, auto=True)
                self.log.append(p.response)
                return p.response if block else p
            if not m.has_object(obj, inst):
                p.response = Response(kind, mid, 13)      # 4.04, answered by the module
                self.log.append(p.response)
                return p.response if block else p
            self.pending[mid] = p
            if m.asleep or m.state != 2:
                self.queued.append(lambda: self._deliver(p, urc))
            else:
                self._deliver(p, urc)
        return p.wait() if block else p

    def _deliver(self, p, urc):
        m = self.sim.modem
        p.delivered = True
        m.deliver(urc % p.msgid)
        if p.kind == "observe" and m.cfg("auto_ack")[0]:
            self.pending.pop(p.msgid, None)
            self.auto_acked.add(p.msgid)
            p.response = Response(p.kind, p.msgid, 1, auto=True)
            self.log.append(p.response)
            self.sim.cond.notify_all()

    def on_online(self):
        """The client is reachable again (registered, updated or recovered): deliver what
        the server queued while the module slept (LwM2M queue mode)."""
        q, self.queued = self.queued, []
        for fn in q:
            fn()

    def forget(self, reason):
        """The module lost its LwM2M context (reboot, wake, AT+CFUN=0, deregistration):
        the requests it had delivered can no longer be answered; the server sees no
        answer (their `wait` ends in ServerTimeout)."""
        for mid, p in list(self.pending.items()):
            if p.delivered:
                p.lost = reason
                del self.pending[mid]
        self.auto_acked.clear()

    def respond(self, kind, msgid, result, part, index):
        """Called by the modem (under the lock) for an MCU response command. Chapter 6:
        not registered (a module that rebooted, detached or deregistered knows no
        message id) is error 4; an unknown message id error 3."""
        m = self.sim.modem
        if m.state != 2:
            raise CmeError(P.E_NOTREG)
        if kind == "observe" and msgid in self.auto_acked:
            return
        p = self.pending.get(msgid)
        if p is None or p.kind != kind:
            raise CmeError(P.E_VALUE, "no %s request with message id %d pending (answered "
                           "already, never sent, or timed out at the server)" % (kind, msgid))
        m._check_index(index, p.indexes)
        p.indexes.append(index)
        if part is not None:
            p.values.append(part)
        if index == 0:
            del self.pending[msgid]
            p.response = Response(kind, msgid, result, p.values)
            self.log.append(p.response)
            if kind == "observe" and result == 1:
                if p.cancel:
                    self.observed.discard(p.path)
                else:
                    self.observed.add(p.path)
            self.sim.cond.notify_all()

    # ---- the API -------------------------------------------------------------------------
    def read(self, path, timeout=None, msgid=None, block=True):
        o, i, r = P.parse_path(path)
        return self._request("read", path, '"read",%%d,%d,%d,%d' % (o, i, r),
                             msgid, timeout, block, o, i)

    def write(self, path, vtype, value, timeout=None, msgid=None, block=True):
        o, i, r = P.parse_path(path)
        data = P.encode_payload(value)
        urc = '"write",%%d,%d,%d,%d,%d,%d,"%s",0' % (o, i, r, vtype, len(data),
                                                       data.hex().upper())
        return self._request("write", path, urc, msgid, timeout, block, o, i, payload=data)

    def execute(self, path, timeout=None, msgid=None, block=True):
        o, i, r = P.parse_path(path)
        builtin = {(1, 0, 8): self.update_trigger, (1, 0, 4): self.disable,
                   (3, 0, 5): self.factory_reset, (1, 0, 9): self.bootstrap_request_trigger}
        if (o, i, r) in builtin:
            return builtin[(o, i, r)]()
        return self._request("execute", path, '"execute",%%d,%d,%d,%d' % (o, i, r),
                             msgid, timeout, block, o, i)

    def observe(self, path, timeout=None, msgid=None, block=True, cancel=False):
        o, i, r = P.parse_path(path)
        urc = '"observe",%%d,%d,%d,%d,%d' % (1 if cancel else 0, o, i, r)
        return self._request("observe", path, urc, msgid, timeout, block, o, i, cancel)

    def cancel_observe(self, path, timeout=None, msgid=None, block=True):
        return self.observe(path, timeout, msgid, block, cancel=True)

    def _builtin(self, kind, action):
        sim = self.sim
        with sim.cond:
            self._check()
            m = sim.modem
            mid = m.next_msgid()
            if m.asleep:
                self.queued.append(lambda: action(m))
            else:
                action(m)
            r = Response(kind, mid, 2, auto=True)
            self.log.append(r)
            return r

    def update_trigger(self):
        """Execute 1/0/8: the module updates its registration (+QLWURC: "ping",0)."""
        return self._builtin("update_trigger",
                             lambda m: sim_later(m, m.update_s, lambda: m._ping(False)))

    def disable(self, timeout_s=86400):
        """Execute 1/0/4: URC "disable",<timeout>; the client deregisters and registers
        again after timeout_s module-seconds."""
        def act(m):
            m.emit('+QLWURC: "disable",%d' % timeout_s)
            self.forget("disabled")
            m.state = 4
            m._cancel_update()
            m.disabled = True            # AT+QLWREG: error 7 until the timeout ends

            def over():
                m.disabled = False
                if m.state == 4:
                    m._start_register()
            sim_later(m, timeout_s, over)
        return self._builtin("disable", act)

    def factory_reset(self):
        """Execute 3/0/5: deregister, URC "factory_reset",0 then reboot (access_mode 0), or
        buffer the URC without rebooting (access_mode 1)."""
        def act(m):
            self.forget("factory reset")
            m.state = 4
            m._cancel_update()
            m._save_ctx(False)
            if m.cfg("access_mode")[0] == 1:
                m.deliver('"factory_reset",0')
            else:
                m.emit('+QLWURC: "factory_reset",0')
                sim_later(m, m.update_s, lambda: m.sim.reboot(reason="factory reset"))
        return self._builtin("factory_reset", act)

    def bootstrap(self, host="lwm2m.example.net", port=5684, lifetime=30):
        """Server-initiated bootstrap (note 3.1.1): the bootstrap server provisions the
        LwM2M server host:port with `lifetime`; the module reports "lifetime_changed" ...
        "bs_finished" and registers there (+QLWREG: 0). Needs the network and a
        configuration, and a module that is not in the middle of a procedure."""
        sim = self.sim
        with sim.cond:
            m = sim.modem
            if not m.attached or not m.network_ok or m.asleep:
                raise ServerError("network lost")
            if not m.nv["config"] or m.state not in (0, 2, 4):
                raise ServerError("client cannot be bootstrapped (QLWSTATUS %d)" % m.state)
            m.server_bootstrap(host, port, lifetime)

    def bootstrap_request_trigger(self):
        """Execute 1/0/9: URC "bootstrap_request_trigger",0 then a new registration."""
        def act(m):
            m.emit('+QLWURC: "bootstrap_request_trigger",0')
            self.forget("bootstrap requested")
            m._cancel_update()
            m.state = 1
            m.bs_connected = False           # "Client Initiated Bootstrap" from the start
            m._reg_steps = m._reg_plan(False)
            m._send_register()
        return self._builtin("bootstrap_request_trigger", act)

    def expect_rsp_command(self, kind):
        return _RSP_CMD[kind]


def sim_later(m, delay, fn):
    gen = m.boots

    def run():
        if gen == m.boots:
            fn()
    return m.sim.later(delay, run)
