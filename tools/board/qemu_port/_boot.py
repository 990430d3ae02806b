# Frozen into the QEMU firmware and run at every (soft) boot, like a real port's _boot.py:
# the board's RAM disk (formatted on first use) is mounted at /.
import boards.qemu

boards.qemu.mount()
del boards
