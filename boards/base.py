"""The board protocol: every member a board offers the application, and its default.

``boards.load()`` returns a ``Board``: the port adapter named by the description's
``port`` (``boards/ports/<port>.py``, one of ``PORTS``) built from the description
(``boards/<name>.py``, a ``BOARD`` dict). firmware/ and lib/ use these members and
nothing else (no ``hasattr``): a board without some hardware keeps the default below,
which says "not here" in the member's own terms (None, False, a plain wait).
lib/ never imports boards: the application hands the board (or what it made of it) in.

Adding a board: one file, ``boards/<name>.py`` with a ``BOARD`` dict (see
``boards/esp32_devkitc.py``); its ``port`` picks the adapter. Adding a port: one file,
``boards/ports/<port>.py`` with ``class Board(base.Board)`` and ``check(desc, need)``,
and its name in ``PORTS``.
"""
import time

PORTS = ("esp32", "stm32", "unix", "qemu")  # a description's "port": boards/ports/<port>.py


class BoardError(ValueError):
    """A board description that cannot work on this board: names the board and field."""

    def __init__(self, board, field, msg):
        super().__init__("board %s: %s: %s" % (board, field, msg))
        self.field = field


class Pins:
    """The module's control lines; the default is a board with none wired: pulses only
    wait, VDD_EXT is not sensed, there is no LED (``power.wake`` then wakes by UART)."""

    async def pulse(self, name, ms=None):
        """Pull ``name`` (PWRKEY, RESET, PSM_EINT) low at the module for ``ms`` (a board
        with its own width for the line uses that)."""
        import asyncio
        await asyncio.sleep_ms(ms or 0)

    def powered(self):
        """VDD_EXT: True/False, or None when the board does not sense it."""
        return None

    def led(self, on):
        """The status LED, where the board has one."""


class Board:
    """Every member a board offers, with its default. Constants are class attributes a
    port adapter or the description overrides; methods are the hardware's calls."""

    # -- identity and file system
    NAME = "board"           # the description's "name"
    PORT = None              # the description's "port" (one of PORTS)
    BAUD = 115200            # the BC66's UART rate (the module's default)
    CONFIG = "config.json"   # where the config is read
    STATE_DIR = "state"      # where the state and the queue are kept
    SIMULATED = False        # the module and sensors are stand-ins (unix, QEMU): sensors
    #                          default to the simulated walk instead of the MCU's own
    # -- sleep and restart
    HAS_DEEPSLEEP = False    # deepsleep() ends in a wake-from-sleep reset
    MAX_SLEEP_MS = None      # longest single deepsleep(); None: no limit
    HAS_LIGHTSLEEP = False   # lightsleep() stops the CPU (else it is a plain wait)
    HAS_RESET = False        # reset() restarts the MCU (else the process just ends)
    # -- sensor sources
    VBAT_ADC = None          # the battery divider's ADC pin ("battery" source), or None
    VBAT_RATIO = None        # battery volts per volt at VBAT_ADC
    HAS_MCU_TEMPERATURE = False  # mcu_temperature() reads the die ("mcu_temperature")

    def __init__(self, desc=None):
        """``desc``: the checked description (kept as ``desc``); its name, port, config
        and state_dir become the constants."""
        self.desc = desc or {}
        if desc:
            self.NAME = desc["name"]
            self.PORT = desc["port"]
            self.CONFIG = desc["config"]
            self.STATE_DIR = desc["state_dir"]

    def open_port(self, dev=None, baud=None):
        """The BC66's UART as a ``bc66.transport`` Port (``dev``: a device where the port
        has a choice, e.g. unix). Required: the default refuses."""
        raise BoardError(self.NAME, "port", "this board has no UART to the module")

    def Pins(self, path=None):
        """The control lines (``Pins`` above); ``path``: the unix stand-in's file."""
        return Pins()

    def rtc(self):
        """Memory kept through deep sleep, as ``memory()``/``memory(data)`` (RTC memory,
        backup SRAM), or None: the state lives in a file."""
        return None

    def woke_from_sleep(self):
        """True if this start is a wake from our deep sleep (not a power-on or reset)."""
        return False

    def deepsleep(self, ms):
        """One deep sleep of ``ms`` (<= MAX_SLEEP_MS) ending in a reset; does not return.
        Without HAS_DEEPSLEEP: BoardError (``lwm2m.power`` then exits with ``SLEEP``)."""
        raise BoardError(self.NAME, "deepsleep", "this board has no deep sleep")

    def lightsleep(self, ms):
        """Stop the CPU for up to ``ms`` (RAM, pins and time kept; an interrupt may end it
        early). Bytes arriving on the module's UART meanwhile may be lost (no port here
        wakes on UART data): call it only when nothing is due from the module. The
        default waits ``ms`` with the CPU running."""
        time.sleep_ms(ms)

    def reset(self):
        """Restart the MCU (does not return). Without HAS_RESET it returns at once: the
        caller exits, and the unix supervisor restarts the process."""

    def mcu_temperature(self):
        """The MCU die temperature in degC. Without HAS_MCU_TEMPERATURE: OSError."""
        raise OSError("board %s: no MCU temperature sensor" % self.NAME)


# Every member of the protocol: the test (mpt_boards) checks each board has them all,
# each constant of the default's kind, each method callable.
CONSTANTS = ("NAME", "PORT", "BAUD", "CONFIG", "STATE_DIR", "SIMULATED", "HAS_DEEPSLEEP",
             "MAX_SLEEP_MS", "HAS_LIGHTSLEEP", "HAS_RESET", "VBAT_ADC", "VBAT_RATIO",
             "HAS_MCU_TEMPERATURE")
METHODS = ("open_port", "Pins", "rtc", "woke_from_sleep", "deepsleep", "lightsleep",
           "reset", "mcu_temperature")
PINS = ("pulse", "powered", "led")
