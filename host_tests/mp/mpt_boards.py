# Board descriptions on the unix port with a stand-in `machine` that refuses what the real
# ports refuse (fakemachine.py): each defect of issue 11 has a test here that fails on the
# old board files, and each variant starts on its own hardware and nowhere else.
import asyncio
import os
import fakemachine as FM
import boards
import sys

VARIANTS = ("esp32_devkitc", "esp32_wrover", "esp32_c3", "pyboard_v11", "nucleo_l476rg")


def _desc(name, **over):
    d = dict(__import__("boards." + name, None, None, ("BOARD",)).BOARD)
    d.update(over)
    return d


def _board(name, **over):
    m = FM.install(name)
    return m, boards.make(_desc(name, **over), m.hw["machine"])


def _raises(exc, fn, *a, **kw):
    try:
        fn(*a, **kw)
    except exc as e:
        return str(e)
    raise AssertionError("no " + exc.__name__)


def test_every_variant_starts_on_its_hardware():
    for name in VARIANTS:
        m, b = _board(name)
        port = b.open_port()
        pins = b.Pins()
        assert port is not None and pins.powered() is not None, name
        ((kind, uid, kw),) = [x for x in m.log if x[0] == "uart"]
        assert uid == b.desc["uart"] and kw["rxbuf"] == 2048, name
        # PWRKEY/RESET (through an NPN) idle low at the MCU, PSM_EINT idle high
        idle = {p: v for k, p, v in (x for x in m.log if x[0] == "pin")}
        assert idle[m.pin_name(b.desc["pwrkey"])] == 0, name
        assert idle[m.pin_name(b.desc["psm_eint"])] == 1, name
        assert b.NAME == name and b.MAX_SLEEP_MS <= 2147483647


def test_description_on_other_hardware_is_refused_at_start():
    m = FM.install("esp32c3")
    e = _raises(boards.BoardError, boards.make, _desc("esp32_devkitc"), m.hw["machine"])
    assert "machine" in e and "ESP32-C3" in e, e


def test_nucleo_repl_uart_defect1():
    m = FM.install("nucleo_l476rg")
    # the old stm32 board file: UART2 is the ST-LINK REPL, static
    e = _raises(ValueError, m.UART, 2, 115200, rxbuf=2048, timeout=0)
    assert "static" in e
    e = _raises(boards.BoardError, boards.make, _desc("nucleo_l476rg", uart=2))
    assert e.startswith("board nucleo_l476rg: uart:") and "REPL" in e, e
    # stm32 UARTs take no tx=/rx=: the board file must not pass them
    assert "tx" in _raises(TypeError, m.UART, 1, 115200, tx="D8")
    m, b = _board("nucleo_l476rg")
    b.open_port()
    assert m.log[-1][1] == 1 and "tx" not in m.log[-1][2]
    assert m.pin_name("A3") == "B0"  # board names first: Arduino A3 is PB0, not PA3


def test_pyboard_mma_int_defect2():
    e = _raises(boards.BoardError, boards.make, _desc("pyboard_v11", psm_eint="B2"))
    assert "psm_eint" in e and "MMA7660" in e, e
    e = _raises(boards.BoardError, boards.make, _desc("pyboard_v11", psm_eint="MMA_INT"))
    assert "MMA7660" in e
    _, b = _board("pyboard_v11")
    assert b.desc["uart"] == 2 and b.desc["tx"] == "X3"  # UART2 on X3/X4 is fine here


def test_esp32_variants_defect4():
    m = FM.install("esp32c3")
    assert "does not exist" in _raises(ValueError, m.UART, 2, 115200)
    e = _raises(boards.BoardError, boards.make, _desc("esp32_c3", uart=2))
    assert "uart" in e and "does not exist" in e, e
    m = FM.install("esp32_spiram")
    assert "invalid pin" in _raises(ValueError, m.Pin, 16, m.Pin.OUT)
    e = _raises(boards.BoardError, boards.make, _desc("esp32_wrover", tx=17, rx=16))
    assert "PSRAM" in e, e
    # a pin the port refuses comes back naming the field, at start
    _, b = _board("esp32_devkitc", pwrkey=35)
    e = _raises(boards.BoardError, b.Pins)
    assert "pwrkey" in e and "only be input" in e, e
    _, b = _board("esp32_wrover", tx=20, rx=16, reserved={})
    assert "invalid pin" in _raises(boards.BoardError, b.open_port)


def test_description_errors_name_the_field():
    cases = (({"uart": 7}, "uart"), ({"reset": 25}, "reset"), ({"pwrkey": None}, "pwrkey"),
             ({"pulse_ms": {"pwrkey": 50, "reset": 300, "psm_eint": 120}}, "pulse_ms.pwrkey"),
             ({"keep": "eeprom"}, "keep"), ({"max_sleep_ms": 2 ** 31}, "max_sleep_ms"),
             ({"inverted": ("tx",)}, "inverted"), ({"port": "rp2"}, "port"))
    for over, field in cases:
        e = _raises(boards.BoardError, boards.check, _desc("esp32_devkitc", **over))
        assert e.startswith("board esp32_devkitc: %s:" % field), e


async def test_pulse_widths_and_polarity_from_the_description():
    m, b = _board("pyboard_v11")
    pins = b.Pins()
    del m.log[:]
    t = asyncio.ticks()
    await pins.pulse("PSM_EINT", 30)   # the board's 120 ms wins over the caller's default
    assert asyncio.ticks() - t >= 120
    await pins.pulse("RESET")
    assert m.log == [("pin", "B8", 0), ("pin", "B8", 1), ("pin", "B1", 1), ("pin", "B1", 0)]


def test_board_from_platform_and_selection():
    assert boards.load().NAME == ("qemu" if sys.platform == "qemu" else "unix")
    FM.install("pybv11")
    assert boards.load("pyboard_v11", "PYBv1.1 with STM32F405RG").NAME == "pyboard_v11"
    boards.select("nucleo_l476rg")
    FM.install("nucleo_l476rg")
    try:
        assert boards.load(machine_name="NUCLEO-L476RG with STM32L476RG").NAME == "nucleo_l476rg"
    finally:
        boards.select(None)


def test_app_refuses_a_wrong_board_at_start():
    # a user's board.py (what make deploy writes) with the Nucleo's REPL UART: the app
    # stops at once with the field named, before it opens anything
    import sys
    from bc66 import log
    FM.install("nucleo_l476rg")
    d = "/tmp/bc66-mpt-board"
    try:
        os.mkdir(d)
    except OSError:
        pass
    with open(d + "/board.py", "w") as f:
        # machine "" matches any board (this test also runs on QEMU): the uart is wrong
        f.write("from boards.nucleo_l476rg import BOARD as _B\n"
                "BOARD = dict(_B, name='my_nucleo', uart=2, machine='')\n")
    sys.path.insert(0, d)
    lines = []
    log.sink = lines.append
    try:
        import app
        _raises(SystemExit, app.main, ["main.py"])
    finally:
        log.sink = None
        sys.path.remove(d)
        sys.modules.pop("board", None)
    assert any("board my_nucleo: uart: UART(2) is this board's REPL UART" in x
               for x in lines), lines


# every board file in boards/ (test_boards.py checks this list against the folder)
ALL = VARIANTS + ("unix", "qemu")


def _check_protocol(name, b):
    from boards import base
    assert isinstance(b, base.Board) and b.NAME == name and b.PORT in base.PORTS, name
    for k in base.CONSTANTS:
        v, d = getattr(b, k), getattr(base.Board, k)
        ok = (v is None or type(v) in (int, float, str)) if d is None else type(v) is type(d)
        assert ok, (name, k, v)
    for k in base.METHODS:
        assert callable(getattr(b, k)), (name, k)


def test_every_board_satisfies_the_protocol():
    from boards import base
    import boards.ports.qemu
    for name in ALL:
        m = None
        if name in VARIANTS:
            m = FM.install(name)
        b = boards.load(name, m and m.hw["machine"])
        _check_protocol(name, b)
        if name != "qemu":  # the QEMU board's pins write to its UART2 (checked below)
            pins = b.Pins()
            assert isinstance(pins, base.Pins), name
            for k in base.PINS:
                assert callable(getattr(pins, k)), (name, k)
    assert issubclass(boards.ports.qemu.Pins, base.Pins)
    # what each kind of board says of itself
    u = boards.load("unix")
    assert u.SIMULATED and not u.HAS_DEEPSLEEP and not u.HAS_RESET and u.rtc() is None
    assert u.woke_from_sleep() is False and u.reset() is None
    assert not _board("esp32_devkitc")[1].HAS_MCU_TEMPERATURE  # the ESP32's is uncalibrated
    m, b = _board("esp32_c3")
    assert b.HAS_DEEPSLEEP and b.HAS_LIGHTSLEEP and b.HAS_RESET and not b.SIMULATED
    assert b.HAS_MCU_TEMPERATURE
    b.lightsleep(250)
    assert m.log[-1] == ("lightsleep", 250)
    m.cause = FM.DEEPSLEEP_RESET
    assert b.woke_from_sleep() is True


def test_mcu_temperature_through_the_port_adapter():
    # stm32: pyb.ADCAll(12, 0x70000) (the internal channels), read_core_temp() in degC
    made = []

    class ADCAll:
        def __init__(self, res, mask):
            made.append((res, mask))

        def read_core_temp(self):
            return 31.5
    sys.modules["pyb"] = type("pyb", (), {"ADCAll": ADCAll})
    sys.modules["esp32"] = type("esp32", (), {"mcu_temperature": staticmethod(lambda: 38)})
    try:
        _, b = _board("nucleo_l476rg")
        assert b.mcu_temperature() == 31.5 and b.mcu_temperature() == 31.5
        assert made == [(12, 0x70000)]  # one ADCAll for every read
        _, b = _board("esp32_c3")
        assert b.mcu_temperature() == 38
    finally:
        del sys.modules["pyb"]
        del sys.modules["esp32"]
    u = boards.load("unix")
    assert "no MCU temperature" in _raises(OSError, u.mcu_temperature)


async def test_a_board_missing_a_member_gets_the_default():
    from boards import base
    from lwm2m import power, sleep

    class Mine(base.Board):  # a board written with its UART only
        def open_port(self, dev=None, baud=None):
            return "port"
    b = Mine({"name": "mine", "port": "unix", "config": "c.json", "state_dir": "s"})
    _check_protocol("mine", b)
    assert b.open_port() == "port" and b.CONFIG == "c.json" and b.STATE_DIR == "s"
    assert b.rtc() is None and b.woke_from_sleep() is False and b.MAX_SLEEP_MS is None
    assert not (b.HAS_DEEPSLEEP or b.HAS_LIGHTSLEEP or b.HAS_RESET or b.SIMULATED)
    assert b.VBAT_ADC is None and not b.HAS_MCU_TEMPERATURE and b.reset() is None
    pins = b.Pins()
    assert pins.powered() is None and pins.led(True) is None
    t = asyncio.ticks()
    await pins.pulse("PSM_EINT", 20)
    assert asyncio.ticks() - t >= 20
    assert _raises(boards.BoardError, b.deepsleep, 10).startswith("board mine: deepsleep:")
    t = asyncio.ticks()
    b.lightsleep(20)  # a plain wait
    assert asyncio.ticks() - t >= 20
    # what lib/ and the app do with the defaults: exit with SLEEP, no long sleep left
    assert power.deepsleep_fn(b) is power._exit_sleep
    assert sleep.resume_sleep(b, type("S", (), {"get": lambda s, k: [5, 9],
                                                 "set": lambda s, k, v: None})()) == 0
    # a description without its optional fields: no divider, no die sensor, no VDD_EXT
    m = FM.install("esp32")
    d = _desc("esp32_devkitc")
    for k in ("vbat_adc", "vbat_ratio", "vdd_ext", "led"):
        del d[k]
    b = boards.make(d, m.hw["machine"])
    assert b.VBAT_ADC is None and b.VBAT_RATIO is None and b.HAS_MCU_TEMPERATURE is False
    assert b.Pins().powered() is None


def test_wrong_port_names_the_field():
    for port in ("esp8266", None, "ESP32"):
        e = _raises(boards.BoardError, boards.check, _desc("esp32_devkitc", port=port))
        assert e == ("board esp32_devkitc: port: %r is no port: one of esp32, stm32, unix, "
                     "qemu" % (port,)), e
    e = _raises(boards.BoardError, boards.make, {"name": "x", "port": "rp2",
                                                  "config": "c", "state_dir": "s"})
    assert e.startswith("board x: port: 'rp2' is no port"), e
