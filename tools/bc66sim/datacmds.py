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
    def id_arg(self, a, lo=0):
        """An object/instance/resource id: lo..65535, or lo..65534 under the id_65535
        reading (LwM2M reserves 65535)."""
        return to_int(a, lo, 65534 if self.strict("id_65535") else 65535)

    def _check_index(self, index, parts):
        # reading index_gap: "the order number of <index> is N-1 to 0 in descending order"
        if parts and (index >= parts[-1] if not self.strict("index_gap")
                      else index != parts[-1] - 1):
            raise CmeError(P.E_VALUE, "<index> %d after %d (reading index_gap: %s)" % (
                index, parts[-1], "one less" if self.strict("index_gap") else "descending"))

    def _content_rsp(self, kind, a, name):
        # 4.2.8 / 4.2.11: all nine parameters, none optional (the error answers included)
        if kind != "set":
            raise AtError()
        if len(a) != 9:
            raise CmeError(P.E_NPARAM)
        mid, result = to_int(a[0], 0, 65535), to_int(a[1])
        if result not in P.READ_RESULTS:
            raise CmeError(P.E_VALUE)
        obj, inst, res = self.id_arg(a[2]), self.id_arg(a[3], -1), self.id_arg(a[4], -1)
        vtype, ln, index = to_int(a[5], 1, 5), to_int(a[6], 0), to_int(a[8], 0)
        part = None
        if result == 1:
            value = P.decode_value(vtype, ln, a[7], self.strict("float_len"))
            part = (obj, inst, res, vtype, value)
        self.sim.network.respond(kind_of[name], mid, result, part, index)
        self.radio.uplink()
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
        self.sim.network.respond(req, mid, result, None, 0)
        self.radio.uplink()
        self.defer(self.short_s, "+%s: 0" % name)

    def c_qlwwrrsp(self, kind, a):
        # reading wrrsp_name: 4.2.9 names the command AT+QLWRRSP, example 5.4 AT+QLWWRRSP
        if self.sim.faults.wrrsp_error or self.strict("wrrsp_name"):
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
        # 4.2.12: only <resourceID> has a documented -1 ("all resources")
        obj, inst, res = self.id_arg(a[0]), self.id_arg(a[1]), self.id_arg(a[2], -1)
        vtype, ln = to_int(a[3], 1, 5), to_int(a[4], 0)
        value = P.decode_value(vtype, ln, a[5], self.strict("float_len"))
        index = to_int(a[6], 0)
        con = to_int(a[7], 0, 1) if len(a) > 7 else 0
        rai = to_int(a[8], 0, 2) if len(a) > 8 else 0
        if self.state != 2:
            raise CmeError(P.E_NOTREG)
        if not self.has_resource(obj, inst, res):
            # 3.2.2, 4.2.12: AT+QLWNOTIFY sends a custom object's data; one the module does
            # not hold (never added with AT+QLWADDOBJ, a built-in object, another
            # instance or resource) is not sent: OK, no "report", +QLWNOTIFY: 3
            self._parts = []
            self.defer(self.short_s, "+QLWNOTIFY: %d" % P.E_VALUE)
            return
        self._check_index(index, [p.index for p in self._parts])
        n = Notification(obj, inst, res, vtype, value, index, bool(con), rai)
        self.sim.notifications.append(n)
        self._parts.append(n)
        if index > 0:
            self.defer(self.short_s, "+QLWNOTIFY: 0")
            return
        parts, self._parts = self._parts, []
        self.radio.uplink(rai)
        if not con:
            self.defer(self.short_s, "+QLWNOTIFY: 0")
            self.defer(self.short_s, lambda: self.sim.network.notify(parts, False, None))
            return
        mid = self.next_msgid()
        for p in parts:
            p.msgid = mid
        self.defer(self.short_s, '+QLWURC: "report",%d' % mid)
        self.defer(self.short_s, "+QLWNOTIFY: 0")
        gen = self.boots

        def send():
            self._inflight += 1         # busy (no deep sleep) until the ACK or give-up
            self.sim.network.notify(parts, True, ack)

        def ack(status):
            if gen != self.boots:
                return
            self._inflight -= 1
            if status == 0:
                self.radio.downlink()
            for p in parts:
                p.acked = status == 0
            self.emit('+QLWURC: "report_ack",%d,%d' % (status, mid))
        self.defer(self.short_s, send)

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
