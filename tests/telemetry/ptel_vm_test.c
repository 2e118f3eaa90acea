// SPDX-License-Identifier: GPL-2.0
/* VM discovery: QEMU command lines, socket peers, vCPU threads by name. */
#include <errno.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/lib/harness.h"
#include "core/telemetry/ptel_vm.h"

#define ARGV(...) __VA_ARGS__

static int parse(const char *buf, size_t len, struct ptel_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	return ptel_vm_parse_cmdline(buf, len, vm);
}

TEST(cmdline)
{
	static const char a[] = "/usr/bin/qemu-system-x86_64\0-accel\0kvm,dirty-ring-size=4096\0"
		"-name\0guest=web1,debug-threads=on\0-qmp\0unix:/run/q.sock,server=on,wait=off\0"
		"-qmp\0unix:/run/second.sock\0";
	static const char b[] = "qemu-system-aarch64\0-M\0virt,accel=kvm\0-qmp\0tcp:1.2.3.4:5\0";
	static const char c[] = "qemu-system-x86_64\0-accel\0tcg\0-qmp\0unix:/x\0";
	static const char d[] = "/usr/bin/python3\0-qmp\0unix:/x\0";
	struct ptel_vm vm;

	ASSERT_EQ(0, parse(a, sizeof(a), &vm));
	EXPECT_STREQ("web1", vm.name);
	EXPECT_STREQ("/run/q.sock", vm.qmp_path);
	EXPECT_TRUE(vm.kvm);
	ASSERT_EQ(0, parse(b, sizeof(b), &vm));
	EXPECT_STREQ("", vm.qmp_path);	/* tcp monitors are not followed */
	EXPECT_TRUE(vm.kvm);
	ASSERT_EQ(0, parse(c, sizeof(c), &vm));
	EXPECT_STREQ("/x", vm.qmp_path);
	EXPECT_FALSE(vm.kvm);
	EXPECT_EQ(-ENOENT, parse(d, sizeof(d), &vm));
	EXPECT_EQ(-EINVAL, parse("qemu-system-x86_64", 18, &vm));	/* no NUL */
	EXPECT_EQ(-EINVAL, parse("", 0, &vm));
}

TEST(socket_peer)
{
	int sv[2];
	pid_t pid = 0;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_EQ(0, ptel_socket_peer_pid(sv[0], &pid));
	EXPECT_EQ(getpid(), pid);
	close(sv[0]);
	close(sv[1]);
	EXPECT_EQ(-EBADF, ptel_socket_peer_pid(-1, &pid));
}

static volatile int stop_threads;

static void *named(void *arg)
{
	prctl(PR_SET_NAME, (const char *)arg);
	while (!stop_threads)
		usleep(1000);
	return NULL;
}

TEST(vcpus_by_name)
{
	struct ptel_vm vm = { .pid = getpid() };
	pthread_t t0, t1;

	ASSERT_EQ(-ENOENT, ptel_vm_vcpus_by_name(&vm));
	ASSERT_EQ(0, pthread_create(&t0, NULL, named, "CPU 0/KVM"));
	ASSERT_EQ(0, pthread_create(&t1, NULL, named, "CPU 1/KVM"));
	usleep(50000);
	EXPECT_EQ(0, ptel_vm_vcpus_by_name(&vm));
	EXPECT_EQ(2, vm.nvcpu);
	EXPECT_TRUE(vm.kvm);
	EXPECT_NE(0, vm.vcpu_tid[0]);
	EXPECT_NE(0, vm.vcpu_tid[1]);
	stop_threads = 1;
	pthread_join(t0, NULL);
	pthread_join(t1, NULL);
}
