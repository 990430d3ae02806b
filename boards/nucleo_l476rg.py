"""NUCLEO-L476RG (firmware NUCLEO_L476RG) wired to a BC66 on the Arduino headers.

| BC66     | Nucleo                    | notes                                 |
|----------|---------------------------|---------------------------------------|
| MAIN_RXD | D8 = PA9 (UART1 TX)       | through the 1.8 V level translator    |
| MAIN_TXD | D2 = PA10 (UART1 RX)      | through the 1.8 V level translator    |
| PWRKEY   | D4 = PB5 -> NPN           | MCU high = PWRKEY low                 |
| RESET    | D5 = PB4 -> NPN           | MCU high = RESET low                  |
| PSM_EINT | D6 = PB10                 |                                       |
| VDD_EXT  | D7 = PA8                  | input                                 |

Facts, from micropython/micropython (ports/stm32):
- boards/NUCLEO_L476RG/mpconfigboard.h: MICROPY_HW_UART_REPL is PYB_UART_2 (PA2/PA3,
  the ST-LINK's virtual COM port): ``UART(2)`` hands back the REPL's static object and
  ``UART(2, rxbuf=...)`` raises "UART is static and rxbuf can't be changed"
  (machine_uart.c). UART1 is PA9/PA10; UARTs 1..5 exist (and LPUART1).
- boards/NUCLEO_L476RG/pins.csv: D0/D1 are PA3/PA2 (the REPL), D8 = PA9, D2 = PA10,
  A3 = PB0 (board names win over CPU names in pin.c ``pin_find``: "A3" is PB0 here);
  LED_GREEN = PA5 (LD2, also D13), SW = PC13.
- rtc.c: deep sleep at most 131072 s (36.4 h), as on every stm32.
- machine_mem_backup.c: the L4 has no backup SRAM, only 32 BKP registers (128 bytes,
  the last one keeps the clock frequency): smaller than the node's state, so the state
  lives in a file here.
"""
BOARD = {
    "name": "nucleo_l476rg", "port": "stm32", "machine": "NUCLEO-L476RG with STM32L476RG",
    "uart": 1, "uarts": (1, 2, 3, 4, 5), "repl_uart": 2,
    "tx": "D8", "rx": "D2", "pwrkey": "D4", "reset": "D5", "psm_eint": "D6", "vdd_ext": "D7",
    "led": "LED_GREEN",
    "inverted": ("pwrkey", "reset"),
    "reserved": {"D0": "UART2 RX, the REPL (ST-LINK)", "D1": "UART2 TX, the REPL (ST-LINK)",
                 "PA2": "UART2 TX, the REPL (ST-LINK)", "PA3": "UART2 RX, the REPL (ST-LINK)",
                 "SW": "the user button", "PC13": "the user button"},
    "pulse_ms": {"pwrkey": 500, "reset": 300, "psm_eint": 120},
    "keep": "file", "max_sleep_ms": 131072000,
    # the Nucleo has no battery divider: wire one to A0..A5 and set it
    "vbat_adc": None, "vbat_ratio": None,
    "mcu_temperature": True,  # pyb.ADCAll(12, 0x70000).read_core_temp()
    "config": "/flash/config.json", "state_dir": "/flash/state",
}
