/*
 * Unit tests for x86/cpuid.c and x86/msr.c: APIC IDs for several
 * topologies, and the CPUID table built from synthetic "supported" tables
 * of an Intel and an AMD host for sockets=2,cores=2,threads=2 — decoded
 * the way Linux decodes them (leaf 0xB shifts; AMD 0x80000008/0x8000001E),
 * so that siblings / cpu cores / physical id / core id come out right.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x86/cpuid.h"
#include "tests/unit/t.h"
#include "tests/unit/test_acpi_fake.h"

#define F_IDX	KVM_CPUID_FLAG_SIGNIFCANT_INDEX

/* What an AMD EPYC host's KVM offers (trimmed from a real dump). */
static const struct kvm_cpuid_entry2 amd_host[] = {
	{ .function = 0, .eax = 0x10, .ebx = 0x68747541, .ecx = 0x444d4163, .edx = 0x69746e65 },
	{ .function = 1, .eax = 0x00a10f11, .ebx = 0x01020800, .ecx = 0x81202000, .edx = 0x078bfbff },
	{ .function = 4, .flags = F_IDX },
	{ .function = 0xb, .flags = F_IDX, .edx = 1 },
	{ .function = 0x80000000, .eax = 0x80000026, .ebx = 0x68747541 },
	{ .function = 0x80000001, .eax = 0x00a10f11, .ecx = 0x00400391, .edx = 0x23d3fbff },
	{ .function = 0x80000002 }, { .function = 0x80000003 }, { .function = 0x80000004 },
	{ .function = 0x80000008, .eax = 0x3030, .ebx = 0x50020005, .ecx = 0x00007001 },
	{ .function = 0x8000001d, .index = 0, .flags = F_IDX, .eax = 0x00000121, .ebx = 0x01c0003f, .ecx = 0x3f },
	{ .function = 0x8000001d, .index = 1, .flags = F_IDX, .eax = 0x00000122, .ebx = 0x01c0003f, .ecx = 0x3f },
	{ .function = 0x8000001d, .index = 2, .flags = F_IDX, .eax = 0x00000143, .ebx = 0x01c0003f, .ecx = 0x7ff },
	{ .function = 0x8000001d, .index = 3, .flags = F_IDX, .eax = 0x0003c163, .ebx = 0x03c0003f, .ecx = 0x7fff },
	{ .function = 0x8000001d, .index = 4, .flags = F_IDX },
	{ .function = 0x8000001e },
	{ .function = 0x80000026, .flags = F_IDX, .eax = 1, .ebx = 2 },
	{ .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b, .ecx = 0x564b4d56, .edx = 0x4d },
	{ .function = 0x40000001, .eax = 0x01007efb },
};

/* An Intel host: leaf 4 caches, 0xB and 0x1F, a brand string. */
static const struct kvm_cpuid_entry2 intel_host[] = {
	{ .function = 0, .eax = 0x1f, .ebx = 0x756e6547, .ecx = 0x6c65746e, .edx = 0x49656e69 },
	{ .function = 1, .eax = 0x000806f8, .ebx = 0x00400800, .ecx = 0xf7fa3203, .edx = 0x0f8bfbff },
	{ .function = 4, .index = 0, .flags = F_IDX, .eax = 0xfc004121, .ebx = 0x02c0003f, .ecx = 0x3f },
	{ .function = 4, .index = 1, .flags = F_IDX, .eax = 0xfc004122, .ebx = 0x01c0003f, .ecx = 0x3f },
	{ .function = 4, .index = 2, .flags = F_IDX, .eax = 0xfc004143, .ebx = 0x03c0003f, .ecx = 0x7ff },
	{ .function = 4, .index = 3, .flags = F_IDX, .eax = 0xfc1fc163, .ebx = 0x03c0003f, .ecx = 0xfbff },
	{ .function = 4, .index = 4, .flags = F_IDX },
	{ .function = 0xb, .index = 0, .flags = F_IDX, .eax = 1, .ebx = 2, .ecx = 0x100 },
	{ .function = 0xb, .index = 1, .flags = F_IDX, .eax = 7, .ebx = 0x60, .ecx = 0x201 },
	{ .function = 0x1f, .index = 0, .flags = F_IDX, .eax = 1, .ebx = 2, .ecx = 0x100 },
	{ .function = 0x80000000, .eax = 0x80000008 },
	{ .function = 0x80000001, .ecx = 0x121, .edx = 0x2c100800 },
	{ .function = 0x80000002, .eax = 0x65746e49, .ebx = 0x2952286c },
	{ .function = 0x80000003 }, { .function = 0x80000004 },
	{ .function = 0x80000008, .eax = 0x3030 },
	{ .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b, .ecx = 0x564b4d56, .edx = 0x4d },
	{ .function = 0x40000001, .eax = 0x01007efb },
};

static struct kvm_cpuid2 *
host_table(const struct kvm_cpuid_entry2 *e, size_t n)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(*e));

	c->nent = (uint32_t)n;
	memcpy(c->entries, e, n * sizeof(*e));
	return (c);
}

static const struct kvm_cpuid_entry2 *
leaf(const struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return (&c->entries[i]);
	return (NULL);
}

static uint32_t
reg(const struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx, int r)
{
	const struct kvm_cpuid_entry2 *e = leaf(c, fn, idx);

	if (e == NULL)
		return (0xdeadbeef);
	return (r == 0 ? e->eax : r == 1 ? e->ebx : r == 2 ? e->ecx : e->edx);
}

enum { EAX, EBX, ECX, EDX };

static void
apic_ids(void)
{
	struct vm vm;

	fake_vm(&vm, 1, 1, 1, 0);
	T_CHECK(x86_apic_id(&vm, 0) == 0);
	fake_vm(&vm, 2, 2, 2, 0);
	for (int i = 0; i < 8; i++)
		T_CHECK(x86_apic_id(&vm, i) == (uint32_t)i);
	fake_vm(&vm, 1, 3, 1, 0);
	T_CHECK(x86_apic_id(&vm, 2) == 2);
	fake_vm(&vm, 2, 3, 2, 0);	/* 1 thread bit, 2 core bits */
	T_CHECK(x86_apic_id(&vm, 1) == 1);
	T_CHECK(x86_apic_id(&vm, 2) == 2);
	T_CHECK(x86_apic_id(&vm, 5) == 5);
	T_CHECK(x86_apic_id(&vm, 6) == 8);
	T_CHECK(x86_apic_id(&vm, 11) == 13);
	fake_vm(&vm, 4, 1, 1, 0);
	T_CHECK(x86_apic_id(&vm, 3) == 3);
	fake_vm(&vm, 2, 1, 3, 0);	/* 2 thread bits */
	T_CHECK(x86_apic_id(&vm, 3) == 4);
	/* sockets unset: derived from ncpus. */
	fake_vm(&vm, 1, 2, 1, 0);
	vm.sockets = 0;
	vm.ncpus = 6;
	T_CHECK(x86_apic_id(&vm, 5) == 5);
}

/*
 * Decodes what Linux reads and checks /proc/cpuinfo's view of s/c/t:
 * physical id = APIC ID >> core shift, core id within the package,
 * siblings = logical CPUs per package, cpu cores = cores per package.
 */
static void
check_linux_view(const struct kvm_cpuid_entry2 *host, size_t n, int s,
    int c, int t, bool amd)
{
	struct kvm_cpuid2 *sup = host_table(host, n), *out;
	unsigned pkg[64], core[64], smt_shift, core_shift;
	struct vm vm;
	int i, j, siblings, cores;

	fake_vm(&vm, s, c, t, 0);
	for (i = 0; i < vm.ncpus; i++) {
		uint32_t apic = x86_apic_id(&vm, i);

		T_CHECK(x86_cpuid_build(&vm, i, sup, true, &out) == 0);
		T_CHECK((reg(out, 1, 0, EBX) >> 24) == (apic & 0xff));
		T_CHECK(reg(out, 0xb, 0, EDX) == apic);
		T_CHECK((reg(out, 0xb, 0, ECX) >> 8 & 0xff) == 1);
		T_CHECK((reg(out, 0xb, 1, ECX) >> 8 & 0xff) == 2);
		T_CHECK((reg(out, 0xb, 2, ECX) >> 8 & 0xff) == 0);
		T_CHECK(reg(out, 0xb, 0, EBX) == (uint32_t)t);
		T_CHECK(reg(out, 0xb, 1, EBX) == (uint32_t)(c * t));
		smt_shift = reg(out, 0xb, 0, EAX);
		core_shift = reg(out, 0xb, 1, EAX);
		pkg[i] = apic >> core_shift;
		core[i] = (apic >> smt_shift) & ((1u << (core_shift - smt_shift)) - 1);
		T_CHECK(pkg[i] == (unsigned)(i / (c * t)));
		if (amd) {
			uint32_t ecx8 = reg(out, 0x80000008, 0, ECX);

			T_CHECK((ecx8 & 0xff) == (uint32_t)(c * t - 1));
			T_CHECK((ecx8 >> 12 & 0xf) == core_shift);
			T_CHECK(reg(out, 0x8000001e, 0, EAX) == apic);
			T_CHECK((reg(out, 0x8000001e, 0, EBX) >> 8 & 0xff) == (uint32_t)(t - 1));
			T_CHECK((reg(out, 0x8000001e, 0, EBX) & 0xff) == core[i]);
			T_CHECK((reg(out, 0x8000001e, 0, ECX) & 0xff) == pkg[i]);
			T_CHECK(((reg(out, 0x80000001, 0, ECX) & 2) != 0) == (c * t > 1));
			T_CHECK(leaf(out, 0x80000026, 0) == NULL);
		} else {
			T_CHECK(reg(out, 0x1f, 1, EAX) == core_shift);
			T_CHECK(reg(out, 0x1f, 0, EDX) == apic);
		}
		T_CHECK(((reg(out, 1, 0, EDX) >> 28) & 1) == (c * t > 1));
		T_CHECK((reg(out, 1, 0, ECX) >> 31) == 1);
		free(out);
	}
	for (i = 0; i < vm.ncpus; i++) {
		siblings = cores = 0;
		for (j = 0; j < vm.ncpus; j++) {
			if (pkg[j] != pkg[i])
				continue;
			siblings++;
			/* Count each core once: its first thread. */
			if (j % t == 0)
				cores++;
			if (j / t == i / t)
				T_CHECK(core[j] == core[i]);
			else
				T_CHECK(core[j] != core[i]);
		}
		T_CHECK(siblings == c * t);
		T_CHECK(cores == c);
	}
	free(sup);
}

static void
amd_2s2c2t(void)
{
	check_linux_view(amd_host, sizeof(amd_host) / sizeof(amd_host[0]),
	    2, 2, 2, true);
	check_linux_view(amd_host, sizeof(amd_host) / sizeof(amd_host[0]),
	    1, 1, 1, true);
	check_linux_view(amd_host, sizeof(amd_host) / sizeof(amd_host[0]),
	    2, 3, 2, true);
}

static void
intel_2s2c2t(void)
{
	check_linux_view(intel_host, sizeof(intel_host) / sizeof(intel_host[0]),
	    2, 2, 2, false);
	check_linux_view(intel_host, sizeof(intel_host) / sizeof(intel_host[0]),
	    1, 4, 1, false);
	check_linux_view(intel_host, sizeof(intel_host) / sizeof(intel_host[0]),
	    3, 1, 2, false);
}

static void
caches(void)
{
	struct kvm_cpuid2 *sup, *out;
	struct vm vm;

	fake_vm(&vm, 2, 2, 2, 0);
	sup = host_table(intel_host, sizeof(intel_host) / sizeof(intel_host[0]));
	T_CHECK(x86_cpuid_build(&vm, 3, sup, true, &out) == 0);
	T_CHECK((reg(out, 4, 0, EAX) >> 26) == 1);		/* 2 cores */
	T_CHECK((reg(out, 4, 0, EAX) >> 14 & 0xfff) == 1);	/* L1: 2 threads */
	T_CHECK((reg(out, 4, 2, EAX) >> 14 & 0xfff) == 1);	/* L2 */
	T_CHECK((reg(out, 4, 3, EAX) >> 14 & 0xfff) == 3);	/* L3: package */
	T_CHECK((reg(out, 4, 3, EAX) & 0x3fff) == 0x163);	/* rest kept */
	T_CHECK(reg(out, 4, 4, EAX) == 0);
	T_CHECK(reg(out, 0x80000002, 0, EAX) == 0x65746e49);	/* brand kept */
	free(out);
	free(sup);

	sup = host_table(amd_host, sizeof(amd_host) / sizeof(amd_host[0]));
	T_CHECK(x86_cpuid_build(&vm, 3, sup, true, &out) == 0);
	T_CHECK((reg(out, 0x8000001d, 0, EAX) >> 14 & 0xfff) == 1);
	T_CHECK((reg(out, 0x8000001d, 3, EAX) >> 14 & 0xfff) == 3);
	T_CHECK(reg(out, 4, 0, EAX) == 0);			/* AMD: untouched */
	/* An empty brand string is replaced. */
	T_CHECK(memcmp(&leaf(out, 0x80000002, 0)->eax, "khyv", 4) == 0);
	free(out);
	free(sup);
}

static void
hypervisor_and_x2apic(void)
{
	static const struct kvm_cpuid_entry2 bare[] = {
		{ .function = 0, .eax = 0xd, .ebx = 0x756e6547 },
		{ .function = 1, .ecx = 1u << 21 },
	};
	struct kvm_cpuid2 *sup, *out;
	struct vm vm;

	fake_vm(&vm, 1, 1, 1, 0);
	sup = host_table(amd_host, sizeof(amd_host) / sizeof(amd_host[0]));
	T_CHECK(x86_cpuid_build(&vm, 0, sup, false, &out) == 0);
	T_CHECK((reg(out, 1, 0, ECX) & (1u << 21)) == 0);
	T_CHECK(reg(out, 0x40000000, 0, EBX) == 0x4b4d564b);
	T_CHECK(reg(out, 0x40000001, 0, EAX) == 0x01007efb);
	free(out);
	T_CHECK(x86_cpuid_build(&vm, 0, sup, true, &out) == 0);
	T_CHECK((reg(out, 1, 0, ECX) & (1u << 21)) != 0);
	free(out);
	free(sup);

	/* A table without KVM leaves gets the signature (and no features). */
	sup = host_table(bare, 2);
	T_CHECK(x86_cpuid_build(&vm, 0, sup, false, &out) == 0);
	T_CHECK(reg(out, 0x40000000, 0, ECX) == 0x564b4d56);
	T_CHECK(reg(out, 0x40000000, 0, EAX) == 0x40000001);
	T_CHECK(reg(out, 0x40000001, 0, EAX) == 0);
	T_CHECK(reg(out, 0, 0, EAX) == 0xd);
	T_CHECK(reg(out, 0xb, 0, EDX) == 0);
	free(out);
	free(sup);
}

static void
msrs(void)
{
	struct vm vm;
	uint64_t v = 1;

	fake_vm(&vm, 1, 1, 1, 0);
	T_CHECK(x86_rdmsr(&vm, 0, 0x8b, &v) == 0 && v == 0);
	T_CHECK(x86_rdmsr(&vm, 0, 0x2ff, &v) == 0 && v == 0x806);
	T_CHECK(x86_rdmsr(&vm, 0, 0xc0011029, &v) == 0 && v == 0);
	T_CHECK(x86_wrmsr(&vm, 0, 0xc0011029, 2) == 0);
	T_CHECK(x86_wrmsr(&vm, 0, 0x79, 0x1000) == 0);
	T_CHECK(x86_wrmsr(&vm, 0, 0x17, 1) == -1);	/* read-only */
	T_CHECK(x86_rdmsr(&vm, 0, 0x12345678, &v) == -1);
	T_CHECK(x86_wrmsr(&vm, 0, 0x12345678, 0) == -1);
}

/* With /dev/kvm (skipped without): KVM accepts the tables and the MSR cap. */
static void
real_kvm(void)
{
	struct vmm_vcpu vcpu;
	struct vm vm;
	int i;

	fake_vm(&vm, 2, 2, 2, 0);
	if (vmm_open(&vm.kvm, NULL) != 0) {
		printf("  real_kvm: no /dev/kvm, skipped\n");
		return;
	}
	for (i = 0; i < vm.ncpus; i++) {
		T_CHECK(vmm_vcpu_create(&vm.kvm, i, &vcpu) == 0);
		T_CHECK(x86_cpuid_setup(&vm, &vcpu) == 0);
		vmm_vcpu_close(&vcpu);
	}
	T_CHECK(x86_msr_init(&vm) == 0);
	vmm_close(&vm.kvm);
}

int
main(void)
{
	T_RUN(apic_ids);
	T_RUN(amd_2s2c2t);
	T_RUN(intel_2s2c2t);
	T_RUN(caches);
	T_RUN(hypervisor_and_x2apic);
	T_RUN(msrs);
	T_RUN(real_kvm);
	return (T_DONE());
}
