"""Skip-or-fail for the Cortex-M (QEMU) and 32-bit unix tests: they need the vendored
MicroPython and the Debian toolchain (tools/ci_deps.sh); CI requires them."""
from tools.board import mcu


def need_mcu():
    """Skip (a user's clone) or fail (CI) when the toolchain or the tarball is missing."""
    why = mcu.tools_missing()
    if why:
        from tools.board import vendor
        vendor.missing(why)
