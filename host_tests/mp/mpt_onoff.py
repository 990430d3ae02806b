# lib/bc66/onoff.py on the real driver over the scripted fake port, with fake pins: a module
# that is off at start (VDD_EXT low) powered on by PWRKEY and its boot awaited; one that is
# on left alone; a board without VDD_EXT; a module that never powers on (a typed error
# after a bounded number of pulses); AT+QPOWD and VDD_EXT falling.
import asyncio
import fakemodem
fakemodem.prefer_mpy()
from fakemodem import FakeModem  # noqa: E402

BANNER = ("F1: 0000 0000", "Leaving the BROM")


class Pins:
    # the board's Pins: ``vdd`` True/False/None (not sensed); a PWRKEY pulse powers an off
    # module on when ``works`` (VDD_EXT high, the boot banner, RDY later)
    def __init__(self, fm, vdd, works=True):
        self.fm = fm
        self.vdd = vdd
        self.works = works
        self.pulses = []

    async def pulse(self, name, ms):
        self.pulses.append((name, ms))
        await asyncio.sleep_ms(5)
        if name == "PWRKEY" and self.works:
            if self.vdd is not None:
                self.vdd = True
            self.fm.inject(20, *BANNER + (30, "RDY"))

    def powered(self):
        return self.vdd


def _modem(fm):
    from bc66.modem import BC66
    m = BC66(fm)
    m.at.late_ms = 20
    m.at.sync_ms = 50
    m.at.start()
    return m


async def _on(vdd, script, works=True, tries=3):
    from bc66 import onoff
    fm = FakeModem()
    for cmd, reply in script:
        fm.expect(cmd, *reply)
    m = _modem(fm)
    pins = Pins(fm, vdd, works)
    try:
        n = await onoff.power_on(m, pins, tries=tries, boot_ms=300)
    except onoff.PowerOnFailed as e:
        n = e
    await m.stop()
    fm.check()
    return n, pins, m


def test_off_at_start_pwrkey_then_boot_then_sync():
    # VDD_EXT low: no AT is wasted on an off module; one pulse of the default width, the
    # banner awaited, then AT answered
    n, pins, m = asyncio.run(_on(False, [("AT", ("OK",))]))
    assert n == 1 and pins.pulses == [("PWRKEY", 500)], (n, pins.pulses)
    assert m.boots() == 1


def test_on_and_answering_is_left_alone():
    n, pins, m = asyncio.run(_on(True, [("AT", ("OK",))]))
    assert n == 0 and pins.pulses == []


def test_vdd_not_sensed_silent_module_gets_pwrkey():
    n, pins, m = asyncio.run(_on(None, [("AT", ()), ("AT", ()), ("AT", ("OK",))]))
    assert n == 1 and pins.pulses == [("PWRKEY", 500)]


def test_never_powers_on_is_a_typed_error_after_bounded_tries():
    import time
    t0 = time.ticks_ms()
    e, pins, m = asyncio.run(_on(False, [], works=False, tries=3))
    assert type(e).__name__ == "PowerOnFailed", e
    assert "3 PWRKEY pulses" in str(e) and "VDD_EXT low" in str(e), e
    assert [p[0] for p in pins.pulses] == ["PWRKEY"] * 3
    assert time.ticks_diff(time.ticks_ms(), t0) < 3000  # 3 x 300 ms boot waits, no more


def test_vdd_high_but_no_boot_line_still_syncs():
    # the banner was lost (a glitch): VDD_EXT high and AT answered is "on"
    async def main():
        from bc66 import onoff
        fm = FakeModem()
        fm.expect("AT", "OK")
        m = _modem(fm)
        pins = Pins(fm, False)
        pins.works = False

        async def pulse(name, ms):
            pins.pulses.append(name)
            pins.vdd = True
        pins.pulse = pulse
        n = await onoff.power_on(m, pins, boot_ms=100)
        await m.stop()
        fm.check()
        return n
    assert asyncio.run(main()) == 1


def test_power_off_waits_for_vdd_ext_to_fall():
    async def main():
        from bc66 import onoff
        from bc66.errors import ATTimeout
        fm = FakeModem()
        fm.expect("AT+QPOWD=0", "OK").expect("AT+QPOWD=0", "OK").expect("AT+QPOWD=0", "OK")
        m = _modem(fm)
        pins = Pins(fm, True)

        async def fall():
            await asyncio.sleep_ms(80)
            pins.vdd = False
        asyncio.create_task(fall())
        assert await onoff.power_off(m, pins, 2000) is True
        pins.vdd = True  # stays high: a typed error, not a hang
        try:
            await onoff.power_off(m, pins, 100)
            raise AssertionError("no ATTimeout")
        except ATTimeout as e:
            assert "VDD_EXT" in str(e)
        pins.vdd = None  # not sensed: nothing to wait for
        assert await onoff.power_off(m, pins) is None
        await m.stop()
        fm.check()
    asyncio.run(main())
