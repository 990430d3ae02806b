"""Set-up commands of BC66 (AT+QLWCONFIG, AT+QLWCFG, AT+QLWUPDATE, AT+QLWADDOBJ), imported
on first use: ``m.config_set(...)`` calls ``config_set(m, ...)`` here."""
from .errors import check_int
from .values import check_str

from .errors import CommandError
from .urc import Rec, fields

# AT+QLWCFG keys and the ranges of their values.
CFG = (" auto_reg:0:1 per_regstatus_feat:0:1 rai_enable:0:1 retransmit:1:20,0:8 auto_ack:0:1"
       " access_mode:0:1 recovery_mode:0:1 retransmit_mode:0:1 ")


def _f(line):
    return fields(line, line.find(":") + 1)


def _ranges(s):
    # "0:1,0:8" -> ((0, 1), (0, 8))
    return tuple(tuple(int(x) for x in r.split(":")) for r in s.split(","))


class LwConfig(Rec):
    _F = ("bs", "host", "port", "endpoint", "lifetime", "security", "psk_id", "psk")


def parse_set(p, info):
    if p == 6:
        return [LwConfig((_f(x) + [None] * 8)[:8]) for x in info]
    if p == 7:
        return {f[0]: tuple(f[1:]) for f in (_f(x) for x in info)}
    return [(f[0], f[1], tuple(f[3:3 + f[2]])) for f in (_f(x) for x in info)]


async def config_set(m, bs, host, port, endpoint, lifetime, security,
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
        if len(psk) % 2 or not all(c in "0123456789abcdefABCDEF" for c in psk):
            raise ValueError("psk: even-length hex")
        cmd += ',"%s","%s"' % (psk_id, psk)
    await m._q(cmd, None, None, psk)


async def cfg_get(m, key):
    _cfg(key)
    r = await m._q('AT+QLWCFG="%s"' % key, "+QLWCFG")
    if not r:
        raise CommandError(-1, "no answer line")
    return tuple(_f(r[0])[1:])


async def cfg_set(m, key, *vals):
    rng = _cfg(key)
    if len(vals) != len(rng):
        raise ValueError(key)
    for v, (lo, hi) in zip(vals, rng):
        check_int(v, lo, hi, key)
    await m._q('AT+QLWCFG="%s",%s' % (key, ",".join(str(v) for v in vals)))


def _cfg(key):
    i = CFG.find(" %s:" % key) if isinstance(key, str) and " " not in key else -1
    if i < 0:
        raise ValueError("key")
    return _ranges(CFG[i + len(key) + 2:CFG.find(" ", i + 1)])


async def add_object(m, obj, inst, res_ids):
    check_int(obj, 0, 65535, "obj")
    check_int(inst, 0, 3, "inst")
    if not 1 <= len(res_ids) <= 14:
        raise ValueError("res_ids: 1..14")
    for r in res_ids:
        check_int(r, 0, 65535, "res_ids")
    await m._d("AT+QLWADDOBJ=%d,%d,%d,%s" % (obj, inst, len(res_ids),
                                               ",".join(str(r) for r in res_ids)))
