/*
 * What the machine (core/) asks of the x86 platform layer.
 */
#ifndef KHYVE_X86_X86_H
#define KHYVE_X86_X86_H

#include <stdint.h>

struct vm;
struct vmm_vcpu;

/*
 * CPUID for one vCPU: KVM's supported set, trimmed to what we emulate, with
 * APIC IDs and topology leaves (0x1, 0x4, 0xB, 0x1F, 0x8000001E …) describing
 * vm->sockets/cores/threads.  Called for every vCPU before it first runs.
 */
int x86_cpuid_setup(struct vm *vm, struct vmm_vcpu *vcpu);
/* APIC ID of vCPU n under the topology (what MADT/MP table must list). */
uint32_t x86_apic_id(const struct vm *vm, int vcpuid);

/*
 * MSR policy (bhyve's xmsr.c).  x86_msr_init enables KVM's user-space MSR
 * exits for the MSRs KVM does not know, so rdmsr/wrmsr of them reach
 * x86_rdmsr/x86_wrmsr.  Those return 0 when emulated, -1 when unknown; the
 * caller then injects #GP when vm->strictmsr, else reads 0 / drops the write.
 */
int x86_msr_init(struct vm *vm);
int x86_rdmsr(struct vm *vm, int vcpuid, uint32_t msr, uint64_t *val);
int x86_wrmsr(struct vm *vm, int vcpuid, uint32_t msr, uint64_t val);

/*
 * Platform tables in guest memory below 1 MiB (x86/platform.h addresses):
 * ACPI unless acpi_tables=false, MP table unless x86.mptable=false, SMBIOS.
 * Called after devices are set up, before the boot CPU starts.  Returns the
 * RSDP's guest-physical address in *rsdp (0 if no ACPI).
 */
int x86_tables_build(struct vm *vm, uint64_t *rsdp);

/*
 * Where 64-bit BARs go (the DSDT's QWordMemory window; the PCI layer must
 * allocate inside it): [*base, *end), starting at the first 1 GiB boundary
 * above high RAM (or above 4 GiB), PCI_MMIO64_SIZE bytes long.
 */
#define PCI_MMIO64_SIZE	(32ULL << 30)
void x86_pci_mmio64_window(const struct vm *vm, uint64_t *base, uint64_t *end);

#endif
