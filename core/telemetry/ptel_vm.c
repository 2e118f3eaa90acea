// SPDX-License-Identifier: GPL-2.0
/* Finding QEMU processes, their QMP sockets and vCPU threads (ptel_vm.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/telemetry/ptel_host.h"
#include "core/telemetry/ptel_vm.h"
#include "qmp/qmp_commands.h"

/* "unix:PATH[,opts]" or "unix:PATH" from -qmp; -chardev forms are not followed. */
static void take_qmp(struct ptel_vm *vm, const char *arg)
{
	size_t n;

	if (vm->qmp_path[0] || strncmp(arg, "unix:", 5))
		return;
	arg += 5;
	n = strcspn(arg, ",");
	if (n && n < sizeof(vm->qmp_path))
		snprintf(vm->qmp_path, sizeof(vm->qmp_path), "%.*s", (int)n, arg);
}

/* -name NAME or -name guest=NAME,... */
static void take_name(struct ptel_vm *vm, const char *arg)
{
	if (!strncmp(arg, "guest=", 6))
		arg += 6;
	snprintf(vm->name, sizeof(vm->name), "%.*s", (int)strcspn(arg, ","), arg);
}

int ptel_vm_parse_cmdline(const char *buf, size_t len, struct ptel_vm *vm)
{
	const char *arg, *prev = NULL, *end = buf + len;
	const char *base;

	if (!len || buf[len - 1] != '\0')
		return -EINVAL;
	base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	if (strncmp(base, "qemu-system-", 12))
		return -ENOENT;
	vm->name[0] = '\0';
	vm->qmp_path[0] = '\0';
	vm->kvm = false;
	for (arg = buf; arg < end; arg += strlen(arg) + 1) {
		if (prev && (!strcmp(prev, "-qmp") || !strcmp(prev, "--qmp")))
			take_qmp(vm, arg);
		if (prev && (!strcmp(prev, "-name") || !strcmp(prev, "--name")))
			take_name(vm, arg);
		if ((prev && !strcmp(prev, "-accel") && !strncmp(arg, "kvm", 3)) ||
		    !strcmp(arg, "-enable-kvm") ||
		    (prev && (!strcmp(prev, "-machine") || !strcmp(prev, "-M")) &&
		     strstr(arg, "accel=kvm")))
			vm->kvm = true;
		prev = arg;
	}
	return 0;
}

int ptel_vm_vcpus_by_name(struct ptel_vm *vm)
{
	char path[64], comm[64], kind[8];
	struct dirent *de;
	int idx, n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)vm->pid);
	d = opendir(path);
	if (!d)
		return -errno;
	vm->nvcpu = 0;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/comm",
			 (int)vm->pid, de->d_name);
		if (ptel_read_file(path, comm, sizeof(comm)) <= 0)
			continue;
		if (sscanf(comm, "CPU %d/%7s", &idx, kind) != 2 || idx < 0 ||
		    idx >= PTEL_VM_MAX_VCPUS)
			continue;
		vm->vcpu_tid[idx] = (pid_t)atoi(de->d_name);
		vm->kvm = vm->kvm || !strcmp(kind, "KVM");
		if (idx + 1 > vm->nvcpu)
			vm->nvcpu = idx + 1;
		n++;
	}
	closedir(d);
	return n ? 0 : -ENOENT;
}

int ptel_vm_vcpus_qmp(struct ptel_vm *vm, struct qmp_client *c)
{
	struct qmp_vcpu v[PTEL_VM_MAX_VCPUS];
	int i, n, err;

	err = qmp_query_cpus_fast(c, v, PTEL_VM_MAX_VCPUS, &n);
	if (err && err != -ENOBUFS)
		return err;
	if (n > PTEL_VM_MAX_VCPUS)
		n = PTEL_VM_MAX_VCPUS;
	vm->nvcpu = 0;
	for (i = 0; i < n; i++) {
		if (v[i].cpu_index < 0 || v[i].cpu_index >= PTEL_VM_MAX_VCPUS)
			continue;
		vm->vcpu_tid[v[i].cpu_index] = v[i].thread_id;
		if (v[i].cpu_index + 1 > vm->nvcpu)
			vm->nvcpu = v[i].cpu_index + 1;
	}
	return 0;
}

int ptel_socket_peer_pid(int fd, pid_t *pid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return -errno;
	*pid = cr.pid;
	return 0;
}

int ptel_vm_from_pid(pid_t pid, struct ptel_vm *vm)
{
	char path[64], buf[8192];
	int n, err;

	memset(vm, 0, sizeof(*vm));
	vm->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = ptel_read_file(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	err = ptel_vm_parse_cmdline(buf, (size_t)n, vm);
	if (err)
		return err;
	if (!vm->name[0])
		snprintf(vm->name, sizeof(vm->name), "pid %d", (int)pid);
	/* A VM still starting has no vCPU threads yet: not an error. */
	ptel_vm_vcpus_by_name(vm);
	return 0;
}

int ptel_vm_scan(struct ptel_vm *vms, int max, int *n)
{
	struct ptel_vm vm;
	struct dirent *de;
	DIR *d;

	*n = 0;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (ptel_vm_from_pid((pid_t)atoi(de->d_name), &vm))
			continue;
		if (*n < max)
			vms[*n] = vm;
		(*n)++;
	}
	closedir(d);
	return *n > max ? -ENOBUFS : 0;
}
