"""LwM2M value types and answer result codes of the note, <len>, hex, splitting and
AT-injection checks."""
from micropython import const
from .errors import check_int
try:
    from .native import unsafe  # machine code: every port we build for
except (ImportError, SyntaxError, ValueError):  # a port with no native emitter (unix on arm64)
    from .plain import unsafe

T_STRING = const(1)
T_OPAQUE = const(2)
T_INTEGER = const(3)
T_FLOAT = const(4)
T_BOOLEAN = const(5)
# <result> codes of the answer commands (the note's tables for AT+QLWRDRSP, AT+QLWOBSRSP,
# AT+QLWWRRSP/AT+QLWRRSP and AT+QLWEXERSP), and which command takes which
CONTENT = const(1)  # 2.05
CHANGED = const(2)  # 2.04
BAD_REQUEST = const(11)  # 4.00
UNAUTHORIZED = const(12)  # 4.01
NOT_FOUND = const(13)  # 4.04
NOT_ALLOWED = const(14)  # 4.05
NOT_ACCEPTABLE = const(15)  # 4.06
CONTENT_RESULTS = (CONTENT, BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, NOT_ALLOWED, NOT_ACCEPTABLE)
CHANGE_RESULTS = (CHANGED, BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, NOT_ALLOWED)
MAX_STRING = const(1024)  # bytes of a string value per command (the note's <len> limit)
MAX_OPAQUE = const(512)  # bytes per command (1024 hex characters)


def str_bytes(s, name="value", maxlen=None):
    """The <len> of a string value: its UTF-8 bytes (the note: "The max size is 1024
    bytes"; the module counts bytes). ValueError (naming ``name`` only, never the value:
    it may be a secret) for anything that could break out of a quoted AT string or end
    the command: ``"``, CR, LF, SUB, ESC, NUL, DEL or any other control character; or
    more than ``maxlen`` bytes."""
    if not isinstance(s, str):
        raise ValueError(name + ": not a str")
    n = len(memoryview(s))  # its UTF-8 bytes, not copied (MicroPython)
    if maxlen is not None and n > maxlen:
        raise ValueError(name + ": too long")
    if unsafe(s, n):
        raise ValueError(name + ": quote or control character")
    return n



def check_str(s, name="value", maxlen=None):
    """``str_bytes``'s checks -> ``s``."""
    str_bytes(s, name, maxlen)
    return s


def sendable(vtype, value):
    """True if ``value`` can be sent as a ``vtype`` value (``parts`` would not raise)."""
    try:
        if vtype == T_OPAQUE:
            return isinstance(value, (bytes, bytearray, memoryview))
        if vtype == T_STRING:
            str_bytes(value)
        else:
            text(vtype, value)
        return True
    except ValueError:
        return False


def parts(vtype, value):
    """``[(len, piece, quote), ...]`` in sending order (index N-1 first, 0 last): ``piece``
    is the ``<value>`` field without its quotes: a str, or for opaque a tuple of upper-case
    hex chunks of 64 characters (no 1 KB block needed); ``quote`` is '"' for string and
    opaque, '' otherwise. Long values are not copied into one string."""
    if vtype == T_STRING:
        n = str_bytes(value)
        if n <= MAX_STRING:
            return [(n, value, '"')]
        # pieces of at most MAX_STRING bytes: characters, or a quarter as many when some
        # take more than one byte (UTF-8: at most 4)
        step = MAX_STRING if n == len(value) else MAX_STRING // 4
        return [(len(p.encode()), p, '"') for p in
                (value[i:i + step] for i in range(0, len(value), step))]
    if vtype == T_OPAQUE:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise ValueError("value: opaque needs bytes")
        from binascii import hexlify
        mv = memoryview(value)
        return [(len(mv[i:i + MAX_OPAQUE]),
                 tuple(hexlify(mv[j:min(j + 32, i + MAX_OPAQUE)]).upper()
                       for j in range(i, min(i + MAX_OPAQUE, len(mv)), 32)), '"')
                for i in range(0, max(len(mv), 1), MAX_OPAQUE)]
    t = text(vtype, value)
    return [(len(t), t, "")]


def pieces(vtype, value):
    """How many commands ``parts`` sends ``value`` in (1 for a short one; never raises:
    a value ``parts`` refuses counts 1). The machine numbers a read's commands N-1..0
    across its parts with it (the note: one message split into N, index N-1 to 0)."""
    if vtype == T_STRING and isinstance(value, str) and len(value) > MAX_STRING // 4:
        try:
            n = str_bytes(value)
        except ValueError:
            return 1
        if n > MAX_STRING:
            step = MAX_STRING if n == len(value) else MAX_STRING // 4
            return (len(value) + step - 1) // step
    elif vtype == T_OPAQUE and isinstance(value, (bytes, bytearray, memoryview)):
        return max(1, (len(value) + MAX_OPAQUE - 1) // MAX_OPAQUE)
    return 1


def text(vtype, value):
    """The ``<value>`` field of an integer, float or boolean (checked; ValueError naming
    ``value``), or of a string of at most ``MAX_STRING`` bytes (checked); None for
    opaque values and longer strings (they need ``parts``)."""
    if vtype == T_STRING:
        return value if str_bytes(value) <= MAX_STRING else None
    if vtype == T_INTEGER:
        check_int(value, -0x8000000000000000, 0x7FFFFFFFFFFFFFFF, "value")
        return str(value)
    if vtype == T_FLOAT:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("value: float needs a number")
        t = str(float(value))
        if "n" in t:  # inf / nan
            raise ValueError("value: not finite")
        return t
    if vtype == T_BOOLEAN:
        if value not in (0, 1):  # True, False, 0, 1
            raise ValueError("value: boolean needs True/False")
        return "1" if value else "0"
    if vtype == T_OPAQUE:
        return None
    raise ValueError("vtype: 1..5")


def unhex(s):
    """Hex text (as in a write URC) -> bytes; ValueError if it is not hex."""
    from binascii import unhexlify

    try:
        return unhexlify(s)
    except Exception as e:  # binascii raises ValueError, or TypeError on odd input
        raise ValueError("hex: %s" % e)


def cmdv(head, v, q, tail):
    # A command with a value: one string when short, else pieces the engine writes one by
    # one (a 1 KB value is not copied into a 1 KB command string).
    if isinstance(v, tuple):  # opaque: hex chunks
        if len(v) > 1:
            return (head, q) + v + (q, tail)
        v = v[0].decode() if v else ""
    if len(v) <= 64:
        return "%s%s%s%s%s" % (head, q, v, q, tail)
    return (head, q, v, q, tail)
