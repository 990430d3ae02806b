# lib/bc66/values.py: the five value types, <len>, splitting, AT-injection checks.
import fakemodem
fakemodem.prefer_mpy(("__init__", "values"))


def _bad(f, *a):
    try:
        f(*a)
    except ValueError as e:
        return str(e)
    raise AssertionError("accepted %r" % (a,))


def test_string_len_and_quotes():
    from bc66 import values as v
    assert v.parts(v.T_STRING, "abcde") == [(5, "abcde", '"')]
    assert v.parts(v.T_STRING, "") == [(0, "", '"')]


def test_opaque_hex_len_is_bytes():
    from bc66 import values as v
    assert v.parts(v.T_OPAQUE, b"QUECTEL") == [(7, (b"5155454354454C",), '"')]
    assert v.parts(v.T_OPAQUE, b"") == [(0, (), '"')]


def test_int_float_bool():
    from bc66 import values as v
    assert v.parts(v.T_INTEGER, -42) == [(3, "-42", "")]
    assert v.parts(v.T_FLOAT, 88.88) == [(5, "88.88", "")]
    assert v.parts(v.T_BOOLEAN, True) == [(1, "1", "")]
    assert v.parts(v.T_BOOLEAN, False) == [(1, "0", "")]


def test_bad_types_refused():
    from bc66 import values as v
    _bad(v.parts, v.T_INTEGER, True)
    _bad(v.parts, v.T_INTEGER, 1.5)
    _bad(v.parts, v.T_FLOAT, float("inf"))
    _bad(v.parts, v.T_FLOAT, "1")
    _bad(v.parts, v.T_BOOLEAN, 2)
    _bad(v.parts, v.T_OPAQUE, "00")
    _bad(v.parts, 9, 1)


def test_injection_refused():
    from bc66 import values as v
    for s in ('a"b', "a\rb", "a\nb", "a\x00", "\x1b[", "x\x7f"):
        _bad(v.parts, v.T_STRING, s)
    assert "secret" not in _bad(v.check_str, 'secret"', "psk")


def test_split_string_and_opaque():
    from bc66 import values as v
    p = v.parts(v.T_STRING, "a" * 1024 + "b" * 5)
    assert [x[0] for x in p] == [1024, 5] and p[1][1] == "bbbbb"
    p = v.parts(v.T_OPAQUE, bytes(513))
    assert [x[0] for x in p] == [512, 1] and p[1][1] == (b"00",)
    assert len(p[0][1]) == 16 and all(c == b"00" * 32 for c in p[0][1])  # 64-char chunks


def test_unhex():
    from bc66 import values as v
    assert v.unhex("5155454354454C") == b"QUECTEL"
    _bad(v.unhex, "5G")
    _bad(v.unhex, "515")


def _bytecode():
    pass


def test_string_check_is_native_and_refuses_exactly_the_unsafe_bytes():
    # values.unsafe is viper code on every port we test (build_mpy.ARCH; QEMU: frozen
    # armv7m); it refuses every control character, the quote and DEL, at any position of
    # a string (UTF-8 beyond ASCII allowed), and nothing else
    from bc66 import values
    assert type(values.unsafe) is not type(_bytecode), type(values.unsafe)
    for c in range(128):
        bad = c < 32 or c == 34 or c == 127
        for s in (chr(c), "ab" + chr(c), chr(c) + "é" * 3, "x" * 40 + chr(c)):
            try:
                values.str_bytes(s)
                assert not bad, (c, s)
            except ValueError:
                assert bad, (c, s)
    assert values.str_bytes("é€" * 200) == 1000


def test_pieces_counts_the_commands_parts_sends():
    from bc66 import values
    cases = [(values.T_STRING, s) for s in ("", "abc", "x" * 1024, "x" * 1025, "x" * 2049,
                                             "é" * 300, "é" * 600, "€" * 1000)]
    cases += [(values.T_OPAQUE, bytes(n)) for n in (0, 1, 512, 513, 1500)]
    cases += [(values.T_INTEGER, 7), (values.T_FLOAT, 2.5), (values.T_BOOLEAN, True)]
    for t, v in cases:
        assert values.pieces(t, v) == len(values.parts(t, v)), (t, len(v) if t <= 2 else v)
    assert values.pieces(values.T_OPAQUE, "not bytes") == 1  # refused later, counted 1
