/*
 * SMBIOS (DMTF DSP0134, version 2.8): a 32-bit entry point ("_SM_" with its
 * "_DMI_" intermediate part) at SMBIOS_BASE, then the structures:
 *
 *   type 0    BIOS information (bios.vendor / bios.version / bios.release_date)
 *   type 1    system information (system.* keys, UUID from `uuid` or the name)
 *   type 3    system enclosure
 *   type 4    one processor per socket: cores and threads from -c (as many
 *             as the area holds: a few hundred)
 *   type 16   physical memory array,  type 17  one memory device (all RAM)
 *   type 19   memory array mapped addresses: low RAM and high RAM
 *   type 32   system boot information,  type 127  end of table
 *
 * Each structure is its formatted area followed by its strings (1-based
 * indices, 0 = none) and a double NUL.
 */
#include <errno.h>
#include <stdio.h>

#include "core/vm.h"
#include "x86/cpuid.h"
#include "x86/platform.h"
#include "x86/tables.h"
#include "x86/x86.h"

#define SMBIOS_EP_LEN		0x1f
#define SMBIOS_MAJOR		2
#define SMBIOS_MINOR		8
#define SMB_NO_HANDLE		0xffff
#define SMB_NO_ERRINFO		0xfffe
#define SMB_MAX_STRINGS		8
#define SMB_MAX_FORMATTED	0x40
/* Upper bounds of one type 4 record, and of types 16, 17, 19, 19, 32, 127. */
#define SMB_TYPE4_ROOM		128
#define SMB_TAIL_ROOM		512

/* A structure being assembled: formatted area plus its strings. */
struct smb_struct {
	uint8_t		f[SMB_MAX_FORMATTED];
	const char	*str[SMB_MAX_STRINGS];
	int		nstr;
};

struct smb {
	struct x86_region	*r;
	uint64_t		start;		/* gpa of the first structure */
	uint16_t		next_handle;
	uint16_t		count;
	size_t			max_size;
	int			failed;
};

static void
smb_init(struct smb_struct *ss, uint8_t type, uint8_t len, uint16_t handle)
{
	memset(ss, 0, sizeof(*ss));
	put8(ss->f, type);
	put8(ss->f + 1, len);
	put16(ss->f + 2, handle);
}

/* Adds a string, returning its index for the formatted area (0: none). */
static uint8_t
smb_str(struct smb_struct *ss, const char *s)
{
	if (s == NULL || *s == '\0' || ss->nstr == SMB_MAX_STRINGS)
		return (0);
	ss->str[ss->nstr++] = s;
	return ((uint8_t)ss->nstr);
}

/* Copies the structure into guest memory; returns its handle. */
static uint16_t
smb_add(struct smb *s, struct smb_struct *ss)
{
	size_t len = ss->f[1], strs = 0, n;
	uint8_t *p;
	int i;

	for (i = 0; i < ss->nstr; i++)
		strs += strlen(ss->str[i]) + 1;
	n = len + (strs != 0 ? strs + 1 : 2);
	if ((p = x86_region_alloc(s->r, n, 1, NULL)) == NULL) {
		s->failed = 1;
		return (SMB_NO_HANDLE);
	}
	memcpy(p, ss->f, len);
	for (p += len, i = 0; i < ss->nstr; i++) {
		memcpy(p, ss->str[i], strlen(ss->str[i]) + 1);
		p += strlen(ss->str[i]) + 1;
	}
	if (n > s->max_size)
		s->max_size = n;
	s->count++;
	return ((uint16_t)(ss->f[2] | ss->f[3] << 8));
}

static uint16_t
smb_handle(struct smb *s)
{
	return (s->next_handle++);
}

static void
smb_bios(struct smb *s, const struct x86_tables_cfg *cfg)
{
	struct smb_struct ss;

	smb_init(&ss, 0, 0x18, smb_handle(s));
	put8(ss.f + 4, smb_str(&ss, cfg->bios_vendor));
	put8(ss.f + 5, smb_str(&ss, cfg->bios_version));
	put16(ss.f + 6, 0xf000);		/* starting segment */
	put8(ss.f + 8, smb_str(&ss, cfg->bios_date));
	put8(ss.f + 9, 0);			/* ROM size: 64 KiB */
	put64(ss.f + 10, 1u << 3);		/* characteristics not supported */
	put8(ss.f + 0x13, 1u << 4);		/* this is a virtual machine */
	put8(ss.f + 0x14, 1);			/* BIOS release 1.0 */
	put8(ss.f + 0x15, 0);
	put8(ss.f + 0x16, 0xff);		/* no embedded controller */
	put8(ss.f + 0x17, 0xff);
	smb_add(s, &ss);
}

/*
 * SMBIOS 2.6+ stores the UUID's first three fields little-endian
 * (DSP0134 7.2.1), so dmidecode prints the string given to -U.
 */
static void
smb_uuid(uint8_t *dst, const uint8_t u[16])
{
	static const int order[16] = {
		3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15
	};
	int i;

	for (i = 0; i < 16; i++)
		dst[i] = u[order[i]];
}

static void
smb_system(struct smb *s, const struct x86_tables_cfg *cfg)
{
	struct smb_struct ss;

	smb_init(&ss, 1, 0x1b, smb_handle(s));
	put8(ss.f + 4, smb_str(&ss, cfg->sys_manufacturer));
	put8(ss.f + 5, smb_str(&ss, cfg->sys_product));
	put8(ss.f + 6, smb_str(&ss, cfg->sys_version));
	put8(ss.f + 7, smb_str(&ss, cfg->sys_serial));
	smb_uuid(ss.f + 8, cfg->uuid);
	put8(ss.f + 0x18, 6);			/* woken by: power switch */
	put8(ss.f + 0x19, smb_str(&ss, cfg->sys_sku));
	put8(ss.f + 0x1a, smb_str(&ss, cfg->sys_family));
	smb_add(s, &ss);
}

static void
smb_chassis(struct smb *s, const struct x86_tables_cfg *cfg)
{
	struct smb_struct ss;

	smb_init(&ss, 3, 0x16, smb_handle(s));
	put8(ss.f + 4, smb_str(&ss, cfg->sys_manufacturer));
	put8(ss.f + 5, 0x01);			/* type: other */
	put8(ss.f + 9, 0x03);			/* boot-up state: safe */
	put8(ss.f + 0x0a, 0x03);		/* power supply: safe */
	put8(ss.f + 0x0b, 0x03);		/* thermal: safe */
	put8(ss.f + 0x0c, 0x03);		/* security: none */
	smb_add(s, &ss);
}

static void
smb_processors(struct smb *s, const struct vm *vm)
{
	struct smb_struct ss;
	struct x86_topo t;
	char name[16];
	unsigned i, cores, threads;

	x86_topo_get(vm, &t);
	cores = t.cores > 255 ? 255 : t.cores;
	threads = t.cores * t.threads > 255 ? 255 : t.cores * t.threads;
	for (i = 0; i < t.sockets && !s->failed; i++) {
		/*
		 * Past a few hundred sockets the area is full: keep room for
		 * the memory records and stop listing processors (guests take
		 * their topology from CPUID and the MADT, not from here).
		 */
		if (s->r->size - s->r->used < SMB_TYPE4_ROOM + SMB_TAIL_ROOM)
			break;
		snprintf(name, sizeof(name), "CPU %u", i);
		smb_init(&ss, 4, 0x2a, smb_handle(s));
		put8(ss.f + 4, smb_str(&ss, name));
		put8(ss.f + 5, 0x03);		/* central processor */
		put8(ss.f + 6, 0x01);		/* family: other */
		put8(ss.f + 7, smb_str(&ss, "khyve"));
		put8(ss.f + 0x10, smb_str(&ss, "khyve virtual CPU"));
		put8(ss.f + 0x18, 0x41);	/* socket populated, enabled */
		put8(ss.f + 0x19, 0x01);	/* upgrade: other */
		put16(ss.f + 0x1a, SMB_NO_HANDLE);	/* no cache info */
		put16(ss.f + 0x1c, SMB_NO_HANDLE);
		put16(ss.f + 0x1e, SMB_NO_HANDLE);
		put8(ss.f + 0x23, (uint8_t)cores);
		put8(ss.f + 0x24, (uint8_t)cores);
		put8(ss.f + 0x25, (uint8_t)threads);
		put16(ss.f + 0x26, 1u << 2);	/* 64-bit capable */
		put16(ss.f + 0x28, 0x01);	/* family 2: other */
		smb_add(s, &ss);
	}
}

static uint64_t
smb_memsize(const struct vm *vm)
{
	return (vm->lowmem + vm->highmem);
}

static uint16_t
smb_mem_array(struct smb *s, const struct vm *vm)
{
	struct smb_struct ss;
	uint64_t kib = smb_memsize(vm) / 1024;

	smb_init(&ss, 16, 0x17, smb_handle(s));
	put8(ss.f + 4, 0x03);			/* location: system board */
	put8(ss.f + 5, 0x03);			/* use: system memory */
	put8(ss.f + 6, 0x03);			/* error correction: none */
	if (kib < 0x80000000ULL)
		put32(ss.f + 7, (uint32_t)kib);
	else {
		put32(ss.f + 7, 0x80000000);	/* see extended capacity */
		put64(ss.f + 0x0f, smb_memsize(vm));
	}
	put16(ss.f + 0x0b, SMB_NO_ERRINFO);
	put16(ss.f + 0x0d, 1);			/* one memory device */
	return (smb_add(s, &ss));
}

static void
smb_mem_device(struct smb *s, const struct vm *vm, uint16_t array)
{
	struct smb_struct ss;
	uint64_t mib = smb_memsize(vm) / MiB;

	smb_init(&ss, 17, 0x28, smb_handle(s));
	put16(ss.f + 4, array);
	put16(ss.f + 6, SMB_NO_ERRINFO);
	put16(ss.f + 8, 64);			/* total width */
	put16(ss.f + 0x0a, 64);			/* data width */
	if (mib < 0x7fff)
		put16(ss.f + 0x0c, (uint16_t)mib);
	else {
		put16(ss.f + 0x0c, 0x7fff);	/* see extended size */
		put32(ss.f + 0x1c, (uint32_t)(mib & 0x7fffffff));
	}
	put8(ss.f + 0x0e, 0x09);		/* form factor: DIMM */
	put8(ss.f + 0x10, smb_str(&ss, "DIMM 0"));
	put8(ss.f + 0x11, smb_str(&ss, "Bank 0"));
	put8(ss.f + 0x12, 0x07);		/* type: RAM */
	put16(ss.f + 0x13, 1u << 1);		/* type detail: other */
	put8(ss.f + 0x17, smb_str(&ss, "khyve"));
	smb_add(s, &ss);
}

/* One mapped range [start, end) of the memory array. */
static void
smb_mem_mapped(struct smb *s, uint16_t array, uint64_t start, uint64_t end)
{
	struct smb_struct ss;
	uint64_t last = end - 1;

	smb_init(&ss, 19, 0x1f, smb_handle(s));
	if (last / 1024 < 0xffffffffULL) {
		put32(ss.f + 4, (uint32_t)(start / 1024));
		put32(ss.f + 8, (uint32_t)(last / 1024));
	} else {
		put32(ss.f + 4, 0xffffffff);	/* see extended addresses */
		put32(ss.f + 8, 0xffffffff);
		put64(ss.f + 0x0f, start);
		put64(ss.f + 0x17, last);
	}
	put16(ss.f + 0x0c, array);
	put8(ss.f + 0x0e, 1);			/* partition width */
	smb_add(s, &ss);
}

static void
smb_memory(struct smb *s, const struct vm *vm)
{
	uint16_t array = smb_mem_array(s, vm);

	smb_mem_device(s, vm, array);
	if (vm->lowmem != 0)
		smb_mem_mapped(s, array, 0, vm->lowmem);
	if (vm->highmem != 0)
		smb_mem_mapped(s, array, HIGHMEM_BASE,
		    HIGHMEM_BASE + vm->highmem);
}

static void
smb_tail(struct smb *s)
{
	struct smb_struct ss;

	smb_init(&ss, 32, 0x0b, smb_handle(s));	/* boot status 0: no errors */
	smb_add(s, &ss);
	smb_init(&ss, 127, 4, smb_handle(s));
	smb_add(s, &ss);
}

static void
smb_entry_point(uint8_t *ep, const struct smb *s)
{
	memcpy(ep, "_SM_", 4);
	put8(ep + 5, SMBIOS_EP_LEN);
	put8(ep + 6, SMBIOS_MAJOR);
	put8(ep + 7, SMBIOS_MINOR);
	put16(ep + 8, (uint16_t)s->max_size);
	memcpy(ep + 0x10, "_DMI_", 5);
	put16(ep + 0x16, (uint16_t)(s->r->gpa + s->r->used - s->start));
	put32(ep + 0x18, (uint32_t)s->start);
	put16(ep + 0x1c, s->count);
	put8(ep + 0x1e, SMBIOS_MAJOR << 4 | SMBIOS_MINOR);
	ep[0x15] = x86_checksum(ep + 0x10, SMBIOS_EP_LEN - 0x10);
	ep[4] = x86_checksum(ep, SMBIOS_EP_LEN);
}

int
x86_smbios_build(const struct vm *vm, const struct x86_tables_cfg *cfg,
    struct x86_region *r)
{
	struct smb s = { .r = r };
	uint8_t *ep;

	if ((ep = x86_region_alloc(r, SMBIOS_EP_LEN, 16, NULL)) == NULL)
		return (-1);
	/* Structures start on a paragraph, right after the entry point. */
	if (x86_region_alloc(r, 0, 16, &s.start) == NULL)
		return (-1);
	smb_bios(&s, cfg);
	smb_system(&s, cfg);
	smb_chassis(&s, cfg);
	smb_processors(&s, vm);
	smb_memory(&s, vm);
	smb_tail(&s);
	if (s.failed) {
		errno = ENOSPC;
		return (-1);
	}
	smb_entry_point(ep, &s);
	return (0);
}
