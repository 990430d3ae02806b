# ruff: noqa: F821  (manifest functions are provided by MicroPython's makemanifest)
# The QEMU firmware without the project (asyncio and _boot.py only): the baseline that
# `make bench` subtracts to get the flash the frozen project adds.
include("$(MPY_DIR)/extmod/asyncio")
module("_boot.py", opt=3)
