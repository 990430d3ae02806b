# ruff: noqa: F821  (manifest functions are provided by MicroPython's makemanifest)
# Firmware for the QEMU board (MPS2-AN385): asyncio as the real ports freeze it (the C
# _asyncio module is enabled by mpconfig_bc66.h, so task.py is not needed), the project
# (../../../manifest.py) and this board's _boot.py.
include("$(MPY_DIR)/extmod/asyncio")
include("../../../manifest.py")
module("_boot.py", opt=3)
