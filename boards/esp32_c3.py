"""ESP32-C3 board (e.g. ESP32-C3-DevKitM-1; firmware ESP32_GENERIC_C3) wired to a BC66.

| BC66     | ESP32-C3          |
|----------|-------------------|
| MAIN_RXD | GPIO5 (UART1 TX)  |
| MAIN_TXD | GPIO4 (UART1 RX)  |
| PWRKEY   | GPIO6 -> NPN      |
| RESET    | GPIO7 -> NPN      |
| PSM_EINT | GPIO10            |
| VDD_EXT  | GPIO3             |

Facts, from micropython/micropython (ports/esp32):
- The C3 has two UARTs (SOC_UART_NUM 2): ``UART(2)`` raises "UART(2) does not exist"
  (machine_uart.c). So do the S2 and C6's HP UARTs (the C6 adds one LP UART).
- boards/ESP32_GENERIC_C3/mpconfigboard.h: MICROPY_HW_ENABLE_UART_REPL, the REPL on
  UART0 (GPIO20/21) beside USB serial/JTAG (GPIO18/19 are then not GPIOs, machine_pin.h).
- machine_pin.h: the C3 has GPIO0..21 but 14..17 (SPI flash); 2, 8, 9 are strapping pins
  (8 is the RGB LED on the DevKitM-1).
- Deep sleep and RTC memory as on the ESP32 (modmachine.c, machine_rtc.c).
"""
BOARD = {
    "name": "esp32_c3", "port": "esp32", "machine": "ESP32C3 module with ESP32-C3",
    "uart": 1, "uarts": (0, 1), "repl_uart": 0,
    "tx": 5, "rx": 4, "pwrkey": 6, "reset": 7, "psm_eint": 10, "vdd_ext": 3, "led": None,
    "inverted": ("pwrkey", "reset"),
    "reserved": {20: "UART0 RX (REPL)", 21: "UART0 TX (REPL)", 18: "USB D-", 19: "USB D+",
                 11: "VDD_SPI (flash)", 12: "SPI flash (SPIHD)", 13: "SPI flash (SPIWP)",
                 2: "a strapping pin", 8: "a strapping pin (RGB LED)", 9: "a strapping pin"},
    "pulse_ms": {"pwrkey": 500, "reset": 300, "psm_eint": 120},
    "keep": "rtc", "max_sleep_ms": 2147483647,
    # the DevKitM-1 has no battery divider: wire one to GPIO0..4 (ADC1) and set it
    "vbat_adc": None, "vbat_ratio": None,
    "mcu_temperature": True,  # esp32.mcu_temperature()
    "config": "/config.json", "state_dir": "/state",
}
