"""Sensor sources: a simulated one on the unix port, the board's own drivers elsewhere."""
import random


class SimSensor:
    """A slow random walk of temperature (degC) and a slowly draining battery (V)."""

    def __init__(self, seed=1):
        random.seed(seed)
        self.t = 21.0
        self.v = 3.60

    def read(self):
        """-> (temperature degC, supply volts)."""
        self.t = round(self.t + (random.getrandbits(8) - 128) / 256, 2)
        self.v = round(max(3.0, self.v - 0.001), 3)
        return self.t, self.v


class BoardSensor:
    """MCU die temperature and the supply through an ADC divider, where the board has them."""

    def __init__(self, board):
        self.board = board
        self._adc = None
        pin = getattr(board, "VBAT_ADC", None)
        if pin is not None:
            from machine import ADC, Pin
            self._adc = ADC(Pin(pin))

    def read(self):
        t = 0.0
        try:
            import esp32
            t = esp32.mcu_temperature()
        except (ImportError, AttributeError):
            pass
        v = 0.0
        if self._adc is not None:
            v = self._adc.read_u16() * 3.3 * 2 / 65535  # 1:2 divider
        return t, v


def open(board):
    """The sensor source for ``board``."""
    # boards without sensors of their own (the unix port, QEMU) get the simulated one
    return SimSensor() if board.NAME in ("unix", "qemu") else BoardSensor(board)
