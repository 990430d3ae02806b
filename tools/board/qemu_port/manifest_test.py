# ruff: noqa: F821  (manifest functions are provided by MicroPython's makemanifest)
# The QEMU firmware of manifest.py plus the MicroPython tests and their helpers
# (host_tests/mp), so a test run loads no code into the heap that a node would not.
include("manifest.py")
freeze("../../../host_tests/mp")
