# qmp/: QMP client, command wrappers, feature discovery, migration control.
lib-y += $(patsubst %.c,%.o,$(sort $(wildcard qmp/*.c)))
