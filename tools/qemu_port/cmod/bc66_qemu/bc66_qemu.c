// C hooks of the bc66-lwm2m QEMU board: Ctrl-C on the REPL UART while code runs, and
// the board's RTC stand-in (time.time(), time.time_ns()).
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

// The RTC stand-in: a board's RTC is set (from the network, by hand); this one reads the
// host's clock once through semihosting (SYS_TIME, seconds since 1970; QEMU runs with
// -semihosting) and then runs on the board's millisecond ticks.
#define SYS_TIME (0x11)
#define SECONDS_1970_TO_2000 (946684800u)
static uint32_t rtc_base_s;
static uint32_t rtc_base_ms;
static bool rtc_set;

static uint32_t semihosting_time(void) {
    register uint32_t r0 __asm__ ("r0") = SYS_TIME;
    register uint32_t r1 __asm__ ("r1") = 0;
    __asm__ __volatile__ ("bkpt 0xAB" : "+r" (r0) : "r" (r1) : "memory");
    return r0;
}

static uint32_t rtc_ms(void) {
    if (!rtc_set) {
        rtc_base_s = semihosting_time() - SECONDS_1970_TO_2000;
        rtc_base_ms = mp_hal_ticks_ms();
        rtc_set = true;
    }
    return mp_hal_ticks_ms() - rtc_base_ms;
}

uint32_t bc66_qemu_rtc_s(void) {
    uint32_t ms = rtc_ms();
    return rtc_base_s + ms / 1000;
}

uint64_t mp_hal_time_ns(void) {
    uint32_t ms = rtc_ms();
    return ((uint64_t)rtc_base_s * 1000u + ms) * 1000000u;
}
