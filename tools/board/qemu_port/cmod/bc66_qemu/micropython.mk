# Board support for the bc66-lwm2m QEMU firmware: C hooks and module bc66_qemu (RamDisk).
BC66_QEMU_DIR := $(USERMOD_DIR)
SRC_USERMOD_C += $(BC66_QEMU_DIR)/bc66_qemu.c
SRC_USERMOD_LIB_C += shared/timeutils/timeutils.c
CFLAGS_USERMOD += -I$(BC66_QEMU_DIR)
