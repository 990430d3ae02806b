"""Pyboard v1.1 (STM32F405; firmware PYBV11) wired to a BC66.

| BC66     | Pyboard                | notes                                   |
|----------|------------------------|-----------------------------------------|
| MAIN_RXD | X3 = PA2 (UART2 TX)    | through the 1.8 V level translator      |
| MAIN_TXD | X4 = PA3 (UART2 RX)    | through the 1.8 V level translator      |
| PWRKEY   | Y11 = PB0 -> NPN       | MCU high = PWRKEY low                   |
| RESET    | Y12 = PB1 -> NPN       | MCU high = RESET low                    |
| PSM_EINT | Y3 = PB8               | not PB2: that is the accelerometer's INT |
| VDD_EXT  | Y4 = PB9               | input                                   |

Facts, from micropython/micropython (ports/stm32):
- boards/PYBV11/mpconfigboard.h: UART1 (B6/B7), 2 (A2/A3), 3 (B10/B11), 4 (A0/A1),
  6 (C6/C7); no UART REPL (the REPL is USB), so ``UART(2, rxbuf=...)`` is a fresh UART.
  machine_uart.c takes no tx=/rx=: the pins are the board's.
- boards/PYBV11/pins.csv: ``MMA_INT,PB2`` and ``MMA_AVDD,PB5`` are the MMA7660's lines and
  on no header; X9/X10 (PB6/PB7) are its I2C bus.
- rtc.c ``pyb_rtc_wakeup``: the wake-up counter runs at 1 Hz with at most 2 * 0x10000
  ticks: ``deepsleep(ms)`` above 131072 s (36.4 h) raises "wakeup value too large".
- machine_mem_backup.c: ``machine.mem_backup()`` region 0 is the F4's 4 KB backup SRAM
  (regulator enabled at start): kept through deep sleep (standby) and, with VBAT, power
  cuts. Firmware without ``mem_backup`` keeps the state in a file.
"""
BOARD = {
    "name": "pyboard_v11", "port": "stm32", "machine": "PYBv1.1 with STM32F405RG",
    "uart": 2, "uarts": (1, 2, 3, 4, 6), "repl_uart": None,
    "tx": "X3", "rx": "X4", "pwrkey": "Y11", "reset": "Y12", "psm_eint": "Y3", "vdd_ext": "Y4",
    "led": "LED_GREEN",
    "inverted": ("pwrkey", "reset"),
    "reserved": {"MMA_INT": "the MMA7660 accelerometer (INT, not on a header)",
                 "B2": "the MMA7660 accelerometer (MMA_INT, not on a header)",
                 "MMA_AVDD": "the MMA7660 accelerometer's supply", "B5": "the MMA7660's supply",
                 "X9": "the MMA7660's I2C bus", "X10": "the MMA7660's I2C bus",
                 "USB_DM": "USB", "USB_DP": "USB", "SD": "the SD card switch"},
    "pulse_ms": {"pwrkey": 500, "reset": 300, "psm_eint": 120},
    "keep": "backup", "max_sleep_ms": 131072000,
    # no divider on the board (its VBAT pin is the RTC backup supply, read
    # through the chip's internal channel, not the node's battery): wire one to X1..X8
    "vbat_adc": None, "vbat_ratio": None,
    "mcu_temperature": True,  # pyb.ADCAll(12, 0x70000).read_core_temp()
    "config": "/flash/config.json", "state_dir": "/flash/state",
}
