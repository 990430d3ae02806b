# lib/bc66/native.py (viper) and its plain twin lib/bc66/plain.py (for a port with no native
# emitter, e.g. the unix port on arm64): the same results on the same inputs.
import fakemodem
from seeded import Rand
fakemodem.prefer_mpy(("__init__", "native", "plain", "lines"))
from array import array  # noqa: E402


def _bytecode():
    pass


def test_native_is_machine_code_and_plain_is_not():
    from bc66 import native, plain
    for name in ("frame", "ints", "unsafe"):
        assert type(getattr(native, name)) is not type(_bytecode), name
        assert type(getattr(plain, name)) is type(_bytecode), name
    assert native.DIGITS == plain.DIGITS


_PIECES = (b"\r\n", b"\r", b"\n", b"OK", b"+QLWURC: \"read\",1,3303,0,5700", b"\xff\x00",
           b"A" * 15, b"B" * 16, b"C" * 17, b",")


def test_frame_same_lines():
    from bc66 import native, plain
    from bc66.lines import Lines

    class Plain(Lines):
        feed = plain.frame

    rnd = Rand(5)
    for case in range(150):
        data = b"".join(_PIECES[rnd.below(len(_PIECES))] for _ in range(rnd.below(12)))
        got = []
        for cls in (Lines, Plain):
            out = []
            fr = cls(lambda b, n: out.append(bytes(b[:n])), 16)
            i = 0
            while i < len(data):
                m = 1 + rnd.below(20)
                fr.feed(data[i:i + m], len(data[i:i + m]))
                i += m
            got.append((out, fr.n, fr.skip, fr.overlong))
        assert Lines.feed is native.frame
        assert got[0] == got[1], (case, data, got)


_FIELD = (b"0", b"7", b"-1", b" 12 ", b"65535", b"999999999", b"1234567890", b"", b"-",
          b"+3", b"1_0", b"\t4", b"x", b"3 4", b"- 5", b"0012")


def test_ints_same_fields():
    from bc66 import native, plain
    rnd = Rand(9)
    a = array("i", [0] * 6)
    b = array("i", [0] * 6)
    for case in range(600):
        k = 1 + rnd.below(6)
        line = b",".join(_FIELD[rnd.below(len(_FIELD))] for _ in range(k))
        if rnd.below(4) == 0:
            line += b","
        n = 1 + rnd.below(6)
        r1 = native.ints(line, 0, len(line), n, a)
        r2 = plain.ints(line, 0, len(line), n, b)
        assert r1 == r2 and (not r1 or a[:n] == b[:n]), (line, n, r1, r2, a, b)


def test_unsafe_same_bytes():
    from bc66 import native, plain
    for c in range(128):
        for s in (chr(c), "é" + chr(c), "x" * 33 + chr(c) + "y"):
            n = len(memoryview(s))
            assert native.unsafe(s, n) == plain.unsafe(s, n), (c, s)
    s = "ab\"c"
    assert not native.unsafe(s, 2) and not plain.unsafe(s, 2)  # only the first n bytes
