// MicroPython configuration for the bc66-lwm2m QEMU board (MPS2-AN385, Cortex-M3).
// Passed as MP_CONFIGFILE: the port's own configuration, then what a real port has and
// the node needs. The vendored sources stay unmodified.
#include <stdbool.h>
#include <mpconfigport.h>

// The C _asyncio module (TaskQueue, Task), as the stm32, esp32 and unix ports have it.
#undef MICROPY_PY_ASYNCIO
#define MICROPY_PY_ASYNCIO (1)

// Errno numbers as MicroPython's own table (Linux values: ETIMEDOUT 110), as stm32 has it,
// not newlib's (ETIMEDOUT 116): the driver's OSErrors read the same on every board.
#define MICROPY_USE_INTERNAL_ERRNO (1)

// os.uname(), as the real ports have it (boards.Board checks the machine name).
#define MICROPY_PY_OS_UNAME (1)

// A clock: time.time(), gmtime, localtime from an RTC stand-in (bc66_qemu.c).
#define MICROPY_PY_TIME_GMTIME_LOCALTIME_MKTIME (1)
#define MICROPY_PY_TIME_TIME_TIME_NS (1)
#define MICROPY_PY_TIME_INCLUDEFILE "bc66_qemu_time.h"

// Run the frozen _boot.py at every (soft) boot: it mounts the RAM disk at /.
int pyexec_frozen_module(const char *name, bool allow_keyboard_interrupt);
#define MICROPY_PORT_INIT_FUNC pyexec_frozen_module("_boot.py", false)

// Ctrl-C while code runs: the port's REPL UART is polled, not interrupt driven, so the
// VM and the event loop look at it (every 64th hook; see bc66_qemu.c).
void bc66_qemu_poll_ctrl_c(void);
#define MICROPY_VM_HOOK_LOOP bc66_qemu_poll_ctrl_c();
#define MICROPY_VM_HOOK_RETURN bc66_qemu_poll_ctrl_c();
#define MICROPY_INTERNAL_EVENT_HOOK bc66_qemu_poll_ctrl_c()
