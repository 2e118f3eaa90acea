# core/telemetry/: this host's telemetry ("ptel"): the eBPF loader, dirty
# windows, vCPU load, host pressure, RAS aggregation, VM discovery and the
# sampling loop behind `palmctl top`.  Not core/tel/ (between hosts).
lib-y += $(patsubst %.c,%.o,$(filter-out %_main.c %ptel_bpf.c %ptel_bpf_stub.c,\
	$(sort $(wildcard core/telemetry/*.c))))
#prog-y += core/telemetry/ptel_loop

ifeq ($(CONFIG_PALM_BPF),y)
lib-y += core/telemetry/ptel_bpf.o
# The loader includes the skeletons: build them first, find them in $(BUILD)/bpf.
$(BUILD)/core/telemetry/ptel_bpf.o: CFLAGS += -I$(BUILD)/bpf
$(BUILD)/core/telemetry/ptel_bpf.o: $(BPF_SKELS)
LDLIBS += -lbpf -lelf -lz
else
lib-y += core/telemetry/ptel_bpf_stub.o
endif
