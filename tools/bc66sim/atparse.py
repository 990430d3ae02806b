"""AT command-line parsing, value checks and the note's code tables (chapter 6)."""
import re


class CmeError(Exception):
    """Answer `+CME ERROR: <code>` (bare `ERROR` with AT+CMEE=0); ``why``, if given, goes
    into the transcript as an event (what the module refused and the rule it broke)."""

    def __init__(self, code, why=None):
        super().__init__(code)
        self.code = code
        self.why = why


class AtError(Exception):
    """Answer bare `ERROR` (unknown command, syntax the parser cannot place)."""


# Chapter 6, table 2: <err>
ERR = {0: "Operation successful", 1: "Other error", 2: "Parameter number error",
       3: "Parameter value error", 4: "Not register error", 7: "Disable error",
       13: "Data length odd error", 15: "Not ready receive error", 32: "Keep connecting error",
       33: "Already registered error", 34: "Create lwm2m error"}
E_OTHER, E_NPARAM, E_VALUE, E_NOTREG, E_DISABLE = 1, 2, 3, 4, 7
E_ODD, E_NOTREADY, E_CONNECTING, E_ALREADY, E_CREATE = 13, 15, 32, 33, 34
NOT_SENT = 2  # <status_code> "Packet not sent"
# Chapter 6, table 3: <status_code>
STATUS_CODE = {0: "Success", 1: "Timeout", 2: "Packet not sent", 3: "Recovered failed",
               4: "Update failed", 9: "Reset", 10: "Bad request", 13: "Forbidden",
               14: "Not found", 22: "Precondition failed"}
# AT+QLWSTATUS? values
STATES = {0: "Not Registered", 1: "Registering", 2: "Registered", 3: "Deregistering",
          4: "Deregistered", 5: "Invalid", 6: "Recovering", 7: "Need Recover"}
T_STRING, T_OPAQUE, T_INTEGER, T_FLOAT, T_BOOLEAN = 1, 2, 3, 4, 5
READ_RESULTS = (1, 11, 12, 13, 14, 15)
WRITE_RESULTS = (2, 11, 12, 13, 14)
EXEC_RESULTS = (2, 11, 12, 13, 14)

# 4.1.2: "The AT or at prefix must be added at the beginning of each command line."
_CMD_RE = re.compile(r"^(?:AT|at)(\+[A-Za-z][A-Za-z0-9]*)(=\?|\?|=)?(.*)$", re.S)
_BASIC_RE = re.compile(r"^(?:AT|at)([A-Za-z&])(\d*)$")


class Arg(str):
    """A parameter; `.quoted` tells whether it was written in double quotes."""
    quoted = False


def split_args(s):
    """Split a parameter list at commas outside double quotes; strip quotes."""
    out = []
    cur = []
    quoted = False
    inq = False
    for ch in s:
        if inq:
            if ch == '"':
                inq = False
            else:
                cur.append(ch)
        elif ch == '"':
            inq = True
            quoted = True
        elif ch == ",":
            a = Arg("".join(cur).strip() if not quoted else "".join(cur))
            a.quoted = quoted
            out.append(a)
            cur = []
            quoted = False
        else:
            if not (quoted and ch == " "):
                cur.append(ch)
    if inq:
        raise CmeError(E_VALUE)
    a = Arg("".join(cur).strip() if not quoted else "".join(cur))
    a.quoted = quoted
    out.append(a)
    return out


def parse_command(line):
    """-> (name, kind, args). name like "+QLWREG" or "E"; kind set/read/test/exec/basic."""
    if line[:2] not in ("AT", "at"):
        raise AtError()
    if len(line) == 2:
        return "", "exec", []
    m = _CMD_RE.match(line)
    if m:
        name, op, rest = m.group(1).upper(), m.group(2), m.group(3)
        if op is None:
            if rest:
                raise AtError()
            return name, "exec", []
        if op == "=?":
            return name, "test", []
        if op == "?":
            if rest:
                raise AtError()
            return name, "read", []
        return name, "set", split_args(rest)
    m = _BASIC_RE.match(line)
    if m:
        return m.group(1).upper(), "basic", [m.group(2)]
    raise AtError()


def to_int(a, lo=None, hi=None):
    try:
        if isinstance(a, Arg) and a.quoted:
            raise ValueError
        v = int(a, 10)
    except (TypeError, ValueError):
        raise CmeError(E_VALUE)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise CmeError(E_VALUE)
    return v


def decode_value(vtype, length, raw, float_len=True):
    """Check <value_type>,<len>,<value> of an MCU command; -> Python value.

    4.2.8/4.2.12: "When <value_type> is Integer, <len> is the number of characters." (always
    checked) "When <value_type> is Float, <len> is the number of characters." (checked
    when float_len: the examples of 5.8 send 88.88 with <len> 4, reading float_len)."""
    if vtype == T_STRING:
        if length != len(raw) or length > 1024:
            raise CmeError(E_VALUE)
        return str(raw)
    if vtype == T_OPAQUE:
        if len(raw) % 2:
            raise CmeError(E_ODD)
        try:
            b = bytes.fromhex(raw)
        except ValueError:
            raise CmeError(E_VALUE)
        if length != len(b) or length > 512:
            raise CmeError(E_VALUE)
        return b
    if vtype == T_INTEGER:
        if length != len(raw):
            raise CmeError(E_VALUE)
        try:
            return int(raw, 10)
        except ValueError:
            raise CmeError(E_VALUE)
    if vtype == T_FLOAT:
        if float_len and length != len(raw):
            raise CmeError(E_VALUE, "Float <len> %d, its value has %d characters (reading "
                           "float_len)" % (length, len(raw)))
        try:
            return float(raw)
        except ValueError:
            raise CmeError(E_VALUE)
    if vtype == T_BOOLEAN:
        if length != 1 or raw not in ("0", "1"):
            raise CmeError(E_VALUE)
        return raw == "1"
    raise CmeError(E_VALUE)


def encode_payload(value):
    """A server-side value -> the bytes the write URC carries in hex."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, bool):
        return b"1" if value else b"0"
    return str(value).encode()


def parse_path(path):
    """"3303/0/5700" -> (3303, 0, 5700); missing parts are -1."""
    if isinstance(path, (tuple, list)):
        parts = list(path)
    else:
        parts = [int(p) for p in str(path).strip("/").split("/") if p != ""]
    if not 1 <= len(parts) <= 3:
        raise ValueError("bad path %r" % (path,))
    while len(parts) < 3:
        parts.append(-1)
    return tuple(int(p) for p in parts)


def update_interval(lifetime):
    """The note's Actual Update Interval (seconds) for a lifetime (seconds)."""
    lt = lifetime
    if lt <= 30:
        return lt / 2
    if lt <= 50:
        return 15 + (lt - 30) * 3 / 4
    if lt <= 100:
        return 30 + (lt - 50) * 4 / 5
    if lt <= 300:
        return 70 + (lt - 100) * 9 / 10
    return 250 + (lt - 300) * 19 / 20


def retransmit_total(ack_timeout, max_times, mode):
    """Seconds a CON message waits before giving up (all transmissions)."""
    if mode == 1:
        return ack_timeout * (max_times + 1)
    return sum(ack_timeout * 2 ** (nt - 1) for nt in range(1, max_times + 2))
