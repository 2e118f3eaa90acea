# core/tel/: telemetry between hosts -- frame codec, aggregator, UDP and
# DPDK transports, link probe -- and tel_node, the endpoint program that
# tests and benchmarks run inside emulated hosts.
lib-y += core/tel/tel_frame.o core/tel/tel_aggregator.o core/tel/tel_config.o
lib-y += core/tel/tel_udp.o core/tel/tel_pattern.o core/tel/tel_probe.o
lib-y += core/tel/tel_pub.o core/tel/tel_wire.o
prog-y += core/tel/tel_node

ifeq ($(CONFIG_PALM_DPDK),y)
lib-y += core/tel/tel_dpdk.o
# DPDK's flags for its object only; its libraries for every program.
$(BUILD)/core/tel/tel_dpdk.o: CFLAGS += $(shell pkg-config --cflags libdpdk)
LDLIBS += $(shell pkg-config --libs libdpdk)
else
lib-y += core/tel/tel_dpdk_stub.o
endif
