# bpf/: palm's CO-RE eBPF programs.  Each bpf/NAME.bpf.c becomes
# $(BUILD)/bpf/NAME.bpf.o and a skeleton $(BUILD)/bpf/NAME.skel.h (struct
# NAME_bpf), against a vmlinux.h dumped from the running kernel's BTF.
ifeq ($(CONFIG_PALM_BPF),y)
BPFTOOL ?= $(firstword $(wildcard /usr/sbin/bpftool /usr/bin/bpftool) bpftool)
BPF_CLANG ?= clang
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
BPF_OUT := $(BUILD)/bpf
VMLINUX_H := $(BPF_OUT)/vmlinux.h
BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BPF_OUT)/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(BPF_OUT)/%.skel.h,$(BPF_SRCS))
# -mcpu=v3: atomic xchg in ptel_dirty (kernel 5.12+).
BPF_CFLAGS := -target bpf -mcpu=v3 -g -O2 -Wall -Werror -D__TARGET_ARCH_x86 \
	-I$(BPF_OUT) -I.

$(VMLINUX_H): $(VMLINUX_BTF) bpf/build.mk
	$(quiet) BTF $@
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c >$@.tmp
	$(Q)mv $@.tmp $@

$(BPF_OUT)/%.bpf.o: bpf/%.bpf.c bpf/ptel_shared.h $(VMLINUX_H)
	$(quiet) BPF $@
	$(Q)$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@.full
	$(Q)$(BPFTOOL) gen object $@ $@.full

$(BPF_OUT)/%.skel.h: $(BPF_OUT)/%.bpf.o
	$(quiet) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf >$@.tmp
	$(Q)mv $@.tmp $@
endif
