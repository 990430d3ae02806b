"""ESP32-DevKitC with an ESP32-WROOM-32 module (firmware ESP32_GENERIC), wired to a BC66.

| BC66     | ESP32                 | notes                                          |
|----------|-----------------------|------------------------------------------------|
| MAIN_RXD | GPIO17 (UART2 TX)     | through the 1.8 V level translator             |
| MAIN_TXD | GPIO16 (UART2 RX)     | through the 1.8 V level translator             |
| PWRKEY   | GPIO25 -> NPN         | MCU high = PWRKEY low                          |
| RESET    | GPIO26 -> NPN         | MCU high = RESET low                           |
| PSM_EINT | GPIO27                | through the translator; falling edge wakes     |
| VDD_EXT  | GPIO34 (input only)   | through the translator: high while powered on  |

Facts, from micropython/micropython (ports/esp32):
- machine_uart.c: ``UART(n)`` with n >= SOC_UART_NUM raises "UART(%d) does not exist";
  the ESP32 has UART0..2; UART0 is the REPL (``uart_is_repl``), its buffer size is fixed.
- machine_pin.h: the ESP32 has GPIO0..39 without 24 and 28..31; GPIO6..11 are the SPI
  flash; 34..39 are inputs only (machine_pin.c "pin can only be input").
- modmachine.c ``machine_sleep_helper``: ``deepsleep(ms)`` reads ms as a machine word
  (``mp_obj_get_int``, 32 bits): above 2**31-1 ms (24.8 days) OverflowError.
- machine_rtc.c: ``RTC.memory()`` holds up to MICROPY_HW_RTC_USER_MEM_MAX = 2048 bytes in
  RTC slow memory: kept through deep sleep, lost on power-on.
- GPIO0, 2, 5, 12, 15 are strapping pins (ESP32 datasheet): not used for control lines.
"""
BOARD = {
    "name": "esp32_devkitc", "port": "esp32", "machine": "Generic ESP32 module with ESP32",
    "uart": 2, "uarts": (0, 1, 2), "repl_uart": 0,
    "tx": 17, "rx": 16, "pwrkey": 25, "reset": 26, "psm_eint": 27, "vdd_ext": 34, "led": None,
    "inverted": ("pwrkey", "reset"),
    "reserved": {1: "UART0 TX (REPL)", 3: "UART0 RX (REPL)", 6: "SPI flash", 7: "SPI flash",
                 8: "SPI flash", 9: "SPI flash", 10: "SPI flash", 11: "SPI flash",
                 0: "a strapping pin", 2: "a strapping pin", 5: "a strapping pin",
                 12: "a strapping pin", 15: "a strapping pin"},
    "pulse_ms": {"pwrkey": 500, "reset": 300, "psm_eint": 120},
    "keep": "rtc", "max_sleep_ms": 2147483647,
    # the DevKitC has no battery divider: wire one to an ADC1 pin (GPIO32..39;
    # ADC2 is unusable with Wi-Fi) and set its pin and ratio
    "vbat_adc": None, "vbat_ratio": None,
    "config": "/config.json", "state_dir": "/state",
}
