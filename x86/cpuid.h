/*
 * Internal to x86/ (and its unit tests): the CPU topology as APIC ID bit
 * fields, and the pure CPUID builder behind x86_cpuid_setup.
 */
#ifndef KHYVE_X86_CPUID_H
#define KHYVE_X86_CPUID_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

struct vm;

/*
 * An APIC ID is [package | core | thread], each field as wide as the
 * smallest power of two holding the count (Intel SDM vol. 3A 9.9.1).
 */
struct x86_topo {
	unsigned	threads, cores, sockets;	/* per core, per socket, total */
	unsigned	thread_bits, core_bits;
};

void x86_topo_get(const struct vm *vm, struct x86_topo *t);

/*
 * CPUID table for vCPU vcpuid from KVM's supported table: topology leaves,
 * hypervisor leaves, x2APIC bit per x2apic.  *out is malloc'ed.
 */
int x86_cpuid_build(const struct vm *vm, int vcpuid,
    const struct kvm_cpuid2 *supported, bool x2apic, struct kvm_cpuid2 **out);

#endif
