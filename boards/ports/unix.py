"""The unix port: the BC66 is a serial device (the simulator's pty, or a real module
behind a USB-UART adapter) or ``tcp:HOST:PORT`` (the simulator's TCP listener). No
pins: the simulator's control file stands in for PWRKEY, RESET and PSM_EINT. No deep
sleep: ``lwm2m.power`` prints ``SLEEP <ms>`` and exits, and the supervisor
(tools/supervisor.py) restarts the process after it with BC66_WOKE=1."""
from boards.base import Board as _Base, Pins as _Pins


def _env(name):
    import os
    try:
        return os.getenv(name)
    except AttributeError:  # a port without an environment (the protocol test on QEMU)
        return None


def check(b, machine_name, need):
    """Nothing beyond the common fields."""


class Board(_Base):
    SIMULATED = True

    def __init__(self, desc):
        super().__init__(desc)
        # the supervisor's "sleep" has no hardware limit; BC66_MAX_SLEEP_MS sets one (tests
        # of sleeps longer than one hardware sleep: host_tests/test_boards_sleep.py)
        self.MAX_SLEEP_MS = int(_env("BC66_MAX_SLEEP_MS") or 0) or None

    def open_port(self, dev=None, baud=None):
        """Open the modem port named by ``dev`` (a device path or ``tcp:host:port``)."""
        from bc66 import transport
        if dev.startswith("tcp:"):
            _, host, port = dev.split(":")
            return transport.open_tcp(host, int(port))
        return transport.open_serial(dev, baud or self.BAUD)

    def Pins(self, path=None):
        return Pins(path)

    def woke_from_sleep(self):
        """True if the supervisor restarted us after our ``SLEEP`` (it sets BC66_WOKE=1):
        the stand-in for ``machine.reset_cause() == machine.DEEPSLEEP_RESET``."""
        return _env("BC66_WOKE") == "1"


class Pins(_Pins):
    """Module control lines written as words to a control file that the simulator
    watches (``--pins FILE``), or ignored when there is none. VDD_EXT is read back from
    ``FILE.vdd_ext`` ("1" or "0"), which the simulator keeps up to date."""

    def __init__(self, path=None):
        self.path = path

    def _send(self, word):
        if self.path:
            with open(self.path, "a") as f:
                f.write(word + "\n")

    async def pulse(self, name, ms=None):
        import asyncio
        self._send(name)
        await asyncio.sleep_ms(ms or 0)

    def powered(self):
        """VDD_EXT: True/False from the simulator's ``FILE.vdd_ext``; None without one."""
        try:
            with open(self.path + ".vdd_ext") as f:
                v = f.read(1)
        except (OSError, TypeError):
            return None
        return {"1": True, "0": False}.get(v)
