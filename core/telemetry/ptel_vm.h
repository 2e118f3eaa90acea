/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMs on this host: QEMU processes, their QMP socket (from -qmp
 * unix:PATH on the command line, or given) and their vCPU threads.
 * vCPU threads are found by name ("CPU <n>/KVM", "CPU <n>/TCG": QEMU
 * names its threads only with -name ...,debug-threads=on), else through
 * QMP query-cpus-fast (ptel_vm_vcpus_qmp).
 */
#ifndef PALM_TELEMETRY_PTEL_VM_H
#define PALM_TELEMETRY_PTEL_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PTEL_VM_MAX_VCPUS 64

struct qmp_client;

struct ptel_vm {
	pid_t pid;
	char name[64];			/* -name, else "pid <n>" */
	char qmp_path[108];		/* "" when none was found */
	bool kvm;			/* -accel kvm, -enable-kvm, accel=kvm */
	int nvcpu;
	pid_t vcpu_tid[PTEL_VM_MAX_VCPUS];	/* by vCPU index */
};

/* argv as /proc/<pid>/cmdline has it (NUL-separated): name and qmp_path. */
int ptel_vm_parse_cmdline(const char *buf, size_t len, struct ptel_vm *vm);
/* One process: cmdline, then vCPU threads by name. */
int ptel_vm_from_pid(pid_t pid, struct ptel_vm *vm);
/* vCPU threads of vm->pid by their names. */
int ptel_vm_vcpus_by_name(struct ptel_vm *vm);
/* vCPU threads from query-cpus-fast. */
int ptel_vm_vcpus_qmp(struct ptel_vm *vm, struct qmp_client *c);
/* The peer pid of a connected unix socket (the QEMU behind a QMP fd). */
int ptel_socket_peer_pid(int fd, pid_t *pid);
/* Every qemu-system-* process in /proc; *n may exceed max (then -ENOBUFS). */
int ptel_vm_scan(struct ptel_vm *vms, int max, int *n);

#endif /* PALM_TELEMETRY_PTEL_VM_H */
