// C hooks of the bc66-lwm2m QEMU board: Ctrl-C on the REPL UART while code runs, and
// time.time_ns() from the board's tick counter.
#include <stdint.h>
#include "py/mphal.h"
#include "py/runtime.h"
#include "shared/runtime/interrupt_char.h"

// The REPL is UART0 of the MPS2-AN385: an Arm CMSDK APB UART.
#define UART0_DATA (*(volatile uint32_t *)0x40004000)
#define UART0_STATE (*(volatile uint32_t *)0x40004004)
#define UART_STATE_RXFULL (1 << 1)

static unsigned int poll_divisor;

// A byte that arrives on the REPL while code runs with Ctrl-C enabled is read here: Ctrl-C
// raises KeyboardInterrupt, any other byte is dropped (the UART has no peek). Tools that
// feed data to running code disable Ctrl-C first (mpremote's mount does: kbd_intr(-1)).
void bc66_qemu_poll_ctrl_c(void) {
    if (++poll_divisor < 64) {
        return;
    }
    poll_divisor = 0;
    if (mp_interrupt_char >= 0 && (UART0_STATE & UART_STATE_RXFULL)) {
        if ((int)(UART0_DATA & 0xff) == mp_interrupt_char) {
            mp_sched_keyboard_interrupt();
        }
    }
}

uint64_t mp_hal_time_ns(void) {
    return (uint64_t)mp_hal_ticks_us() * 1000u;
}
