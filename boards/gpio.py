"""The module's control lines on an MCU's GPIOs, and backup memory as RTC-style memory."""
from boards.base import Pins


class GpioPins(Pins):
    """PWRKEY, RESET, PSM_EINT outputs idle released; ``pulse(name)`` pulls one low at the
    module for the board's ``pulse_ms`` (falling edge first). Lines listed in ``inverted``
    go through an NPN stage: the MCU drives them high to pull the module's line low.
    Optional ``vdd_ext`` (input: the module is powered) and ``led`` (output)."""

    def __init__(self, desc):
        from machine import Pin
        self.pulse_ms = dict(desc["pulse_ms"])
        self._low = {}  # line -> MCU level that pulls the module's line low
        self._pins = {}
        inv = desc.get("inverted", ())
        for f in ("pwrkey", "reset", "psm_eint"):
            low = 1 if f in inv else 0
            self._low[f] = low
            self._pins[f] = _pin(Pin, f, desc[f], Pin.OUT, 1 - low)
        v = desc.get("vdd_ext")
        self._vdd = None if v is None else _pin(Pin, "vdd_ext", v, Pin.IN)
        v = desc.get("led")
        self._led = None if v is None else _pin(Pin, "led", v, Pin.OUT, 0)

    async def pulse(self, name, ms=None):
        """Pull ``name`` (PWRKEY, RESET, PSM_EINT) low at the module for the board's width
        (``ms`` only for a line the description has no width for)."""
        import asyncio
        f = name.lower()
        p = self._pins[f]
        low = self._low[f]
        p.value(low)
        await asyncio.sleep_ms(self.pulse_ms.get(f, ms))
        p.value(1 - low)

    def powered(self):
        """VDD_EXT: True/False, or None when the board does not sense it."""
        return None if self._vdd is None else bool(self._vdd.value())

    def led(self, on):
        """The status LED, where the board has one."""
        if self._led is not None:
            self._led.value(1 if on else 0)


class PinError(ValueError):
    """The port refused the pin of description field ``field``."""

    def __init__(self, field, msg):
        super().__init__(msg)
        self.field = field


def _pin(Pin, field, name, mode, value=None):
    try:
        return Pin(name, mode) if value is None else Pin(name, mode, value=value)
    except (ValueError, TypeError) as e:
        raise PinError(field, "%r: %s" % (name, e))


class BackupMemory:
    """``machine.mem_backup()`` (bytes or 32-bit words) as ``memory()``/``memory(data)``,
    the interface of ``machine.RTC().memory``. A 2-byte length comes first; the last
    ``skip`` words are left alone (stm32 keeps the clock frequency in the last BKP
    register). Too much data: ValueError (the caller falls back to a file)."""

    def __init__(self, mv, skip=0):
        self.mv = mv
        self.wide = getattr(mv, "itemsize", 1) == 4
        self.size = (len(mv) - skip) * (4 if self.wide else 1)

    def _get(self, i):
        if self.wide:
            return (self.mv[i >> 2] >> (8 * (i & 3))) & 0xFF
        return self.mv[i]

    def memory(self, data=None):
        if data is None:
            n = self._get(0) | self._get(1) << 8
            if n > self.size - 2:
                return b""
            return bytes(self._get(2 + i) for i in range(n))
        n = len(data)
        if n + 2 > self.size:
            raise ValueError("buffer too long")
        raw = bytes((n & 0xFF, n >> 8)) + bytes(data)
        if not self.wide:
            self.mv[:len(raw)] = raw
            return None
        raw += bytes((4 - len(raw) % 4) % 4)
        for w in range(len(raw) // 4):
            b = raw[4 * w:4 * w + 4]
            self.mv[w] = b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24
        return None
