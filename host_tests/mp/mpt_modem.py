# lib/bc66/modem.py: bring-up and configuration commands, happy and error paths.
import fakemodem
fakemodem.prefer_mpy()
from fakemodem import modem, raises  # noqa: E402

PSK = "3083693CF1E6766A2408BFD88278249A2DB498B40A6BF6049300FD47DE325CFC"


def test_0_import():
    # first: load the driver while the heap is still unfragmented (later tests reuse it);
    # what it costs is asserted in mpt_memory.py
    __import__("bc66.modem")


async def test_bringup():
    from bc66.errors import CommandError
    fm, m, _ = await modem()
    fm.expect("AT+CGSN=1", "+CGSN: 867997030052996", "OK")
    fm.expect("AT+CEREG?", "+CEREG: 0,1", "OK")
    fm.expect("AT+CGPADDR=1", "+CGPADDR: 1,100.88.40.249", "OK")
    fm.expect("AT+CGPADDR=1", "+CGPADDR: 1", "OK")
    fm.expect("AT+CSQ", "+CSQ: 99,99", "OK")
    fm.expect("AT+CFUN=1", "OK").expect("AT+QSCLK=0", "OK").expect("AT+QSCLK=1", "ERROR")
    assert await m.imei() == "867997030052996"
    assert await m.cereg() == 1
    assert await m.ip() == "100.88.40.249"
    assert await m.ip() is None
    assert await m.csq() == (99, 99)
    await m.cfun(1)
    await m.sclk(0)
    await raises(CommandError, m.sclk(1))
    await raises(ValueError, m.sclk(3))
    await raises(ValueError, m.cfun(2))
    fm.check()
    await m.stop()


async def test_status_constants():
    from bc66.errors import CommandError
    from bc66 import modem as md
    fm, m, _ = await modem()
    fm.expect("AT+QLWSTATUS?", "+QLWSTATUS: 7", "OK")
    fm.expect("AT+QLWSTATUS?", "+CMEE ERROR: 1")
    assert await m.status() == md.STATUS_NEED_RECOVER == 7
    assert (md.STATUS_NOT_REGISTERED, md.STATUS_REGISTERED, md.STATUS_RECOVERING) == (0, 2, 6)
    e = await raises(CommandError, m.status())
    assert e.code == 1 and e.name == "Other error"
    await m.stop()
