"""The esp32 port (ESP32, -C3, -S2, -S3): UART pins through the GPIO matrix; the die
temperature where the chip has a calibrated sensor.

From micropython/micropython ports/esp32: ``machine.UART(id, baud, tx=, rx=)``
(machine_uart.c); ``machine.lightsleep``/``deepsleep``/``reset_cause`` (modmachine.c);
``machine.RTC().memory`` (machine_rtc.c, 2 KB of RTC slow memory); modesp32.c
``esp32.mcu_temperature()`` (degC, an int) on every chip but the ESP32, whose
``raw_temperature()`` is uncalibrated (so an ESP32 description leaves
``mcu_temperature`` out)."""
from boards.ports.mcu import Mcu, check  # noqa: F401 (check: the adapter's)


class Board(Mcu):
    UART_PINS = True

    def mcu_temperature(self):
        import esp32
        return esp32.mcu_temperature()
