"""The stm32 port (Pyboard, Nucleo): UART pins fixed per UART id; the die temperature
from the ADC's internal channel.

From micropython/micropython ports/stm32: ``machine.UART`` takes no tx=/rx=
(machine_uart.c); ``machine.lightsleep`` is stop mode and ``deepsleep`` standby, both
woken by the RTC (modmachine.c; ``pyb.stop``/``pyb.standby`` are the same functions);
``machine.mem_backup()`` (machine_mem_backup.c); ``pyb.ADCAll(12, 0x70000)``, the
internal channels, and its ``read_core_temp()`` (degC, calibrated: adc.c)."""
from boards.ports.mcu import Mcu, check  # noqa: F401 (check: the adapter's)


class Board(Mcu):
    _adc = None

    def mcu_temperature(self):
        if self._adc is None:
            import pyb
            self._adc = pyb.ADCAll(12, 0x70000)
        return self._adc.read_core_temp()
