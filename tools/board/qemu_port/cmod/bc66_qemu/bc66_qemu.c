// C hooks of the bc66-lwm2m QEMU board: Ctrl-C on the REPL UART while code runs, the
// board's RTC stand-in (time.time(), time.time_ns()) and its flash stand-in (module
// bc66_qemu: RamDisk).
#include <stdint.h>
#include <string.h>
#include "py/mperrno.h"
#include "py/mphal.h"
#include "py/runtime.h"
#include "extmod/vfs.h"
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

// The board's flash stand-in for VfsLfs2: a block device over RAM outside the heap, in C
// as a real port's flash driver is. littlefs calls readblocks/writeblocks in the middle of
// its own updates; a Python block device can be left by a KeyboardInterrupt there (Ctrl-C
// lands at any Python line), which leaves littlefs half-updated: a later file sync then
// faulted (HardFault in lfs2_file_sync_). No Python runs between littlefs and RAM here.
typedef struct _bc66_qemu_ramdisk_obj_t {
    mp_obj_base_t base;
    uint8_t *mem;
    size_t size;
    mp_int_t blocks;
    mp_int_t block_size;
} bc66_qemu_ramdisk_obj_t;

static mp_obj_t ramdisk_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw,
    const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 3, 3, false);
    bc66_qemu_ramdisk_obj_t *self = mp_obj_malloc(bc66_qemu_ramdisk_obj_t, type);
    self->mem = (uint8_t *)(uintptr_t)mp_obj_get_int_truncated(args[0]);
    self->blocks = mp_obj_get_int(args[1]);
    self->block_size = mp_obj_get_int(args[2]);
    self->size = (size_t)self->blocks * self->block_size;
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t ramdisk_transfer(size_t n_args, const mp_obj_t *args, bool write) {
    bc66_qemu_ramdisk_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    mp_buffer_info_t buf;
    mp_get_buffer_raise(args[2], &buf, write ? MP_BUFFER_READ : MP_BUFFER_WRITE);
    mp_int_t block = mp_obj_get_int(args[1]);
    mp_int_t off = n_args > 3 ? mp_obj_get_int(args[3]) : 0;
    if (block < 0 || off < 0) {
        mp_raise_OSError(MP_EINVAL);
    }
    size_t a = (size_t)block * self->block_size + off;
    if (a > self->size || buf.len > self->size - a) {
        mp_raise_OSError(MP_EINVAL);
    }
    if (write) {
        memcpy(self->mem + a, buf.buf, buf.len);
    } else {
        memcpy(buf.buf, self->mem + a, buf.len);
    }
    return mp_const_none;
}

static mp_obj_t ramdisk_readblocks(size_t n_args, const mp_obj_t *args) {
    return ramdisk_transfer(n_args, args, false);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(ramdisk_readblocks_obj, 3, 4, ramdisk_readblocks);

static mp_obj_t ramdisk_writeblocks(size_t n_args, const mp_obj_t *args) {
    return ramdisk_transfer(n_args, args, true);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(ramdisk_writeblocks_obj, 3, 4, ramdisk_writeblocks);

static mp_obj_t ramdisk_ioctl(mp_obj_t self_in, mp_obj_t op_in, mp_obj_t arg_in) {
    bc66_qemu_ramdisk_obj_t *self = MP_OBJ_TO_PTR(self_in);
    switch (mp_obj_get_int(op_in)) {
        case MP_BLOCKDEV_IOCTL_BLOCK_COUNT:
            return MP_OBJ_NEW_SMALL_INT(self->blocks);
        case MP_BLOCKDEV_IOCTL_BLOCK_SIZE:
            return MP_OBJ_NEW_SMALL_INT(self->block_size);
        case MP_BLOCKDEV_IOCTL_BLOCK_ERASE:  // RAM needs none
            return MP_OBJ_NEW_SMALL_INT(0);
        default:
            return mp_const_none;
    }
}
static MP_DEFINE_CONST_FUN_OBJ_3(ramdisk_ioctl_obj, ramdisk_ioctl);

static const mp_rom_map_elem_t ramdisk_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_readblocks), MP_ROM_PTR(&ramdisk_readblocks_obj) },
    { MP_ROM_QSTR(MP_QSTR_writeblocks), MP_ROM_PTR(&ramdisk_writeblocks_obj) },
    { MP_ROM_QSTR(MP_QSTR_ioctl), MP_ROM_PTR(&ramdisk_ioctl_obj) },
};
static MP_DEFINE_CONST_DICT(ramdisk_locals_dict, ramdisk_locals_dict_table);

static MP_DEFINE_CONST_OBJ_TYPE(
    bc66_qemu_ramdisk_type,
    MP_QSTR_RamDisk,
    MP_TYPE_FLAG_NONE,
    make_new, ramdisk_make_new,
    locals_dict, &ramdisk_locals_dict
    );

static const mp_rom_map_elem_t bc66_qemu_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_bc66_qemu) },
    { MP_ROM_QSTR(MP_QSTR_RamDisk), MP_ROM_PTR(&bc66_qemu_ramdisk_type) },
};
static MP_DEFINE_CONST_DICT(bc66_qemu_module_globals, bc66_qemu_module_globals_table);

const mp_obj_module_t bc66_qemu_user_cmodule = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&bc66_qemu_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_bc66_qemu, bc66_qemu_user_cmodule);
