/*
 * Unit tests for core/: the checked guest-physical translation (vm_gpa,
 * vm_read/vm_write), the port-I/O and MMIO registries, the event loop, and
 * the e820 map built from the memory layout.  No KVM needed: the struct vm
 * is built by hand around an anonymous mapping.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/inout.h"
#include "core/mevent.h"
#include "core/mmio.h"
#include "core/vm.h"
#include "x86/e820.h"
#include "x86/platform.h"

#include "tests/unit/t.h"

/* A machine with memsize bytes of address space (reserved, not touched). */
static void
fake_vm(struct vm *vm, uint64_t memsize)
{
	memset(vm, 0, sizeof(*vm));
	vm->name = "test";
	vm->mem_fd = -1;
	atomic_store(&vm->suspended, VM_RUNNING);
	vm_layout(vm, memsize);
	vm->mem = mmap(NULL, memsize, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		vm->mem = NULL;
}

static void
free_vm(struct vm *vm)
{
	if (vm->mem != NULL)
		munmap(vm->mem, vm->memsize);
	vm->mem = NULL;
}

static void
test_layout(void)
{
	struct vm vm;

	vm_layout(&vm, 512 * MiB);
	T_CHECK(vm.lowmem == 512 * MiB && vm.highmem == 0);
	vm_layout(&vm, 3 * GiB);
	T_CHECK(vm.lowmem == 3 * GiB && vm.highmem == 0);
	vm_layout(&vm, 5 * GiB);
	T_CHECK(vm.lowmem == 3 * GiB && vm.highmem == 2 * GiB);
}

static void
test_gpa_low(void)
{
	struct vm vm;
	uint8_t *m;

	fake_vm(&vm, 64 * MiB);
	m = vm.mem;
	T_CHECK(m != NULL);
	T_CHECK(vm_gpa(&vm, 0, 1) == m);
	T_CHECK(vm_gpa(&vm, 0, 64 * MiB) == m);
	T_CHECK(vm_gpa(&vm, 0, 64 * MiB + 1) == NULL);
	T_CHECK(vm_gpa(&vm, 64 * MiB - 1, 1) == m + 64 * MiB - 1);
	T_CHECK(vm_gpa(&vm, 64 * MiB - 1, 2) == NULL);
	T_CHECK(vm_gpa(&vm, 64 * MiB, 1) == NULL);
	T_CHECK(vm_gpa(&vm, 64 * MiB, 0) == NULL);
	T_CHECK(vm_gpa(&vm, HIGHMEM_BASE, 1) == NULL);	/* no high RAM */
	T_CHECK(vm_gpa(&vm, 1, UINT64_MAX) == NULL);	/* gpa + len wraps */
	T_CHECK(vm_gpa(&vm, UINT64_MAX, 1) == NULL);
	T_CHECK(vm_gpa(&vm, UINT64_MAX, UINT64_MAX) == NULL);
	T_CHECK(vm_gpa(&vm, LAPIC_BASE, 4) == NULL);
	free_vm(&vm);
}

static void
test_gpa_high(void)
{
	struct vm vm;
	uint8_t *m;

	fake_vm(&vm, 5 * GiB);
	m = vm.mem;
	T_CHECK(m != NULL);
	T_CHECK(vm_gpa(&vm, 3 * GiB - 4, 4) == m + 3 * GiB - 4);
	T_CHECK(vm_gpa(&vm, 3 * GiB - 4, 8) == NULL);	/* into the hole */
	T_CHECK(vm_gpa(&vm, 3 * GiB, 1) == NULL);
	T_CHECK(vm_gpa(&vm, IOAPIC_BASE, 1) == NULL);
	T_CHECK(vm_gpa(&vm, HIGHMEM_BASE - 1, 2) == NULL); /* straddles 4 GiB */
	T_CHECK(vm_gpa(&vm, HIGHMEM_BASE, 1) == m + 3 * GiB);
	T_CHECK(vm_gpa(&vm, HIGHMEM_BASE, 2 * GiB) == m + 3 * GiB);
	T_CHECK(vm_gpa(&vm, HIGHMEM_BASE, 2 * GiB + 1) == NULL);
	T_CHECK(vm_gpa(&vm, 6 * GiB - 1, 1) == m + 5 * GiB - 1);
	T_CHECK(vm_gpa(&vm, 6 * GiB, 1) == NULL);
	T_CHECK(vm_gpa(&vm, HIGHMEM_BASE + 8, UINT64_MAX - 4) == NULL);
	/* A whole-RAM range cannot span the hole. */
	T_CHECK(vm_gpa(&vm, 0, 5 * GiB) == NULL);
	free_vm(&vm);
}

static void
test_read_write(void)
{
	struct vm vm;
	char buf[8] = "";

	fake_vm(&vm, 2 * MiB);
	T_CHECK(vm_write(&vm, 0x1000, "khyve", 6) == 0);
	T_CHECK(vm_read(&vm, 0x1000, buf, 6) == 0);
	T_STREQ(buf, "khyve");
	T_CHECK(vm_write(&vm, 2 * MiB - 3, "khyve", 6) == -1);
	T_CHECK(vm_read(&vm, 2 * MiB - 3, buf, 6) == -1);
	T_CHECK(vm_read(&vm, 2 * MiB - 6, buf, 6) == 0);
	free_vm(&vm);
}

struct io_log {
	int		calls;
	uint16_t	port;
	bool		in;
	uint32_t	val;
};

static int
io_handler(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val, void *arg)
{
	struct io_log *l = arg;

	(void)vm;
	(void)vcpu;
	(void)bytes;
	l->calls++;
	l->port = port;
	l->in = in;
	if (in)
		*val = 0x5a;
	else
		l->val = *val;
	return (0);
}

static void
test_inout(void)
{
	struct vm vm;
	struct io_log log = { 0 };
	struct inout_port p = { .name = "t", .port = 0x3f8, .size = 8,
	    .handler = io_handler, .arg = &log };
	uint32_t v;

	memset(&vm, 0, sizeof(vm));
	T_CHECK(inout_init(&vm) == 0);
	T_CHECK(register_inout(&vm, &p) == 0);
	errno = 0;
	T_CHECK(register_inout(&vm, &p) == -1 && errno == EEXIST);
	p.port = 0x3ff;
	p.size = 1;
	T_CHECK(register_inout(&vm, &p) == -1 && errno == EEXIST);
	p.port = 0x3f7;
	p.size = 2;
	T_CHECK(register_inout(&vm, &p) == -1 && errno == EEXIST);
	p.port = 0xffff;
	p.size = 2;		/* would run past port 0xffff */
	T_CHECK(register_inout(&vm, &p) == -1 && errno == EINVAL);
	p.size = 1;
	T_CHECK(register_inout(&vm, &p) == 0);
	p.port = 0x3f0;
	p.size = 8;		/* adjacent below: fine */
	T_CHECK(register_inout(&vm, &p) == 0);

	v = 0;
	T_CHECK(inout_dispatch(&vm, 0, true, 0x3fd, 1, &v) == 0);
	T_CHECK(v == 0x5a && log.port == 0x3fd && log.in);
	v = 'A';
	T_CHECK(inout_dispatch(&vm, 0, false, 0x3f8, 1, &v) == 0);
	T_CHECK(log.val == 'A' && !log.in);
	T_CHECK(inout_dispatch(&vm, 0, true, 0xffff, 1, &v) == 0 && v == 0x5a);

	/* Unclaimed: all ones, writes dropped, unless strict. */
	T_CHECK(inout_dispatch(&vm, 0, true, 0x80, 1, &v) == 0 && v == 0xff);
	T_CHECK(inout_dispatch(&vm, 0, true, 0x80, 2, &v) == 0 && v == 0xffff);
	T_CHECK(inout_dispatch(&vm, 0, true, 0x80, 4, &v) == 0 &&
	    v == 0xffffffff);
	T_CHECK(inout_dispatch(&vm, 0, false, 0x80, 1, &v) == 0);
	T_CHECK(inout_dispatch(&vm, 0, true, 0x80, 3, &v) == -1);
	vm.strictio = true;
	T_CHECK(inout_dispatch(&vm, 0, true, 0x80, 1, &v) == -1);
	T_CHECK(inout_dispatch(&vm, 0, true, 0x3f8, 1, &v) == 0);

	T_CHECK(unregister_inout(&vm, 0x3f8, 8) == 0);
	T_CHECK(unregister_inout(&vm, 0x3f8, 8) == -1 && errno == ENOENT);
	T_CHECK(inout_dispatch(&vm, 0, true, 0x3f8, 1, &v) == -1);
	vm.strictio = false;
	T_CHECK(inout_dispatch(&vm, 0, true, 0x3f8, 1, &v) == 0 && v == 0xff);
	T_CHECK(log.calls == 4);
	inout_fini(&vm);
}

static int
mmio_handler(struct vm *vm, int vcpu, bool write, uint64_t addr, int size,
    uint64_t *val, void *arg)
{
	uint64_t *last = arg;

	(void)vm;
	(void)vcpu;
	(void)size;
	if (write)
		*last = *val;
	else
		*val = addr;
	return (0);
}

static void
test_mmio(void)
{
	struct vm vm;
	uint64_t last = 0, v;
	struct mmio_range r = { .name = "t", .base = 0xd0000000, .size = 0x1000,
	    .handler = mmio_handler, .arg = &last };

	memset(&vm, 0, sizeof(vm));
	vm_layout(&vm, 5 * GiB);
	T_CHECK(mmio_init(&vm) == 0);
	T_CHECK(register_mmio(&vm, &r) == 0);
	T_CHECK(register_mmio(&vm, &r) == -1 && errno == EEXIST);
	r.base = 0xd0000ff8;
	r.size = 16;
	T_CHECK(register_mmio(&vm, &r) == -1 && errno == EEXIST);
	r.base = 0xd0001000;
	r.size = 0x1000;
	T_CHECK(register_mmio(&vm, &r) == 0);
	/* RAM belongs to KVM. */
	r.base = 0x1000;
	T_CHECK(register_mmio(&vm, &r) == -1 && errno == EINVAL);
	r.base = HIGHMEM_BASE + GiB;
	T_CHECK(register_mmio(&vm, &r) == -1 && errno == EINVAL);
	r.base = 3 * GiB - 0x800;		/* straddles the end of low RAM */
	T_CHECK(register_mmio(&vm, &r) == -1 && errno == EINVAL);
	r.base = HIGHMEM_BASE - 0x1000;
	r.size = 0x2000;			/* runs into high RAM */
	T_CHECK(register_mmio(&vm, &r) == -1 && errno == EINVAL);
	r.base = UINT64_MAX - 0xfff;		/* ends exactly at 2^64 */
	r.size = 0x1000;
	T_CHECK(register_mmio(&vm, &r) == 0);
	r.base = UINT64_MAX;
	r.size = 2;				/* wraps */
	T_CHECK(register_mmio(&vm, &r) == -1 && errno == EINVAL);

	T_CHECK(mmio_dispatch(&vm, 0, false, 0xd0000010, 4, &v) == 0 &&
	    v == 0xd0000010);
	T_CHECK(mmio_dispatch(&vm, 0, false, 0xd0001ff8, 8, &v) == 0 &&
	    v == 0xd0001ff8);
	v = 42;
	T_CHECK(mmio_dispatch(&vm, 0, true, 0xd0000000, 8, &v) == 0 &&
	    last == 42);
	T_CHECK(mmio_dispatch(&vm, 0, false, UINT64_MAX, 1, &v) == 0 &&
	    v == UINT64_MAX);
	T_CHECK(mmio_dispatch(&vm, 0, false, 0xc0000000, 1, &v) == 0 &&
	    v == 0xff);
	T_CHECK(mmio_dispatch(&vm, 0, false, 0xc0000000, 8, &v) == 0 &&
	    v == UINT64_MAX);
	T_CHECK(mmio_dispatch(&vm, 0, false, 0xc0000000, 3, &v) == -1);
	T_CHECK(unregister_mmio(&vm, 0xd0000000) == 0);
	T_CHECK(mmio_dispatch(&vm, 0, false, 0xd0000010, 2, &v) == 0 &&
	    v == 0xffff);
	T_CHECK(unregister_mmio(&vm, 0xd0000000) == -1 && errno == ENOENT);
	mmio_fini(&vm);
}

struct ev_state {
	struct vm	*vm;
	int		reads, writes;
	int		rfd;
};

static void
ev_read(int fd, void *arg)
{
	struct ev_state *s = arg;
	char c;

	T_CHECK(read(fd, &c, 1) == 1);
	s->reads++;
	if (c == 'q') {
		/* Deleting one's own fd inside the callback must be safe. */
		T_CHECK(mevent_del(s->vm, fd) == 0);
		vm_suspend(s->vm, VM_SUSPEND_POWEROFF);
	}
}

static void
ev_write(int fd, void *arg)
{
	struct ev_state *s = arg;

	s->writes++;
	T_CHECK(write(fd, "q", 1) == 1);
}

static void
test_mevent(void)
{
	struct vm vm;
	struct ev_state s = { .vm = &vm };
	int p[2];

	memset(&vm, 0, sizeof(vm));
	atomic_store(&vm.suspended, VM_RUNNING);
	T_CHECK(mevent_init(&vm) == 0);
	T_CHECK(pipe(p) == 0);
	s.rfd = p[0];
	T_CHECK(mevent_add(&vm, p[0], ev_read, &s) == 0);
	T_CHECK(mevent_add_write(&vm, p[1], ev_write, &s) == 0);
	T_CHECK(mevent_add(&vm, -1, ev_read, &s) == -1);
	T_CHECK(mevent_del(&vm, 12345) == -1 && errno == ENOENT);
	/* The write end is writable: the one-shot writes 'q', read ends it. */
	mevent_dispatch(&vm);
	T_CHECK(s.writes == 1 && s.reads == 1);
	T_CHECK(atomic_load(&vm.suspended) == VM_SUSPEND_POWEROFF);
	/* The one-shot write callback is gone: deleting p[1] finds nothing. */
	T_CHECK(mevent_del(&vm, p[1]) == -1 && errno == ENOENT);
	mevent_wakeup(&vm);
	mevent_fini(&vm);
	close(p[0]);
	close(p[1]);
}

static void
test_suspend_first_wins(void)
{
	struct vm vm;

	memset(&vm, 0, sizeof(vm));
	atomic_store(&vm.suspended, VM_RUNNING);
	vm_suspend(&vm, VM_SUSPEND_TRIPLEFAULT);
	vm_suspend(&vm, VM_SUSPEND_POWEROFF);
	T_CHECK(atomic_load(&vm.suspended) == VM_SUSPEND_TRIPLEFAULT);
}

static int cleanup_seq;

static void
cleanup_seqnote(struct vm *vm, void *arg)
{
	(void)vm;
	*(int *)arg = ++cleanup_seq;
}

static void
test_cleanups(void)
{
	struct vm vm;
	int a = 0, b = 0;

	memset(&vm, 0, sizeof(vm));
	T_CHECK(vm_at_destroy(&vm, cleanup_seqnote, &a) == 0);
	T_CHECK(vm_at_destroy(&vm, cleanup_seqnote, &b) == 0);
	vm_run_cleanups(&vm);
	T_CHECK(b == 1 && a == 2);		/* last registered runs first */
	T_CHECK(vm.cleanups == NULL);
	vm_run_cleanups(&vm);			/* nothing left: a no-op */
	T_CHECK(a == 2);
}

static void
test_e820(void)
{
	struct vm vm;
	struct e820_entry m[E820_MAX_ENTRIES];
	int n;

	memset(&vm, 0, sizeof(vm));
	vm_layout(&vm, 512 * MiB);
	n = e820_build(&vm, m);
	T_CHECK(n == 5);
	T_CHECK(m[0].addr == 0 && m[0].size == EBDA_BASE && m[0].type == E820_RAM);
	T_CHECK(m[1].addr == EBDA_BASE && m[1].addr + m[1].size == MiB &&
	    m[1].type == E820_RESERVED);
	T_CHECK(m[2].addr == MiB && m[2].size == 511 * MiB &&
	    m[2].type == E820_RAM);
	T_CHECK(m[3].addr == PCI_ECAM_BASE && m[3].type == E820_RESERVED);
	T_CHECK(m[4].addr == IOAPIC_BASE && m[4].addr + m[4].size == 4 * GiB);

	vm_layout(&vm, 6 * GiB);
	n = e820_build(&vm, m);
	T_CHECK(n == 6);
	T_CHECK(m[2].addr + m[2].size == 3 * GiB);
	T_CHECK(m[5].addr == 4 * GiB && m[5].size == 3 * GiB &&
	    m[5].type == E820_RAM);
	for (int i = 1; i < n; i++)	/* sorted, no overlap */
		T_CHECK(m[i - 1].addr + m[i - 1].size <= m[i].addr);
}

int
main(void)
{
	T_RUN(test_layout);
	T_RUN(test_gpa_low);
	T_RUN(test_gpa_high);
	T_RUN(test_read_write);
	T_RUN(test_inout);
	T_RUN(test_mmio);
	T_RUN(test_mevent);
	T_RUN(test_suspend_first_wins);
	T_RUN(test_cleanups);
	T_RUN(test_e820);
	return (T_DONE());
}
