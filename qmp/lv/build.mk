# qmp/lv/: the libvirt backend (CONFIG_PALM_LIBVIRT), or a stub that says
# palm was built without it.
ifeq ($(CONFIG_PALM_LIBVIRT),y)
lib-y += $(patsubst %.c,%.o,$(filter-out %_stub.c,$(sort $(wildcard qmp/lv/*.c))))
CFLAGS += $(shell pkg-config --cflags libvirt libvirt-qemu 2>/dev/null)
LDLIBS += $(shell pkg-config --libs libvirt libvirt-qemu 2>/dev/null || echo -lvirt -lvirt-qemu) -pthread
else
lib-y += qmp/lv/qmp_lv_stub.o
endif
