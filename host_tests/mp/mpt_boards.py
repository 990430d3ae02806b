# Board files on the unix port with a stand-in `machine`: pin maps, control-line pulses,
# the UART port factory, the board picked from sys.platform.
import sys
import asyncio


class _Pin:
    OUT = 1
    log = []

    def __init__(self, p, mode, value=1):
        self.p = p
        _Pin.log.append((p, value))

    def value(self, v):
        _Pin.log.append((self.p, v))


class _UART:
    def __init__(self, *a, **k):
        self.args = (a, k)


class _Machine:
    Pin = _Pin
    UART = _UART


sys.modules["machine"] = _Machine


async def test_gpio_pulse_falling_edge_then_idle_high():
    import boards.esp32 as b
    pins = b.Pins()
    _Pin.log.clear()
    t = asyncio.ticks()
    await pins.pulse("PSM_EINT", 30)
    assert asyncio.ticks() - t >= 30
    assert _Pin.log == [(b.PSM_EINT, 0), (b.PSM_EINT, 1)]


def test_uart_port_and_pin_maps():
    import boards.esp32 as e
    import boards.stm32 as s
    p = e.open_port()
    assert p.s.args == ((2, 115200), {"tx": 17, "rx": 16, "rxbuf": 2048, "timeout": 0})
    assert (s.PWRKEY, s.RESET, s.PSM_EINT) == ("B0", "B1", "B2")
    assert s.open_port().s.args[0] == (2, 115200)
    assert e.HAS_DEEPSLEEP and s.HAS_DEEPSLEEP


def test_board_from_platform():
    import boards
    assert boards.load().NAME == "unix"
    assert boards.load("stm32").NAME == "stm32"
