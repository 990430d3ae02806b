"""URC records: the one parser of the note's 18 ``+QLWURC`` kinds, live or buffered.

Server requests (read, write, execute, observe) are parsed from bytes (``request``: no
str, no field list), from the reader's line buffer (live ``+QLWURC:``, ``live_request``)
or from an ``AT+QLWRD`` answer line (buffered, ``rd_request``); the other kinds and the
start-up news from a str line through the ``KINDS`` table (``parse``).
"""
from array import array
from binascii import unhexlify
from collections import namedtuple

from micropython import const
try:
    from .native import ints  # machine code: every port we build for
except (ImportError, SyntaxError, ValueError):  # a port with no native emitter (unix on arm64)
    from .plain import ints

# A URC record: ``kind`` and the fields that kind has (the others None). ``part`` is the
# note's <index> of a write split into parts (N-1 down to 0, 0 the last); it is not called
# index, which would hide ``tuple.index``.
URC = namedtuple("URC", ("kind", "msgid", "obj", "inst", "res", "flag", "vtype", "length",
                         "value", "part", "status"))

_NONE = (None,) * 11
_VALUE = const(8)  # URC.value's position
_STATUS = const(10)  # URC.status's position

# " kind:fields" per +QLWURC kind of the note's table 1 that is not a request (those are
# REQUESTS below), fields as letters in order: m msgid, s status, S status (also .value),
# v int value, q str value.
KINDS = (" ping:S buffer: bs_finished: report:m report_ack:sm lwstatus:v lifetime_changed:v"
         " binding_changed:q min_period_changed:v max_period_changed:v disable:v"
         " factory_reset:S bootstrap_request_trigger:S recovered:S ")
_LETTERS = "_moirftlvxs"  # the field letter at each position of URC
# Other lines delivered as records: "+QLWREG: 0" -> kind "reg" (value int if it parses,
# else str); a line "+<NAME>:" with name in OTHER, kind without the "qlw".
OTHER = " qlwreg ip cpin cfun cereg qlwdereg "


def spec(kind):
    """Field letters of a +QLWURC kind, or None if the note has no such kind."""
    i = KINDS.find(" %s:" % kind)
    return None if i < 0 else KINDS[i + len(kind) + 2:KINDS.find(" ", i + 1)]


def fields(s, i=0):
    """Split ``s[i:]`` at commas outside quotes: quoted -> str, digits -> int, else str.
    ValueError if a quote is unpaired or text follows a closing quote (a garbled line)."""
    out = []
    n = len(s)
    while i <= n:
        while i < n and s[i] == " ":
            i += 1
        if i < n and s[i] == '"':
            j = s.find('"', i + 1)
            if j < 0:
                raise ValueError("unterminated string")
            out.append(s[i + 1:j])
            i = s.find(",", j)
            if s[j + 1:i if i >= 0 else n].strip():  # '"a"1': a comma lost
                raise ValueError("text after string")
        else:
            j = s.find(",", i)
            t = s[i:j if j >= 0 else n].strip()
            if '"' in t:  # 'a",1': a quote lost
                raise ValueError("unopened string")
            try:
                out.append(int(t))
            except ValueError:
                out.append(t)
            i = j
        if i < 0:
            break
        i += 1
    return out


def _from_fields(f):
    # a record from the fields of a +QLWURC: body (kind first) of a KINDS kind, or None
    kind = f[0]
    sp = spec(kind) if isinstance(kind, str) else None
    if sp is None or len(f) != len(sp) + 1:
        return None
    r = list(_NONE)
    r[0] = kind
    for k, c in enumerate(sp):
        v = f[k + 1]
        if c == "q":
            v = str(v)
        elif not isinstance(v, int):
            return None
        if c == "S":
            r[_VALUE] = r[_STATUS] = v
        else:
            r[_VALUE if c == "q" else _LETTERS.find(c)] = v
    return URC(*r)


def parse(line):
    """``URC`` for a str URC line, or None if the line is not one we know (or is
    malformed). A request line is parsed by ``request`` (a ``"malformed"`` record if only
    its message id can be read)."""
    try:
        if line.startswith("+QLWURC:"):
            if line.startswith(_HEAD_STR):
                b = line.encode()
                u = request(b, 10, len(b))
                if u is not None:
                    return None if u is UNREADABLE else u
            return _from_fields(fields(line, 8))
        if line == "REBOOT":
            return URC("reboot", *_NONE[1:])
        i = line.find(":")
        if line[:1] == "+" and i > 1:
            k = line[1:i].lower()
            if " %s " % k in OTHER:
                v = fields(line, i + 1)[0]
                k = k[3:] if k[0] == "q" else k
                return URC(k, None, None, None, None, None, None, None, v, None,
                           v if k[-3:] == "reg" else None)
    except ValueError:
        pass
    return None


# ---- server requests, from bytes ----
_HEAD = b'+QLWURC: "'  # a live request line starts with it, then the kind's name
_HEAD_STR = '+QLWURC: "'
# The request kinds (REQUESTS): (the kind's name as it follows _HEAD up to its comma, kind, how many
# int fields follow). A write's 6 ints are followed by its quoted hex value and the index.
REQUESTS = ((b'read",', "read", 4), (b'execute",', "execute", 4),
          (b'observe",', "observe", 5), (b'write",', "write", 6))
_fields = array("i", (0, 0, 0, 0, 0, 0))  # the int fields of the line being parsed
# (the reader task is the only caller)
UNREADABLE = "unreadable"  # request(): a request whose message id cannot be read
_COMMA = const(44)


def _msgid(b, i, k):
    # the message id that starts b[i:k] (up to a comma or the end) or -1
    e = b.find(b",", i, k)
    if e < 0:
        e = k
    if not ints(b, i, e, 1, _fields):
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


def _write(b, i, k):
    # '<msgid>,<obj>,<inst>,<res>,<vtype>,<len>,"<hex>",<index>' from b[i:k] -> URC or None
    v = _fields
    q = b.find(b'"', i, k)  # the value's opening quote, after the ints and a comma
    if q < 0 or b[q - 1] != _COMMA or not ints(b, i, q - 1, 6, v):
        return None
    e = b.find(b'"', q + 1, k)  # its closing quote, then a comma
    if e < 0 or e + 1 >= k or b[e + 1] != _COMMA:
        return None
    if not (0 <= v[0] <= 65535 and 0 <= v[1] <= 65535 and 0 <= v[2] <= 65535
            and 0 <= v[3] <= 65535 and 1 <= v[4] <= 5 and v[5] >= 0):
        return None
    try:
        value = unhexlify(memoryview(b)[q + 1:e])
    except (ValueError, MemoryError):  # odd length, not hex, or no room for it
        return None
    m, o, n, r, vtype, length = v  # before the index overwrites v[0]
    if not ints(b, e + 2, k, 1, v) or not 0 <= v[0] <= 65535:
        return None
    return URC("write", m, o, n, r, None, vtype, length, value, v[0], None)


def request(b, i, k):
    """The read/write/execute/observe ``URC`` in the bytes ``b[:k]`` whose kind's name
    starts at ``b[i]`` (after its opening quote: 10 in a live ``+QLWURC: "`` line); a
    ``"malformed"`` record (``.msgid``, ``.value`` the request's kind) if the message id
    can be read but another field cannot; ``UNREADABLE`` if it cannot; None if it is not
    a request."""
    for name, kind, n in REQUESTS:
        if b.startswith(name, i):
            break
    else:
        return None
    i += len(name)
    if k < i:  # the line ended inside the name: b[k:] is not this line's
        return None
    u = _request(kind, n, b, i, k)
    return _malformed(kind, b, i, k) if u is None else u


def live_request(b, k):
    """``request`` of a live ``+QLWURC:`` line in ``b[:k]`` (the reader's line buffer)."""
    if k < 10 or not b.startswith(_HEAD):
        return None
    return request(b, 10, k)


def rd_request(line):
    """The request of an ``AT+QLWRD`` answer line (``+QLWRD: <remaining>,"<kind>",...``)
    -> ``request``'s result (None: not a request)."""
    q = line.find('"')
    if q < 0:
        return None
    b = line.encode()
    return request(b, q + 1, len(b))


def _request(kind, n, b, i, k):
    # the fields of a request of this kind from b[i:k] -> its URC, or None if malformed
    if kind == "write":
        return _write(b, i, k)
    v = _fields
    if not ints(b, i, k, n, v):
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
