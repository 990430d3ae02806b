"""The data-plane LwM2M commands (mixed into Modem through LwM2M): responses to server
requests (AT+QLWRDRSP/QLWWRRSP/QLWRRSP/QLWEXERSP/QLWOBSRSP), AT+QLWNOTIFY and the
access_mode 1 buffer (AT+QLWRD)."""
import time

from . import atparse as P
from .atparse import AtError, CmeError, to_int


class Notification:
    """One AT+QLWNOTIFY the MCU sent (one per part; parts of a message share msgid)."""

    def __init__(self, obj, inst, res, vtype, value, index, con, rai):
        self.obj, self.inst, self.res = obj, inst, res
        self.vtype, self.value, self.index = vtype, value, index
        self.con, self.rai = con, rai
        self.msgid = None      # the "report" message id (CON only)
        self.acked = None      # CON: None while waiting, True acked, False lost
        self.t = time.monotonic()

    @property
    def path(self):
        return "%d/%d/%d" % (self.obj, self.inst, self.res)

    def __repr__(self):
        return ("Notification(%s, vtype=%d, value=%r, index=%d, con=%s, rai=%d, msgid=%s, "
                "acked=%s)" % (self.path, self.vtype, self.value, self.index, self.con,
                               self.rai, self.msgid, self.acked))


class DataCommands:
    def _content_rsp(self, kind, a, name):
        if kind != "set":
            raise AtError()
        if len(a) < 2:
            raise CmeError(P.E_NPARAM)
        mid, result = to_int(a[0], 0, 65535), to_int(a[1])
        if result not in P.READ_RESULTS:
            raise CmeError(P.E_VALUE)
        part, index = None, 0
        if result == 1 or len(a) == 9:
            if len(a) != 9:
                raise CmeError(P.E_NPARAM)
            obj, inst, res = to_int(a[2]), to_int(a[3]), to_int(a[4])
            index = to_int(a[8], 0)
            if result == 1:
                vtype, ln = to_int(a[5], 1, 5), to_int(a[6], 0)
                part = (obj, inst, res, vtype, P.decode_value(vtype, ln, a[7]))
        self.sim.server.respond(kind_of[name], mid, result, part, index)
        self.defer(self.short_s, "+%s: 0" % name)

    def c_qlwrdrsp(self, kind, a):
        self._content_rsp(kind, a, "QLWRDRSP")

    def c_qlwobsrsp(self, kind, a):
        self._content_rsp(kind, a, "QLWOBSRSP")

    def _result_rsp(self, kind, a, name, req):
        if kind != "set":
            raise AtError()
        if len(a) != 2:
            raise CmeError(P.E_NPARAM)
        mid, result = to_int(a[0], 0, 65535), to_int(a[1])
        if result not in P.WRITE_RESULTS:
            raise CmeError(P.E_VALUE)
        self.sim.server.respond(req, mid, result, None, 0)
        self.defer(self.short_s, "+%s: 0" % name)

    def c_qlwwrrsp(self, kind, a):
        if self.sim.faults.wrrsp_error:
            raise AtError()
        self._result_rsp(kind, a, "QLWWRRSP", "write")

    def c_qlwrrsp(self, kind, a):
        self._result_rsp(kind, a, "QLWRRSP", "write")

    def c_qlwexersp(self, kind, a):
        self._result_rsp(kind, a, "QLWEXERSP", "execute")

    def c_qlwnotify(self, kind, a):
        if kind != "set":
            raise AtError()
        if not 7 <= len(a) <= 9:
            raise CmeError(P.E_NPARAM)
        obj, inst, res = to_int(a[0]), to_int(a[1]), to_int(a[2], -1)
        vtype, ln = to_int(a[3], 1, 5), to_int(a[4], 0)
        value = P.decode_value(vtype, ln, a[5])
        index = to_int(a[6], 0)
        con = to_int(a[7], 0, 1) if len(a) > 7 else 0
        rai = to_int(a[8], 0, 2) if len(a) > 8 else 0
        if self.state != 2:
            raise CmeError(P.E_NOTREG)
        n = Notification(obj, inst, res, vtype, value, index, bool(con), rai)
        self.sim.notifications.append(n)
        self._parts.append(n)
        if index > 0:
            self.defer(self.short_s, "+QLWNOTIFY: 0")
            return
        parts, self._parts = self._parts, []
        if not con:
            self.defer(self.short_s, "+QLWNOTIFY: 0")
            return
        mid = self.next_msgid()
        for p in parts:
            p.msgid = mid
        self.defer(self.short_s, '+QLWURC: "report",%d' % mid)
        self.defer(self.short_s, "+QLWNOTIFY: 0")
        lost = not self.network_ok or self.sim.faults.take_ack_loss()
        if lost:
            t, m = self.cfg("retransmit")
            wait = P.retransmit_total(t, m, self.cfg("retransmit_mode")[0])
        else:
            wait = self.ack_s

        def ack():
            for p in parts:
                p.acked = not lost
            self.emit('+QLWURC: "report_ack",%d,%d' % (1 if lost else 0, mid))
        self.defer(self.short_s + wait, ack)

    def c_qlwrd(self, kind, a):
        if kind == "read":
            self._resp.append("+QLWRD: %d" % len(self.buffer))
        elif kind == "exec":
            if self.buffer:
                item = self.buffer.pop(0)
                self._resp.append("+QLWRD: %d,%s" % (len(self.buffer), item))
            else:
                self._resp.append("+QLWRD: 0")
        else:
            raise AtError()


kind_of = {"QLWRDRSP": "read", "QLWOBSRSP": "observe"}
