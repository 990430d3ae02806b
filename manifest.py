# MicroPython manifest of bc66-lwm2m: freezes the BC66 driver, the LwM2M node, the board
# files and the node application into a firmware image, so their code lives in flash and
# not in the heap. Pass it to your port's build:
#     make -C ports/stm32 BOARD=... FROZEN_MANIFEST=/path/to/bc66-lwm2m/manifest.py
# The port's own manifest (asyncio) must be included too: write a manifest with
#     include("$(PORT_DIR)/boards/manifest.py")
#     include("/path/to/bc66-lwm2m/manifest.py")
# firmware/main.py stays a file on the board's filesystem (it only imports app).
package("bc66", base_path="lib")
package("lwm2m", base_path="lib")
package("boards")
module("app.py", base_path="firmware")
module("sensors.py", base_path="firmware")
module("appversion.py", base_path="firmware")
