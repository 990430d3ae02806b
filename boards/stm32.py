"""STM32 (pyboard / Nucleo running MicroPython) wired to a BC66 through a level translator.

| BC66        | STM32   |
|-------------|---------|
| MAIN_RXD    | PA2 (UART2 TX) |
| MAIN_TXD    | PA3 (UART2 RX) |
| PWRKEY      | PB0     |
| RESET       | PB1     |
| PSM_EINT    | PB2     |
| GND         | GND     |
"""
NAME = "stm32"
BAUD = 115200
UART_ID = 2
PWRKEY = "B0"
RESET = "B1"
PSM_EINT = "B2"
CONFIG = "/flash/config.json"
STATE_DIR = "/flash/state"
HAS_DEEPSLEEP = True


def open_port(dev=None, baud=BAUD):
    """Open UART2 towards the BC66 as a bc66 Port."""
    from machine import UART
    from bc66 import transport
    u = UART(UART_ID, baud, rxbuf=2048, timeout=0)
    return transport.open_uart(u)


class Pins:
    """PWRKEY/RESET/PSM_EINT outputs, idle high."""

    def __init__(self, path=None):
        from machine import Pin
        self._pins = {n: Pin(p, Pin.OUT, value=1) for n, p in
                      (("PWRKEY", PWRKEY), ("RESET", RESET), ("PSM_EINT", PSM_EINT))}

    async def pulse(self, name, ms):
        """Pull ``name`` low for ``ms`` milliseconds (falling edge first)."""
        import asyncio
        p = self._pins[name]
        p.value(0)
        await asyncio.sleep_ms(ms)
        p.value(1)
