"""URC records: the note's 18 ``+QLWURC`` kinds as a parse table, plus start-up news."""
from collections import namedtuple
from micropython import const

# A URC record: ``kind`` and the fields that kind has (the others None). ``part`` is the
# note's <index> of a write split into parts (N-1 down to 0, 0 the last); it is not called
# index, which would hide ``tuple.index``.
URC = namedtuple("URC", ("kind", "msgid", "obj", "inst", "res", "flag", "vtype", "length",
                         "value", "part", "status"))

_NONE = (None,) * 11
_VALUE = const(8)  # URC.value's position
_STATUS = const(10)  # URC.status's position

# " kind:fields" per +QLWURC kind of the note's table 1, fields as letters in order:
# m msgid, f flag, o obj, i inst, r res, t vtype, l length, h hex value -> bytes,
# x part (the note's <index>), s status, S status (also .value), v int value, q str value.
KINDS = (" ping:S buffer: write:moirtlhx read:moir execute:moir observe:mfoir bs_finished:"
         " report:m report_ack:sm lwstatus:v lifetime_changed:v binding_changed:q"
         " min_period_changed:v max_period_changed:v disable:v factory_reset:S"
         " bootstrap_request_trigger:S recovered:S ")
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


def from_fields(f):
    """A record from the fields of a ``+QLWURC:`` / ``+QLWRD:`` body (kind first)."""
    kind = f[0]
    sp = spec(kind) if isinstance(kind, str) else None
    if sp is None or len(f) != len(sp) + 1:
        return None
    r = list(_NONE)
    r[0] = kind
    for k, c in enumerate(sp):
        v = f[k + 1]
        if c == "h":
            from .values import unhex

            v = unhex(v)
        elif c == "q":
            v = str(v)
        elif not isinstance(v, int):
            return None
        if c == "S":
            r[_VALUE] = r[_STATUS] = v
        else:
            r[_VALUE if c in "hq" else _LETTERS.find(c)] = v
    return URC(*r)


def parse(line):
    """``URC`` for a URC line, or None if the line is not one we know (or is malformed)."""
    try:
        if line.startswith("+QLWURC:"):
            return from_fields(fields(line, 8))
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
