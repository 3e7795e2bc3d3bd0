/*
 * Unit tests for the MP table (x86/mptable.c): floating pointer and
 * configuration table checksums, one processor entry per vCPU with the
 * MADT's APIC IDs, the IOAPIC, interrupt assignments, and the refusal when
 * APIC IDs no longer fit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tests/unit/t.h"
#include "tests/unit/test_acpi_fake.h"

static uint8_t *
build_mp(const struct vm *vm, struct x86_region *r, int *rc)
{
	struct x86_tables_cfg cfg;

	x86_tables_cfg_default(&cfg, "testvm");
	fake_region(r, MPTABLE_BASE, SMBIOS_BASE);
	*rc = x86_mptable_build(vm, &cfg, r);
	return (r->base);
}

static void
check_mp(int s, int c, int t)
{
	struct x86_region r;
	struct vm vm;
	uint8_t *fp, *ct, *p;
	int rc, i, n, ncpu = 0, nbus = 0, nio = 0, nint = 0, nlint = 0;

	fake_vm(&vm, s, c, t, 256 * MiB);
	fp = build_mp(&vm, &r, &rc);
	T_CHECK(rc == 0);
	T_CHECK(memcmp(fp, "_MP_", 4) == 0 && sum8(fp, 16) == 0);
	T_CHECK(fp[8] == 1 && fp[9] == 4 && fp[11] == 0);
	ct = region_ptr(&r, le(fp + 4, 4), 44);
	T_CHECK(ct != NULL);
	if (ct == NULL)
		goto out;
	T_CHECK(memcmp(ct, "PCMP", 4) == 0);
	T_CHECK(sum8(ct, le(ct + 4, 2)) == 0);
	T_CHECK(le(ct + 36, 4) == LAPIC_BASE);
	n = (int)le(ct + 34, 2);
	for (p = ct + 44, i = 0; i < n; i++) {
		switch (p[0]) {
		case 0:
			T_CHECK(p[1] == x86_apic_id(&vm, ncpu));
			T_CHECK((p[3] & 1) && ((p[3] & 2) != 0) == (ncpu == 0));
			ncpu++;
			p += 20;
			break;
		case 1:
			T_CHECK(memcmp(p + 2, "ISA   ", 6) == 0);
			nbus++;
			p += 8;
			break;
		case 2:
			T_CHECK(p[1] == x86_ioapic_id(&vm));
			T_CHECK(le(p + 4, 4) == IOAPIC_BASE);
			nio++;
			p += 8;
			break;
		case 3:
			T_CHECK(p[6] == x86_ioapic_id(&vm));
			if (p[1] == 0 && p[5] == 0)	/* PIT on pin 2 */
				T_CHECK(p[7] == 2);
			if (p[5] == SCI_IRQ)
				T_CHECK(le(p + 2, 2) == 0xd);
			nint++;
			p += 8;
			break;
		case 4:
			nlint++;
			p += 8;
			break;
		default:
			T_CHECK(!"unknown entry");
			goto out;
		}
	}
	T_CHECK(p == ct + le(ct + 4, 2));
	T_CHECK(ncpu == s * c * t && nbus == 1 && nio == 1);
	T_CHECK(nint == 16 && nlint == 2);
out:
	free(r.base);
}

static void
topologies(void)
{
	check_mp(1, 1, 1);
	check_mp(2, 2, 2);
	check_mp(2, 3, 2);
	check_mp(1, 128, 1);
}

static void
too_many_cpus(void)
{
	struct x86_region r;
	struct vm vm;
	uint64_t rsdp;
	int rc;

	/* APIC IDs past 254 cannot be listed. */
	fake_vm(&vm, 2, 160, 1, 256 * MiB);
	build_mp(&vm, &r, &rc);
	T_CHECK(rc == -1 && errno == ERANGE);
	free(r.base);
	/* 254 processors do fit. */
	check_mp(1, 254, 1);

	/* x86_tables_build leaves it out when ACPI describes the CPUs. */
	init_config();
	fake_vm(&vm, 2, 160, 1, 2 * MiB);
	vm.mem = calloc(1, vm.lowmem);
	T_CHECK(x86_tables_build(&vm, &rsdp) == 0 && rsdp != 0);
	T_CHECK(memcmp(vm.mem + MPTABLE_BASE, "_MP_", 4) != 0);
	T_CHECK(set_config_bool("acpi_tables", false) == 0);
	T_CHECK(x86_tables_build(&vm, &rsdp) == -1 && errno == ERANGE);
	free(vm.mem);
	free_config();
}

int
main(void)
{
	T_RUN(topologies);
	T_RUN(too_many_cpus);
	return (T_DONE());
}
