# lib/bc66/urc.py's request parser (urc.live_request, its fields read by viper code) against the
# parser it replaced (a Python loop per byte, kept below verbatim as the reference): the same
# record, "malformed" record, UNREADABLE or None for every line of a random set of
# well-formed requests and their mutations (a byte inserted, replaced or removed, the line
# cut short), with stale bytes of a longer line after the end in the buffer.
import fakemodem
fakemodem.prefer_mpy(("__init__", "log", "errors", "lines", "at", "urc"))
from binascii import unhexlify  # noqa: E402
from bc66.urc import URC  # noqa: E402
from seeded import Rand  # noqa: E402

# ---- the reference: lib/bc66/requrc.py at d890f2f (parse and its helpers) ----
_ref_HEAD = b'+QLWURC: "'
_ref_FK = (b'read",', "read", 4, b'execute",', "execute", 4, b'observe",', "observe", 5,
       b'write",', "write", 6)
_ref_V = [0] * 6  # scratch for the int fields (the reader task is the only caller)
_ref_R = [None] * 11  # scratch for a record's fields: URC(*_ref_R) is the one allocation
UNREADABLE = "unreadable"  # _ref_parse(): a request whose message id cannot be read


def _ref_at(b, i, k, p):
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


def _ref_ints(b, i, k, n, v):
    """``n`` comma-separated decimal _ref_ints (spaces around, "-" allowed) from ``b[i:k]`` into
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
        if i == s or i - s > 9:  # 1 to 9 digits (since the viper parser: no field of the
            return -1  # note needs more, and 9 fit a 32-bit port's native int)
        while i < k and b[i] == 32:
            i += 1
        v[j] = -x if neg else x
        j += 1
        if j == n:
            return i
        if i >= k or b[i] != 44:
            return -1
        i += 1


def _ref_rec(kind, msgid, flag, obj, inst, res, vtype, ln, value, index):
    r = _ref_R
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


def _ref_in(v, lo, hi):
    return lo <= v <= hi


def _ref_malformed(kind, b, i, k):
    # a request whose fields after the message id are malformed: a "malformed" record
    # (value: the request's kind) if the message id can be read, else None
    v = _ref_V
    j = _ref_ints(b, i, k, 1, v)
    if j < 0 or not _ref_in(v[0], 0, 65535) or (j < k and b[j] != 44):
        return UNREADABLE
    return URC("malformed", v[0], None, None, None, None, None, None, kind, None, None)


def _ref_parse(b, k):
    """A read/write/execute/observe ``URC`` parsed from the bytes ``b[:k]`` (no str, no
    field list); a ``"malformed"`` record (``.msgid``, ``.value`` the request's kind) if
    the message id can be read but another field cannot; ``UNREADABLE`` if it cannot;
    None if the line is not a request."""
    if not _ref_at(b, 0, k, _ref_HEAD):
        return None
    t = 0
    while t < 12:
        if _ref_at(b, 10, k, _ref_FK[t]):
            break
        t += 3
    else:
        return None
    kind = _ref_FK[t + 1]
    s = 10 + len(_ref_FK[t])
    i = _ref_ints(b, s, k, _ref_FK[t + 2], _ref_V)
    v = _ref_V
    if i < 0 or not _ref_in(v[0], 0, 65535):
        return _ref_malformed(kind, b, s, k)
    if t < 6:  # read, execute: msgid, obj, inst, res
        if i != k or not (_ref_in(v[1], 0, 65535) and _ref_in(v[2], -1, 65535)
                          and _ref_in(v[3], -1, 65535)):
            return _ref_malformed(kind, b, s, k)
        return _ref_rec(kind, v[0], None, v[1], v[2], v[3], None, None, None, None)
    if t == 6:  # observe: msgid, flag, obj, inst, res
        if i != k or not (_ref_in(v[1], 0, 1) and _ref_in(v[2], 0, 65535) and _ref_in(v[3], -1, 65535)
                          and _ref_in(v[4], -1, 65535)):
            return _ref_malformed(kind, b, s, k)
        return _ref_rec(kind, v[0], v[1], v[2], v[3], v[4], None, None, None, None)
    # write: msgid, obj, inst, res, vtype, len, "hex", index
    if not (_ref_in(v[1], 0, 65535) and _ref_in(v[2], 0, 65535) and _ref_in(v[3], 0, 65535)
            and _ref_in(v[4], 1, 5) and v[5] >= 0) or i + 1 >= k or b[i] != 44 or b[i + 1] != 34:
        return _ref_malformed(kind, b, s, k)
    j = i + 2
    while j < k and b[j] != 34:
        j += 1
    if j + 1 >= k or b[j + 1] != 44:
        return _ref_malformed(kind, b, s, k)
    try:
        h = unhexlify(memoryview(b)[i + 2:j])
    except Exception:  # odd length or not hex
        return _ref_malformed(kind, b, s, k)
    m, o, n, r, vt, ln = v  # before the index overwrites v[0]
    if _ref_ints(b, j + 2, k, 1, v) != k or not _ref_in(v[0], 0, 65535):
        return _ref_malformed(kind, b, s, k)
    return _ref_rec(kind, m, None, o, n, r, vt, ln, h, v[0])


# ---- the cases ----
_BASE = (b'+QLWURC: "read",1000,3303,0,5700', b'+QLWURC: "read",19,9,-1,-1',
         b'+QLWURC: "execute",16,9,0,5', b'+QLWURC: "observe",17,1,3303,0,-1',
         b'+QLWURC: "observe",65535,0,9,-1,-1',
         b'+QLWURC: "write",10,9,0,1,3,2,"3432",0', b'+QLWURC: "write",0,9,0,1,1,0,"",65535',
         b'+QLWURC: "write",11, 9 ,0 ,1,3,1,"ab",2', b'+QLWURC: "read", 7 , 3 ,0 , 0 ')
_BYTES = b' -+_\t,"0159xA\xff'


def _mutate(rnd, line):
    for _ in range(1 + rnd.below(2)):
        i = rnd.below(len(line) + 1)
        c = _BYTES[rnd.below(len(_BYTES))]
        how = rnd.below(5)
        if how == 0:
            line = line[:i] + bytes((c,)) + line[i:]
        elif how == 1:
            line = line[:i] + bytes((c,)) + line[i + 1:]
        elif how == 2:
            line = line[:i] + line[i + 1:]
        elif how == 3:
            line = line[:i]
        else:  # a field's digits replaced by a big or negative number
            j = line.find(b",", i)
            if j > 0:
                line = line[:j + 1] + (b"70000", b"-2", b"99999999999", b"")[rnd.below(4)] \
                    + line[j + 1:]
    return line


def _same(line, buf):
    from bc66 import urc
    k = len(line)
    buf[:k] = line
    got = urc.live_request(buf, k)
    want = _ref_parse(buf, k)
    if got is urc.UNREADABLE:
        got = UNREADABLE
    assert got == want, (line, got, want)
    return want


def test_base_lines_parse_as_before():
    buf = bytearray(b"9" * 80)
    for line in _BASE:
        assert isinstance(_same(line, buf), tuple), line


def test_mutated_lines_parse_as_before():
    rnd = Rand(7)
    seen = {}
    for case in range(1500):
        buf = bytearray(_BASE[rnd.below(len(_BASE))] + b"7,1" * 10)  # stale bytes after k
        r = _same(_mutate(rnd, _BASE[rnd.below(len(_BASE))]), buf)
        what = "none" if r is None else r if isinstance(r, str) else r[0]
        seen[what] = seen.get(what, 0) + 1
    # the cases reach every outcome
    for what in ("none", UNREADABLE, "malformed", "read", "write", "execute", "observe"):
        assert seen.get(what, 0) >= 10, seen


def test_field_edges():
    # int() takes "+", "_" and tabs: the parser does not
    buf = bytearray(80)
    for f in (b"+5", b"5_0", b"-_5", b"\t5", b"5\t", b"-0", b"0005", b"- 5", b"--5", b"",
              b"  ", b"65535", b"65536", b"-1", b"-2", b"1 2"):
        _same(b'+QLWURC: "read",3,9,0,' + f, buf)
        _same(b'+QLWURC: "read",' + f + b",9,0,0", buf)
        _same(b'+QLWURC: "write",4,9,0,1,3,1,"31",' + f, buf)
