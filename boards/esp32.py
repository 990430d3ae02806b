"""ESP32 (e.g. DevKitC) wired to a BC66 through a 1.8 V <-> 3.3 V level translator.

| BC66        | ESP32   |
|-------------|---------|
| MAIN_RXD    | GPIO17 (UART2 TX) |
| MAIN_TXD    | GPIO16 (UART2 RX) |
| PWRKEY      | GPIO4 (via NPN, active low at the module) |
| RESET       | GPIO5 (via NPN, active low at the module) |
| PSM_EINT    | GPIO18  |
| GND         | GND     |
"""
NAME = "esp32"
BAUD = 115200
UART_ID = 2
TX = 17
RX = 16
PWRKEY = 4
RESET = 5
PSM_EINT = 18
CONFIG = "/config.json"
STATE_DIR = "/state"
HAS_DEEPSLEEP = True


def open_port(dev=None, baud=BAUD):
    """Open UART2 towards the BC66 as a bc66 Port."""
    from machine import UART
    from bc66 import transport
    u = UART(UART_ID, baud, tx=TX, rx=RX, rxbuf=2048, timeout=0)
    return transport.open_uart(u)


def rtc():
    """RTC memory (survives deep sleep): where the node keeps its small state."""
    import machine
    return machine.RTC()


class Pins:
    """PWRKEY/RESET/PSM_EINT as open-drain style outputs, idle high."""

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
