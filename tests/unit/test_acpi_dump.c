/*
 * Builds the ACPI tables for a few machines and, when KHYVE_ACPI_DUMP_DIR
 * is set, writes each one to $KHYVE_ACPI_DUMP_DIR/<machine>/<sig>.dat
 * (RSDP as rsdp.dat) for tests/cli/acpi_iasl.sh, which checks them with
 * acpica-tools (iasl -d, acpiexec).  Without the variable it only checks
 * that every table was found and reports one PASS line per machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/unit/t.h"
#include "tests/unit/test_acpi_fake.h"

struct machine {
	const char	*name;
	int		sockets, cores, threads;
	uint64_t	mem;
	bool		com1, com2, mcfg, kbd;
};

static const struct machine machines[] = {
	{ "one_cpu", 1, 1, 1, 256 * MiB, false, false, false, false },
	{ "s2c2t2", 2, 2, 2, 4 * GiB, true, true, true, true },
	{ "x2apic320", 2, 160, 1, 1 * GiB, true, false, false, false },
};

static int
write_table(const char *dir, const char *file, const uint8_t *t, size_t len)
{
	char path[512];
	FILE *fp;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.dat", dir, file);
	if ((fp = fopen(path, "w")) == NULL)
		return (-1);
	rc = fwrite(t, 1, len, fp) == len ? 0 : -1;
	if (fclose(fp) != 0)
		rc = -1;
	return (rc);
}

static void
dump_machine(const struct machine *m)
{
	static const char *const sigs[] = { "XSDT", "RSDT", "FACP", "FACS",
	    "APIC", "DSDT", "MCFG" };
	const char *base = getenv("KHYVE_ACPI_DUMP_DIR");
	struct x86_tables_cfg cfg;
	struct x86_region r;
	struct vm vm;
	char dir[400];
	uint64_t rsdp;
	uint8_t *t;
	size_t i;

	fake_vm(&vm, m->sockets, m->cores, m->threads, m->mem);
	x86_tables_cfg_default(&cfg, m->name);
	cfg.com[0] = m->com1;
	cfg.com[1] = m->com2;
	cfg.mcfg = m->mcfg;
	cfg.kbd = m->kbd;
	rsdp = build_acpi(&vm, &cfg, &r);
	T_CHECK(rsdp != 0);
	if (base != NULL) {
		snprintf(dir, sizeof(dir), "%s/%s", base, m->name);
		T_CHECK(mkdir(dir, 0755) == 0 || errno == EEXIST);
		T_CHECK(write_table(dir, "rsdp", region_ptr(&r, rsdp, 36),
		    36) == 0);
	}
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (strcmp(sigs[i], "MCFG") == 0 && !m->mcfg)
			continue;
		t = acpi_find(&r, rsdp, sigs[i]);
		T_CHECK(t != NULL);
		if (t == NULL || base == NULL)
			continue;
		T_CHECK(write_table(dir, sigs[i], t, le(t + 4, 4)) == 0);
	}
	free(r.base);
}

static void
one_cpu(void)
{
	dump_machine(&machines[0]);
}

static void
s2c2t2(void)
{
	dump_machine(&machines[1]);
}

static void
x2apic320(void)
{
	dump_machine(&machines[2]);
}

int
main(void)
{
	T_RUN(one_cpu);
	T_RUN(s2c2t2);
	T_RUN(x2apic320);
	return (T_DONE());
}
