"""The driver's per-byte loops in machine code (``@micropython.viper``): line framing
(``Lines.feed``), a request line's int fields (``urc.ints``) and a string's unsafe bytes
(``values.str_bytes``). Raw pointers, nothing allocated: a few instructions a byte where
bytecode took dozens.

mpy-cross emits it for one architecture: tools/board/build_mpy.py ``ARCH`` names each
target's (a frozen firmware gets its port's own -march). A port with no native emitter
(the unix port on arm64: macOS on Apple silicon, aarch64 Linux) cannot load it, and its
users then take the same functions from ``bc66.plain``.
"""
import micropython
from micropython import const

_CR = const(13)
_LF = const(10)
_COMMA = const(44)
_SPACE = const(32)
_QUOTE = const(34)
_MINUS = const(45)
_ZERO = const(48)
_NINE = const(57)
_DEL = const(127)
DIGITS = const(9)  # at most 9 digits an int field: no field of the note needs more (ids
# 65535, a value's length 1,024 bytes), and 9 fit the native int of every port


@micropython.viper
def frame(self, data, n: int):
    """``Lines.feed``: frame ``data[:n]`` (any buffer) into ``self.buf``, calling
    ``self.line(buf, k)`` for each complete non-empty line (``lines.Lines`` says how)."""
    src = ptr8(data)
    buf = self.buf
    dst = ptr8(buf)
    size = int(len(buf))
    k = int(self.n)
    skip = bool(self.skip)
    i = 0
    while i < n:
        c = src[i]
        i += 1
        if c == _LF or c == _CR:  # a terminator: the line so far is complete
            if skip:  # the end of an overlong line
                skip = False
            elif k:  # (an empty line, k == 0, is skipped)
                self.n = 0
                self.line(buf, k)
            k = 0
        elif skip:
            pass
        elif k < size:
            dst[k] = c
            k += 1
        else:  # one byte past the longest line: dropped up to the next terminator
            skip = True
            self.overlong = int(self.overlong) + 1
            k = 0
    self.n = k
    self.skip = skip


@micropython.viper
def ints(b, i: int, e: int, n: int, out) -> bool:
    """The ``n`` comma-separated decimal ints that make up all of ``b[i:e]`` into the
    ``array("i")`` ``out`` -> True, or False if ``b[i:e]`` is anything else. A field is
    spaces, an optional "-", 1 to ``DIGITS`` digits, spaces (what the module sends; no "+",
    "_" or tab that ``int()`` would also take)."""
    p = ptr8(b)
    o = ptr32(out)
    j = 0
    while j < n:
        while i < e and p[i] == _SPACE:
            i += 1
        neg = i < e and p[i] == _MINUS
        if neg:
            i += 1
        s = i
        x = 0
        while i < e and p[i] >= _ZERO and p[i] <= _NINE:
            x = x * 10 + int(p[i]) - _ZERO
            i += 1
        if i == s or i - s > DIGITS:
            return False
        while i < e and p[i] == _SPACE:
            i += 1
        o[j] = 0 - x if neg else x
        j += 1
        if j < n:
            if i >= e or p[i] != _COMMA:
                return False
            i += 1
    return i == e


@micropython.viper
def unsafe(s, n: int) -> bool:
    """True if one of the first ``n`` bytes of ``s`` (a str's UTF-8, or bytes) is a
    control character, a quote or DEL: what could break out of a quoted AT string."""
    p = ptr8(s)
    i = 0
    while i < n:
        c = p[i]
        if c < 32 or c == _QUOTE or c == _DEL:
            return True
        i += 1
    return False
