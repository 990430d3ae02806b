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
    return m, boards.Board(_desc(name, **over), m.hw["machine"])


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
    e = _raises(boards.BoardError, boards.Board, _desc("esp32_devkitc"), m.hw["machine"])
    assert "machine" in e and "ESP32-C3" in e, e


def test_nucleo_repl_uart_defect1():
    m = FM.install("nucleo_l476rg")
    # the old stm32 board file: UART2 is the ST-LINK REPL, static
    e = _raises(ValueError, m.UART, 2, 115200, rxbuf=2048, timeout=0)
    assert "static" in e
    e = _raises(boards.BoardError, boards.Board, _desc("nucleo_l476rg", uart=2))
    assert e.startswith("board nucleo_l476rg: uart:") and "REPL" in e, e
    # stm32 UARTs take no tx=/rx=: the board file must not pass them
    assert "tx" in _raises(TypeError, m.UART, 1, 115200, tx="D8")
    m, b = _board("nucleo_l476rg")
    b.open_port()
    assert m.log[-1][1] == 1 and "tx" not in m.log[-1][2]
    assert m.pin_name("A3") == "B0"  # board names first: Arduino A3 is PB0, not PA3


def test_pyboard_mma_int_defect2():
    e = _raises(boards.BoardError, boards.Board, _desc("pyboard_v11", psm_eint="B2"))
    assert "psm_eint" in e and "MMA7660" in e, e
    e = _raises(boards.BoardError, boards.Board, _desc("pyboard_v11", psm_eint="MMA_INT"))
    assert "MMA7660" in e
    _, b = _board("pyboard_v11")
    assert b.desc["uart"] == 2 and b.desc["tx"] == "X3"  # UART2 on X3/X4 is fine here


def test_esp32_variants_defect4():
    m = FM.install("esp32c3")
    assert "does not exist" in _raises(ValueError, m.UART, 2, 115200)
    e = _raises(boards.BoardError, boards.Board, _desc("esp32_c3", uart=2))
    assert "uart" in e and "does not exist" in e, e
    m = FM.install("esp32_spiram")
    assert "invalid pin" in _raises(ValueError, m.Pin, 16, m.Pin.OUT)
    e = _raises(boards.BoardError, boards.Board, _desc("esp32_wrover", tx=17, rx=16))
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
