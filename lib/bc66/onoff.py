"""Switch the module on and off: VDD_EXT, PWRKEY and AT+QPOWD (bc66-facts.md "Pins").

``pins`` is the board's control-line object (``boards``): ``pulse(name, ms)`` and
``powered()`` (VDD_EXT: True/False, None where the board does not sense it).
"""
import asyncio
from time import ticks_add, ticks_diff, ticks_ms

from .errors import ATTimeout, BC66Error

PWRKEY_MS = 500  # working BC66 drivers pull PWRKEY low 500 ms (a board's own width wins)
BOOT_MS = 10000  # assumed: PWRKEY released to the boot ROM banner
OFF_MS = 25000  # AT+QPOWD=0 to VDD_EXT low, at most (bc66-facts.md)


class PowerOnFailed(BC66Error):
    """The module did not power on: no boot and no answer to AT after every PWRKEY pulse."""


def powered(pins):
    """VDD_EXT -> True/False, or None when the board does not sense it (or has no pins)."""
    return None if pins is None else pins.powered()


async def power_on(modem, pins, tries=3, boot_ms=BOOT_MS):
    """Make sure the module is on and answers ``AT`` -> PWRKEY pulses used (0: it was on).

    A module whose VDD_EXT is high (or not sensed) and that answers is left alone. Else
    PWRKEY is pulled low for the board's width, the boot (banner or RDY) awaited up to
    ``boot_ms``, then ``AT`` until ``OK``; up to ``tries`` pulses, then PowerOnFailed."""
    if powered(pins) is not False and await modem.sync(2):
        return 0
    if pins is None:
        raise PowerOnFailed("module silent and no PWRKEY line")
    for n in range(1, tries + 1):
        since = modem.boots()
        await pins.pulse("PWRKEY", PWRKEY_MS)
        await modem.wait_boot(since, boot_ms)  # a lost banner: VDD_EXT and AT decide
        if powered(pins) is not False and await modem.sync(5):
            return n
    raise PowerOnFailed("module not on after %d PWRKEY pulses (VDD_EXT %s)"
                        % (tries, {None: "not sensed", False: "low", True: "high"}
                           [powered(pins)]))


async def power_off(modem, pins, timeout_ms=OFF_MS):
    """AT+QPOWD=0, then (where the board senses it) wait for VDD_EXT to fall -> True once
    it fell, None where it is not sensed. ATTimeout if it stays high ``timeout_ms``."""
    await modem.power_down()
    if powered(pins) is None:
        return None
    t_end = ticks_add(ticks_ms(), timeout_ms)
    while powered(pins):
        if ticks_diff(t_end, ticks_ms()) <= 0:
            raise ATTimeout("VDD_EXT still high %d ms after AT+QPOWD" % timeout_ms)
        await asyncio.sleep_ms(20)
    return True
