"""BC66: one typed coroutine per AT command of the LwM2M application note."""
from collections import namedtuple
from micropython import const
from . import log
from .at import ATEngine
from .errors import ATTimeout, CommandError, StatusError
from .urc import fields, from_fields, parse
from .values import check_int, check_str, parts

STATUS_NOT_REGISTERED = const(0)
STATUS_REGISTERING = const(1)
STATUS_REGISTERED = const(2)
STATUS_DEREGISTERING = const(3)
STATUS_DEREGISTERED = const(4)
STATUS_INVALID = const(5)
STATUS_RECOVERING = const(6)
STATUS_NEED_RECOVER = const(7)

LwConfig = namedtuple("LwConfig", ("bs", "host", "port", "endpoint", "lifetime", "security",
                                   "psk_id", "psk"))

# AT+QLWCFG keys -> ranges of their integer values.
CFG = {
    "auto_reg": ((0, 1),), "per_regstatus_feat": ((0, 1),), "rai_enable": ((0, 1),),
    "retransmit": ((1, 20), (0, 8)), "auto_ack": ((0, 1),), "access_mode": ((0, 1),),
    "recovery_mode": ((0, 1),), "retransmit_mode": ((0, 1),),
}

# Timeout classes: index into BC66.timeouts.
_T_CMD = const(0)  # the note's 300 ms maximum response time
_T_LOCAL = const(1)  # a deferred <err> the module produces itself
_T_NET = const(2)  # register / update / deregister / notify / recover outcomes
_T_LONG = const(3)  # AT+CFUN
# Deferred kinds: how a deferred line is judged.
_ERR = const(0)  # "<prefix> <err>": CommandError if != 0
_STAT = const(1)  # "<prefix> <status>[,...]": StatusError if != 0

# name: (info prefix, deferred prefix, deferred kind, timeout class of the deferred)
CMDS = {
    "AT+QLWREG": (None, "+QLWREG:", _STAT, _T_NET),
    "AT+QLWUPDATE": ("+QLWUPDATE", "+QLWUPDATE:", _STAT, _T_NET),
    "AT+QLWDEREG": (None, "+QLWDEREG:", _STAT, _T_NET),
    "AT+QLWRECOVER": (None, '+QLWURC: "recovered"', _STAT, _T_NET),
    "AT+QLWADDOBJ": (None, "+QLWADDOBJ:", _ERR, _T_LOCAL),
    "AT+QLWDELOBJ": (None, "+QLWDELOBJ:", _ERR, _T_LOCAL),
    "AT+QLWRDRSP": (None, "+QLWRDRSP:", _ERR, _T_LOCAL),
    "AT+QLWWRRSP": (None, "+QLWWRRSP:", _ERR, _T_LOCAL),
    "AT+QLWRRSP": (None, "+QLWRRSP:", _ERR, _T_LOCAL),
    "AT+QLWEXERSP": (None, "+QLWEXERSP:", _ERR, _T_LOCAL),
    "AT+QLWOBSRSP": (None, "+QLWOBSRSP:", _ERR, _T_LOCAL),
    "AT+QLWNOTIFY": (None, "+QLWNOTIFY:", _ERR, _T_NET),
}


def _val(line):
    """First field after the colon of an answer line, as parsed by ``fields``."""
    return fields(line, line.find(":") + 1)


def _mask(text, psk):
    return log.redact(text, psk) if psk else text


class BC66:
    """The BC66 driver. ``on_urc(URC)`` runs inside the reader task: keep it short
    (queue work for another task). A reboot is delivered as kind ``"reboot"``."""

    def __init__(self, port, on_urc=None):
        self.on_urc = on_urc
        self.at = ATEngine(port, self._line, "bc66")
        self.timeouts = [300, 5000, 60000, 90000]
        self._wr = "AT+QLWWRRSP"
        self._reinit = False
        self.unknown = 0

    def _line(self, line):
        u = parse(line)
        if u is None:
            self.unknown += 1
            return
        if u.kind == "reboot":
            self._reinit = True
        if self.on_urc is not None:
            self.on_urc(u)

    # ---- engine plumbing
    async def start(self, tries=5):
        """Start the reader; sync with AT, then ATE0 and AT+CMEE=1."""
        self.at.start()
        if not await self.sync(tries):
            raise ATTimeout("no answer to AT")
        await self._init()

    async def stop(self):
        await self.at.stop()

    async def sync(self, tries=5):
        return await self.at.sync(tries)

    async def _init(self):
        self._reinit = False
        await self.at.cmd("ATE0", timeout_ms=self.timeouts[0])
        await self.at.cmd("AT+CMEE=1", timeout_ms=self.timeouts[0])

    async def _q(self, cmd, prefix=None, timeout_ms=None):
        """A plain command; returns its info lines."""
        if self._reinit:
            await self._init()
        return await self.at.cmd(cmd, prefix, timeout_ms or self.timeouts[0])

    async def _one(self, cmd, prefix):
        r = await self._q(cmd, prefix)
        if not r:
            raise CommandError(-1, cmd)
        return _val(r[0])

    async def _d(self, cmd, timeout_ms=None, capture=None, secret=None):
        """A command with a deferred result; returns (info lines, deferred fields)."""
        if self._reinit:
            await self._init()
        i = cmd.find("=")
        pfx, dfr, kind, tc = CMDS[cmd if i < 0 else cmd[:i]]
        info, line = await self.at.cmd(cmd, pfx, self.timeouts[0], dfr,
                                       timeout_ms or self.timeouts[tc], capture, True, secret)
        f = fields(line, len(dfr) + (1 if dfr[-1] != ":" else 0))
        if f[0] != 0:
            raise (StatusError if kind == _STAT else CommandError)(f[0], _mask(cmd, secret))
        return info, f

    # ---- bring-up
    async def imei(self):
        return str((await self._one("AT+CGSN=1", "+CGSN"))[0])

    async def cereg(self):
        f = await self._one("AT+CEREG?", "+CEREG")
        return f[1] if len(f) > 1 else f[0]

    async def ip(self):
        r = await self._q("AT+CGPADDR=1", "+CGPADDR")
        for line in r:
            f = _val(line)
            if len(f) > 1 and f[1]:
                return str(f[1])
        return None

    async def csq(self):
        f = await self._one("AT+CSQ", "+CSQ")
        return f[0], f[1]

    async def cfun(self, n, timeout_ms=None):
        check_int(n, 0, 1, "n")
        await self._q("AT+CFUN=%d" % n, None, timeout_ms or self.timeouts[_T_LONG])

    async def sclk(self, mode):
        check_int(mode, 0, 2, "mode")
        await self._q("AT+QSCLK=%d" % mode)

    # ---- configuration
    async def status(self):
        return (await self._one("AT+QLWSTATUS?", "+QLWSTATUS"))[0]

    async def config_get(self):
        out = []
        for line in await self._q("AT+QLWCONFIG?", "+QLWCONFIG"):
            f = _val(line)
            f = f + [None] * (8 - len(f))
            out.append(LwConfig(*f[:8]))
        return out

    async def config_set(self, bs, host, port, endpoint, lifetime, security,
                         psk_id=None, psk=None):
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
            if len(psk) % 2:
                raise ValueError("psk: odd length")
            for c in psk.encode():
                if not (48 <= c <= 57 or 65 <= c <= 70 or 97 <= c <= 102):
                    raise ValueError("psk: not hex")
            cmd += ',"%s","%s"' % (psk_id, psk)
        if self._reinit:
            await self._init()
        await self.at.cmd(cmd, None, self.timeouts[0], secret=psk)

    async def cfg_get(self, key):
        self._cfgkey(key)
        f = await self._one('AT+QLWCFG="%s"' % key, "+QLWCFG")
        return tuple(f[1:])

    async def cfg_all(self):
        d = {}
        for line in await self._q("AT+QLWCFG?", "+QLWCFG"):
            f = _val(line)
            d[f[0]] = tuple(f[1:])
        return d

    async def cfg_set(self, key, *vals):
        rng = self._cfgkey(key)
        if len(vals) != len(rng):
            raise ValueError("%s: %d values" % (key, len(rng)))
        for v, (lo, hi) in zip(vals, rng):
            check_int(v, lo, hi, key)
        await self._q('AT+QLWCFG="%s",%s' % (key, ",".join(str(v) for v in vals)))

    def _cfgkey(self, key):
        r = CFG.get(key)
        if r is None:
            raise ValueError("key")
        return r

    # ---- registration
    async def register(self, timeout_ms=None):
        await self._d("AT+QLWREG", timeout_ms)

    async def update(self, mode, value, timeout_ms=None):
        check_int(mode, 0, 1, "mode")
        if mode:
            check_int(value, 0, 1, "binding")
        else:
            check_int(value, 20, 31536000, "lifetime")
        _, f = await self._d("AT+QLWUPDATE=%d,%d" % (mode, value), timeout_ms)
        return f[1] if len(f) > 1 else None

    async def deregister(self, timeout_ms=None):
        await self._d("AT+QLWDEREG", timeout_ms)

    async def recover(self, timeout_ms=None):
        await self._d("AT+QLWRECOVER", timeout_ms)

    # ---- objects
    async def objects(self):
        out = []
        for line in await self._q("AT+QLWADDOBJ?", "+QLWADDOBJ"):
            f = _val(line)
            out.append((f[0], f[1], tuple(f[3:3 + f[2]])))
        return out

    async def add_object(self, obj, inst, res_ids):
        check_int(obj, 0, 65535, "obj")
        check_int(inst, 0, 3, "inst")
        n = len(res_ids)
        if not 1 <= n <= 14:
            raise ValueError("res_ids: 1..14")
        for r in res_ids:
            check_int(r, 0, 65535, "res_ids")
        await self._d("AT+QLWADDOBJ=%d,%d,%d,%s" % (obj, inst, n, ",".join(str(r) for r in res_ids)))

    async def del_object(self, obj):
        check_int(obj, 0, 65535, "obj")
        await self._d("AT+QLWDELOBJ=%d" % obj)

    # ---- answers to server requests
    async def _rsp(self, name, msgid, result, ok, obj, inst, res, vtype, value, index):
        check_int(msgid, 0, 65535, "msgid")
        check_int(result, 1, 15, "result")
        if result != ok and result < 11:
            raise ValueError("result")
        for v, n in ((obj, "obj"), (inst, "inst"), (res, "res")):
            check_int(v, -1, 65535, n)
        check_int(index, 0, 65535, "index")
        if vtype == 0 or value is None:
            ps = [(0, '""')]
            vtype = 1
        else:
            ps = parts(vtype, value)
        n = len(ps) - 1
        for ln, text in ps:
            await self._d("%s=%d,%d,%d,%d,%d,%d,%d,%s,%d" % (
                name, msgid, result, obj, inst, res, vtype, ln, text, index + n))
            n -= 1

    async def read_rsp(self, msgid, result, obj, inst, res, vtype=0, value=None, index=0):
        await self._rsp("AT+QLWRDRSP", msgid, result, 1, obj, inst, res, vtype, value, index)

    async def obs_rsp(self, msgid, result, obj, inst, res, vtype=0, value=None, index=0):
        await self._rsp("AT+QLWOBSRSP", msgid, result, 1, obj, inst, res, vtype, value, index)

    async def write_rsp(self, msgid, result):
        """``AT+QLWWRRSP``; if the module answers ``ERROR``, ``AT+QLWRRSP`` from then on."""
        self._chk(msgid, result)
        try:
            await self._d("%s=%d,%d" % (self._wr, msgid, result))
        except CommandError as e:
            if e.code != -1 or self._wr == "AT+QLWRRSP":
                raise
            log.log(log.WARN, "bc66", "AT+QLWWRRSP refused: using AT+QLWRRSP")
            self._wr = "AT+QLWRRSP"
            await self._d("AT+QLWRRSP=%d,%d" % (msgid, result))

    async def exec_rsp(self, msgid, result):
        self._chk(msgid, result)
        await self._d("AT+QLWEXERSP=%d,%d" % (msgid, result))

    def _chk(self, msgid, result):
        check_int(msgid, 0, 65535, "msgid")
        if result not in (2, 11, 12, 13, 14) or isinstance(result, bool):
            raise ValueError("result")

    async def notify(self, obj, inst, res, vtype, value, con=True, rai=0, timeout_ms=None):
        """Send a notification; returns the message id of the ``report`` URC for CON."""
        check_int(obj, 0, 65535, "obj")
        check_int(inst, 0, 65535, "inst")
        check_int(res, -1, 65535, "res")
        check_int(rai, 0, 2, "rai")
        ps = parts(vtype, value)
        n = len(ps) - 1
        mid = None
        for ln, text in ps:
            cmd = "AT+QLWNOTIFY=%d,%d,%d,%d,%d,%s,%d,%d" % (obj, inst, res, vtype, ln, text, n,
                                                              1 if con else 0)
            if rai:
                cmd += ",%d" % rai
            info, _ = await self._d(cmd, timeout_ms, '+QLWURC: "report"')
            for line in info:
                u = parse(line)
                if u is not None and u.kind == "report":
                    mid = u.msgid
            n -= 1
        return mid if con else None

    # ---- buffer access mode
    async def rd_count(self):
        return (await self._one("AT+QLWRD?", "+QLWRD"))[0]

    async def rd_next(self):
        f = await self._one("AT+QLWRD", "+QLWRD")
        return f[0], (from_fields(f[1:]) if len(f) > 1 else None)
