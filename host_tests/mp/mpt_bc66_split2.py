# lib/bc66/modem.py against a stub engine: a string longer than 1024 characters is
# sent in parts, indexes counting down to the caller's index.
import fakemodem
fakemodem.prefer_mpy()
from stubat import stub_modem as _m  # noqa: E402


def test_0_import():
    import gc
    __import__("bc66.modem")
    __import__("bc66.values")
    gc.collect()
    _m()


async def test_read_rsp_string_split_index():
    m = _m()
    await m.read_rsp(7, 1, 9, 0, 0, 1, "a" * 1024 + "bc", index=1)
    a, b = m.at.sent
    assert a[0] == "AT+QLWRDRSP=7,1,9,0,0,1,1024," and a[4] == ",2"
    assert len(a[2]) == 1024 and a[2].count("a") == 1024
    assert b == 'AT+QLWRDRSP=7,1,9,0,0,1,2,"bc",1'
