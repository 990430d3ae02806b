"""ESP32 with a WROVER module (PSRAM; firmware ESP32_GENERIC-SPIRAM), wired to a BC66.

As ``esp32_devkitc`` except the UART pins: on WROVER modules GPIO16/17 drive the PSRAM
(ports/esp32/machine_pin.h enables GPIO16/17 only ``#if !CONFIG_SPIRAM``: ``Pin(16)``
raises "invalid pin"), so UART2 is routed to GPIO32 (TX) / GPIO33 (RX).

| BC66     | ESP32 WROVER        |
|----------|---------------------|
| MAIN_RXD | GPIO32 (UART2 TX)   |
| MAIN_TXD | GPIO33 (UART2 RX)   |
| PWRKEY   | GPIO25 -> NPN       |
| RESET    | GPIO26 -> NPN       |
| PSM_EINT | GPIO27              |
| VDD_EXT  | GPIO34 (input only) |
"""
from boards.esp32_devkitc import BOARD as _B

BOARD = dict(_B)
BOARD.update({
    "name": "esp32_wrover", "machine": "Generic ESP32 module with SPIRAM with ESP32",
    "tx": 32, "rx": 33,
})
BOARD["reserved"] = dict(_B["reserved"])
BOARD["reserved"].update({16: "PSRAM (WROVER)", 17: "PSRAM (WROVER)"})
