// time.time()/gmtime()/localtime() for the QEMU board: the RTC stand-in of bc66_qemu.c
// (seconds since 2000, set from the host's clock at first use, then on the board's ticks).
#include "py/mphal.h"
#include "shared/timeutils/timeutils.h"

uint32_t bc66_qemu_rtc_s(void);

static mp_obj_t mp_time_time_get(void) {
    return mp_obj_new_int_from_uint(bc66_qemu_rtc_s());
}

static void mp_time_localtime_get(timeutils_struct_time_t *tm) {
    timeutils_seconds_since_epoch_to_struct_time(bc66_qemu_rtc_s(), tm);
}
