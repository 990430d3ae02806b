"""BC66: the AT commands of the Quectel BC66 LwM2M application note, one coroutine method
each, over two shared helpers: ``_command`` (answered at once: OK or an error, and info
lines) and ``_deferred`` (OK first, then the outcome as its own line).

Arguments are checked before anything is written (``ValueError`` naming the argument);
errors the module reports raise ``CommandError`` (<err>) or ``StatusError``
(<status_code>); every wait has a deadline (``ATTimeout``).
"""
import asyncio
from collections import namedtuple
from time import ticks_add, ticks_diff, ticks_ms
from micropython import const
from .at import ATEngine, debug, log
from .errors import (Aborted, ATTimeout, BC66Error, CommandError, NoAnswer, StatusError,
                     check_int)
from .urc import UNREADABLE, fields, parse, rd_request, request
from .values import (CHANGE_RESULTS, CONTENT_RESULTS, T_OPAQUE, T_STRING, check_str, cmdv,
                     parts, str_bytes, text)

STATUS_NOT_REGISTERED = const(0)
STATUS_REGISTERING = const(1)
STATUS_REGISTERED = const(2)
STATUS_DEREGISTERING = const(3)
STATUS_DEREGISTERED = const(4)
STATUS_INVALID = const(5)
STATUS_RECOVERING = const(6)
STATUS_NEED_RECOVER = const(7)

# AT+QLWCFG keys and the (low, high) range of each of their values.
CFG_RANGES = {"auto_reg": ((0, 1),), "per_regstatus_feat": ((0, 1),), "rai_enable": ((0, 1),),
              "retransmit": ((1, 20), (0, 8)), "auto_ack": ((0, 1),), "access_mode": ((0, 1),),
              "recovery_mode": ((0, 1),), "retransmit_mode": ((0, 1),)}

# One line of AT+QLWCONFIG?: a server's settings.
LwConfig = namedtuple("LwConfig", ("bs", "host", "port", "endpoint", "lifetime", "security",
                                   "psk_id", "psk"))

_QLWRRSP = "AT+QLWRRSP"
_QLWWRRSP = "AT+QLWWRRSP"
_REQUEST_HEAD = b'+QLWURC: "'  # a request URC's line starts with it, then the kind's name
_KIND_AT = const(10)  # len(_REQUEST_HEAD)
_REQUEST_KINDS = ("read", "write", "execute", "observe", "malformed")  # (on_requests)
# result lines the module sends only after the OK of their command (never unsolicited,
# unlike +QLWREG: or +QLWDEREG:): one arriving before that OK shows the OK was lost
_AFTER_OK_ONLY = ("+QLWRDRSP:", "+QLWOBSRSP:", "+QLWWRRSP:", "+QLWRRSP:", "+QLWEXERSP:",
                  "+QLWNOTIFY:", "+QLWADDOBJ:", "+QLWDELOBJ:")
_SHORT = const(64)  # longest value text sent as one str command (longer: pieces, not copied)
# the answer command of a read / observe and its result line's prefix
_CONTENT = {"read": ("AT+QLWRDRSP", "+QLWRDRSP:"), "observe": ("AT+QLWOBSRSP", "+QLWOBSRSP:")}


def _fields(line):
    # the fields after the ":" of an answer line; CommandError if they cannot be read
    # (the line is not shown: it may hold a PSK)
    try:
        return fields(line, line.find(":") + 1)
    except ValueError:
        raise CommandError(-1, "malformed answer %s" % line[:line.find(":")])


def _lwconfig(line):
    # one +QLWCONFIG: line -> LwConfig; CommandError unless its fields have the note's
    # form (4.2.1: bs, "host", port, "endpoint", lifetime, security[, "psk_id", "psk"])
    f = _fields(line)
    if len(f) not in (6, 8) or [type(v) for v in f[:6]] != [int, str, int, str, int, int] \
            or not all(isinstance(v, str) for v in f[6:]):
        raise CommandError(-1, "malformed answer +QLWCONFIG")
    return LwConfig(*(f + [None, None])[:8])


def cclk_seconds(t):
    """A +CCLK <time> (3GPP TS 27.007 8.15: "yy/MM/dd,hh:mm:ss+zz", quoted or not, a 4-digit
    year and a "GMT+h" zone too): local time and its offset from UTC in quarter hours ->
    seconds since 1970
    (UTC); None for a year before 2020 (the module's clock not set by the network);
    CommandError if it is not such a time."""
    t = t.strip().strip('"')
    try:
        d, _, c = t.partition(",")
        y, mo, dd = (int(x) for x in d.split("/"))
        z = 0
        for sign in "+-":
            if sign in c:
                c, _, zz = c.partition(sign)
                z = int(zz) if sign == "+" else -int(zz)
        if c.endswith("GMT"):  # "...GMT+8", as some Quectel firmware writes it: hours
            c = c[:-3]
            z *= 4
        h, mi, se = (int(x) for x in c.split(":"))
    except ValueError:
        raise _malformed("+CCLK")
    if y < 100:  # yy: 70..99 are 19yy (a module clock never set), else 20yy
        y += 1900 if y >= 70 else 2000
    if not (1 <= mo <= 12 and 1 <= dd <= 31 and h < 24 and mi < 60 and se < 61 and -96 <= z <= 96
            and y < 2100):
        raise _malformed("+CCLK")
    if y < 2020:
        return None
    # days since 1970-01-01 of the civil date (H. Hinnant's days_from_civil)
    y -= mo <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (mo + (-3 if mo > 2 else 9)) + 2) // 5 + dd - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    return days * 86400 + h * 3600 + mi * 60 + se - z * 900


def _first_fields(info, cmd):
    # the fields of the first info line; CommandError if the module sent none
    if not info:
        raise CommandError(-1, cmd + ": no answer line")
    return _fields(info[0])


def _malformed(cmd):
    return CommandError(-1, "malformed answer " + cmd)


def _ints(f, n, lo, hi, cmd):
    # the fields f if they are exactly n ints (n: a count, or (least, most)), each within
    # lo..hi; else CommandError (a garbled line is never taken for a value)
    least, most = (n, n) if isinstance(n, int) else n
    if not least <= len(f) <= most:
        raise _malformed(cmd)
    for v in f:
        if type(v) is not int or not lo <= v <= hi:
            raise _malformed(cmd)
    return f


def _first_ints(info, n, lo, hi, cmd):
    # _ints of the first info line's fields
    return _ints(_first_fields(info, cmd), n, lo, hi, cmd)


def _name(cmd):
    # "AT+QLWNOTIFY=..." -> "AT+QLWNOTIFY" (a command may be a tuple of pieces)
    c = cmd if isinstance(cmd, str) else cmd[0]
    i = c.find("=")
    return c.rstrip("\r") if i < 0 else c[:i]


class BC66:
    """The BC66 driver. URC listeners (``add_urc_listener``; ``on_urc``: the first one)
    run inside the reader task: keep them short.
    A module restart is delivered as kind ``"reboot"``; the next command re-sends ATE0
    and AT+CMEE=1 first.

    Deadlines (ms; set them to change them): ``command_ms`` for a command's final result
    (the note's maximum response time, 300), ``local_ms`` for a deferred result the
    module produces itself (5,000), ``network_ms`` for an outcome from the network:
    register, update, deregister, notify, recover (60,000), ``cfun_ms`` for AT+CFUN
    (90,000); ``answer_ms`` for the result line of an answer to a server request (600:
    the note's 300 twice). An answer refused or whose result line was lost is sent again,
    ``answer_tries`` (3) times in all; ``resent`` counts the extra sends. One refused
    after a lost result line, or after no answer in time (an OK later than the
    deadline), is taken for answered: the module knew it already (a module
    refuses an answer to a request answered before; ``taken_before`` counts them).

    ``reinit_after_reboot`` False: a module reboot leaves echo and CMEE as the module has
    them (a duty cycle's wake from deep sleep is a reboot, and the note's 5.5 sequence
    re-sends neither: echoed lines and bare ERROR are understood anyway); ``start``
    still sends both."""

    def __init__(self, port, on_urc=None, reinit_after_reboot=True):
        self._listeners = [on_urc] if on_urc is not None else []
        self._request_fn = None  # on_requests
        self.on_urc = on_urc  # what the reader calls per URC (add_urc_listener sets it)
        self.at = ATEngine(port, self._on_line, "bc66")
        self.at.add_urc(_REQUEST_HEAD, self._on_request)  # a request, parsed from bytes
        self.command_ms = 300
        self.local_ms = 5000
        self.network_ms = 60000
        self.cfun_ms = 90000
        self.at.ok_implied_by = _AFTER_OK_ONLY
        # an answer to a server request (AT+QLWRDRSP...): its OK and result line come within
        # the note's maximum response time, 300 ms; twice that before its result counts as
        # lost. Refused (line noise may have garbled it) or lost: sent again.
        self.answer_ms = 600
        self.answer_tries = 3
        self.resent = 0
        self.taken_before = 0  # resends after a lost result line or a late answer the module refused
        self.write_rsp_command = _QLWWRRSP  # AT+QLWRRSP once the module refused it
        self._reinit = False  # the module rebooted: ATE0 and AT+CMEE=1 before the next
        self._reinit_after_reboot = reinit_after_reboot
        self.unknown = 0  # lines that are neither answers nor URCs we know
        self.unanswerable = 0  # requests whose message id could not be read
        # the answer out (``answer``): its done(), commands (one per piece) and
        # the next to send, how often that one was sent
        self._answer_done = None
        self._answer_cmds = None
        self._answer_next = 0
        self._answer_prefix = None
        self._answer_tries = 0
        self._answer_lost = False
        self._answer_free = None  # an Event set when no answer is out (_answer_wait)
        self._on_answer = self._answer_outcome  # (one bound method, made once)

    # ---- URC listeners ----
    def add_urc_listener(self, fn):
        """Call ``fn(urc)`` for every URC from now on (after the listeners added before),
        inside the reader task: keep it short, never block. A listener's exception is
        logged and counted (``at.stats["dropped_urcs"]``)."""
        ls = self._listeners
        ls.append(fn)
        self.on_urc = fn if len(ls) == 1 else self._to_all  # one: called directly

    def on_requests(self, fn):
        """Server requests (URC kinds read, write, execute, observe, and malformed: one
        whose message id alone could be read) go to ``fn(urc)`` from now on, instead of
        the URC listeners: the one request machine (``lwm2m.requests``). In the reader
        task, as the URC listeners."""
        self._request_fn = fn

    def _to_all(self, urc):
        err = None
        for fn in self._listeners:  # each one gets it, whatever an earlier one raised
            try:
                fn(urc)
            except Exception as e:
                err = e
        if err is not None:
            raise err

    # ---- lines from the reader task ----
    def _on_request(self, buf, k):
        # A read/write/execute/observe URC straight from the line buffer (urc.live_request:
        # no str, no field list) to the listeners -> True, or False if the line is no
        # request (it goes the str way: urc.parse)
        u = request(buf, _KIND_AT, k)  # (add_urc checked the prefix)
        if u is None:
            return False
        if u is UNREADABLE:  # nothing to answer it with: logged and counted
            self.unanswerable += 1
            log(30, "bc66", "unanswerable request: %r", bytes(memoryview(buf)[:min(k, 60)]))
            return True
        if debug():
            try:
                log(10, "bc66", "urc %s", str(memoryview(buf)[:k], "utf-8"))
            except UnicodeError:
                log(10, "bc66", "urc %r", bytes(memoryview(buf)[:k]))
        fn = self._request_fn or self.on_urc
        try:
            fn(u)
        except Exception as e:  # no listener (None) or a listener's bug: count, go on
            self.at.stats["dropped_urcs"] += 1
            if fn is not None:
                log(40, "bc66", "urc handler: %r", e)
        return True

    def _on_line(self, line):
        u = parse(line)
        if u is None:
            self.unknown += 1
            return
        if u.kind == "reboot" and self._reinit_after_reboot:
            self._reinit = True
        elif u.kind == "reg" or u.kind == "lwstatus" and u.value == 0:
            # the registration is gone (the module registered again by itself: +QLWREG: n)
            # or the network is: an update's result is not coming (dropped with the
            # registration, or retransmitted into no network), so its wait ends now, not
            # at its deadline (register_timeout_s)
            self.at.abort("+QLWUPDATE:", Aborted("AT+QLWUPDATE: " + line))
        elif self._request_fn is not None and u.kind in _REQUEST_KINDS:
            return self._request_fn(u)
        if self.on_urc is not None:
            self.on_urc(u)

    # ---- start, stop and the two shared helpers ----
    def listen(self):
        """Start the reader task, sending nothing (``start`` does it too)."""
        self.at.start()

    def restart_reader(self):
        """Start the driver's tasks afresh after a Ctrl-C (the module is untouched: that is
        ``reboot``): the reader and keeper tasks, alive or ended mid-step by the interrupt,
        are replaced; a command in flight is forgotten."""
        self.at.restart()

    async def start(self, tries=5):
        """Start the reader; sync with AT, then ATE0 and AT+CMEE=1."""
        self.at.start()
        if not await self.sync(tries):
            raise ATTimeout("no answer to AT")
        await self._init()

    async def stop(self):
        """Stop the reader task; pending commands fail."""
        await self.at.stop()

    async def sync(self, tries=5, probe_ms=None):
        """Plain ``AT`` until ``OK``; True if the module answered. ``probe_ms``: a wake's
        sync (after PSM_EINT): each AT waits ``probe_ms`` and a lost one is not waited
        out for late lines."""
        return await self.at.sync(tries, probe_ms)

    async def _init(self):
        self._reinit = False
        await self.at.cmd("ATE0", None, self.command_ms)
        await self.at.cmd("AT+CMEE=1", None, self.command_ms)

    async def _command(self, cmd, prefix=None, timeout_ms=None, secret=None, resend=True):
        # Send ``cmd`` and wait for its final result -> its info lines starting with
        # ``prefix``. ``secret`` is masked in logs and exceptions. ``resend``: a command
        # that got no answer at all is sent once more after plain ATs answer.
        if self._reinit:
            await self._init()
        return await self.at.cmd(cmd, prefix, timeout_ms or self.command_ms,
                                 secret=secret, wake=resend)

    async def _answer(self, cmd, prefix):
        # _command for a query whose answer lines are all there is: a line that arrived
        # while it ran and could not be read (a garbled answer line?) fails it with
        # CommandError, so a lost line is never taken for an absent value.
        before = self.unknown
        info = await self._command(cmd, prefix)
        if self.unknown != before:
            raise CommandError(-1, "unreadable line in the answer to " + cmd)
        return info

    async def _deferred(self, cmd, result, timeout_ms, status=False, prefix=None, capture=None):
        # Send ``cmd``; after its OK wait for the line starting with ``result`` -> (info
        # lines, that line's fields). Its first field (<err>, or <status_code> with
        # ``status``) must be 0, else CommandError / StatusError.
        if self._reinit:
            await self._init()
        info, line = await self.at.cmd(cmd, prefix, self.command_ms, result,
                                       timeout_ms, capture)
        try:
            f = fields(line, len(result) + (result[-1] != ":"))
        except ValueError:
            f = None
        if not f or not isinstance(f[0], int):  # a garbled result line: not a success
            self.unknown += 1
            raise CommandError(-1, "malformed result " + _name(cmd))
        if f[0] != 0:
            raise (StatusError if status else CommandError)(f[0], _name(cmd))
        return info, f

    # ---- module and network ----
    async def imei(self):
        """AT+CGSN=1 -> the module's IMEI (str)."""
        info = await self._command("AT+CGSN=1", "+CGSN")
        t = info[0][info[0].find(":") + 1:].strip() if info else ""
        if len(t) != 15 or not t.isdigit():  # 3GPP TS 23.003: 15 digits
            raise _malformed("+CGSN")
        return t

    async def cereg(self):
        """AT+CEREG? -> the EPS registration stat (1 home, 5 roaming, 2 searching, ...)."""
        f = _first_fields(await self._command("AT+CEREG?", "+CEREG"), "AT+CEREG")
        _ints(f[:2], 2, 0, 255, "+CEREG")  # <n>,<stat>[,"<tac>","<ci>",...]
        return f[1]

    async def ip(self):
        """AT+CGPADDR=1 -> the IP address (str), or None while there is none."""
        for line in await self._command("AT+CGPADDR=1", "+CGPADDR"):
            f = _fields(line)
            if type(f[0]) is not int or len(f) > 2:  # <cid>[,<addr>]
                raise _malformed("+CGPADDR")
            if len(f) > 1 and f[1]:
                return str(f[1])
        return None

    async def clock(self):
        """AT+CCLK? -> the network's time in seconds since 1970 (UTC), or None while the
        module has none (an error answer, or its unset clock: a year before 2020)."""
        try:
            info = await self._command("AT+CCLK?", "+CCLK")
        except CommandError:
            return None
        if not info:
            raise _malformed("+CCLK")
        return cclk_seconds(info[0][info[0].find(":") + 1:])

    async def csq(self):
        """AT+CSQ -> (rssi, ber); 99, 99 until the module is attached."""
        f = _first_ints(await self._command("AT+CSQ", "+CSQ"), 2, 0, 99, "+CSQ")
        if not (f[0] <= 31 or f[0] == 99) or not (f[1] <= 7 or f[1] == 99):
            raise _malformed("+CSQ")
        return f[0], f[1]

    async def cfun(self, fun, timeout_ms=None, resend=True):
        """AT+CFUN=<fun>: 0 minimum functionality (radio off), 1 full functionality.
        ``resend`` False: no second AT+CFUN after a timeout (the caller asks ``cfun_get``)."""
        check_int(fun, 0, 1, "fun")
        await self._command("AT+CFUN=%d" % fun, None, timeout_ms or self.cfun_ms,
                            resend=resend)

    async def cfun_get(self, timeout_ms=None):
        """AT+CFUN? -> the functionality level (0 minimum, 1 full, 4 flight mode). The
        module answers it after a running AT+CFUN=<fun> is done; no resend on a timeout."""
        f = _first_fields(await self._command("AT+CFUN?", "+CFUN", timeout_ms, resend=False),
                          "AT+CFUN?")
        return _ints(f, 1, 0, 4, "+CFUN")[0]

    async def reboot(self):
        """AT+QRST=1: reboot the module (AT+QLWCFG settings take effect after a reboot,
        note 4.2.2). Its boot follows the OK: ``wait_boot``."""
        await self._command("AT+QRST=1")

    async def power_down(self):
        """AT+QPOWD=0: orderly power-off (bc66-facts.md "Pins"); VDD_EXT falls within
        25 s. Only PWRKEY turns it on again."""
        await self._command("AT+QPOWD=0")

    def counters(self):
        """The reader's counters by name (``ATEngine.stats``: ``lines``, ``overlong``,
        ``reboots``, ``timeouts``, ``glitches``...), the live dict: read it, never change it."""
        return self.at.stats

    def boots(self):
        """How many module boots (boot ROM banner or RDY) the reader has seen."""
        return self.at.stats["reboots"]

    async def wait_boot(self, since, timeout_ms):
        """Wait until ``boots()`` passes ``since`` (a boot line came) -> True, or False
        once ``timeout_ms`` has passed."""
        t_end = ticks_add(ticks_ms(), timeout_ms)
        while self.at.stats["reboots"] == since:
            if ticks_diff(t_end, ticks_ms()) <= 0:
                return False
            await asyncio.sleep_ms(10)
        return True

    async def sclk(self, mode):
        """AT+QSCLK=<mode>: 0 no sleep, 1 light and deep sleep, 2 light sleep only."""
        check_int(mode, 0, 2, "mode")
        await self._command("AT+QSCLK=%d" % mode)

    # ---- LwM2M configuration ----
    async def status(self):
        """AT+QLWSTATUS? -> the LwM2M status, one of the STATUS_* constants (0..7)."""
        return _first_ints(await self._command("AT+QLWSTATUS?", "+QLWSTATUS"), 1,
                           STATUS_NOT_REGISTERED, STATUS_NEED_RECOVER, "+QLWSTATUS")[0]

    async def config_get(self):
        """AT+QLWCONFIG? -> [LwConfig] (one per server in the module's NVRAM)."""
        return [_lwconfig(x) for x in await self._answer("AT+QLWCONFIG?", "+QLWCONFIG")]

    async def config_set(self, bs, host, port, endpoint, lifetime, security, psk_id=None,
                         psk=None):
        """AT+QLWCONFIG=...: the server (``bs`` 1: a bootstrap server), endpoint name,
        lifetime (s) and security (0 PSK, 3 none). The PSK and its identity never reach a
        log or an exception."""
        check_int(bs, 0, 1, "bs")
        check_str(host, "host", 150)
        check_int(port, 0, 65535, "port")
        check_str(endpoint, "endpoint", 150)
        check_int(lifetime, 20, 31536000, "lifetime")
        if security not in (0, 3) or isinstance(security, bool):
            raise ValueError("security: 0 or 3")
        cmd = 'AT+QLWCONFIG=%d,"%s",%d,"%s",%d,%d' % (bs, host, port, endpoint, lifetime,
                                                       security)
        if security == 0 or psk_id is not None or psk is not None:
            check_str(psk_id, "psk_id", 150)
            check_str(psk, "psk", 256)
            if len(psk) % 2 or not all(c in "0123456789abcdefABCDEF" for c in psk):
                raise ValueError("psk: even-length hex")
            cmd += ',"%s","%s"' % (psk_id, psk)
        # logs and exceptions show ...,0,*** : the identity is masked with the key
        await self._command(cmd, secret=None if psk is None else '"%s","%s"' % (psk_id, psk))

    async def cfg_get(self, key):
        """AT+QLWCFG="<key>" -> the option's values (tuple of ints)."""
        ranges = _cfg_ranges(key)
        f = _first_fields(await self._command('AT+QLWCFG="%s"' % key, "+QLWCFG"), "AT+QLWCFG")
        if f[0] != key:
            raise _malformed("+QLWCFG")
        return tuple(_ints(f[1:], len(ranges), -0x80000000, 0x7FFFFFFF, "+QLWCFG"))

    async def cfg_all(self):
        """AT+QLWCFG? -> {key: tuple of ints} for every option."""
        out = {}
        for x in await self._answer("AT+QLWCFG?", "+QLWCFG"):
            f = _fields(x)
            v = f[1:]  # a known key has as many values as CFG_RANGES says
            if not isinstance(f[0], str) or not all(isinstance(x, int) for x in v) \
                    or len(CFG_RANGES.get(f[0], v)) != len(v):
                raise CommandError(-1, "malformed answer +QLWCFG")
            out[f[0]] = tuple(v)
        return out

    async def cfg_set(self, key, *values):
        """AT+QLWCFG="<key>",<values>: set an option (most apply after a reboot)."""
        ranges = _cfg_ranges(key)
        if len(values) != len(ranges):
            raise ValueError(key)
        for v, (lo, hi) in zip(values, ranges):
            check_int(v, lo, hi, key)
        await self._command('AT+QLWCFG="%s",%s' % (key, ",".join(str(v) for v in values)))

    # ---- registration ----
    async def register(self, timeout_ms=None):
        """AT+QLWREG, then ``+QLWREG: <status_code>`` (StatusError if not 0)."""
        await self._deferred("AT+QLWREG", "+QLWREG:", timeout_ms or self.network_ms,
                             True)

    async def deregister(self, timeout_ms=None):
        """AT+QLWDEREG, then ``+QLWDEREG: <status_code>`` (StatusError if not 0)."""
        await self._deferred("AT+QLWDEREG", "+QLWDEREG:",
                             timeout_ms or self.network_ms, True)

    async def recover(self, timeout_ms=None):
        """AT+QLWRECOVER, then ``+QLWURC: "recovered",<status_code>`` (StatusError if not
        0): the LwM2M context after a deep-sleep wake (status 7)."""
        await self._deferred("AT+QLWRECOVER", '+QLWURC: "recovered"',
                             timeout_ms or self.network_ms, True)

    async def update(self, mode, value, timeout_ms=None):
        """AT+QLWUPDATE=<mode>,<value>: lifetime (mode 0, 20..31536000 s) or binding (mode
        1: 0 U, 1 UQ) -> the update's message id. ``Aborted`` when the registration or
        the network is lost while its result is awaited (+QLWREG: n, "lwstatus",0)."""
        check_int(mode, 0, 1, "mode")
        if mode:
            check_int(value, 0, 1, "binding")
        else:
            check_int(value, 20, 31536000, "lifetime")
        info, f = await self._deferred("AT+QLWUPDATE=%d,%d" % (mode, value), "+QLWUPDATE:",
                                       timeout_ms or self.network_ms, True, "+QLWUPDATE")
        # the message id: after the status on the deferred line, or on the line before OK
        if len(f) > 1:
            return _ints(f, 2, 0, 65535, "+QLWUPDATE")[1]
        return _first_ints(info, 1, 0, 65535, "+QLWUPDATE")[0] if info else None

    # ---- objects ----
    async def objects(self):
        """AT+QLWADDOBJ? -> [(obj, inst, res_ids)] as the module holds them."""
        return [_object(_fields(x)) for x in await self._command("AT+QLWADDOBJ?",
                                                                 "+QLWADDOBJ")]

    async def add_object(self, obj, inst, res_ids):
        """AT+QLWADDOBJ=<obj>,<inst>,<n>,<res_ids>: declare an instance (1..14 resources).
        The note limits each object to 4 instances (the module refuses a fifth), not their
        ids: ``inst`` is any LwM2M instance id, 0..65534."""
        check_int(obj, 0, 65535, "obj")
        check_int(inst, 0, 65534, "inst")
        if not 1 <= len(res_ids) <= 14:
            raise ValueError("res_ids: 1..14")
        for r in res_ids:
            check_int(r, 0, 65535, "res_ids")
        await self._deferred("AT+QLWADDOBJ=%d,%d,%d,%s" % (
            obj, inst, len(res_ids), ",".join(str(r) for r in res_ids)), "+QLWADDOBJ:",
            self.local_ms)

    async def del_object(self, obj):
        """AT+QLWDELOBJ=<obj>: remove an object and all its instances."""
        check_int(obj, 0, 65535, "obj")
        await self._deferred("AT+QLWDELOBJ=%d" % obj, "+QLWDELOBJ:", self.local_ms)

    # ---- buffer access mode ----
    async def rd_count(self):
        """AT+QLWRD? -> how many requests the module holds (access_mode 1)."""
        return _first_ints(await self._command("AT+QLWRD?", "+QLWRD"), 1, 0, 65535,
                           "+QLWRD")[0]

    async def rd_next(self):
        """AT+QLWRD -> (remaining, URC or None): the next request the module held, parsed
        as a live one (``urc.request``): a ``"malformed"`` record if only its message id
        can be read (answer it 4.00: the module holds it no more)."""
        info = await self._command("AT+QLWRD", "+QLWRD")
        if not info:
            raise CommandError(-1, "AT+QLWRD: no answer line")
        line = info[0]
        c = line.find(",")
        try:
            n = int(line[line.find(":") + 1:c if c > 0 else len(line)])
        except ValueError:
            raise _malformed("+QLWRD")
        if not 0 <= n <= 65535:
            raise _malformed("+QLWRD")
        if c < 0:
            return n, None
        u = rd_request(line[c + 1:])
        if u is None or u is UNREADABLE:
            raise _malformed("+QLWRD")
        return n, u

    # ---- answers to server requests ----
    def answer(self, kind, msgid, result, done, obj=-1, inst=-1, res=-1, vtype=0,
               value=None, index=0, first=True):
        """The one way to answer a server request, without waiting (the reader task may
        call it): ``kind`` "read" (AT+QLWRDRSP), "observe" (AT+QLWOBSRSP), "write"
        (AT+QLWWRRSP, or AT+QLWRRSP for good once the module answered ERROR to it: the
        note names it both ways) or "execute" (AT+QLWEXERSP); ``result`` 1 content or
        11..15 for a read/observe, 2 changed or 11..14 for a write/execute; a read's
        value in pieces when long (index ``index``+N-1..``index``). Sent at once if the
        engine is free, else as soon as it is (``ATEngine.post``'s outbox). Refused
        (line noise may have garbled it) or its result line lost: sent again,
        ``answer_tries`` times in all; no answer at all: sent again after plain ATs.
        ``done(outcome)`` is called once, later: 0 when the module took it (refused after
        a lost result line counts: it knew it already), else the ``BC66Error`` it
        failed with. ValueError (nothing sent) for arguments out of range; BC66Error if
        another answer is still out (one at a time) or the engine is not running.
        ``first``: it begins an exchange (a command waiting for the engine goes first);
        False for the next part of an answer."""
        if kind == "read" or kind == "observe":
            if not (type(msgid) is int and 0 <= msgid <= 65535 and -1 <= obj <= 65535
                    and -1 <= inst <= 65535 and -1 <= res <= 65535 and 0 <= index <= 65535
                    and result in CONTENT_RESULTS and type(result) is int):
                _check_content(msgid, result, obj, inst, res, index)  # (which one: raises)
            name, prefix = _CONTENT[kind]
            t = _short_text(vtype, value)  # one command, most often: no parts list
            if t is not None:
                cmds = ("%s=%d,%d,%d,%d,%d,%d,%d,%s%s%s,%d\r" % (
                    name, msgid, result, obj, inst, res, vtype or 1, t[0], t[1], t[2],
                    t[1], index),)
            else:
                ps = parts(vtype, value)
                n = len(ps) - 1
                cmds = []
                for length, piece, quote in ps:
                    cmds.append(_content_cmd(name, msgid, result, obj, inst, res, vtype,
                                             length, piece, quote, index + n))
                    n -= 1
        else:
            check_int(msgid, 0, 65535, "msgid")
            if result not in CHANGE_RESULTS or isinstance(result, bool):
                raise ValueError("result")
            name = self.write_rsp_command if kind == "write" else "AT+QLWEXERSP"
            prefix = name[2:] + ":"
            cmds = ("%s=%d,%d\r" % (name, msgid, result),)
        if self._answer_done is not None:
            raise BC66Error("an answer is still out")
        self._answer_done = done
        self._answer_cmds = cmds
        self._answer_prefix = prefix
        self._answer_next = 0
        try:
            ok = self._post_answer(None, first)
        except Exception:  # (MemoryError): nothing is out
            ok = None
        if not ok:
            self._answer_done = self._answer_cmds = None
            if ok is None:
                raise
            raise BC66Error("engine not running")

    def _post_answer(self, before, first=False):
        # post the answer's next command (first try) -> False if the engine took nothing
        self._answer_tries = 1
        self._answer_lost = False  # the last one sent followed a lost result line
        return self._repost(before, first)

    def _repost(self, before, first=False):
        if self._reinit:  # the module rebooted: ATE0 and AT+CMEE=1 first
            self._reinit = False
            before = ("ATE0", "AT+CMEE=1")
        return self.at.post(self._answer_cmds[self._answer_next], self._answer_prefix,
                            self._on_answer, self.command_ms, self.answer_ms, before, first)

    def _answer_outcome(self, r):
        # The outcome of the answer command posted last (ATEngine.post): the next piece,
        # the same one again, or the answer is done (_answered); never left without one
        try:
            self._next_or_again(r)
        except Exception as e:  # (MemoryError posting the next): the answer failed
            if self._answer_done is not None:
                self._answered(e)

    def _next_or_again(self, r):
        again = self._answer_tries < self.answer_tries
        cmd = self._answer_cmds[self._answer_next]
        if type(r) is int and r != 0 and self._answer_lost:  # refused after a lost
            r = 0  # result line: the module had taken the one before
            self.taken_before += 1
        if r == 0:
            self._answer_next += 1
            if self._answer_next < len(self._answer_cmds):
                if not self._post_answer(None):
                    self._answered(BC66Error("engine not running"))
                return
            return self._answered(0)
        if again and (type(r) is int or isinstance(r, ATTimeout)):
            # refused (ERROR, +CME ERROR, <err>), its result line lost, or no answer at
            # all (NoAnswer: plain ATs first the second time, as ATEngine.cmd's wake).
            # After a timeout of either kind the module may have taken it (an OK later
            # than the deadline): a refusal of the one sent again then means taken
            self._answer_lost = isinstance(r, ATTimeout)
            self._answer_tries += 1
            self.resent += 1
            log(10, "bc66", "%s sent again: %r", _name(cmd), r)  # (counted)
            if self._repost("sync" if type(r) is NoAnswer and self._answer_tries > 2
                            else None):
                return
            r = BC66Error("engine not running")
        elif r == -1 and cmd.startswith(_QLWWRRSP) and self.write_rsp_command != _QLWRRSP:
            log(10, "bc66", "write answers: AT+QLWRRSP (the module has no AT+QLWWRRSP)")
            self.write_rsp_command = _QLWRRSP
            self._answer_cmds = (_QLWRRSP + cmd[len(_QLWWRRSP):],)  # (=msgid,result)
            self._answer_prefix = _QLWRRSP[2:] + ":"
            if self._post_answer(None):
                return
            r = BC66Error("engine not running")
        if type(r) is int:
            r = CommandError(r, _name(cmd))
        self._answered(r)

    def _answered(self, outcome):
        done = self._answer_done
        self._answer_done = self._answer_cmds = None
        if self._answer_free is not None:
            self._answer_free.set()
        done(outcome)

    async def _answer_wait(self, kind, msgid, result, obj=-1, inst=-1, res=-1, vtype=0,
                           value=None, index=0):
        # ``answer`` awaited: after the answer still out, if any; raises what it failed with
        while self._answer_done is not None:
            if self._answer_free is None:
                self._answer_free = asyncio.Event()
            self._answer_free.clear()
            await self._answer_free.wait()
        got = []
        ev = asyncio.Event()

        def done(outcome):
            got.append(outcome)
            ev.set()
        self.answer(kind, msgid, result, done, obj, inst, res, vtype, value, index)
        await ev.wait()
        if got[0] != 0:
            raise got[0]

    async def read_rsp(self, msgid, result, obj, inst, res, vtype=0, value=None, index=0):
        """AT+QLWRDRSP: the answer to a read (``result`` 1 content, 11..15 errors); a long
        value is sent in parts, index N-1..0 after ``index``. ``answer`` awaited."""
        await self._answer_wait("read", msgid, result, obj, inst, res, vtype, value, index)

    async def obs_rsp(self, msgid, result, obj, inst, res, vtype=0, value=None, index=0):
        """AT+QLWOBSRSP: the answer to an observe (as ``read_rsp``)."""
        await self._answer_wait("observe", msgid, result, obj, inst, res, vtype, value,
                                index)

    async def exec_rsp(self, msgid, result):
        """AT+QLWEXERSP: the answer to an execute (``result`` 2 changed, 11..14 errors)."""
        await self._answer_wait("execute", msgid, result)

    async def write_rsp(self, msgid, result):
        """AT+QLWWRRSP: the answer to a write (``result`` 2 changed, 11..14 errors),
        AT+QLWRRSP for good once the module answers ERROR to it (the note names it both
        ways)."""
        await self._answer_wait("write", msgid, result)

    # ---- notifications ----
    async def notify(self, obj, inst, res, vtype, value, con=True, rai=0, timeout_ms=None):
        """AT+QLWNOTIFY: send a resource's value (in parts if long) -> the message id of the
        ``report`` URC for CON (its ``report_ack`` arrives as a URC), None for NON.
        A CON notify the module answered without a ``report`` (not sent: a path it does
        not hold or the server does not observe, or that line lost) is CommandError: only
        the report_ack of its own message id confirms a CON notify."""
        check_int(obj, 0, 65535, "obj")
        check_int(inst, 0, 65535, "inst")
        check_int(res, -1, 65535, "res")
        check_int(rai, 0, 2, "rai")
        ps = parts(vtype, value)
        n = len(ps) - 1
        msgid = None
        for length, piece, quote in ps:
            tail = ",%d,%d,%d" % (n, 1 if con else 0, rai) if rai else \
                ",%d,%d" % (n, 1 if con else 0)
            info, _ = await self._deferred(
                cmdv("AT+QLWNOTIFY=%d,%d,%d,%d,%d," % (obj, inst, res, vtype, length), piece,
                     quote, tail), "+QLWNOTIFY:", timeout_ms or self.network_ms,
                capture='+QLWURC: "report",')
            for line in info:  # +QLWURC: "report",<msgid>
                msgid = _ints(_fields(line)[1:], 1, 0, 65535, '+QLWURC: "report"')[0]
            n -= 1
        if con and msgid is None:
            raise CommandError(-1, 'AT+QLWNOTIFY: no +QLWURC: "report"')
        return msgid if con else None


_NO_TEXT = (0, '"', "")  # an answer without a value: <len> 0, ""


def _check_content(msgid, result, obj, inst, res, index):
    # the arguments of a read/observe answer: ValueError naming the first out of range
    check_int(msgid, 0, 65535, "msgid")
    if result not in CONTENT_RESULTS or isinstance(result, bool):
        raise ValueError("result")
    check_int(obj, -1, 65535, "obj")
    check_int(inst, -1, 65535, "inst")
    check_int(res, -1, 65535, "res")
    check_int(index, 0, 65535, "index")


def _short_text(vtype, value):
    # a value sent in one short command -> (<len>, quote, text), checked (ValueError as
    # values.parts); None for one that takes pieces (opaque, or over _SHORT characters)
    if value is None:
        return _NO_TEXT
    if vtype == T_STRING:
        if type(value) is not str or len(value) > _SHORT:
            return None
        return str_bytes(value), '"', value
    if vtype == T_OPAQUE:
        return None
    t = text(vtype, value)
    return len(t), "", t


def _content_cmd(name, msgid, result, obj, inst, res, vtype, length, piece, quote, index):
    # one piece of a read/observe answer: a str ending in CR when short (the port takes it
    # in one non-blocking write), else pieces the engine writes one by one (values.cmdv)
    if isinstance(piece, str) and len(piece) <= _SHORT:
        return "%s=%d,%d,%d,%d,%d,%d,%d,%s%s%s,%d\r" % (
            name, msgid, result, obj, inst, res, vtype, length, quote, piece, quote, index)
    return cmdv("%s=%d,%d,%d,%d,%d,%d,%d," % (name, msgid, result, obj, inst, res, vtype,
                                            length), piece, quote, ",%d" % index)


def _object(f):
    # the fields of one +QLWADDOBJ: line -> (obj, inst, res_ids); CommandError unless they
    # are <obj>,<inst>,<n>,<n resource ids> (all ints, n 1..14)
    _ints(f, (4, 17), 0, 65535, "+QLWADDOBJ")
    if not 1 <= f[2] <= 14 or len(f) != 3 + f[2]:
        raise _malformed("+QLWADDOBJ")
    return f[0], f[1], tuple(f[3:])


def _cfg_ranges(key):
    r = CFG_RANGES.get(key) if isinstance(key, str) else None
    if r is None:
        raise ValueError("key")
    return r
