# bench/telemetry/: ptel_bench, the cost and accuracy benchmark of palm's
# telemetry (run.sh drives it; results in RESULTS.md).
PTEL_BENCH := $(BUILD)/bench/telemetry/ptel_bench
ALL_TARGETS += $(PTEL_BENCH)

$(PTEL_BENCH): $(BUILD)/bench/telemetry/ptel_bench.o $(BUILD)/libpalm.a
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

ifeq ($(CONFIG_PALM_BPF),y)
# `ptel_bench cost` loads bpf/ptel_cost.bpf.c through its skeleton.
$(BUILD)/bench/telemetry/ptel_bench.o: CFLAGS += -I$(BUILD)/bpf
$(BUILD)/bench/telemetry/ptel_bench.o: $(BPF_SKELS)
endif
