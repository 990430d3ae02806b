# ruff: noqa: F821  (manifest functions are provided by MicroPython's makemanifest)
# The 32-bit unix port: asyncio frozen as in the 64-bit unix port; the project is loaded
# from build/mpy (.mpy files), as in the 64-bit test runs.
include("$(MPY_DIR)/extmod/asyncio")
