/*
 * Internal to x86/: what the table builders (acpi.c, mptable.c, smbios.c)
 * share.  Each builder fills one host buffer that stands for a range of
 * guest-physical memory (struct x86_region); x86_tables_build (tables.c)
 * maps those ranges out of guest RAM, while the unit tests hand in calloc'ed
 * buffers.  Builders read the machine's shape from struct vm (ncpus,
 * topology, lowmem/highmem) and everything else from struct x86_tables_cfg,
 * so they never touch the config tree themselves.
 */
#ifndef KHYVE_X86_TABLES_H
#define KHYVE_X86_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct vm;

/* A piece of guest memory being filled, bottom up. */
struct x86_region {
	uint8_t		*base;	/* host view of [gpa, gpa + size) */
	uint64_t	gpa;
	size_t		size;
	size_t		used;
};

/*
 * Reserves len zeroed bytes aligned to align (a power of two) and returns
 * their host address, their guest address in *gpa; NULL when full.
 */
void *x86_region_alloc(struct x86_region *r, size_t len, size_t align,
    uint64_t *gpa);

/* Longest SMBIOS string kept (longer config values are cut). */
#define X86_STR_MAX	65

/* What the tables say beyond struct vm, read once from the config tree. */
struct x86_tables_cfg {
	bool		acpi;		/* acpi_tables */
	bool		mptable;	/* x86.mptable (-Y clears it) */
	bool		mcfg;		/* describe ECAM (pci.ecam; PCI issue) */
	bool		com[4];		/* lpc.comN configured */
	bool		kbd;		/* an i8042 keyboard to describe */
	uint8_t		uuid[16];	/* RFC 4122 byte order */
	/* SMBIOS strings (bhyve_config(5) bios.* and system.* keys). */
	char		bios_vendor[X86_STR_MAX], bios_version[X86_STR_MAX];
	char		bios_date[X86_STR_MAX];
	char		sys_manufacturer[X86_STR_MAX], sys_product[X86_STR_MAX];
	char		sys_version[X86_STR_MAX], sys_serial[X86_STR_MAX];
	char		sys_sku[X86_STR_MAX], sys_family[X86_STR_MAX];
};

/* Defaults for everything, uuid derived from name (tables.c). */
void x86_tables_cfg_default(struct x86_tables_cfg *cfg, const char *name);
/* Defaults overridden by the config tree; -1 (errno EINVAL) on a bad uuid. */
int x86_tables_cfg_read(struct x86_tables_cfg *cfg, const char *name);
/* "xxxxxxxx-xxxx-…" → 16 bytes; -1 if malformed. */
int x86_uuid_parse(const char *s, uint8_t out[16]);
/* A stable UUID (version 8, vendor-defined hash) from a VM name. */
void x86_uuid_from_name(const char *name, uint8_t out[16]);

/*
 * The builders.  Each returns 0, or -1 with errno ENOSPC when its region is
 * too small for this machine, ERANGE when the MP table cannot name its
 * APIC IDs.
 */
int x86_acpi_build(const struct vm *vm, const struct x86_tables_cfg *cfg,
    struct x86_region *r, uint64_t *rsdp);
int x86_mptable_build(const struct vm *vm, const struct x86_tables_cfg *cfg,
    struct x86_region *r);
int x86_smbios_build(const struct vm *vm, const struct x86_tables_cfg *cfg,
    struct x86_region *r);

/* The IOAPIC's ID in MADT and MP table: one past the highest APIC ID. */
uint8_t x86_ioapic_id(const struct vm *vm);
/* Machine shape with zero fields (hand-made test VMs) read as 1. */
int x86_ncpus(const struct vm *vm);

/* Little-endian stores: the tables are byte layouts, not C structs. */
static inline void
put8(uint8_t *p, uint8_t v)
{
	p[0] = v;
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static inline void
put64(uint8_t *p, uint64_t v)
{
	put32(p, v & 0xffffffff);
	put32(p + 4, v >> 32);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

/* Copies a string into a fixed field, space-padded (ACPI/MP OEM IDs). */
static inline void
putstr_pad(uint8_t *p, const char *s, size_t len)
{
	size_t n = strlen(s);

	memset(p, ' ', len);
	memcpy(p, s, n < len ? n : len);
}

/* The byte that makes the sum of [p, p + len) zero (ACPI, MP, SMBIOS). */
uint8_t x86_checksum(const uint8_t *p, size_t len);

#endif
