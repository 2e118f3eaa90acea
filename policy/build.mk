# policy/: failure prediction, cluster simulator and migration policies (RL + baselines).
lib-y += $(patsubst %.c,%.o,$(sort $(wildcard policy/*.c)))
