"""Unix port: the BC66 is a serial device (the simulator's pty, or a real module behind a
USB-UART adapter) or ``tcp:HOST:PORT`` (the simulator's TCP listener). No pins: the
simulator's control channel stands in for PWRKEY, RESET and PSM_EINT."""
NAME = "unix"
BAUD = 115200
CONFIG = "config.json"
STATE_DIR = "state"
HAS_DEEPSLEEP = False
# the supervisor's "sleep" has no hardware limit; BC66_MAX_SLEEP_MS sets one (tests of
# sleeps longer than one hardware sleep: host_tests/test_boards_sleep.py)
MAX_SLEEP_MS = int(__import__("os").getenv("BC66_MAX_SLEEP_MS") or 0) or None


def woke_from_sleep():
    """True if the supervisor restarted us after our ``SLEEP`` (it sets BC66_WOKE=1): the
    unix stand-in for ``machine.reset_cause() == machine.DEEPSLEEP_RESET``."""
    import os
    return os.getenv("BC66_WOKE") == "1"


def open_port(dev, baud=BAUD):
    """Open the modem port named by ``dev`` (a device path or ``tcp:host:port``)."""
    from bc66 import transport
    if dev.startswith("tcp:"):
        _, host, port = dev.split(":")
        return transport.open_tcp(host, int(port))
    return transport.open_serial(dev, baud)


class Pins:
    """Module control lines; on unix they are written as words to a control file that the
    simulator watches (``--pins FILE``), or ignored when there is none. VDD_EXT is read
    back from ``FILE.vdd_ext`` ("1" or "0"), which the simulator keeps up to date."""

    def __init__(self, path=None):
        self.path = path

    def _send(self, word):
        if self.path:
            with open(self.path, "a") as f:
                f.write(word + "\n")

    async def pulse(self, name, ms):
        """Pull ``name`` (PWRKEY, RESET, PSM_EINT) low for ``ms`` milliseconds."""
        import asyncio
        self._send(name)
        await asyncio.sleep_ms(ms)

    def powered(self):
        """VDD_EXT: True/False from the simulator's ``FILE.vdd_ext``; None without one."""
        try:
            with open(self.path + ".vdd_ext") as f:
                v = f.read(1)
        except (OSError, TypeError):
            return None
        return {"1": True, "0": False}.get(v)
