"""Server requests (+QLWURC read/write/execute/observe) parsed straight from the line
buffer into ``urc.URC`` records: no str, no field list. Loaded by the modem on the first
request URC."""
from binascii import unhexlify
from .urc import URC
from .at import debug, log

# '+QLWURC: "<kind>",' and
# how many int fields follow (a write: 6 ints, the quoted hex value, the index).
_HEAD = b'+QLWURC: "'
_FK = (b'read",', "read", 4, b'execute",', "execute", 4, b'observe",', "observe", 5,
       b'write",', "write", 6)
_V = [0] * 6  # scratch for the int fields (the reader task is the only caller)
_R = [None] * 11  # scratch for a record's fields: URC(*_R) is the one allocation
UNREADABLE = "unreadable"  # parse(): a request whose message id cannot be read


def _at(b, i, k, p):
    """``b[i:k]`` starts with the bytes ``p`` (no slice made)."""
    n = len(p)
    if k - i < n:
        return False
    j = 0
    while j < n:
        if b[i + j] != p[j]:
            return False
        j += 1
    return True


def ints(b, i, k, n, v):
    """``n`` comma-separated decimal ints (spaces around, "-" allowed) from ``b[i:k]`` into
    the list ``v`` -> the index after the last one, or -1 (nothing allocated)."""
    j = 0
    while True:
        while i < k and b[i] == 32:
            i += 1
        neg = i < k and b[i] == 45
        if neg:
            i += 1
        s = i
        x = 0
        while i < k and 48 <= b[i] <= 57:
            x = x * 10 + b[i] - 48
            i += 1
        if i == s:
            return -1
        while i < k and b[i] == 32:
            i += 1
        v[j] = -x if neg else x
        j += 1
        if j == n:
            return i
        if i >= k or b[i] != 44:
            return -1
        i += 1


def _rec(kind, msgid, flag, obj, inst, res, vtype, ln, value, index):
    r = _R
    r[0] = kind
    r[1] = msgid
    r[2] = obj
    r[3] = inst
    r[4] = res
    r[5] = flag
    r[6] = vtype
    r[7] = ln
    r[8] = value
    r[9] = index
    r[10] = None
    rec = URC(*r)
    r[8] = None  # no reference kept to the value
    return rec


def _in(v, lo, hi):
    return lo <= v <= hi


def _malformed(kind, b, i, k):
    # a request whose fields after the message id are malformed: a "malformed" record
    # (value: the request's kind) if the message id can be read, else None
    v = _V
    j = ints(b, i, k, 1, v)
    if j < 0 or not _in(v[0], 0, 65535) or (j < k and b[j] != 44):
        return UNREADABLE
    return URC("malformed", v[0], None, None, None, None, None, None, kind, None, None)


def parse(b, k):
    """A read/write/execute/observe ``URC`` parsed from the bytes ``b[:k]`` (no str, no
    field list); a ``"malformed"`` record (``.msgid``, ``.value`` the request's kind) if
    the message id can be read but another field cannot; ``UNREADABLE`` if it cannot;
    None if the line is not a request."""
    if not _at(b, 0, k, _HEAD):
        return None
    t = 0
    while t < 12:
        if _at(b, 10, k, _FK[t]):
            break
        t += 3
    else:
        return None
    kind = _FK[t + 1]
    s = 10 + len(_FK[t])
    i = ints(b, s, k, _FK[t + 2], _V)
    v = _V
    if i < 0 or not _in(v[0], 0, 65535):
        return _malformed(kind, b, s, k)
    if t < 6:  # read, execute: msgid, obj, inst, res
        if i != k or not (_in(v[1], 0, 65535) and _in(v[2], -1, 65535)
                          and _in(v[3], -1, 65535)):
            return _malformed(kind, b, s, k)
        return _rec(kind, v[0], None, v[1], v[2], v[3], None, None, None, None)
    if t == 6:  # observe: msgid, flag, obj, inst, res
        if i != k or not (_in(v[1], 0, 1) and _in(v[2], 0, 65535) and _in(v[3], -1, 65535)
                          and _in(v[4], -1, 65535)):
            return _malformed(kind, b, s, k)
        return _rec(kind, v[0], v[1], v[2], v[3], v[4], None, None, None, None)
    # write: msgid, obj, inst, res, vtype, len, "hex", index
    if not (_in(v[1], 0, 65535) and _in(v[2], 0, 65535) and _in(v[3], 0, 65535)
            and _in(v[4], 1, 5) and v[5] >= 0) or i + 1 >= k or b[i] != 44 or b[i + 1] != 34:
        return _malformed(kind, b, s, k)
    j = i + 2
    while j < k and b[j] != 34:
        j += 1
    if j + 1 >= k or b[j + 1] != 44:
        return _malformed(kind, b, s, k)
    try:
        h = unhexlify(memoryview(b)[i + 2:j])
    except Exception:  # odd length or not hex
        return _malformed(kind, b, s, k)
    m, o, n, r, vt, ln = v  # before the index overwrites v[0]
    if ints(b, j + 2, k, 1, v) != k or not _in(v[0], 0, 65535):
        return _malformed(kind, b, s, k)
    return _rec(kind, m, None, o, n, r, vt, ln, h, v[0])


def take(m, b, k):
    """BC66 ``m``'s hook: deliver the request in ``b[:k]`` to ``m.on_urc`` -> True, or
    False if it is not one (the line then goes the str way)."""
    u = parse(b, k)
    if u is None:
        return False
    if u is UNREADABLE:  # nothing to answer it with: logged and counted
        m.unanswerable += 1
        log(30, "bc66", "unanswerable request: %r", bytes(memoryview(b)[:min(k, 60)]))
        return True
    if debug():
        try:
            log(10, "bc66", "urc %s", str(memoryview(b)[:k], "utf-8"))
        except UnicodeError:
            log(10, "bc66", "urc %r", bytes(memoryview(b)[:k]))
    try:
        m.on_urc(u)
    except Exception as e:  # no listener (None) or a listener's bug: count, go on
        m.at.stats["dropped_urcs"] += 1
        if m.on_urc is not None:
            log(40, "bc66", "urc handler: %r", e)
    return True
