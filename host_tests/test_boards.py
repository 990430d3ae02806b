"""Board descriptions against the ports' facts (CPython side).

The facts below were read in micropython/micropython at 1c3c201 (files named per row);
``host_tests/mp/mpt_boards*.py`` runs the same descriptions on the unix port against a
stand-in ``machine`` that refuses what those ports refuse.
"""
import os
import subprocess

import pytest

from tools.board.build_mpy import mpy_cross
from tools.board.deploy import description

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VARIANTS = ("esp32_devkitc", "esp32_wrover", "esp32_c3", "pyboard_v11", "nucleo_l476rg")

# ports/stm32/boards/<B>/mpconfigboard.h: MICROPY_HW_UARTn_TX/RX (pins fixed per UART)
STM32_UART_PINS = {
    "pyboard_v11": {1: ("PB6", "PB7"), 2: ("PA2", "PA3"), 3: ("PB10", "PB11"),
                    4: ("PA0", "PA1"), 6: ("PC6", "PC7")},
    "nucleo_l476rg": {1: ("PA9", "PA10"), 2: ("PA2", "PA3"), 3: ("PC4", "PC5"),
                      4: ("PA0", "PA1"), 5: ("PC12", "PD2")},
}
# ports/stm32/boards/<B>/pins.csv: board name -> CPU pin (the names our descriptions use)
STM32_PINS = {
    "pyboard_v11": {"X3": "PA2", "X4": "PA3", "Y11": "PB0", "Y12": "PB1", "Y3": "PB8",
                    "Y4": "PB9", "LED_GREEN": "PA14", "MMA_INT": "PB2"},
    "nucleo_l476rg": {"D8": "PA9", "D2": "PA10", "D4": "PB5", "D5": "PB4", "D6": "PB10",
                      "D7": "PA8", "LED_GREEN": "PA5", "D0": "PA3", "D1": "PA2"},
}
FACTS = {
    # variant: (os.uname().machine from modos.c "BOARD_NAME with MCU_NAME", UART ids,
    #           REPL UART, longest deepsleep ms, pins that must not be used)
    "esp32_devkitc": ("Generic ESP32 module with ESP32", (0, 1, 2), 0, 2**31 - 1,
                      {1, 3, 6, 7, 8, 9, 10, 11}),
    "esp32_wrover": ("Generic ESP32 module with SPIRAM with ESP32", (0, 1, 2), 0, 2**31 - 1,
                     {1, 3, 6, 7, 8, 9, 10, 11, 16, 17}),
    "esp32_c3": ("ESP32C3 module with ESP32-C3", (0, 1), 0, 2**31 - 1,
                 {14, 15, 16, 17, 18, 19, 20, 21}),
    "pyboard_v11": ("PYBv1.1 with STM32F405RG", (1, 2, 3, 4, 6), None, 131072 * 1000,
                    {"PB2", "PB5", "PA11", "PA12"}),
    "nucleo_l476rg": ("NUCLEO-L476RG with STM32L476RG", (1, 2, 3, 4, 5), 2, 131072 * 1000,
                      {"PA2", "PA3", "PC13"}),
}


def _board(name):
    return description(name)["BOARD"]


@pytest.mark.parametrize("name", VARIANTS)
def test_description_matches_the_port(name):
    b = _board(name)
    machine, uarts, repl, max_ms, banned = FACTS[name]
    assert b["name"] == name and b["machine"] == machine
    assert tuple(b["uarts"]) == uarts and b["repl_uart"] == repl
    assert b["uart"] in uarts and b["uart"] != repl
    assert b["max_sleep_ms"] <= max_ms
    pins = STM32_PINS.get(name)
    lines = [b[k] for k in ("tx", "rx", "pwrkey", "reset", "psm_eint", "vdd_ext", "led")
             if b.get(k) is not None]
    cpu = [pins[p] for p in lines] if pins else lines
    assert len(set(cpu)) == len(cpu), "a pin used twice"
    assert not set(cpu) & banned, set(cpu) & banned
    if pins:  # stm32: the UART's pins are fixed by the port; the description must agree
        assert (pins[b["tx"]], pins[b["rx"]]) == STM32_UART_PINS[name][b["uart"]]
    else:  # esp32: outputs never on input-only GPIO34..39
        assert not {b["tx"], b["pwrkey"], b["reset"], b["psm_eint"]} & set(range(34, 40))
    # ../shared/docs/bc66-facts.md "Pins": PWRKEY 500 ms..1 s, RESET 100..500 ms low;
    # PSM_EINT >= 100 ms (BC65)
    for line, (lo, hi) in {"pwrkey": (500, 1000), "reset": (100, 500),
                           "psm_eint": (100, 1000)}.items():
        assert lo <= b["pulse_ms"][line] <= hi, line


def test_board_files_compile_with_mpy_cross(tmp_path):
    for f in sorted(os.listdir(os.path.join(ROOT, "boards"))):
        if f.endswith(".py"):
            r = subprocess.run([mpy_cross(), "-o", str(tmp_path / (f[:-3] + ".mpy")),
                                os.path.join(ROOT, "boards", f)], capture_output=True, text=True)
            assert r.returncode == 0, (f, r.stderr)


def test_every_board_file_is_checked_against_the_protocol():
    # mpt_boards::test_every_board_satisfies_the_protocol loads each name of its ALL on
    # MicroPython: a board file added to boards/ must be in that list
    import ast
    src = open(os.path.join(ROOT, "host_tests", "mp", "mpt_boards.py")).read()
    names = set(VARIANTS)
    for node in ast.parse(src).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "ALL":
            names |= {e.value for e in node.value.right.elts}
    files = {f[:-3] for f in os.listdir(os.path.join(ROOT, "boards"))
             if f.endswith(".py") and "BOARD = " in open(os.path.join(ROOT, "boards", f)).read()}
    assert files == names, (files, names)
    for name in files:
        b = _board(name)
        assert b["port"] in ("esp32", "stm32", "unix", "qemu"), name
        assert os.path.exists(os.path.join(ROOT, "boards", "ports", b["port"] + ".py"))
