/*
 * bench/kvmloop.c: the bare KVM_RUN loop, the physical limit for the cost
 * of a port-I/O exit on this machine.  It runs the same exit guest as khyve
 * (bench/exitguest.S: a PVH ELF) with nothing around it: one memory slot,
 * one vCPU in flat 32-bit protected mode at the ELF entry, and a loop that
 * returns to KVM_RUN at once for port 0x80 and stops at the write to the
 * PM1a control port 0x404.  No irqchip, no tables, no threads.
 *
 * On purpose this bench tool talks to /dev/kvm itself instead of through
 * vmm/: it measures the floor under any VMM, khyve's layers included.
 *
 * With --irqchip the VM also gets KVM's in-kernel LAPIC/IOAPIC/PIC and PIT,
 * as khyve's does (KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2): the same loop, so
 * the difference is what those cost the kernel on every exit and entry.
 *
 * Usage: kvmloop [--irqchip] GUEST.elf     exit status 0 after the S5 write.
 * Prints "kvmloop exits=N seconds=S ns_per_exit=X" on stderr.
 */
#include <err.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE	(4u << 20)	/* the guest lives at 1 MiB */
#define PORT_POST	0x80
#define PORT_PM1A_CNT	0x404

static uint32_t
le32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

/* Copies each ELF32 PT_LOAD into guest memory; returns the entry point. */
static uint32_t
load_elf32(const char *path, uint8_t *mem)
{
	struct stat st;
	uint8_t *f;
	uint32_t phoff, entry, i;
	uint16_t phnum;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0)
		err(2, "%s", path);
	if (st.st_size < 52)
		errx(2, "%s: too short for ELF", path);
	f = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (f == MAP_FAILED)
		err(2, "mmap %s", path);
	if (memcmp(f, "\177ELF\001\001", 6) != 0)
		errx(2, "%s: not a little-endian ELF32", path);
	entry = le32(f + 24);
	phoff = le32(f + 28);
	phnum = (uint16_t)(f[44] | f[45] << 8);
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = f + phoff + 32 * i;
		uint32_t off, paddr, filesz;

		if ((uint64_t)phoff + 32 * (i + 1) > (uint64_t)st.st_size)
			errx(2, "%s: program headers out of the file", path);
		if (le32(ph) != 1)	/* PT_LOAD */
			continue;
		off = le32(ph + 4);
		paddr = le32(ph + 12);
		filesz = le32(ph + 16);
		if ((uint64_t)off + filesz > (uint64_t)st.st_size ||
		    (uint64_t)paddr + le32(ph + 20) > MEM_SIZE)
			errx(2, "%s: segment %u does not fit", path, i);
		memcpy(mem + paddr, f + off, filesz);
	}
	munmap(f, (size_t)st.st_size);
	close(fd);
	return (entry);
}

static void
flat_segment(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->db = 1;
	s->g = 1;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

int
main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	uint8_t *mem;
	unsigned long exits = 0;
	double t0, t1;
	int kvm, vmfd, cpufd, runsz;
	bool irqchip = false;

	if (argc == 3 && strcmp(argv[1], "--irqchip") == 0) {
		irqchip = true;
		argv++;
		argc--;
	}
	if (argc != 2)
		errx(2, "usage: kvmloop [--irqchip] GUEST.elf");
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		err(2, "/dev/kvm");
	vmfd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vmfd < 0)
		err(2, "KVM_CREATE_VM");
	(void)ioctl(vmfd, KVM_SET_TSS_ADDR, 0xfffbd000ul);
	if (irqchip) {
		struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

		if (ioctl(vmfd, KVM_CREATE_IRQCHIP, 0) != 0)
			err(2, "KVM_CREATE_IRQCHIP");
		if (ioctl(vmfd, KVM_CREATE_PIT2, &pit) != 0)
			err(2, "KVM_CREATE_PIT2");
	}
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		err(2, "mmap guest memory");
	memset(&region, 0, sizeof(region));
	region.memory_size = MEM_SIZE;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, &region) != 0)
		err(2, "KVM_SET_USER_MEMORY_REGION");

	cpufd = ioctl(vmfd, KVM_CREATE_VCPU, 0);
	if (cpufd < 0)
		err(2, "KVM_CREATE_VCPU");
	runsz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (runsz <= 0)
		err(2, "KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, (size_t)runsz, PROT_READ | PROT_WRITE, MAP_SHARED, cpufd, 0);
	if (run == MAP_FAILED)
		err(2, "mmap kvm_run");

	if (ioctl(cpufd, KVM_GET_SREGS, &sregs) != 0)
		err(2, "KVM_GET_SREGS");
	flat_segment(&sregs.cs, 0x10, 0xb);	/* code: execute/read, accessed */
	flat_segment(&sregs.ds, 0x18, 0x3);	/* data: read/write, accessed */
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = 0x11;			/* PE, ET */
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (ioctl(cpufd, KVM_SET_SREGS, &sregs) != 0)
		err(2, "KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = load_elf32(argv[1], mem);
	if (ioctl(cpufd, KVM_SET_REGS, &regs) != 0)
		err(2, "KVM_SET_REGS");

	t0 = now();
	for (;;) {
		if (ioctl(cpufd, KVM_RUN, 0) != 0)
			err(2, "KVM_RUN");
		if (run->exit_reason != KVM_EXIT_IO)
			errx(3, "unexpected exit reason %u", run->exit_reason);
		if (run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.port == PORT_PM1A_CNT)
			break;
		if (run->io.port != PORT_POST)
			errx(3, "unexpected port 0x%x", run->io.port);
		exits++;
	}
	t1 = now();
	fprintf(stderr, "kvmloop exits=%lu seconds=%.6f ns_per_exit=%.0f\n",
	    exits, t1 - t0, exits ? (t1 - t0) * 1e9 / (double)exits : 0.0);
	return (0);
}
