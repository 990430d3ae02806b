"""BC66: one typed coroutine per AT command of the LwM2M application note.

Simple commands live in the table ``API`` (reached through ``__getattr__``: one small
table entry instead of one method each); commands with richer arguments are methods.
"""
from micropython import const
from .at import ATEngine
from .errors import ATTimeout, CommandError, StatusError, check_int
from .urc import fields, from_fields, parse

STATUS_NOT_REGISTERED = const(0)
STATUS_REGISTERING = const(1)
STATUS_REGISTERED = const(2)
STATUS_DEREGISTERING = const(3)
STATUS_DEREGISTERED = const(4)
STATUS_INVALID = const(5)
STATUS_RECOVERING = const(6)
STATUS_NEED_RECOVER = const(7)

# Timeout classes (index into BC66.timeouts).
_TC = const(0)  # the note's 300 ms maximum response time
_TL = const(1)  # a deferred <err> the module produces itself
_TN = const(2)  # network outcomes: register, update, deregister, notify, recover
_TF = const(3)  # AT+CFUN
# Answer parsers.
_P0 = const(0)  # nothing
_P1 = const(1)  # first field
_PS = const(2)  # first field as str
_PC = const(3)  # CEREG stat
_PQ = const(4)  # (rssi, ber)
_PI = const(5)  # IP or None
_PW = const(6)  # list of LwConfig
_PA = const(7)  # dict key -> tuple
_PO = const(8)  # list of (obj, inst, res_ids)
_PR = const(9)  # (remaining, URC|None)
_PT = const(10)  # tuple of fields after the first

# The simple commands, one line each: name, command, info prefix, parser, argument
# ranges, timeout class ("-": none). Text, not tuples: a table of tuples costs ~300 bytes
# of heap per entry on the unix port.
API = """
imei AT+CGSN=1 +CGSN 2 - 0
cereg AT+CEREG? +CEREG 3 - 0
ip AT+CGPADDR=1 +CGPADDR 5 - 0
csq AT+CSQ +CSQ 4 - 0
status AT+QLWSTATUS? +QLWSTATUS 1 - 0
cfun AT+CFUN=%d - 0 0:1 3
sclk AT+QSCLK=%d - 0 0:2 0
config_get AT+QLWCONFIG? +QLWCONFIG 6 - 0
cfg_all AT+QLWCFG? +QLWCFG 7 - 0
objects AT+QLWADDOBJ? +QLWADDOBJ 8 - 0
rd_count AT+QLWRD? +QLWRD 1 - 0
rd_next AT+QLWRD +QLWRD 9 - 0
register AT+QLWREG - 0 - 2
deregister AT+QLWDEREG - 0 - 2
recover AT+QLWRECOVER - 0 - 2
del_object AT+QLWDELOBJ=%d - 0 0:65535 1
"""
# Commands answered OK first and their outcome later (deferred prefix "+<NAME>:"); the
# first four report a <status_code> (StatusError), the others an <err> (CommandError).
# Set-up commands kept in lwsetup.py, imported on first use.
_SETUP = "config_set cfg_get cfg_set add_object"
_STA = " AT+QLWREG AT+QLWDEREG AT+QLWUPDATE AT+QLWRECOVER "
_NET = _STA + "AT+QLWNOTIFY "


def _ranges(s):
    # "0:1,0:8" -> ((0, 1), (0, 8)); "-" -> ()
    return () if s == "-" else tuple(tuple(int(x) for x in r.split(":")) for r in s.split(","))


def _f(line):
    return fields(line, line.find(":") + 1)


def _parse(p, info):
    if p == _P0:
        return None
    if p in (_PW, _PA, _PO):
        from .lwsetup import parse_set
        return parse_set(p, info)
    if p == _PI:
        for x in info:
            f = _f(x)
            if len(f) > 1 and f[1]:
                return str(f[1])
        return None
    if not info:
        raise CommandError(-1, "no answer line")
    f = _f(info[0])
    if p == _P1:
        return f[0]
    if p == _PS:
        return str(f[0])
    if p == _PC:
        return f[1] if len(f) > 1 else f[0]
    if p == _PQ:
        return f[0], f[1]
    if p == _PR:
        return f[0], (from_fields(f[1:]) if len(f) > 1 else None)
    return tuple(f[1:])


class BC66:
    """The BC66 driver. ``on_urc(URC)`` runs inside the reader task: keep it short.
    A module restart is delivered as kind ``"reboot"``; the next command re-sends ATE0
    and AT+CMEE=1 first. ``timeouts`` = [command, local deferred, network, CFUN] ms."""

    # set on first use (class defaults keep the instance dict small): the request URC
    # parser, the answers' module
    _rq = _a = None

    def __init__(self, port, on_urc=None):
        self.on_urc = on_urc
        self.at = ATEngine(port, self._line, "bc66")
        self.timeouts = [300, 5000, 60000, 90000]
        self._wr = 3  # AT+QLWWRRSP (answer._RSP), 4 once the module refused it
        self._reinit = False
        self.unknown = 0  # lines that are neither answers nor URCs we know
        self.unanswerable = 0  # requests whose message id could not be read
        self.at.fast = self._fast  # request URCs parsed from the line buffer

    def _fast(self, buf, k):
        # A read/write/execute/observe URC straight from the line buffer (no str, no
        # field list): True if delivered; anything unusual goes the str way (same result).
        # '+QLWURC: "' and r(ead), w(rite), e(xecute), o(bserve), else the str way
        c = buf[10] if k > 12 and buf[4] == 85 and buf[9] == 34 else 0
        if not (c in (101, 111, 119) or (c == 114 and buf[12] == 97)):
            return False
        f = self._rq
        if f is None:  # the parser: loaded on the first one
            from .requrc import take as f
            self._rq = f
        return f(self, buf, k)

    def _line(self, line):
        u = parse(line)
        if u is None:
            self.unknown += 1
        else:
            if u.kind == "reboot":
                self._reinit = True
            if self.on_urc is not None:
                self.on_urc(u)

    def __getattr__(self, name):
        i = API.find("\n%s " % name)
        if i < 0:
            if name not in _SETUP.split():
                raise AttributeError(name)
            from . import lwsetup  # set-up commands: loaded on first use (heap)
            f = getattr(lwsetup, name)
            return lambda *a, **k: f(self, *a, **k)
        _, cmd, pfx, p, rng, tc = API[i + 1:API.find("\n", i + 1)].split()
        rng = _ranges(rng)


        def call(*args, timeout_ms=None):
            return self._api(name, cmd, pfx, int(p), rng, int(tc), args, timeout_ms)
        return call

    async def _api(self, name, cmd, pfx, p, rng, tc, args, tmo):
        if len(args) != len(rng):
            raise TypeError(name)
        for v, (lo, hi) in zip(args, rng):
            check_int(v, lo, hi, name)
        cmd = cmd % args if args else cmd
        if tc in (_TL, _TN):  # deferred: the outcome comes after OK
            await self._d(cmd, tmo)
        else:
            return _parse(p, await self._q(cmd, None if pfx == "-" else pfx,
                                           tmo or self.timeouts[tc]))

    async def start(self, tries=5):
        """Start the reader; sync with AT, then ATE0 and AT+CMEE=1."""
        self.at.start()
        if not await self.sync(tries):
            raise ATTimeout("no answer to AT")
        await self._init()

    async def stop(self):
        await self.at.stop()

    def sync(self, tries=5):
        """Plain ``AT`` until ``OK`` (a coroutine); True if the module answered."""
        return self.at.sync(tries)

    async def _init(self):
        self._reinit = False
        await self.at.cmd("ATE0", None, self.timeouts[0])
        await self.at.cmd("AT+CMEE=1", None, self.timeouts[0])

    async def _q(self, cmd, prefix=None, timeout_ms=None, secret=None):
        if self._reinit:
            await self._init()
        return await self.at.cmd(cmd, prefix, timeout_ms or self.timeouts[0], secret=secret)

    async def _d(self, cmd, timeout_ms=None, capture=None, secret=None):
        """A command with a deferred result; returns (info lines, deferred fields)."""
        if self._reinit:
            await self._init()
        c = cmd if isinstance(cmd, str) else cmd[0]
        i = c.find("=")
        name = c if i < 0 else c[:i]
        k = " %s " % name
        dfr = '+QLWURC: "recovered"' if name == "AT+QLWRECOVER" else "+%s:" % name[3:]
        info, line = await self.at.cmd(
            cmd, "+QLWUPDATE" if name == "AT+QLWUPDATE" else None, self.timeouts[0], dfr,
            timeout_ms or self.timeouts[_TN if k in _NET else _TL], capture, True, secret)
        f = fields(line, len(dfr) + (dfr[-1] != ":"))
        if f[0] != 0:
            raise (StatusError if k in _STA else CommandError)(f[0], name)
        return info, f

    async def update(self, mode, value, timeout_ms=None):
        """Lifetime (mode 0, 20..31536000) or binding (mode 1: 0 U, 1 UQ); -> message id."""
        check_int(mode, 0, 1, "mode")
        check_int(value, 0, 1, "binding") if mode else check_int(value, 20, 31536000, "lifetime")
        info, f = await self._d("AT+QLWUPDATE=%d,%d" % (mode, value), timeout_ms)
        return f[1] if len(f) > 1 else (_f(info[0])[0] if info else None)

    def read_rsp(self, msgid, result, obj, inst, res, vtype=0, value=None, index=0):
        """AT+QLWRDRSP (a coroutine): the answer to a read; a long value is split."""
        return self._ans().rsp(self, 0, msgid, result, obj, inst, res, vtype, value, index)

    def obs_rsp(self, msgid, result, obj, inst, res, vtype=0, value=None, index=0):
        """AT+QLWOBSRSP (a coroutine): the answer to an observe."""
        return self._ans().rsp(self, 1, msgid, result, obj, inst, res, vtype, value, index)

    def exec_rsp(self, msgid, result):
        """AT+QLWEXERSP (a coroutine): the answer to an execute."""
        return self._ans().rsp(self, 2, msgid, result)

    def write_rsp(self, msgid, result):
        """AT+QLWWRRSP (a coroutine), falling back for good to AT+QLWRRSP if the module
        answers ERROR to it (the note names it both ways)."""
        return self._ans().rsp(self, 3, msgid, result)

    def _ans(self):
        a = self._a
        if a is None:  # the answers' module: loaded on the first answer
            from . import answer as a
            self._a = a
        return a

    async def notify(self, obj, inst, res, vtype, value, con=True, rai=0, timeout_ms=None):
        """Send a notification; returns the message id of the ``report`` URC for CON."""
        check_int(obj, 0, 65535, "obj")
        check_int(inst, 0, 65535, "inst")
        check_int(res, -1, 65535, "res")
        check_int(rai, 0, 2, "rai")
        from .values import parts, cmdv

        ps = parts(vtype, value)
        n = len(ps) - 1
        mid = None
        for ln, v, q in ps:
            tail = ",%d,%d,%d" % (n, 1 if con else 0, rai) if rai else ",%d,%d" % (n, 1 if con
                                                                                  else 0)
            cmd = cmdv("AT+QLWNOTIFY=%d,%d,%d,%d,%d," % (obj, inst, res, vtype, ln), v, q, tail)
            info, _ = await self._d(cmd, timeout_ms, '+QLWURC: "report",')
            for x in info:
                mid = _f(x)[1]
            n -= 1
        return mid if con else None
