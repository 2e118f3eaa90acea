# bench/migration/: mig_model, palm's migration model fitted to and
# evaluated on the recorded runs (calibrate.sh, summarize.sh drive it).
MIG_MODEL := $(BUILD)/bench/migration/mig_model
ALL_TARGETS += $(MIG_MODEL)

$(MIG_MODEL): $(BUILD)/bench/migration/mig_model.o $(BUILD)/libpalm.a
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
