/*
 * x86_tables_build: the boot-time tables below 1 MiB (x86/platform.h):
 *
 *   [ACPI_BASE, ACPI_MAX]         RSDP, XSDT, RSDT, FACS, DSDT, FADT, MADT (acpi.c)
 *   [MPTABLE_BASE, SMBIOS_BASE)   MP floating pointer + config table (mptable.c)
 *   [SMBIOS_BASE, TABLES_END)     SMBIOS entry point + structures (smbios.c)
 *
 * all inside [EBDA_BASE, 1 MiB), which e820 reserves.  This file reads the
 * config tree once into struct x86_tables_cfg, maps each range out of guest
 * RAM and hands it to its builder; plus the small helpers they share.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "core/vm.h"
#include "x86/platform.h"
#include "x86/tables.h"
#include "x86/x86.h"

void *
x86_region_alloc(struct x86_region *r, size_t len, size_t align, uint64_t *gpa)
{
	size_t off = (r->used + align - 1) & ~(align - 1);
	void *p;

	if (off > r->size || len > r->size - off) {
		errno = ENOSPC;
		return (NULL);
	}
	p = r->base + off;
	memset(p, 0, len);
	r->used = off + len;
	if (gpa != NULL)
		*gpa = r->gpa + off;
	return (p);
}

uint8_t
x86_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len-- > 0)
		sum += *p++;
	return ((uint8_t)-sum);
}

int
x86_ncpus(const struct vm *vm)
{
	return (vm->ncpus > 0 ? vm->ncpus : 1);
}

uint8_t
x86_ioapic_id(const struct vm *vm)
{
	/* Unique among the APIC IDs while those fit in a byte. */
	return ((uint8_t)(x86_apic_id(vm, x86_ncpus(vm) - 1) + 1));
}

void
x86_pci_mmio64_window(const struct vm *vm, uint64_t *base, uint64_t *end)
{
	*base = (HIGHMEM_BASE + vm->highmem + GiB - 1) & ~(GiB - 1);
	*end = *base + PCI_MMIO64_SIZE;
}

/*
 * A name-based UUID: two FNV-1a 64-bit hashes of the name with different
 * seeds, marked version 8 (RFC 9562's vendor-defined layout), so a VM keeps
 * its UUID across restarts without -U.
 */
void
x86_uuid_from_name(const char *name, uint8_t out[16])
{
	uint64_t h[2] = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL };
	const char *p;
	int i, k;

	for (k = 0; k < 2; k++)
		for (p = name != NULL ? name : ""; *p != '\0'; p++) {
			h[k] ^= (uint8_t)*p;
			h[k] *= 0x100000001b3ULL;
		}
	for (i = 0; i < 8; i++) {
		out[i] = (uint8_t)(h[0] >> (56 - 8 * i));
		out[8 + i] = (uint8_t)(h[1] >> (56 - 8 * i));
	}
	out[6] = (out[6] & 0x0f) | 0x80;	/* version 8 */
	out[8] = (out[8] & 0x3f) | 0x80;	/* RFC variant */
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
x86_uuid_parse(const char *s, uint8_t out[16])
{
	int i, hi, lo;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10) {
			if (*s++ != '-')
				return (-1);
		}
		if ((hi = hexval(s[0])) < 0 || (lo = hexval(s[1])) < 0)
			return (-1);
		out[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return (*s == '\0' ? 0 : -1);
}

void
x86_tables_cfg_default(struct x86_tables_cfg *cfg, const char *name)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->acpi = true;
	cfg->mptable = true;
	cfg->kbd = true;	/* devices/i8042.c is always there */
	x86_uuid_from_name(name, cfg->uuid);
	snprintf(cfg->bios_vendor, X86_STR_MAX, "khyve");
	snprintf(cfg->bios_version, X86_STR_MAX, "1.00");
	snprintf(cfg->bios_date, X86_STR_MAX, "01/01/2026");
	snprintf(cfg->sys_manufacturer, X86_STR_MAX, "khyve");
	snprintf(cfg->sys_product, X86_STR_MAX, "khyve");
	snprintf(cfg->sys_version, X86_STR_MAX, "1.0");
	snprintf(cfg->sys_serial, X86_STR_MAX, "None");
	snprintf(cfg->sys_sku, X86_STR_MAX, "None");
	snprintf(cfg->sys_family, X86_STR_MAX, "Virtual Machine");
}

static void
cfg_string(char *dst, const char *key)
{
	const char *v = get_config_value(key);

	if (v != NULL)
		snprintf(dst, X86_STR_MAX, "%s", v);
}

int
x86_tables_cfg_read(struct x86_tables_cfg *cfg, const char *name)
{
	static const char *const coms[4] = {
		"lpc.com1", "lpc.com2", "lpc.com3", "lpc.com4"
	};
	const char *uuid;
	int i;

	x86_tables_cfg_default(cfg, name);
	cfg->acpi = get_config_bool_default("acpi_tables", true);
	cfg->mptable = get_config_bool_default("x86.mptable", true);
	/* devices/pci.c answers the ECAM window: tell the guest about it. */
	cfg->mcfg = true;
	for (i = 0; i < 4; i++)
		cfg->com[i] = find_config_node(coms[i]) != NULL;
	if ((uuid = get_config_value("uuid")) != NULL &&
	    x86_uuid_parse(uuid, cfg->uuid) != 0) {
		errno = EINVAL;
		return (-1);
	}
	cfg_string(cfg->bios_vendor, "bios.vendor");
	cfg_string(cfg->bios_version, "bios.version");
	cfg_string(cfg->bios_date, "bios.release_date");
	cfg_string(cfg->sys_manufacturer, "system.manufacturer");
	cfg_string(cfg->sys_product, "system.product_name");
	cfg_string(cfg->sys_version, "system.version");
	cfg_string(cfg->sys_serial, "system.serial_number");
	cfg_string(cfg->sys_sku, "system.sku");
	cfg_string(cfg->sys_family, "system.family_name");
	return (0);
}

/* Maps [lo, hi) of guest RAM as a fresh (zeroed) region. */
static int
tables_region(struct vm *vm, uint64_t lo, uint64_t hi, struct x86_region *r)
{
	memset(r, 0, sizeof(*r));
	if ((r->base = vm_gpa(vm, lo, hi - lo)) == NULL) {
		errno = EFAULT;
		return (-1);
	}
	r->gpa = lo;
	r->size = hi - lo;
	memset(r->base, 0, r->size);
	return (0);
}

int
x86_tables_build(struct vm *vm, uint64_t *rsdp)
{
	struct x86_tables_cfg cfg;
	struct x86_region mp, smbios, acpi;

	*rsdp = 0;
	if (x86_tables_cfg_read(&cfg, vm->name) != 0)
		return (-1);
	/*
	 * Every range is cleared even when its tables are off, so a VM
	 * re-initialised with -Y or acpi_tables=false keeps no stale copy.
	 */
	if (tables_region(vm, MPTABLE_BASE, SMBIOS_BASE, &mp) != 0 ||
	    tables_region(vm, SMBIOS_BASE, TABLES_END, &smbios) != 0 ||
	    tables_region(vm, ACPI_BASE, ACPI_MAX + 1, &acpi) != 0)
		return (-1);
	/*
	 * The MP table cannot name APIC IDs past 254: such machines get
	 * ACPI alone (as with -Y), unless there is no ACPI either.
	 */
	if (cfg.mptable && x86_mptable_build(vm, &cfg, &mp) != 0 &&
	    (errno != ERANGE || !cfg.acpi))
		return (-1);
	if (x86_smbios_build(vm, &cfg, &smbios) != 0)
		return (-1);
	if (cfg.acpi && x86_acpi_build(vm, &cfg, &acpi, rsdp) != 0)
		return (-1);
	return (0);
}
