/*
 * core/vm.c: the machine itself (bhyve's vmmapi.c memory part + mem.c
 * translation): the KVM VM with its in-kernel irqchip and PIT, guest RAM as
 * one shared file split around the PCI hole, the checked guest-physical
 * translation every device goes through, suspend, and interrupt lines.
 *
 * Memory layout: see core/vm.h.  KVM API: Documentation/virt/kvm/api.rst.
 */
#include "core/vm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/mevent.h"
#include "core/vcpu.h"

/*
 * KVM on Intel without unrestricted guest needs three pages for a real-mode
 * TSS and one for an identity page table.  They must be guest-physical
 * addresses nothing else uses: the top of the hole, below the BIOS ROM
 * shadow area and clear of the IOAPIC/HPET/LAPIC pages.
 */
#define KVM_IDENTITY_MAP_ADDR	0xfffbc000ULL
#define KVM_TSS_ADDR		0xfffbd000ULL

/* KVM memory slots: the two halves of the RAM file. */
#define SLOT_LOWMEM	0
#define SLOT_HIGHMEM	1

void
vm_layout(struct vm *vm, uint64_t memsize)
{
	vm->memsize = memsize;
	vm->lowmem = memsize < LOWMEM_LIMIT ? memsize : LOWMEM_LIMIT;
	vm->highmem = memsize - vm->lowmem;
}

int
vm_create(struct vm *vm, const char *name, uint64_t memsize)
{
	memset(vm, 0, sizeof(*vm));
	vm->name = name;
	vm->mem_fd = -1;
	vm->mem = NULL;
	atomic_store(&vm->suspended, VM_RUNNING);
	vm_layout(vm, memsize);

	if (vmm_open(&vm->kvm, NULL) != 0) {
		fprintf(stderr, "cannot create the virtual machine: /dev/kvm: %s\n",
		    strerror(errno));
		return (-1);
	}
	/* Both must be set before the first vCPU exists. */
	if (vmm_set_identity_map_addr(&vm->kvm, KVM_IDENTITY_MAP_ADDR) != 0 ||
	    vmm_set_tss_addr(&vm->kvm, KVM_TSS_ADDR) != 0) {
		fprintf(stderr, "cannot place the KVM TSS: %s\n", strerror(errno));
		return (-1);
	}
	if (vmm_create_irqchip(&vm->kvm) != 0) {
		fprintf(stderr, "cannot create the in-kernel irqchip: %s\n",
		    strerror(errno));
		return (-1);
	}
	if (vmm_create_pit(&vm->kvm) != 0) {
		fprintf(stderr, "cannot create the in-kernel PIT: %s\n",
		    strerror(errno));
		return (-1);
	}
	return (0);
}

static int
vm_map_memory(struct vm *vm, bool wired, bool in_core)
{
	void *p;

	if (vm->mem_fd >= 0)
		p = mmap(NULL, vm->memsize, PROT_READ | PROT_WRITE, MAP_SHARED,
		    vm->mem_fd, 0);
	else
		p = mmap(NULL, vm->memsize, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "cannot map %llu bytes of guest memory: %s\n",
		    (unsigned long long)vm->memsize, strerror(errno));
		return (-1);
	}
	vm->mem = p;
	/*
	 * Huge pages spare the guest most of its nested page faults: a boot
	 * took 25,500 of them in 4 KiB pages against 1,060 in huge pages
	 * (bench/results).  Anonymous memory gets them with this advice; a RAM
	 * file only where shmem THP is allowed (Debian's default: never).
	 */
	(void)madvise(p, vm->memsize, MADV_HUGEPAGE);
	if (!in_core)
		(void)madvise(p, vm->memsize, MADV_DONTDUMP);
	if (wired && mlock(p, vm->memsize) != 0) {
		fprintf(stderr, "cannot wire %llu bytes of guest memory (-S): %s\n",
		    (unsigned long long)vm->memsize, strerror(errno));
		return (-1);
	}
	return (0);
}

int
vm_setup_memory(struct vm *vm, bool wired, bool in_core)
{
	long pagesz = sysconf(_SC_PAGESIZE);

	if (vm->memsize == 0 || vm->memsize % (uint64_t)pagesz != 0) {
		fprintf(stderr, "invalid memsize %llu: not a multiple of %ld bytes\n",
		    (unsigned long long)vm->memsize, pagesz);
		return (-1);
	}
	/*
	 * A named VM's RAM is its file, shared with khyveload.  A one-command
	 * boot shares its RAM with no one, so it gets anonymous memory, which
	 * unlike a memfd is given transparent huge pages.
	 */
	if (vm_map_memory(vm, wired, in_core) != 0)
		return (-1);
	if (vmm_set_memory(&vm->kvm, SLOT_LOWMEM, 0, vm->lowmem, vm->mem, 0) != 0)
		goto fail;
	if (vm->highmem != 0 && vmm_set_memory(&vm->kvm, SLOT_HIGHMEM,
	    HIGHMEM_BASE, vm->highmem, vm->mem + vm->lowmem, 0) != 0)
		goto fail;
	return (0);
fail:
	fprintf(stderr, "cannot give guest memory to KVM: %s\n", strerror(errno));
	return (-1);
}

void
vm_destroy(struct vm *vm)
{
	if (vm->mem != NULL)
		munmap(vm->mem, vm->memsize);
	if (vm->mem_fd >= 0)
		close(vm->mem_fd);
	vm->mem = NULL;
	vm->mem_fd = -1;
	vmm_close(&vm->kvm);
}

struct vm_cleanup {
	void			(*fn)(struct vm *vm, void *arg);
	void			*arg;
	struct vm_cleanup	*next;
};

int
vm_at_destroy(struct vm *vm, void (*fn)(struct vm *vm, void *arg), void *arg)
{
	struct vm_cleanup *c = malloc(sizeof(*c));

	if (c == NULL)
		return (-1);
	c->fn = fn;
	c->arg = arg;
	c->next = vm->cleanups;
	vm->cleanups = c;
	return (0);
}

void
vm_run_cleanups(struct vm *vm)
{
	struct vm_cleanup *c;

	while ((c = vm->cleanups) != NULL) {
		vm->cleanups = c->next;
		c->fn(vm, c->arg);
		free(c);
	}
}

/*
 * Written so that no sum can wrap: every comparison is against a remaining
 * length, never gpa + len.
 */
void *
vm_gpa(struct vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t off;

	if (vm->mem == NULL)
		return (NULL);
	if (gpa < vm->lowmem) {
		if (len > vm->lowmem - gpa)
			return (NULL);
		return (vm->mem + gpa);
	}
	if (gpa < HIGHMEM_BASE)
		return (NULL);
	off = gpa - HIGHMEM_BASE;
	if (off >= vm->highmem || len > vm->highmem - off)
		return (NULL);
	return (vm->mem + vm->lowmem + off);
}

int
vm_read(struct vm *vm, uint64_t gpa, void *dst, size_t len)
{
	void *p = vm_gpa(vm, gpa, len);

	if (p == NULL)
		return (-1);
	memcpy(dst, p, len);
	return (0);
}

int
vm_write(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	void *p = vm_gpa(vm, gpa, len);

	if (p == NULL)
		return (-1);
	memcpy(p, src, len);
	return (0);
}

/*
 * The first reason wins.  Setting each vCPU's immediate_exit makes any
 * KVM_RUN entered from now on return at once; a vCPU already inside
 * KVM_RUN is interrupted by the main thread, which alone sends signals to
 * vCPU threads (so none is ever signalled after it has been joined).
 */
void
vm_suspend(struct vm *vm, enum vm_suspend_how how)
{
	int expected = VM_RUNNING;

	if (!atomic_compare_exchange_strong(&vm->suspended, &expected, (int)how))
		return;
	vcpu_notify_all(vm);
	if (vm->events != NULL)
		mevent_wakeup(vm);
}

int
vm_irq_assert(struct vm *vm, int irq)
{
	return (vmm_irq_line(&vm->kvm, (uint32_t)irq, 1));
}

int
vm_irq_deassert(struct vm *vm, int irq)
{
	return (vmm_irq_line(&vm->kvm, (uint32_t)irq, 0));
}

int
vm_irq_pulse(struct vm *vm, int irq)
{
	if (vm_irq_assert(vm, irq) != 0)
		return (-1);
	return (vm_irq_deassert(vm, irq));
}
