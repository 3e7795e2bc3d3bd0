/*
 * tinyvm: the guest tests' self-test.  Proves that a /dev/kvm works and that
 * vmm/ drives it, before khyve can boot Linux.
 *
 * The guest is a few bytes of 16-bit real-mode code at 0x1000:
 *
 *	mov al, 0x4b		b0 4b
 *	out 0xf4, al		e6 f4
 *	inc al			fe c0
 *	out 0xf4, al		e6 f4
 *	hlt			f4
 *
 * tinyvm runs it on one vCPU and expects, in this order: an OUT of 0x4b to
 * port 0xf4, an OUT of 0x4c to the same port (so the guest really executed
 * an instruction between the two exits), then the HLT.  Anything else is a
 * failure.  Exit status: 0 pass, 1 fail, 77 no /dev/kvm (skip).
 *
 * `tinyvm --hold` instead creates two VMs and sleeps until killed.  The
 * testbed's level-1 host runs it in the background, so that the static keys
 * KVM flips as VMs come and go stay put and the test VMs patch no code:
 * while a VM exists, the preempt-notifier key stays on (the scheduler's
 * code); while a vCPU's in-kernel local APIC is software-disabled (never
 * run: it stays so), apic_sw_disabled stays on (seen patched mid-suite in
 * apic_has_pending_timer); while a vCPU without one exists,
 * kvm_has_noapic_vcpu stays on (tinyvm's own VM has none).  Code patching
 * on a running SMP kernel under QEMU's multi-threaded emulation sometimes
 * leaves a stale int3 behind, and the level-1 kernel dies of "Oops: int3".
 */
#include "vmm/vmm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define	MEM_SIZE	0x10000		/* 64 KiB of guest RAM at guest-physical 0 */
#define	CODE_GPA	0x1000
#define	TEST_PORT	0xf4
#define	RUN_SECONDS	10		/* the guest must be done by then */

static const uint8_t guest_code[] = {
	0xb0, 0x4b,		/* mov al, 0x4b */
	0xe6, TEST_PORT,	/* out 0xf4, al */
	0xfe, 0xc0,		/* inc al */
	0xe6, TEST_PORT,	/* out 0xf4, al */
	0xf4,			/* hlt */
};

/* What the guest must do, one exit at a time. */
struct step {
	uint32_t	exit_reason;
	uint8_t		value;		/* for KVM_EXIT_IO */
};

static const struct step expected[] = {
	{ KVM_EXIT_IO, 0x4b },
	{ KVM_EXIT_IO, 0x4c },
	{ KVM_EXIT_HLT, 0 },
};

static int
fail(const char *what)
{
	printf("tinyvm: FAIL: %s%s%s\n", what, errno != 0 ? ": " : "",
	    errno != 0 ? strerror(errno) : "");
	return (1);
}

/* Real mode, CS:IP = 0:CODE_GPA. */
static int
setup_vcpu(struct vmm_vcpu *vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (vmm_get_sregs(vcpu, &sregs) < 0)
		return (-1);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (vmm_set_sregs(vcpu, &sregs) < 0)
		return (-1);
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_GPA;
	regs.rflags = 0x2;	/* bit 1 is always set */
	return (vmm_set_regs(vcpu, &regs));
}

/* Checks one exit against the step it should be; prints what it saw. */
static int
check_exit(const struct kvm_run *run, const struct step *want)
{
	uint8_t value;

	if (run->exit_reason != want->exit_reason) {
		printf("tinyvm: exit reason %u, want %u\n", run->exit_reason,
		    want->exit_reason);
		return (-1);
	}
	if (run->exit_reason == KVM_EXIT_HLT) {
		printf("tinyvm: HLT\n");
		return (0);
	}
	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.port != TEST_PORT ||
	    run->io.size != 1 || run->io.count != 1) {
		printf("tinyvm: unexpected I/O: dir %u port %#x size %u count %u\n",
		    run->io.direction, run->io.port, run->io.size, run->io.count);
		return (-1);
	}
	value = *((const uint8_t *)run + run->io.data_offset);
	printf("tinyvm: OUT %#x -> port %#x\n", value, run->io.port);
	if (value != want->value) {
		printf("tinyvm: value %#x, want %#x\n", value, want->value);
		return (-1);
	}
	return (0);
}

int
main(int argc, char **argv)
{
	struct vmm_vm vm;
	struct vmm_vcpu vcpu;
	uint8_t *mem;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "--hold") == 0) {
		struct vmm_vm plain;
		struct vmm_vcpu held, held_plain;

		if (vmm_open(&vm, NULL) < 0 || vmm_create_irqchip(&vm) < 0 ||
		    vmm_vcpu_create(&vm, 0, &held) < 0)
			return (fail("hold a VM with an in-kernel APIC"));
		if (vmm_open(&plain, NULL) < 0 ||
		    vmm_vcpu_create(&plain, 0, &held_plain) < 0)
			return (fail("hold a VM without one"));
		for (;;)
			pause();
	}
	alarm(RUN_SECONDS);	/* a guest that never exits kills us: SIGALRM */
	if (vmm_open(&vm, NULL) < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV) {
			printf("tinyvm: SKIP: no usable /dev/kvm: %s\n", strerror(errno));
			return (77);
		}
		return (fail("open /dev/kvm"));
	}
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return (fail("mmap guest memory"));
	memcpy(mem + CODE_GPA, guest_code, sizeof(guest_code));
	if (vmm_set_memory(&vm, 0, 0, MEM_SIZE, mem, 0) < 0)
		return (fail("set memory"));
	if (vmm_vcpu_create(&vm, 0, &vcpu) < 0)
		return (fail("create vCPU"));
	if (setup_vcpu(&vcpu) < 0)
		return (fail("set up vCPU registers"));

	for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		errno = 0;
		if (vmm_vcpu_run(&vcpu) < 0) {
			if (errno == EINTR) {
				i--;	/* kicked by a signal: run again */
				continue;
			}
			return (fail("KVM_RUN"));
		}
		if (check_exit(vcpu.run, &expected[i]) < 0) {
			errno = 0;
			return (fail("the guest did not do what it should"));
		}
	}
	vmm_vcpu_close(&vcpu);
	vmm_close(&vm);
	munmap(mem, MEM_SIZE);
	printf("tinyvm: PASS: saw OUT 0x4b, OUT 0x4c, HLT\n");
	return (0);
}
