/*
 * The machine: one struct vm per process, passed everywhere (no globals for
 * machine state).  Owned by core/; devices and x86/ tables read it.
 *
 * Guest-physical layout (bhyve's):
 *   [0, lowmem)                     RAM, lowmem = min(memsize, 3 GiB)
 *   [3 GiB, 4 GiB)                  PCI hole: 32-bit BARs, IOAPIC, LAPIC, ECAM
 *   [4 GiB, 4 GiB + highmem)        the rest of RAM
 *   above that                      64-bit BARs
 */
#ifndef KHYVE_CORE_VM_H
#define KHYVE_CORE_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "vmm/vmm.h"

#define GiB		(1ULL << 30)
#define MiB		(1ULL << 20)
#define LOWMEM_LIMIT	(3 * GiB)	/* top of low RAM, bottom of the PCI hole */
#define HIGHMEM_BASE	(4 * GiB)
#define LAPIC_BASE	0xfee00000ULL
#define IOAPIC_BASE	0xfec00000ULL

/* Why the machine stopped: the seeds' exit statuses. */
enum vm_suspend_how {
	VM_RUNNING	= -1,
	VM_SUSPEND_RESET = 0,		/* guest reboot: status 0 */
	VM_SUSPEND_POWEROFF = 1,	/* guest power-off: status 1 */
	VM_SUSPEND_HALT = 2,		/* guest halt: status 2 */
	VM_SUSPEND_TRIPLEFAULT = 3,	/* triple fault: status 3 */
	VM_SUSPEND_ERROR = 4,		/* VMM error: status 4 */
};

struct vcpu;
struct inout_table;
struct mmio_table;
struct mevent;
struct pci_bus;

struct vm {
	const char	*name;
	struct vmm_vm	kvm;

	/* Topology (calc_topology). */
	int		ncpus;
	uint16_t	sockets, cores, threads;

	/* Guest RAM: one shared file, low part at gpa 0, high part at 4 GiB. */
	uint64_t	memsize;
	uint64_t	lowmem;		/* bytes of RAM below the hole */
	uint64_t	highmem;	/* bytes of RAM at HIGHMEM_BASE */
	int		mem_fd;		/* a named VM's RAM file (RUNDIR/NAME/mem), else -1 */
	uint8_t		*mem;		/* host mapping of the whole file */

	struct vcpu	*vcpus;		/* ncpus of them */
	struct inout_table *io;
	struct mmio_table *mmio;
	struct mevent	*events;	/* the event loop (core/mevent.h) */
	struct pci_bus	*pci;		/* devices/pci.c; NULL until it starts */

	/* Set once by the first vm_suspend(); the vCPU threads and main watch it. */
	_Atomic int	suspended;	/* enum vm_suspend_how */

	/* Options the exit handlers consult (read once from the config). */
	bool		strictio;	/* -e */
	bool		strictmsr;	/* !-w */
	bool		x2apic;		/* -x */

	/*
	 * Pressed by SIGTERM: the ACPI power button (devices/pm_acpi.c sets
	 * it).  NULL until that device exists.
	 */
	void		(*power_button)(struct vm *vm, void *arg);
	void		*power_button_arg;

	/* vm_at_destroy() callbacks, newest first (core/vm.c). */
	struct vm_cleanup *cleanups;
};

/*
 * Registers fn(vm, arg) to run when the machine is torn down, after the
 * vCPUs have stopped and while the I/O, MMIO and event registries still
 * exist; the last registered runs first.  Devices free their state here
 * (and may unregister ports, mevent_del their fds).  -1 if out of memory.
 */
int vm_at_destroy(struct vm *vm, void (*fn)(struct vm *vm, void *arg),
    void *arg);
/* Runs and forgets the vm_at_destroy() callbacks (core/run.c calls it). */
void vm_run_cleanups(struct vm *vm);

/*
 * Life of the machine (core/vm.c), in bring-up order.  Each prints its own
 * one-line message and returns -1 on failure.
 *
 * vm_create: opens KVM, places the TSS and identity-map pages in the hole,
 * creates the in-kernel irqchip (LAPIC/IOAPIC/PIC) and PIT.
 * vm_setup_memory: maps guest RAM — a named VM's RAM file (vm->mem_fd, opened
 * by core/run.c) shared, else anonymous memory — and gives KVM its two slots;
 * wired → mlock, !in_core → MADV_DONTDUMP.
 */
int vm_create(struct vm *vm, const char *name, uint64_t memsize);
int vm_setup_memory(struct vm *vm, bool wired, bool in_core);
void vm_destroy(struct vm *vm);

/*
 * Sets lowmem/highmem from memsize (bhyve's split at LOWMEM_LIMIT); no
 * side effects, so tests can build a struct vm by hand.
 */
void vm_layout(struct vm *vm, uint64_t memsize);

/*
 * The one checked guest-physical → host translation every device uses.
 * Returns NULL unless all of [gpa, gpa+len) is guest RAM (no wrap, no
 * straddling the PCI hole).
 */
void *vm_gpa(struct vm *vm, uint64_t gpa, uint64_t len);

/* Copy helpers built on vm_gpa; -1 if the range is not RAM. */
int vm_read(struct vm *vm, uint64_t gpa, void *dst, size_t len);
int vm_write(struct vm *vm, uint64_t gpa, const void *src, size_t len);

/*
 * Stops the machine: the first caller's reason wins, every vCPU is kicked
 * out of KVM_RUN, and the process ends with that status once they stop.
 * Safe from any thread.
 */
void vm_suspend(struct vm *vm, enum vm_suspend_how how);

/* Interrupt lines (ISA IRQ / IOAPIC pin) through the in-kernel irqchip. */
int vm_irq_assert(struct vm *vm, int irq);
int vm_irq_deassert(struct vm *vm, int irq);
int vm_irq_pulse(struct vm *vm, int irq);

#endif
