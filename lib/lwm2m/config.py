"""Node configuration: one JSON file -> a validated ``Config``."""
# Ranges from the BC66 LwM2M note (4.2.1 AT+QLWCONFIG, 4.2.2 AT+QLWCFG). Errors are
# ConfigError("field.path", "rule") and never quote the value (the PSK cannot leak).
# Unknown keys are errors. Strings go into AT commands: '"' and control chars refused.
# Comments rather than long docstrings: compiling from source on a 48 KB heap is tight.
import json

# One JSON text per field: [path, kind, a, b, default]; default "!" = required. Kinds:
# i int a..b (b null: no max), n number a..b, b bool, s str of <= a UTF-8 bytes,
# e one of a, h even-length hex <= a chars, l distinct strs from a, p int pair in a, b.
_SPEC = (
    '["server.host","s",150,0,"!"]',
    '["server.port","i",0,65535,5683]',
    '["server.bootstrap","b",0,0,false]',
    '["endpoint","s",150,0,null]',
    '["lifetime","i",20,31536000,900]',
    '["security","e",["psk","none"],0,"none"]',
    '["psk_id","s",150,0,null]',
    '["psk","h",256,0,null]',
    '["binding","e",["U","UQ"],0,"U"]',
    '["qlwcfg.auto_reg","i",0,1,0]',
    '["qlwcfg.per_regstatus_feat","i",0,1,0]',
    '["qlwcfg.rai_enable","i",0,1,0]',
    '["qlwcfg.retransmit","p",[1,20],[0,8],[2,4]]',
    '["qlwcfg.auto_ack","i",0,1,0]',
    '["qlwcfg.access_mode","i",0,1,0]',
    '["qlwcfg.recovery_mode","i",0,1,0]',
    '["qlwcfg.retransmit_mode","i",0,1,0]',
    '["report_interval_s","i",1,null,3600]',
    '["objects","l",["temperature","voltage","bindata"],0,["temperature","voltage","bindata"]]',
    '["network_timeout_s","i",1,86400,600]',
    '["register_timeout_s","i",1,3600,120]',
    '["backoff.base_s","n",1,86400,30]',
    '["backoff.cap_s","n",1,604800,3600]',
    '["backoff.factor","n",1,10,2]',
    '["backoff.jitter","n",0,1,0.5]',
    '["duty_cycle.enabled","b",0,0,false]',
    '["duty_cycle.sleep_s","i",1,31536000,3600]',
    '["state_dir","s",100,0,"state"]',
)
_SECTIONS = ("server", "qlwcfg", "backoff", "duty_cycle")
# AT+QLWCFG keys in the module's order.
CFG_KEYS = ("auto_reg", "per_regstatus_feat", "rai_enable", "retransmit", "auto_ack",
            "access_mode", "recovery_mode", "retransmit_mode")
_HEX = "0123456789abcdefABCDEF"


class ConfigError(ValueError):
    # "field: rule" with .field and .rule; never the value.

    def __init__(self, field, rule):
        super().__init__("%s: %s" % (field, rule))
        self.field = field
        self.rule = rule


def _int(v):
    return type(v) is int  # not bool


def _bad(kind, a, b, v):  # -> the rule v breaks, or None
    if kind == "i" or kind == "n":
        ok = _int(v) or (kind == "n" and type(v) is float)
        if not ok or v < a or (b is not None and v > b):
            return "must be %s %s" % ("an integer" if kind == "i" else "a number",
                                      "%s..%s" % (a, b) if b is not None else ">= %s" % a)
    elif kind == "b":
        if v is not True and v is not False:
            return "must be true or false"
    elif kind == "s":
        if not isinstance(v, str) or len(v.encode()) > a:
            return "must be a string of at most %d bytes" % a
        for c in v:
            if c < " " or c == "\x7f" or c == '"':
                return "must not contain quotes or control characters"
    elif kind == "e":
        if not isinstance(v, str) or v not in a:
            return "must be one of " + ", ".join(a)
    elif kind == "h":
        if not isinstance(v, str) or not 0 < len(v) <= a or len(v) % 2 or v.strip(_HEX):
            return "must be an even-length hex string of at most %d chars" % a
    elif kind == "l":
        if not isinstance(v, list) or not v:
            return "must be a non-empty list of " + ", ".join(a)
        for i, x in enumerate(v):
            if not isinstance(x, str) or x not in a or x in v[:i]:
                return "must be a list of distinct " + ", ".join(a)
    elif kind == "p":
        if (not isinstance(v, list) or len(v) != 2 or not _int(v[0]) or not _int(v[1])
                or not a[0] <= v[0] <= a[1] or not b[0] <= v[1] <= b[1]):
            return "must be [ack_timeout %d..%d, max %d..%d]" % tuple(a + b)
    return None


class Config:
    # Attributes: the _SPEC paths, "." -> "_", "server." dropped (host, port, bootstrap,
    # qlwcfg_retransmit, backoff_base_s, ...), plus security_mode (0 PSK, 3 none).

    def qlwconfig_args(self, imei=None):
        """AT+QLWCONFIG args: (bs, host, port, endpoint, lifetime, mode, psk_id, psk)."""
        # endpoint None -> urn:imei:<imei>; psk_id, psk are None without security.
        ep = self.endpoint
        if ep is None:
            if not isinstance(imei, str) or not imei.isdigit() or len(imei) > 17:
                raise ConfigError("imei", "must be a string of digits")
            ep = "urn:imei:" + imei
        return (int(self.bootstrap), self.host, self.port, ep, self.lifetime,
                self.security_mode, self.psk_id, self.psk)

    def cfg_items(self):
        """AT+QLWCFG settings: ((key, tuple of ints), ...) in the module's order."""
        r = []
        for k in CFG_KEYS:
            v = getattr(self, "qlwcfg_" + k)
            r.append((k, v if isinstance(v, tuple) else (v,)))
        return tuple(r)

    def __repr__(self):
        return "<Config %s:%d ep=%s sec=%s psk=%s>" % (
            self.host, self.port, self.endpoint, self.security, self.psk and "***")


def _known(path):
    for e in _SPEC:
        if e.startswith('["%s"' % path):
            return True
    return False


def from_dict(d):
    """Validated ``Config`` from a dict parsed from JSON, else ``ConfigError``."""
    if not isinstance(d, dict):
        raise ConfigError("config", "must be a JSON object")
    for k, v in d.items():
        if k in _SECTIONS:
            if not isinstance(v, dict):
                raise ConfigError(k, "must be an object")
            for k2 in v:
                if not _known(k + "." + k2):
                    raise ConfigError(k + "." + k2, "unknown key")
        elif not _known(k):
            raise ConfigError(str(k)[:40], "unknown key")
    c = Config()
    for e in _SPEC:
        path, kind, a, b, v = json.loads(e)
        sec, _, key = path.rpartition(".")
        src = d.get(sec, {}) if sec else d
        if src.get(key) is not None:
            v = src[key]
            r = _bad(kind, a, b, v)
            if r:
                raise ConfigError(path, r)
        elif v == "!":
            raise ConfigError(path, "is required")
        setattr(c, path.replace("server.", "").replace(".", "_"),
                tuple(v) if isinstance(v, list) else v)
    c.security_mode = 0 if c.security == "psk" else 3
    if c.security_mode:
        c.psk_id = c.psk = None
    for f in ("psk_id", "psk"):
        if c.security_mode == 0 and getattr(c, f) is None:
            raise ConfigError(f, "is required when security is psk")
    if not c.host:
        raise ConfigError("server.host", "is required")
    if " " in c.host or "," in c.host:
        raise ConfigError("server.host", "must be a host name or IP address")
    if c.endpoint == "":
        raise ConfigError("endpoint", "must not be empty")
    if c.backoff_cap_s < c.backoff_base_s:
        raise ConfigError("backoff.cap_s", "must be >= backoff.base_s")
    return c


def load(path):
    """``from_dict`` of a JSON file; unreadable/invalid: ConfigError(path, rule)."""
    try:
        with open(path) as f:
            d = json.load(f)
    except OSError:
        raise ConfigError(path, "cannot be read")
    except ValueError:
        raise ConfigError(path, "is not valid JSON")
    return from_dict(d)
