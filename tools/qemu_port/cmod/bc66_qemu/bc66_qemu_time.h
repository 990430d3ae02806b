// time.time()/gmtime()/localtime() for the QEMU board: seconds since boot (no RTC), so
// the clock reads as "not set" (year 2000) just as a board whose RTC was never set.
#include "py/mphal.h"
#include "shared/timeutils/timeutils.h"

static mp_obj_t mp_time_time_get(void) {
    return mp_obj_new_int_from_uint(mp_hal_ticks_ms() / 1000);
}

static void mp_time_localtime_get(timeutils_struct_time_t *tm) {
    timeutils_seconds_since_epoch_to_struct_time(mp_hal_ticks_ms() / 1000, tm);
}
