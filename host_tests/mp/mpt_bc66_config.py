# lib/bc66/modem.py: AT+QLWCONFIG and AT+QLWCFG, happy and error paths, PSK masking.
import fakemodem
fakemodem.prefer_mpy()
from fakemodem import modem, raises  # noqa: E402

PSK = "3083693CF1E6766A2408BFD88278249A2DB498B40A6BF6049300FD47DE325CFC"


def test_0_import():
    # first: load the driver while the heap is still unfragmented (later tests reuse it)
    import gc
    __import__("bc66.lwsetup")
    gc.collect()
    assert gc.mem_free() > 6000, gc.mem_free()


async def test_config_set_and_get():
    from bc66.errors import CommandError
    fm, m, _ = await modem()
    fm.expect('AT+QLWCONFIG=0,"leshan.eclipse.org",5683,"urn:imei:866971030000717",900,3',
              "OK")
    fm.expect('AT+QLWCONFIG=1,"bootp.iot.t-mobile.com",5584,"urn:imei:1",900,0,"id","%s"'
              % PSK, "+CMEE ERROR: 3")
    await m.config_set(0, "leshan.eclipse.org", 5683, "urn:imei:866971030000717", 900, 3)
    e = await raises(CommandError, m.config_set(1, "bootp.iot.t-mobile.com", 5584,
                                                 "urn:imei:1", 900, 0, "id", PSK))
    assert PSK not in repr(e) and e.code == 3
    fm.expect("AT+QLWCONFIG?", '+QLWCONFIG:1,"h",5584,"ep",900,0,"id","00"',
              '+QLWCONFIG:0,"srv",5683,"ep",30,3', "OK")
    c = await m.config_get()
    assert len(c) == 2 and c[0].host == "h" and c[0].psk == "00" and c[1].port == 5683
    assert c[1].psk is None and c[1].security == 3
    fm.check()
    await m.stop()


async def test_config_validation():
    fm, m, _ = await modem()
    bad = ((2, "h", 1, "e", 20, 3), (0, "h" * 151, 1, "e", 20, 3), (0, "h", 65536, "e", 20, 3),
           (0, "h", 1, 'e"', 20, 3), (0, "h", 1, "e", 19, 3), (0, "h", 1, "e", 31536001, 3),
           (0, "h", 1, "e", 20, 1), (0, "h", 1, "e", 20, 0), (0, "h", 1, "e", 20, 0, "i", "ABC"),
           (0, "h", 1, "e", 20, 0, "i", "XY"), (0, "h", 1, "e", 20, 0, "i", "00" * 129))
    for a in bad:
        e = await raises(ValueError, m.config_set(*a))
        assert "ABC" not in str(e)
    assert fm.written == ["AT", "ATE0", "AT+CMEE=1"]
    await m.stop()


async def test_cfg_keys():
    from bc66.errors import CommandError
    from bc66 import lwsetup
    fm, m, _ = await modem()
    for k in lwsetup.CFG.split():
        n = k.count(",") + 1
        k = k[:k.find(":")]
        vals = (4, 3) if n == 2 else (1,)
        fm.expect('AT+QLWCFG="%s",%s' % (k, ",".join(str(x) for x in vals)), "OK")
        await m.cfg_set(k, *vals)
        fm.expect('AT+QLWCFG="%s"' % k, '+QLWCFG: "%s",%s' % (k, ",".join(str(x) for x in vals)),
                  "OK")
        assert await m.cfg_get(k) == vals
    fm.expect('AT+QLWCFG="auto_reg",1', "+CMEE ERROR: 3")
    await raises(CommandError, m.cfg_set("auto_reg", 1))
    await raises(ValueError, m.cfg_set("auto_reg", 2))
    await raises(ValueError, m.cfg_set("retransmit", 21, 1))
    await raises(ValueError, m.cfg_set("nope", 1))
    await raises(ValueError, m.cfg_get("nope"))
    fm.check()
    await m.stop()
