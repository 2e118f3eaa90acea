# SPDX-License-Identifier: GPL-2.0
#
# palm-guest: the bare-metal multiboot test workload (tests/guest/README.md).
# Included by the top Makefile, which provides BUILD and Q. The guest has
# its own flags: the host CFLAGS carry sanitizers that cannot work here.
#
# The code is 64-bit (see boot.S for why); QEMU's multiboot loader only
# takes ELF32, so the ELF64 link is converted with objcopy, which keeps
# the load addresses and the 32-bit entry point.

GUEST_CC ?= gcc
GUEST_OBJCOPY ?= objcopy
GUEST_DIR := tests/guest
GUEST_OUT := $(BUILD)/tests/guest
GUEST_ELF := $(GUEST_OUT)/palm-guest.elf

# -mno-red-zone: exceptions land on the ring 0 stack, but stay safe anyway.
# -mgeneral-regs-only: nobody enables SSE/x87 state in this guest.
GUEST_CFLAGS := -m64 -mcmodel=small -mno-red-zone -mgeneral-regs-only \
	-ffreestanding -fno-pic -fno-pie -fno-stack-protector -fno-builtin \
	-nostdlib -O2 -Wall -Wextra -Werror -std=gnu11 \
	-fno-asynchronous-unwind-tables -MMD -MP
GUEST_LDFLAGS := -m64 -nostdlib -static -no-pie \
	-Wl,-T,$(GUEST_DIR)/guest.ld -Wl,--build-id=none \
	-Wl,-z,max-page-size=0x1000

# *_test.c files here are host-side tests of the guest, not part of it.
GUEST_C_OBJS := $(patsubst $(GUEST_DIR)/%.c,$(GUEST_OUT)/%.c.o, \
	$(filter-out %_test.c,$(wildcard $(GUEST_DIR)/*.c)))
GUEST_S_OBJS := $(patsubst $(GUEST_DIR)/%.S,$(GUEST_OUT)/%.S.o, \
	$(wildcard $(GUEST_DIR)/*.S))
GUEST_OBJS := $(GUEST_S_OBJS) $(GUEST_C_OBJS)

ALL_TARGETS += $(GUEST_ELF)

ifneq ($(V),1)
guest_quiet = @printf '  %-7s %s\n' $(1) $(2);
endif

# Static pattern rules: they win over any generic %.o rule of the includer.
$(GUEST_C_OBJS): $(GUEST_OUT)/%.c.o: $(GUEST_DIR)/%.c $(GUEST_DIR)/build.mk
	$(call guest_quiet,GUEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_S_OBJS): $(GUEST_OUT)/%.S.o: $(GUEST_DIR)/%.S $(GUEST_DIR)/build.mk
	$(call guest_quiet,GUEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/palm-guest.elf64: $(GUEST_OBJS) $(GUEST_DIR)/guest.ld
	$(call guest_quiet,GUEST,$@)
	$(Q)$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $(GUEST_OBJS)

$(GUEST_ELF): $(GUEST_OUT)/palm-guest.elf64
	$(call guest_quiet,GUEST,$@)
	$(Q)$(GUEST_OBJCOPY) -O elf32-i386 $< $@

-include $(GUEST_OBJS:.o=.d)
