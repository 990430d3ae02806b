"""Node configuration: one JSON file -> a validated ``Config``."""
# Ranges from the BC66 LwM2M note (4.2.1 AT+QLWCONFIG, 4.2.2 AT+QLWCFG). Errors are
# ConfigError("field.path", "rule") and never quote the value (the PSK cannot leak).
# Unknown keys are errors. Strings go into AT commands: '"' and control chars refused.
import json

# One JSON text per field: [path, kind, a, b, default]; default "!" = required. Kinds:
# Durations the node times with ticks_ms are at most 536870 s: 2**29 ms, the longest
# period ticks_add/ticks_diff handle on a 32-bit port (report_interval_s; the others have
# smaller maxima; lifetime and duty_cycle.sleep_s go to the module and to lwm2m.sleep).
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
    '["report_interval_s","i",1,536870,3600]',
    '["objects","l",["temperature","voltage","bindata"],0,["temperature","voltage","bindata"]]',
    '["network_timeout_s","i",1,86400,600]',
    '["register_timeout_s","i",1,3600,120]',
    '["cfun_timeout_s","i",1,300,85]',
    '["backoff.base_s","n",1,86400,30]',
    '["backoff.cap_s","n",1,86400,3600]',
    '["backoff.factor","n",1,10,2]',
    '["backoff.jitter","n",0,1,0.5]',
    '["duty_cycle.enabled","b",0,0,false]',
    '["duty_cycle.sleep_s","i",1,31536000,3600]',
    '["duty_cycle.notify_timeout_s","i",1,300,20]',
    '["state_dir","s",255,0,"state"]',
    '["module_power_off","e",["never","stop"],0,"never"]',
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


# kind -> its rule (pairs, not a dict: a constant in flash on a board that freezes the code)
_MSG = (("b", "must be true or false"), ("s", "must be a string of at most %s bytes"),
        ("e", "must be one of %s"), ("h", "must be an even-length hex string of at most %s chars"),
        ("l", "must be a non-empty list of distinct %s"),
        ("p", "must be [ack_timeout %s..%s, max %s..%s]"))


def _bad(kind, a, b, v):  # -> the rule v breaks, or None
    t = type(v)
    if kind == "i" or kind == "n":
        if (t is int or t is float and kind == "n") and a <= v and (b is None or v <= b):
            return None
        return "must be %s %s" % ("an integer" if kind == "i" else "a number",
                                  ">= %s" % a if b is None else "%s..%s" % (a, b))
    if kind == "s":
        ok = t is str and len(v.encode()) <= a
        for c in v if ok else "":
            if c < " " or c == "\x7f" or c == '"':
                return "must not contain quotes or control characters"
    elif kind == "h":
        ok = t is str and 0 < len(v) <= a and not len(v) % 2 and not v.strip(_HEX)
    elif kind == "l":
        ok = t is list and v
        for i, x in enumerate(v if ok else ()):
            ok = ok and type(x) is str and x in a and x not in v[:i]
        a = ", ".join(a)
    elif kind == "p":
        ok = t is list and len(v) == 2 and type(v[0]) is type(v[1]) is int and \
            a[0] <= v[0] <= a[1] and b[0] <= v[1] <= b[1]
        a = tuple(a + b)
    else:
        ok = t is bool if kind == "b" else t is str and v in a
        a = ", ".join(a) if kind == "e" else ()
    if ok:
        return None
    for k, rule in _MSG:
        if k == kind:
            return rule % a


def imei_ok(imei):
    """True for an IMEI: 15 digits, the last the Luhn check digit of the others (3GPP TS
    23.003). Any one garbled digit, a lost or a doubled one fails it."""
    if type(imei) is not str or len(imei) != 15 or not imei.isdigit():
        return False
    t = 0
    for i in range(15):
        d = ord(imei[14 - i]) - 48
        if i & 1:
            d = d * 2 - 9 if d > 4 else d * 2
        t += d
    return t % 10 == 0


class Config:
    # Attributes: the _SPEC paths, "." -> "_", "server." dropped (host, port, bootstrap,
    # qlwcfg_retransmit, backoff_base_s, ...), plus security_mode (0 PSK, 3 none).

    def qlwconfig_args(self, imei=None):
        """AT+QLWCONFIG args: (bs, host, port, endpoint, lifetime, mode, psk_id, psk)."""
        # endpoint None -> urn:imei:<imei>; psk_id, psk are None without security.
        ep = self.endpoint
        if ep is None:
            if not imei_ok(imei):
                raise ConfigError("imei", "must be 15 digits ending in its Luhn check digit")
            ep = "urn:imei:" + imei
        return (int(self.bootstrap), self.host, self.port, ep, self.lifetime,
                self.security_mode, self.psk_id, self.psk)

    def cfg_items(self):
        """AT+QLWCFG settings: ((key, tuple of ints), ...) in the module's order."""
        out = []
        for k in CFG_KEYS:
            v = getattr(self, "qlwcfg_" + k)
            out.append((k, v if type(v) is tuple else (v,)))
        return tuple(out)

    def __repr__(self):
        return "<Config %s:%d ep=%s sec=%s psk=%s>" % (
            self.host, self.port, self.endpoint, self.security, self.psk and "***")


def _known(path):
    for e in _SPEC:
        if e.startswith('["%s"' % path):
            return True
    return False


def check(path, value):
    """The rule ``value`` breaks as the config file's field ``path`` (a _SPEC path such
    as "report_interval_s" or "backoff.base_s"), or None: one set of rules for the file
    and for a server's write of a setting."""
    for e in _SPEC:
        if e.startswith('["%s"' % path):
            _, kind, a, b, _ = json.loads(e)
            return _bad(kind, a, b, value)
    raise ConfigError(path[:40], "unknown key")


def from_dict(d):
    """Validated ``Config`` from a dict parsed from JSON, else ``ConfigError``."""
    if type(d) is not dict:
        raise ConfigError("config", "must be a JSON object")
    for k, v in d.items():
        if k == "sensors":  # a list of entries: checked by _sensors
            continue
        sec = k in _SECTIONS
        if sec and type(v) is not dict:
            raise ConfigError(k, "must be an object")
        for p in v if sec else (k,):
            p = k + "." + p if sec else str(p)
            if not _known(p) or not sec and "." in p:
                raise ConfigError(p[:40], "unknown key")
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
                tuple(v) if type(v) is list else v)
    c.sensors = _sensors(d.get("sensors"))
    c.security_mode = m = 0 if c.security == "psk" else 3
    if m:
        c.psk_id = c.psk = None
    for f in ("psk_id", "psk") if m == 0 else ():
        if getattr(c, f) is None:
            raise ConfigError(f, "is required when security is psk")
    if "://" in c.host:
        _server_uri(c, d["server"].get("port"))
    h = c.host
    if not h or " " in h or "," in h:
        raise ConfigError("server.host", "must be a host name or IP address" if h else "is required")
    if c.endpoint == "":
        raise ConfigError("endpoint", "must not be empty")
    if c.backoff_cap_s < c.backoff_base_s:
        raise ConfigError("backoff.cap_s", "must be >= backoff.base_s")
    return c


_URI_RULE = "must be a host, or coap://host[:port] or coaps://host[:port] (port 0..65535)"


def _server_uri(c, given_port):
    # server.host in URI form (RFC 7252 6.1/6.2: coap default port 5683, coaps 5684; an
    # IPv6 literal in brackets) -> c.host, c.port; the scheme must agree with security
    h = c.host
    i = h.find("://")
    scheme = h[:i].lower()
    rest = h[i + 3:]
    if rest[-1:] == "/":
        rest = rest[:-1]
    if scheme not in ("coap", "coaps") or "/" in rest or "?" in rest or "@" in rest \
            or "#" in rest:
        raise ConfigError("server.host", _URI_RULE)
    if rest[:1] == "[":
        j = rest.find("]")
        host, tail = (rest[1:j], rest[j + 1:]) if j > 0 else ("", "")
    else:
        j = rest.find(":")
        host, tail = (rest, "") if j < 0 else (rest[:j], rest[j:])
    if not host or tail and (tail[0] != ":" or not tail[1:].isdigit()
                             or int(tail[1:]) > 65535):
        raise ConfigError("server.host", _URI_RULE)
    port = int(tail[1:]) if tail else 5684 if scheme == "coaps" else 5683
    if given_port is not None and given_port != port:
        raise ConfigError("server.port", "differs from the port in server.host")
    want = "psk" if scheme == "coaps" else "none"
    if c.security != want:
        raise ConfigError("security", "must be %s for a %s:// server" % (want, scheme))
    c.host, c.port = host, port


MAX_SENSORS = 8


def _sensors(v):
    # "sensors": null, or a list of {"type": an ipso.TYPES name, "source": str, ...}; the
    # other keys are the source's own (checked when it opens) and must be JSON scalars
    if v is None:
        return None
    if type(v) is not list or not 0 < len(v) <= MAX_SENSORS:
        raise ConfigError("sensors", "must be a list of 1..%d sensor entries" % MAX_SENSORS)
    from lwm2m.ipso import TYPES
    for i, e in enumerate(v):
        f = "sensors[%d]" % i
        if type(e) is not dict:
            raise ConfigError(f, "must be an object")
        if e.get("type") not in TYPES:
            raise ConfigError(f + ".type", "must be one of " + ", ".join(sorted(TYPES)))
        if type(e.get("source")) is not str or not e["source"]:
            raise ConfigError(f + ".source", "is required (a source name)")
        for k, x in e.items():
            if type(k) is not str or not k or len(k) > 32 or x is not None and \
                    type(x) not in (int, float, bool, str):
                raise ConfigError((f + "." + str(k))[:60], "must be a number, string, "
                                  "true/false or null")
            r = _bad("s", 150, 0, x) if type(x) is str else None
            if r:
                raise ConfigError(f + "." + k, r)
    return tuple(v)


MAX_BYTES = 8192  # a full config is under 1 KB; a bigger file is not read at all
MAX_DEPTH = 8  # a config nests 3 deep; the parser's stack for deeper text is on the heap


def _depth(text):
    # deepest [ / { nesting outside strings
    d = top = 0
    q = esc = False
    for c in text:
        if q:
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c == '"':
                q = False
        elif c == '"':
            q = True
        elif c == "[" or c == "{":
            d += 1
            if d > top:
                top = d
        elif c == "]" or c == "}":
            d -= 1
    return top


def load(path, over=None):
    """``from_dict`` of a JSON file (``over``: changes merged on top, see ``merge``);
    unreadable/oversized/not UTF-8/invalid: ConfigError(path, rule)."""
    import os
    try:
        n = os.stat(path)[6]
    except OSError:
        raise ConfigError(path, "cannot be read")
    if n > MAX_BYTES:
        raise ConfigError(path, "is larger than %d bytes" % MAX_BYTES)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError:
        raise ConfigError(path, "cannot be read")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ConfigError(path, "is UTF-16 text, not UTF-8")
    if raw[:3] == b"\xef\xbb\xbf":  # a UTF-8 byte order mark (some editors write one)
        raw = raw[3:]
    try:
        text = raw.decode()
    except UnicodeError:  # a text-mode read would raise it as a traceback
        raise ConfigError(path, "is not UTF-8 text")
    del raw
    if _depth(text) > MAX_DEPTH:
        raise ConfigError(path, "is nested deeper than %d levels" % MAX_DEPTH)
    try:
        d = json.loads(text)
    except ValueError:
        raise ConfigError(path, "is not valid JSON")
    except MemoryError:
        raise ConfigError(path, "does not fit in memory to parse")
    return from_dict(merge(d, over))


def merge(d, over):
    """``d`` with ``over``'s keys on top (a section's keys one by one): the config
    changes an application package brings (lwm2m.swupdate.package_config)."""
    for k, v in (over or {}).items():
        if k in _SECTIONS and type(v) is dict and type(d.get(k)) is dict:
            d[k].update(v)
        else:
            d[k] = v
    return d



def load_cached(path, cache, over=None):
    """``load(path)``, validated once: the result is kept in the file ``cache`` in a compact
    form (its attributes as JSON, with a hash of the config file's text and of the table
    of settings it was checked against, and of ``over``: a package's changes) and read
    from there at the next start while none changed: a duty-cycle node restarts at every
    wake. Any problem with the cache: ``load`` (which names a bad field)."""
    import os
    try:
        n = os.stat(path)[6]
        if n > MAX_BYTES:
            return load(path, over)  # refused there, naming the size
        with open(path) as f:
            text = f.read(n)
        key = [len(text), hash(text), hash("".join(_SPEC)), hash(json.dumps(over))]
        del text
    except (OSError, ValueError):
        return load(path, over)
    try:
        with open(cache) as f:
            d = json.load(f)
        if d["key"] == key:
            c = Config()
            for k, v in d["attrs"].items():
                setattr(c, k, tuple(v) if type(v) is list else v)
            return c
    except (OSError, ValueError, KeyError, TypeError):
        pass
    c = load(path, over)
    try:
        with open(cache, "w") as f:
            json.dump({"key": key, "attrs": c.__dict__}, f)
    except OSError:
        pass  # a read-only flash: validated at every start
    return c
