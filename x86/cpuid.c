/*
 * CPUID for each vCPU (bhyve's x86.c CPUID emulation, done the KVM way: we
 * hand KVM a finished table once, KVM answers the guest).
 *
 * Start from KVM_GET_SUPPORTED_CPUID and rewrite what describes the machine
 * rather than the host (Intel SDM vol. 2A "CPUID"; AMD APM vol. 3 appendix
 * E "Obtaining Processor Information Via the CPUID Instruction"):
 *
 *   0x1         EBX[31:24] initial APIC ID, EBX[23:16] addressable IDs per
 *               package, EDX.HTT, ECX.x2APIC (policy below), ECX.hypervisor
 *   0x4         Intel: cores per package, threads sharing each cache
 *   0xB, 0x1F   x2APIC topology: SMT and core levels with their ID shifts
 *   0x80000001  AMD: CmpLegacy when a package has several logical CPUs
 *   0x80000008  AMD: ECX.NC (logical CPUs per package - 1), ApicIdSize
 *   0x8000001D  AMD: threads sharing each cache
 *   0x8000001E  AMD: extended APIC ID, core ID, threads per core, node ID
 *   0x80000026  AMD: dropped, so guests fall back to leaf 0xB
 *   0x40000000  "KVMKVMKVM" + KVM's feature leaf, so Linux uses kvmclock
 *
 * With these Linux's /proc/cpuinfo shows physical id / core id / siblings /
 * cpu cores matching -c sockets=,cores=,threads= on either vendor.
 *
 * x2APIC policy: bhyve's x86.x2apic picks the mode the local APIC starts
 * in.  KVM's local APIC emulates both modes, so we leave the x2APIC
 * feature visible (Linux switches to it by itself, and needs it beyond
 * 255 vCPUs) unless x86.x2apic is explicitly false (-a), which hides it
 * as bhyve hides it from guests whose APIC is in xAPIC mode.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/vm.h"
#include "vmm/vmm.h"
#include "x86/cpuid.h"
#include "x86/tables.h"
#include "x86/x86.h"

#define CPUID_1_EDX_HTT		(1u << 28)
#define CPUID_1_ECX_X2APIC	(1u << 21)
#define CPUID_1_ECX_HYPERVISOR	(1u << 31)
#define AMD_ECX_CMP_LEGACY	(1u << 1)
#define TOPO_LEVEL_SMT		1
#define TOPO_LEVEL_CORE		2
#define KVM_SIGNATURE_EBX	0x4b4d564b	/* "KVMK" */
#define KVM_SIGNATURE_ECX	0x564b4d56	/* "VMKV" */
#define KVM_SIGNATURE_EDX	0x0000004d	/* "M\0\0\0" */

/* Room for the leaves we add (0xB/0x1F subleaves, brand, KVM, AMD). */
#define CPUID_EXTRA_ENTRIES	16

struct cpuid_table {
	struct kvm_cpuid2	*c;
	unsigned		cap;
};

static unsigned
order(unsigned n)
{
	unsigned b = 0;

	while ((1u << b) < n)
		b++;
	return (b);
}

void
x86_topo_get(const struct vm *vm, struct x86_topo *t)
{
	unsigned per_socket;

	t->threads = vm->threads > 0 ? vm->threads : 1;
	t->cores = vm->cores > 0 ? vm->cores : 1;
	per_socket = t->threads * t->cores;
	t->sockets = vm->sockets > 0 ? vm->sockets :
	    ((unsigned)x86_ncpus(vm) + per_socket - 1) / per_socket;
	t->thread_bits = order(t->threads);
	t->core_bits = order(t->cores);
}

uint32_t
x86_apic_id(const struct vm *vm, int vcpuid)
{
	struct x86_topo t;
	unsigned n = (unsigned)vcpuid, thread, core, pkg;

	x86_topo_get(vm, &t);
	thread = n % t.threads;
	core = (n / t.threads) % t.cores;
	pkg = n / (t.threads * t.cores);
	return (pkg << (t.thread_bits + t.core_bits) |
	    core << t.thread_bits | thread);
}

static struct kvm_cpuid_entry2 *
cpuid_find(struct cpuid_table *tb, uint32_t fn, uint32_t idx)
{
	struct kvm_cpuid_entry2 *e;
	unsigned i;

	for (i = 0; i < tb->c->nent; i++) {
		e = &tb->c->entries[i];
		if (e->function == fn && e->index == idx)
			return (e);
	}
	return (NULL);
}

/* The entry for (fn, idx), appended zeroed when missing; NULL when full. */
static struct kvm_cpuid_entry2 *
cpuid_get(struct cpuid_table *tb, uint32_t fn, uint32_t idx, uint32_t flags)
{
	struct kvm_cpuid_entry2 *e;

	if ((e = cpuid_find(tb, fn, idx)) != NULL)
		return (e);
	if (tb->c->nent == tb->cap)
		return (NULL);
	e = &tb->c->entries[tb->c->nent++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->flags = flags;
	return (e);
}

static void
cpuid_drop(struct cpuid_table *tb, uint32_t fn)
{
	unsigned i, j;

	for (i = j = 0; i < tb->c->nent; i++)
		if (tb->c->entries[i].function != fn)
			tb->c->entries[j++] = tb->c->entries[i];
	tb->c->nent = j;
}

static uint32_t
cpuid_eax(struct cpuid_table *tb, uint32_t fn)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(tb, fn, 0);

	return (e != NULL ? e->eax : 0);
}

static bool
cpuid_is_amd(struct cpuid_table *tb)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(tb, 0, 0);

	/* "AuthenticAMD", or Hygon's "HygonGenuine" (same topology leaves). */
	return (e != NULL && (e->ebx == 0x68747541 || e->ebx == 0x6f677948));
}

static void
leaf1(struct cpuid_table *tb, const struct x86_topo *t, uint32_t apic,
    bool x2apic)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(tb, 1, 0);
	unsigned ids = 1u << (t->thread_bits + t->core_bits);

	if (e == NULL)
		return;
	e->ebx &= 0x0000ffff;
	e->ebx |= (apic & 0xff) << 24;
	if (ids > 1) {
		e->ebx |= (ids > 255 ? 255 : ids) << 16;
		e->edx |= CPUID_1_EDX_HTT;
	} else {
		e->ebx |= 1 << 16;
		e->edx &= ~CPUID_1_EDX_HTT;
	}
	e->ecx |= CPUID_1_ECX_HYPERVISOR;
	if (x2apic)
		e->ecx |= CPUID_1_ECX_X2APIC;
	else
		e->ecx &= ~CPUID_1_ECX_X2APIC;
}

/* EAX[25:14] of leaves 4 and 0x8000001D: logical CPUs sharing the cache - 1. */
static uint32_t
cache_sharing(uint32_t eax, const struct x86_topo *t)
{
	unsigned level = (eax >> 5) & 7;
	unsigned bits = level <= 2 ? t->thread_bits :
	    t->thread_bits + t->core_bits;
	uint32_t n = (1u << bits) - 1;

	if (n > 0xfff)
		n = 0xfff;
	return ((eax & ~(0xfffu << 14)) | n << 14);
}

static void
leaf4(struct cpuid_table *tb, const struct x86_topo *t)
{
	struct kvm_cpuid_entry2 *e;
	uint32_t cores = (1u << t->core_bits) - 1;
	unsigned i;

	if (cores > 63)
		cores = 63;
	for (i = 0; i < tb->c->nent; i++) {
		e = &tb->c->entries[i];
		if (e->function != 4 || (e->eax & 0x1f) == 0)
			continue;
		e->eax = cache_sharing(e->eax, t);
		e->eax = (e->eax & 0x03ffffff) | cores << 26;
	}
}

/* Leaf 0xB or 0x1F: SMT level, core level, then the terminating level. */
static int
leaf_x2topo(struct cpuid_table *tb, uint32_t fn, const struct x86_topo *t,
    uint32_t apic)
{
	const uint32_t fl = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	struct kvm_cpuid_entry2 *e;

	cpuid_drop(tb, fn);
	if ((e = cpuid_get(tb, fn, 0, fl)) == NULL)
		return (-1);
	e->eax = t->thread_bits;
	e->ebx = t->threads;
	e->ecx = TOPO_LEVEL_SMT << 8 | 0;
	e->edx = apic;
	if ((e = cpuid_get(tb, fn, 1, fl)) == NULL)
		return (-1);
	e->eax = t->thread_bits + t->core_bits;
	e->ebx = (t->threads * t->cores) & 0xffff;
	e->ecx = TOPO_LEVEL_CORE << 8 | 1;
	e->edx = apic;
	if ((e = cpuid_get(tb, fn, 2, fl)) == NULL)
		return (-1);
	e->ecx = 2;
	e->edx = apic;
	return (0);
}

static int
amd_leaves(struct cpuid_table *tb, const struct x86_topo *t, int vcpuid,
    uint32_t apic)
{
	struct kvm_cpuid_entry2 *e;
	unsigned per_pkg = t->threads * t->cores, i;
	unsigned core = ((unsigned)vcpuid / t->threads) % t->cores;
	unsigned pkg = (unsigned)vcpuid / per_pkg;

	if ((e = cpuid_find(tb, 0x80000001, 0)) != NULL) {
		if (per_pkg > 1)
			e->ecx |= AMD_ECX_CMP_LEGACY;
		else
			e->ecx &= ~AMD_ECX_CMP_LEGACY;
	}
	if ((e = cpuid_find(tb, 0x80000008, 0)) != NULL)
		e->ecx = (e->ecx & ~0xf0ffu) |
		    (t->thread_bits + t->core_bits) << 12 |
		    ((per_pkg - 1) > 255 ? 255 : per_pkg - 1);
	for (i = 0; i < tb->c->nent; i++) {
		e = &tb->c->entries[i];
		if (e->function == 0x8000001d && (e->eax & 0x1f) != 0)
			e->eax = cache_sharing(e->eax, t);
	}
	if (cpuid_eax(tb, 0x80000000) >= 0x8000001e) {
		if ((e = cpuid_get(tb, 0x8000001e, 0, 0)) == NULL)
			return (-1);
		e->eax = apic;
		e->ebx = (t->threads - 1) << 8 | (core & 0xff);
		e->ecx = pkg & 0xff;	/* one node per socket */
		e->edx = 0;
	}
	cpuid_drop(tb, 0x80000026);
	return (0);
}

/* Some hosts (PVM) report an empty brand string: give the guest one. */
static int
brand(struct cpuid_table *tb)
{
	static const char name[48] = "khyve virtual CPU";
	struct kvm_cpuid_entry2 *e;
	uint32_t r[12];
	int i;

	if (cpuid_eax(tb, 0x80000000) < 0x80000004)
		return (0);
	for (i = 0; i < 3; i++) {
		e = cpuid_find(tb, 0x80000002 + i, 0);
		if (e != NULL && (e->eax | e->ebx | e->ecx | e->edx) != 0)
			return (0);
	}
	memcpy(r, name, sizeof(r));
	for (i = 0; i < 3; i++) {
		if ((e = cpuid_get(tb, 0x80000002 + i, 0, 0)) == NULL)
			return (-1);
		e->eax = r[4 * i];
		e->ebx = r[4 * i + 1];
		e->ecx = r[4 * i + 2];
		e->edx = r[4 * i + 3];
	}
	return (0);
}

static int
kvm_leaves(struct cpuid_table *tb)
{
	struct kvm_cpuid_entry2 *e;

	if ((e = cpuid_get(tb, 0x40000000, 0, 0)) == NULL)
		return (-1);
	if (e->eax < 0x40000001)
		e->eax = 0x40000001;
	e->ebx = KVM_SIGNATURE_EBX;
	e->ecx = KVM_SIGNATURE_ECX;
	e->edx = KVM_SIGNATURE_EDX;
	/* Features stay what KVM offers (kvmclock, PV EOI, …); none if absent. */
	return (cpuid_get(tb, 0x40000001, 0, 0) == NULL ? -1 : 0);
}

static int
basic_leaves(struct cpuid_table *tb, const struct x86_topo *t, uint32_t apic,
    bool x2apic)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(tb, 0, 0);
	bool has_1f = e != NULL && e->eax >= 0x1f;

	if (e == NULL)
		return (-1);
	if (e->eax < 0xb)
		e->eax = 0xb;
	leaf1(tb, t, apic, x2apic);
	if (!cpuid_is_amd(tb))
		leaf4(tb, t);
	if (leaf_x2topo(tb, 0xb, t, apic) != 0)
		return (-1);
	if (has_1f)
		return (leaf_x2topo(tb, 0x1f, t, apic));
	return (0);
}

int
x86_cpuid_build(const struct vm *vm, int vcpuid,
    const struct kvm_cpuid2 *supported, bool x2apic, struct kvm_cpuid2 **out)
{
	struct cpuid_table tb;
	struct x86_topo t;
	uint32_t apic = x86_apic_id(vm, vcpuid);

	x86_topo_get(vm, &t);
	tb.cap = supported->nent + CPUID_EXTRA_ENTRIES;
	tb.c = calloc(1, sizeof(*tb.c) + tb.cap * sizeof(tb.c->entries[0]));
	if (tb.c == NULL)
		return (-1);
	tb.c->nent = supported->nent;
	memcpy(tb.c->entries, supported->entries,
	    supported->nent * sizeof(tb.c->entries[0]));
	if (basic_leaves(&tb, &t, apic, x2apic) != 0 ||
	    (cpuid_is_amd(&tb) && amd_leaves(&tb, &t, vcpuid, apic) != 0) ||
	    brand(&tb) != 0 || kvm_leaves(&tb) != 0) {
		free(tb.c);
		errno = ENOSPC;
		return (-1);
	}
	*out = tb.c;
	return (0);
}

int
x86_cpuid_setup(struct vm *vm, struct vmm_vcpu *vcpu)
{
	struct kvm_cpuid2 *supported, *c;
	bool x2apic;
	int rc;

	/*
	 * Asked per vCPU rather than cached per VM: one cheap ioctl, and
	 * no state to free (x86.h has no teardown hook).
	 */
	if (vmm_get_supported_cpuid(&vm->kvm, &supported) != 0)
		return (-1);
	x2apic = vm->x2apic || get_config_bool_default("x86.x2apic", true);
	rc = x86_cpuid_build(vm, vcpu->id, supported, x2apic, &c);
	free(supported);
	if (rc != 0)
		return (-1);
	rc = vmm_set_cpuid(vcpu, c);
	free(c);
	return (rc);
}
