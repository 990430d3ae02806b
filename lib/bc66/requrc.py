"""Server requests (+QLWURC read/write/execute/observe) parsed straight from the line
buffer into ``urc.URC`` records: no str, no field list. Loaded by the modem on the first
request URC."""
from binascii import unhexlify
from micropython import const
from .urc import URC
from .at import debug, log

_HEAD = b'+QLWURC: "'
_KIND_AT = const(10)  # where the kind's name starts, after _HEAD
# The request kinds: (the kind's name as it follows _HEAD up to its comma, kind, how many
# int fields follow). A write's 6 ints are followed by its quoted hex value and the index.
_KINDS = ((b'read",', "read", 4), (b'execute",', "execute", 4),
          (b'observe",', "observe", 5), (b'write",', "write", 6))
_fields = [0] * 6  # the int fields of the line being parsed (the reader task is the only caller)
UNREADABLE = "unreadable"  # parse(): a request whose message id cannot be read
_COMMA = const(44)


def _plain(b, i, e):
    # b[i:e] holds no byte that int() would take in a decimal field but a field may not
    # hold ("+5", "1_0", a tab, VT or FF around it: the module never sends them)
    return (b.find(b"+", i, e) < 0 and b.find(b"_", i, e) < 0 and b.find(b"\t", i, e) < 0
            and b.find(b"\v", i, e) < 0 and b.find(b"\f", i, e) < 0)


def ints(b, mv, i, e, n, out):
    """The ``n`` comma-separated decimal ints that make up all of ``b[i:e]`` (``mv`` a
    memoryview of ``b``) into the list ``out`` -> True, or False if ``b[i:e]`` is anything
    else. A field is spaces, an optional "-", digits, spaces: what ``int()`` of a memoryview
    slice reads, once ``_plain(b, i, e)`` has refused what else it would take."""
    try:
        for j in range(n - 1):
            c = b.find(b",", i, e)
            if c < 0:
                return False
            out[j] = int(mv[i:c])
            i = c + 1
        out[n - 1] = int(mv[i:e])
    except ValueError:  # empty, "-" alone, "1-2", "x"...
        return False
    return True


def _msgid(b, i, k):
    # the message id that starts b[i:k] (up to a comma or the end) or -1
    e = b.find(b",", i, k)
    if e < 0:
        e = k
    if not _plain(b, i, e) or not ints(b, memoryview(b), i, e, 1, _fields):
        return -1
    m = _fields[0]
    return m if 0 <= m <= 65535 else -1


def _malformed(kind, b, i, k):
    # a request whose fields after the message id are malformed: a "malformed" record
    # (value: the request's kind) if the message id can be read, else UNREADABLE
    m = _msgid(b, i, k)
    if m < 0:
        return UNREADABLE
    return URC("malformed", m, None, None, None, None, None, None, kind, None, None)


def _write(b, mv, i, k):
    # '<msgid>,<obj>,<inst>,<res>,<vtype>,<len>,"<hex>",<index>' from b[i:k] -> URC or None
    v = _fields
    q = b.find(b'"', i, k)  # the value's opening quote, after the ints and a comma
    if q < 0 or b[q - 1] != _COMMA or not ints(b, mv, i, q - 1, 6, v):
        return None
    e = b.find(b'"', q + 1, k)  # its closing quote, then a comma
    if e < 0 or e + 1 >= k or b[e + 1] != _COMMA:
        return None
    if not (0 <= v[0] <= 65535 and 0 <= v[1] <= 65535 and 0 <= v[2] <= 65535
            and 0 <= v[3] <= 65535 and 1 <= v[4] <= 5 and v[5] >= 0):
        return None
    try:
        value = unhexlify(mv[q + 1:e])
    except (ValueError, MemoryError):  # odd length, not hex, or no room for it
        return None
    m, o, n, r, vtype, length = v  # before the index overwrites v[0]
    if not ints(b, mv, e + 2, k, 1, v) or not 0 <= v[0] <= 65535:
        return None
    return URC("write", m, o, n, r, None, vtype, length, value, v[0], None)


def parse(b, k):
    """A read/write/execute/observe ``URC`` parsed from the bytes ``b[:k]`` (no str, no
    field list); a ``"malformed"`` record (``.msgid``, ``.value`` the request's kind) if
    the message id can be read but another field cannot; ``UNREADABLE`` if it cannot;
    None if the line is not a request."""
    if not b.startswith(_HEAD):
        return None
    for name, kind, n in _KINDS:
        if b.startswith(name, _KIND_AT):
            break
    else:
        return None
    i = _KIND_AT + len(name)
    if k < i:  # the line ended inside the name: b[k:] is not this line's
        return None
    u = _request(kind, n, b, i, k) if _plain(b, i, k) else None
    return _malformed(kind, b, i, k) if u is None else u


def _request(kind, n, b, i, k):
    # the fields of a request of this kind from b[i:k] -> its URC, or None if malformed
    mv = memoryview(b)
    if kind == "write":
        return _write(b, mv, i, k)
    v = _fields
    if not ints(b, mv, i, k, n, v):
        return None
    if n == 4:  # read, execute: msgid, obj, inst, res
        if (0 <= v[0] <= 65535 and 0 <= v[1] <= 65535 and -1 <= v[2] <= 65535
                and -1 <= v[3] <= 65535):
            return URC(kind, v[0], v[1], v[2], v[3], None, None, None, None, None, None)
    else:  # observe: msgid, flag, obj, inst, res
        if (0 <= v[0] <= 65535 and 0 <= v[1] <= 1 and 0 <= v[2] <= 65535
                and -1 <= v[3] <= 65535 and -1 <= v[4] <= 65535):
            return URC(kind, v[0], v[2], v[3], v[4], v[1], None, None, None, None, None)
    return None


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
