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


def Pins(path=None):
    """The module's control lines on this board's GPIOs."""
    from boards.gpio import GpioPins
    return GpioPins({"PWRKEY": PWRKEY, "RESET": RESET, "PSM_EINT": PSM_EINT})
