"""The QEMU port on the MPS2-AN385 (``boards/qemu.py``: its UARTs and RAM disk): the
BC66 on UART1 through ``CmsdkUart``; the control lines are words on UART2 that the host
turns into the simulator's pin events. No deep sleep: a duty cycle ends as on unix
(``SLEEP <ms>`` and exit); every start is a power-on."""
from boards.base import Board as _Base, Pins as _Pins


def check(b, machine_name, need):
    """Nothing beyond the common fields."""


class Board(_Base):
    SIMULATED = True

    def open_port(self, dev=None, baud=None):
        """UART1 towards the BC66 as a bc66 Port (``dev`` is ignored: one UART)."""
        from bc66 import transport
        from boards import qemu
        return transport.open_uart(qemu.CmsdkUart(qemu.UART1, baud or self.BAUD))

    def Pins(self, path=None):
        return Pins()


class Pins(_Pins):
    """Stand-ins for PWRKEY, RESET and PSM_EINT: ``pulse`` writes the line's name as a
    word on UART2 and holds it for ``ms``. VDD_EXT is not sensed (the pins channel is
    one-way, a file QEMU appends to): a silent module gets RESET, then PWRKEY."""

    def __init__(self):
        from boards import qemu
        self._uart = qemu.CmsdkUart(qemu.UART2)

    async def pulse(self, name, ms=None):
        import asyncio
        word = name + "\n"
        n = 0
        while n < len(word):
            n += self._uart.write(word[n:])
        await asyncio.sleep_ms(ms or 0)
