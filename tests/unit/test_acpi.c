/*
 * Unit tests for the ACPI tables (x86/acpi.c, x86/dsdt.c, x86/aml.c):
 * checksums, RSDP/XSDT links, FADT fixed hardware, MADT entries for several
 * topologies, DSDT contents and AML PkgLength encoding, and
 * x86_tables_build against a fake VM whose RAM is a calloc'ed buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "x86/aml.h"
#include "tests/unit/t.h"
#include "tests/unit/test_acpi_fake.h"

static bool
memfind(const uint8_t *p, size_t len, const void *needle, size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(p + i, needle, n) == 0)
			return (true);
	return (false);
}

static void
checksums(void)
{
	static const char *const sigs[] = { "XSDT", "RSDT", "FACP", "APIC",
	    "DSDT" };
	struct x86_tables_cfg cfg;
	struct x86_region r;
	struct vm vm;
	uint64_t rsdp;
	uint8_t *p, *t;
	size_t i;

	fake_vm(&vm, 2, 2, 2, 512 * MiB);
	x86_tables_cfg_default(&cfg, "testvm");
	rsdp = build_acpi(&vm, &cfg, &r);
	T_CHECK(rsdp == ACPI_BASE);
	p = region_ptr(&r, rsdp, 36);
	T_CHECK(p != NULL && memcmp(p, "RSD PTR ", 8) == 0);
	T_CHECK(sum8(p, 20) == 0);
	T_CHECK(sum8(p, 36) == 0);
	T_CHECK(p[15] == 2);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		t = acpi_find(&r, rsdp, sigs[i]);
		T_CHECK(t != NULL);
		if (t != NULL)
			T_CHECK(sum8(t, le(t + 4, 4)) == 0);
	}
	t = acpi_find(&r, rsdp, "FACS");
	T_CHECK(t != NULL && memcmp(t, "FACS", 4) == 0 &&
	    (le(acpi_find(&r, rsdp, "FACP") + 36, 4) & 63) == 0 &&
	    le(acpi_find(&r, rsdp, "FACP") + 132, 8) == 0);
	T_CHECK(acpi_find(&r, rsdp, "MCFG") == NULL);
	/* RSDT lists the same tables as XSDT. */
	t = acpi_find(&r, rsdp, "RSDT");
	T_CHECK(le(t + 4, 4) == 36 + 4 * 2);
	T_CHECK(le(t + 36, 4) == le(acpi_find(&r, rsdp, "XSDT") + 36, 8));
	free(r.base);
}

static void
fadt(void)
{
	struct x86_tables_cfg cfg;
	struct x86_region r;
	struct vm vm;
	uint8_t *f;

	fake_vm(&vm, 1, 1, 1, 256 * MiB);
	x86_tables_cfg_default(&cfg, "testvm");
	f = acpi_find(&r, build_acpi(&vm, &cfg, &r), "FACP");
	T_CHECK(f != NULL);
	if (f == NULL)
		return;
	T_CHECK(le(f + 4, 4) == 276 && f[8] == 6);
	T_CHECK(le(f + 46, 2) == SCI_IRQ);
	T_CHECK(le(f + 48, 4) == SMI_CMD_PORT);
	T_CHECK(f[52] == ACPI_ENABLE_VAL && f[53] == ACPI_DISABLE_VAL);
	T_CHECK(le(f + 56, 4) == PM1A_EVT_ADDR && f[88] == 4);
	T_CHECK(le(f + 64, 4) == PM1A_CNT_ADDR && f[89] == 2);
	T_CHECK(le(f + 76, 4) == PM_TMR_ADDR && f[91] == 4);
	T_CHECK(f[108] == 0x32);			/* century */
	T_CHECK((le(f + 109, 2) & 0x2) != 0);		/* 8042 */
	T_CHECK((le(f + 112, 4) & (1u << 10)) != 0);	/* RESET_REG_SUP */
	T_CHECK((le(f + 112, 4) & (1u << 4)) == 0);	/* fixed power button */
	T_CHECK(f[116] == 1 && f[117] == 8 && le(f + 120, 8) == RESET_PORT);
	T_CHECK(f[128] == 6);
	T_CHECK(f[148] == 1 && le(f + 152, 8) == PM1A_EVT_ADDR);
	T_CHECK(f[172] == 1 && le(f + 176, 8) == PM1A_CNT_ADDR);
	T_CHECK(f[208] == 1 && le(f + 212, 8) == PM_TMR_ADDR);
	T_CHECK(le(f + 140, 8) == le(f + 40, 4));	/* X_DSDT == DSDT */
	free(r.base);
}

/* Checks the MADT of an s/c/t machine; returns the number of CPU entries. */
static int
madt_check(int s, int c, int t, uint8_t cpu_type)
{
	struct x86_tables_cfg cfg;
	struct x86_region r;
	struct vm vm;
	uint8_t *m, *p, *end;
	int ncpu = 0, nio = 0, niso = 0, nnmi = 0;

	fake_vm(&vm, s, c, t, 256 * MiB);
	x86_tables_cfg_default(&cfg, "testvm");
	m = acpi_find(&r, build_acpi(&vm, &cfg, &r), "APIC");
	T_CHECK(m != NULL);
	if (m == NULL)
		return (-1);
	T_CHECK(le(m + 36, 4) == LAPIC_BASE && le(m + 40, 4) == 1);
	for (p = m + 44, end = m + le(m + 4, 4); p < end; p += p[1]) {
		T_CHECK(p[1] >= 2);
		if (p[1] < 2)
			break;
		if (p[0] == cpu_type && cpu_type == 0) {
			T_CHECK(p[2] == ncpu);
			T_CHECK(p[3] == x86_apic_id(&vm, ncpu));
			T_CHECK(le(p + 4, 4) == 1);
			ncpu++;
		} else if (p[0] == cpu_type && cpu_type == 9) {
			T_CHECK(le(p + 4, 4) == x86_apic_id(&vm, ncpu));
			T_CHECK(le(p + 12, 4) == (uint64_t)ncpu);
			ncpu++;
		} else if (p[0] == 1) {
			T_CHECK(le(p + 4, 4) == IOAPIC_BASE);
			T_CHECK(le(p + 8, 4) == 0);
			T_CHECK(p[2] == x86_ioapic_id(&vm));
			nio++;
		} else if (p[0] == 2) {
			if (p[3] == 0)
				T_CHECK(le(p + 4, 4) == 2);
			else
				T_CHECK(p[3] == SCI_IRQ && le(p + 8, 2) == 0xd);
			niso++;
		} else if (p[0] == 4) {
			T_CHECK(p[5] == 1);
			nnmi++;
		}
	}
	T_CHECK(p == end);
	T_CHECK(nio == 1 && niso == 2 && nnmi == 1);
	free(r.base);
	return (ncpu);
}

static void
madt_topologies(void)
{
	T_CHECK(madt_check(1, 1, 1, 0) == 1);
	T_CHECK(madt_check(2, 2, 2, 0) == 8);
	T_CHECK(madt_check(1, 3, 1, 0) == 3);
	T_CHECK(madt_check(2, 3, 2, 0) == 12);
	T_CHECK(madt_check(4, 1, 1, 0) == 4);
	/* APIC IDs past 254 need x2APIC entries. */
	T_CHECK(madt_check(2, 160, 1, 9) == 320);
	/* KVM's usual vCPU limit fits the ACPI area. */
	T_CHECK(madt_check(1, 1024, 1, 9) == 1024);
}

static void
dsdt_contents(void)
{
	static const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12 };
	static const uint8_t pnp0a03[] = { 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
	static const uint8_t pnp0501[] = { 0x0c, 0x41, 0xd0, 0x05, 0x01 };
	static const uint8_t com1_io[] = { 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03 };
	struct x86_tables_cfg cfg;
	struct x86_region r;
	struct vm vm;
	uint8_t *d;
	size_t len;

	fake_vm(&vm, 1, 2, 1, 256 * MiB);
	x86_tables_cfg_default(&cfg, "testvm");
	d = acpi_find(&r, build_acpi(&vm, &cfg, &r), "DSDT");
	T_CHECK(d != NULL);
	len = le(d + 4, 4);
	T_CHECK(memfind(d, len, s5, sizeof(s5)));
	T_CHECK(memfind(d, len, pnp0a03, sizeof(pnp0a03)));
	T_CHECK(!memfind(d, len, pnp0501, sizeof(pnp0501)));
	T_CHECK(memfind(d, len, "C001", 4));
	free(r.base);

	cfg.com[0] = true;
	d = acpi_find(&r, build_acpi(&vm, &cfg, &r), "DSDT");
	len = le(d + 4, 4);
	T_CHECK(memfind(d, len, pnp0501, sizeof(pnp0501)));
	T_CHECK(memfind(d, len, com1_io, sizeof(com1_io)));
	T_CHECK(memfind(d, len, "COM1", 4) && !memfind(d, len, "COM2", 4));
	free(r.base);
}

static void
mcfg(void)
{
	struct x86_tables_cfg cfg;
	struct x86_region r;
	struct vm vm;
	uint8_t *m;

	fake_vm(&vm, 1, 1, 1, 256 * MiB);
	x86_tables_cfg_default(&cfg, "testvm");
	cfg.mcfg = true;
	m = acpi_find(&r, build_acpi(&vm, &cfg, &r), "MCFG");
	T_CHECK(m != NULL);
	if (m != NULL) {
		T_CHECK(sum8(m, le(m + 4, 4)) == 0);
		T_CHECK(le(m + 44, 8) == PCI_ECAM_BASE && m[54] == 0 && m[55] == (PCI_ECAM_SIZE >> 20) - 1);
	}
	free(r.base);
}

/* PkgLength: 1 byte up to 63, then 2, 3 bytes, length counting itself. */
static void
aml_pkglength(void)
{
	struct aml a;
	size_t sizes[] = { 10, 62, 63, 100, 4000, 5000, 70000 };
	size_t i, body, pl, n;
	uint8_t *big = calloc(1, 70000);

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		aml_init(&a);
		aml_scope_begin(&a, "\\");
		aml_bytes(&a, big, sizes[i]);
		aml_end(&a);
		T_CHECK(aml_finish(&a) == 0);
		body = sizes[i] + 2;			/* "\\" NullName + bytes */
		n = (a.buf[1] >> 6) + 1;
		pl = n == 1 ? (size_t)(a.buf[1] & 0x3f) : (size_t)(a.buf[1] & 0x0f);
		for (size_t k = 1; k < n; k++)
			pl |= (size_t)a.buf[1 + k] << (4 + 8 * (k - 1));
		T_CHECK(pl == body + n);
		T_CHECK(a.len == 1 + n + body);
		T_CHECK(n == (body + 1 <= 63 ? 1 : body + 2 < 4096 ? 2 : 3));
		aml_free(&a);
	}
	free(big);
	/* Unbalanced and bad names are reported. */
	aml_init(&a);
	aml_device_begin(&a, "TOOLONG");
	aml_end(&a);
	T_CHECK(aml_finish(&a) != 0);
	aml_free(&a);
	aml_init(&a);
	aml_scope_begin(&a, "\\_SB");
	T_CHECK(aml_finish(&a) != 0);
	aml_free(&a);
}

static void
aml_encodings(void)
{
	static const uint8_t want[] = {
		0x00, 0x01, 0x0a, 0x02, 0x0b, 0x00, 0x01, 0x0c, 0x00, 0x00,
		0x01, 0x00, 0x0e, 0, 0, 0, 0, 1, 0, 0, 0,
		0x2e, 'A', 'B', '_', '_', 'C', 'D', '_', '_',
		'\\', 0x2f, 3, 'A', '_', '_', '_', 'B', '_', '_', '_', 'C', '_',
		'_', '_',
	};
	struct aml a;

	aml_init(&a);
	aml_integer(&a, 0);
	aml_integer(&a, 1);
	aml_integer(&a, 2);
	aml_integer(&a, 0x100);
	aml_integer(&a, 0x10000);
	aml_integer(&a, 0x100000000ULL);
	aml_namestring(&a, "AB.CD");
	aml_namestring(&a, "\\A.B.C");
	T_CHECK(aml_finish(&a) == 0);
	T_CHECK(a.len == sizeof(want) && memcmp(a.buf, want, a.len) == 0);
	aml_free(&a);
}

static void
tables_build_fake_ram(void)
{
	struct vm vm;
	uint64_t rsdp = 1;
	uint8_t *p;

	init_config();
	fake_vm(&vm, 1, 2, 2, 2 * MiB);
	vm.mem = calloc(1, vm.lowmem);
	memset(vm.mem + EBDA_BASE, 0xaa, MiB - EBDA_BASE);
	T_CHECK(x86_tables_build(&vm, &rsdp) == 0);
	T_CHECK(rsdp == ACPI_BASE);
	p = vm.mem + rsdp;
	T_CHECK(memcmp(p, "RSD PTR ", 8) == 0 && sum8(p, 36) == 0);
	T_CHECK(memcmp(vm.mem + MPTABLE_BASE, "_MP_", 4) == 0);
	T_CHECK(memcmp(vm.mem + SMBIOS_BASE, "_SM_", 4) == 0);
	/* Nothing is written below the reserved area. */
	T_CHECK(vm.mem[EBDA_BASE] == 0xaa);

	/* acpi_tables=false and -Y: neither table, no stale copies. */
	T_CHECK(set_config_bool("acpi_tables", false) == 0);
	T_CHECK(set_config_bool("x86.mptable", false) == 0);
	T_CHECK(x86_tables_build(&vm, &rsdp) == 0);
	T_CHECK(rsdp == 0);
	T_CHECK(memcmp(vm.mem + ACPI_BASE, "RSD PTR ", 8) != 0);
	T_CHECK(memcmp(vm.mem + MPTABLE_BASE, "_MP_", 4) != 0);
	T_CHECK(memcmp(vm.mem + SMBIOS_BASE, "_SM_", 4) == 0);

	/* A bad -U is an error; too little RAM too. */
	T_CHECK(set_config_value("uuid", "not-a-uuid") == 0);
	T_CHECK(x86_tables_build(&vm, &rsdp) != 0 && errno == EINVAL);
	init_config();
	vm.lowmem = 512 * 1024;
	T_CHECK(x86_tables_build(&vm, &rsdp) != 0);
	free(vm.mem);
	free_config();
}

static void
config_com_ports(void)
{
	struct x86_tables_cfg cfg;

	init_config();
	T_CHECK(set_config_value("lpc.com2.path", "stdio") == 0);
	T_CHECK(x86_tables_cfg_read(&cfg, "vm") == 0);
	T_CHECK(!cfg.com[0] && cfg.com[1] && !cfg.com[2]);
	T_CHECK(cfg.acpi && cfg.mptable);
	free_config();
}

int
main(void)
{
	T_RUN(checksums);
	T_RUN(fadt);
	T_RUN(madt_topologies);
	T_RUN(dsdt_contents);
	T_RUN(mcfg);
	T_RUN(aml_pkglength);
	T_RUN(aml_encodings);
	T_RUN(tables_build_fake_ram);
	T_RUN(config_com_ports);
	return (T_DONE());
}
