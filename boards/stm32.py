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


def Pins(path=None):
    """The module's control lines on this board's GPIOs."""
    from boards.gpio import GpioPins
    return GpioPins({"PWRKEY": PWRKEY, "RESET": RESET, "PSM_EINT": PSM_EINT})
