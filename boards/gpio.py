"""Module control lines on an MCU's GPIOs (ESP32, STM32): PWRKEY, RESET, PSM_EINT."""


class GpioPins:
    """Outputs idle high; ``pulse(name, ms)`` pulls one low (falling edge first)."""

    def __init__(self, pins):
        from machine import Pin
        self._pins = {n: Pin(p, Pin.OUT, value=1) for n, p in pins.items()}

    async def pulse(self, name, ms):
        """Pull ``name`` (PWRKEY, RESET, PSM_EINT) low for ``ms`` milliseconds."""
        import asyncio
        p = self._pins[name]
        p.value(0)
        await asyncio.sleep_ms(ms)
        p.value(1)
