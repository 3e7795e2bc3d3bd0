/*
 * Unit tests for the vCPU machinery (core/vcpu.c, core/vmexit.c) on a real
 * /dev/kvm: a 257-byte PVH guest is loaded through boot/pvh.c and run by
 * the same vcpus_start / mevent_dispatch / vcpus_stop sequence khyve_run
 * uses.  It prints on port 0x3f8, then reads a mode byte at 0x9000:
 *   1  writes S5 to port 0x404 (our handler powers off)
 *   2  cli; hlt forever (the halt detector must report a halt)
 *   3  `in $0x99` (strict I/O must stop the VM with an error)
 *   4  MMIO write and read at 0xd0000000, the value read out to port 0x80,
 *      then `rep outsb` of 4 bytes to port 0x80, then power-off.
 * Without a usable /dev/kvm each test passes with a note (nothing to run).
 *
 * The guest's source (as --32, objcopy -O binary -j .text):
 *	code:	mov $0x3f8,%dx; mov $msg,%esi
 *	1:	lodsb; test %al,%al; jz 2f; out %al,%dx; jmp 1b
 *	2:	movzbl 0x9000,%eax; cmp $2,%al; je halt; cmp $3,%al; je strict
 *		cmp $4,%al; je mmio
 *	poweroff: mov $0x404,%dx; mov $0x3400,%ax; out %ax,%dx; jmp poweroff
 *	halt:	cli; hlt; jmp halt
 *	strict:	in $0x99,%al; jmp halt
 *	mmio:	movl $0x12345678,0xd0000000; movl 0xd0000004,%eax; out %eax,$0x80
 *		mov $0xab,%al; mov $0x10,%cx; mov $0x1000,%edi; rep stosb
 *		mov $4,%ecx; mov $0x1000,%esi; mov $0x80,%dx; rep outsb
 *		jmp poweroff
 *	msg:	.asciz "KHYVE-TINY-UP\n"
 * preceded by an ELF32 header, a PT_LOAD of the whole file at 1 MiB and a
 * PT_NOTE with the Xen PHYS32_ENTRY note.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "boot/boot.h"
#include "config/config.h"
#include "core/inout.h"
#include "core/mevent.h"
#include "core/mmio.h"
#include "core/vcpu.h"
#include "core/vm.h"

#include "tests/unit/t.h"

static const uint8_t tiny_guest[] = {
	0x7f, 0x45, 0x4c, 0x46, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x88, 0x00, 0x10, 0x00, 0x34, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x34, 0x00, 0x20, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x00, 0x01, 0x01, 0x00, 0x00,
	0x01, 0x01, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
	0x04, 0x00, 0x00, 0x00, 0x74, 0x00, 0x00, 0x00, 0x74, 0x00, 0x10, 0x00,
	0x74, 0x00, 0x10, 0x00, 0x14, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
	0x04, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
	0x04, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x58, 0x65, 0x6e, 0x00,
	0x88, 0x00, 0x10, 0x00, 0x66, 0xba, 0xf8, 0x03, 0xbe, 0xf2, 0x00, 0x10,
	0x00, 0xac, 0x84, 0xc0, 0x74, 0x03, 0xee, 0xeb, 0xf8, 0x0f, 0xb6, 0x05,
	0x00, 0x90, 0x00, 0x00, 0x3c, 0x02, 0x74, 0x14, 0x3c, 0x03, 0x74, 0x14,
	0x3c, 0x04, 0x74, 0x14, 0x66, 0xba, 0x04, 0x04, 0x66, 0xb8, 0x00, 0x34,
	0x66, 0xef, 0xeb, 0xf4, 0xfa, 0xf4, 0xeb, 0xfc, 0xe4, 0x99, 0xeb, 0xf8,
	0xc7, 0x05, 0x00, 0x00, 0x00, 0xd0, 0x78, 0x56, 0x34, 0x12, 0xa1, 0x04,
	0x00, 0x00, 0xd0, 0xe7, 0x80, 0xb0, 0xab, 0x66, 0xb9, 0x10, 0x00, 0xbf,
	0x00, 0x10, 0x00, 0x00, 0xf3, 0xaa, 0xb0, 0x5a, 0xb9, 0x04, 0x00, 0x00,
	0x00, 0xbe, 0x00, 0x10, 0x00, 0x00, 0x66, 0xba, 0x80, 0x00, 0xf3, 0x6e,
	0xeb, 0xba, 0x4b, 0x48, 0x59, 0x56, 0x45, 0x2d, 0x54, 0x49, 0x4e, 0x59,
	0x2d, 0x55, 0x50, 0x0a, 0x00
};

struct guest_io {
	char		out[64];
	size_t		nout;
	uint32_t	port80[8];
	int		nport80;
	uint64_t	mmio_written;
};

static int
com1_out(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val, void *arg)
{
	struct guest_io *g = arg;

	(void)vm; (void)vcpu; (void)port; (void)bytes;
	if (in)
		*val = 0;
	else if (g->nout < sizeof(g->out) - 1)
		g->out[g->nout++] = (char)*val;
	return (0);
}

static int
pm1_cnt(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val, void *arg)
{
	(void)vcpu; (void)port; (void)bytes; (void)arg;
	if (!in && *val == 0x3400)
		vm_suspend(vm, VM_SUSPEND_POWEROFF);
	return (0);
}

static int
post_port(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val, void *arg)
{
	struct guest_io *g = arg;

	(void)vm; (void)vcpu; (void)port; (void)bytes;
	if (!in && g->nport80 < 8)
		g->port80[g->nport80++] = *val;
	return (0);
}

static int
mmio_dev(struct vm *vm, int vcpu, bool write, uint64_t addr, int size,
    uint64_t *val, void *arg)
{
	struct guest_io *g = arg;

	(void)vm; (void)vcpu; (void)size;
	if (write)
		g->mmio_written = *val;
	else
		*val = addr == 0xd0000004 ? 0xcafef00d : 0;
	return (0);
}

static void
tick(int fd, void *arg)
{
	uint64_t n;

	(void)!read(fd, &n, sizeof(n));
	vcpus_halt_tick(arg);
}

static bool
kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("  (no usable /dev/kvm: nothing to run)\n");
		return (false);
	}
	close(fd);
	return (true);
}

static int
setup(struct vm *vm, struct guest_io *g, uint8_t mode, bool strict)
{
	struct boot_file k;
	struct boot_args a = { .kernel = &k };
	struct boot_cpu cpu;
	struct boot_err e;
	struct inout_port com1 = { "com1", 0x3f8, 1, com1_out, g };
	struct inout_port pm = { "pm1", 0x404, 2, pm1_cnt, g };
	struct inout_port post = { "post", 0x80, 1, post_port, g };
	struct mmio_range dev = { "dev", 0xd0000000, 0x1000, mmio_dev, g };

	if (vm_create(vm, "unit", 16 * MiB) != 0 ||
	    vm_setup_memory(vm, false, false) != 0 ||
	    inout_init(vm) != 0 || mmio_init(vm) != 0 || mevent_init(vm) != 0)
		return (-1);
	vm->ncpus = 2;
	vm->sockets = 1;
	vm->cores = 2;
	vm->threads = 1;
	vm->strictio = strict;
	if (register_inout(vm, &com1) != 0 || register_inout(vm, &pm) != 0 ||
	    register_inout(vm, &post) != 0 || register_mmio(vm, &dev) != 0)
		return (-1);
	boot_file_from_buf(&k, "tiny", tiny_guest, sizeof(tiny_guest));
	if (boot_load(vm, &a, &cpu, &e) != 0) {
		printf("  %s\n", e.msg);
		return (-1);
	}
	if (vm_write(vm, 0x9000, &mode, 1) != 0 || vcpus_create(vm) != 0 ||
	    boot_cpu_apply(&vm->vcpus[0].v, &cpu) != 0)
		return (-1);
	return (0);
}

/* Runs the guest in mode; returns the suspend reason. */
static int
run_guest(struct guest_io *g, uint8_t mode, bool strict)
{
	struct vm vm;
	struct itimerspec its = { { 0, 100000000 }, { 0, 100000000 } };
	sigset_t set;
	int tfd, how;

	memset(g, 0, sizeof(*g));
	sigemptyset(&set);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	T_CHECK(vcpu_signals_init() == 0);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (setup(&vm, g, mode, strict) == 0 && tfd >= 0 &&
	    timerfd_settime(tfd, 0, &its, NULL) == 0 &&
	    mevent_add(&vm, tfd, tick, &vm) == 0 &&
	    vcpus_start(&vm, NULL) == 0)
		mevent_dispatch(&vm);
	vcpus_stop(&vm);
	how = atomic_load(&vm.suspended);
	vcpus_destroy(&vm);
	mevent_fini(&vm);
	mmio_fini(&vm);
	inout_fini(&vm);
	vm_destroy(&vm);
	if (tfd >= 0)
		close(tfd);
	return (how);
}

static void
test_vcpu_poweroff(void)
{
	struct guest_io g;

	if (!kvm_usable())
		return;
	T_CHECK(run_guest(&g, 1, false) == VM_SUSPEND_POWEROFF);
	T_STREQ(g.out, "KHYVE-TINY-UP\n");
}

static void
test_vcpu_halt(void)
{
	struct guest_io g;

	if (!kvm_usable())
		return;
	/* BSP halted with IF=0, the AP never started: a halt (status 2). */
	T_CHECK(run_guest(&g, 2, false) == VM_SUSPEND_HALT);
	T_STREQ(g.out, "KHYVE-TINY-UP\n");
}

static void
test_vcpu_strictio(void)
{
	struct guest_io g;

	if (!kvm_usable())
		return;
	T_CHECK(run_guest(&g, 3, true) == VM_SUSPEND_ERROR);
	/* Not strict: the port reads as ones and the guest halts. */
	T_CHECK(run_guest(&g, 3, false) == VM_SUSPEND_HALT);
}

static void
test_vcpu_mmio_and_string_io(void)
{
	struct guest_io g;

	if (!kvm_usable())
		return;
	T_CHECK(run_guest(&g, 4, false) == VM_SUSPEND_POWEROFF);
	T_CHECK(g.mmio_written == 0x12345678);
	T_CHECK(g.nport80 == 5);
	T_CHECK(g.port80[0] == 0xcafef00d);
	for (int i = 1; i < g.nport80; i++)
		T_CHECK(g.port80[i] == 0xab);
}

int
main(void)
{
	init_config();
	T_RUN(test_vcpu_poweroff);
	T_RUN(test_vcpu_halt);
	T_RUN(test_vcpu_strictio);
	T_RUN(test_vcpu_mmio_and_string_io);
	free_config();
	return (T_DONE());
}
