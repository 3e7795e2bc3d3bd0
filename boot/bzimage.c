/*
 * boot/bzimage.c: Linux bzImage loading through the x86 64-bit boot
 * protocol (Linux Documentation/arch/x86/boot.rst; zero page layout in
 * Documentation/arch/x86/zero-page.rst).
 *
 * The setup header is read, checked (magic, protocol version, LOADED_HIGH,
 * XLF_KERNEL_64, sizes against the file), then the protected-mode kernel
 * goes to 1 MiB — or to pref_address when the kernel is relocatable and
 * fits there — the initrd to the top of low memory, and boot_params with
 * the e820 map to BOOT_INFO_ADDR.  The real-mode setup code is not used:
 * the CPU starts at the 64-bit entry, 0x200 past the load address.
 */
#include "boot/boot.h"

#include <string.h>

#include "core/vm.h"
#include "x86/e820.h"
#include "boot/le.h"

/* Setup header fields: offsets in the file and in boot_params alike. */
#define HDR_SETUP_SECTS		0x1f1
#define HDR_SYSSIZE		0x1f4
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP_END		0x201	/* header ends at 0x202 + this byte */
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_CODE32_START	0x214
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_KERNEL_ALIGN	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260
#define HDR_END_MAX		0x290	/* end of the header area in boot_params */

/* boot_params fields outside the setup header. */
#define BP_ACPI_RSDP_ADDR	0x070
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_E820_TABLE		0x2d0
#define BP_SIZE			0x1000

#define HDRS_MAGIC		0x53726448	/* "HdrS" */
#define LOADED_HIGH		0x01
#define XLF_KERNEL_64		0x0001
#define XLF_CAN_BE_LOADED_ABOVE_4G 0x0002
#define LOADER_UNDEFINED	0xff
#define ENTRY64_OFFSET		0x200

/* Protocol versions that added what we use. */
#define PROTO_MIN		0x0206	/* cmdline_size */
#define PROTO_64BIT		0x020c	/* xloadflags */
#define PROTO_RSDP		0x020e	/* acpi_rsdp_addr */

/* The parsed, checked header: everything the loader decides from. */
struct bzhdr {
	uint8_t		raw[HDR_END_MAX];	/* file bytes [0, HDR_END_MAX) */
	uint32_t	hdr_end;		/* end of the setup header */
	uint16_t	version;
	uint64_t	kernel_off;		/* protected-mode kernel in the file */
	uint64_t	kernel_len;
	uint64_t	init_size;		/* memory it needs from its load address */
	uint64_t	pref_address;
	uint32_t	initrd_addr_max;
	uint32_t	cmdline_size;
	uint64_t	align;			/* kernel_alignment, 0 if unusable */
	bool		relocatable;
	bool		above_4g;
};

bool
bzimage_probe(const struct boot_file *k)
{
	uint8_t m[4];

	return (boot_file_read(k, HDR_MAGIC, m, sizeof(m)) == 0 &&
	    rd32(m) == HDRS_MAGIC);
}

/* Sizes of the two parts of the file, checked against the file. */
static int
bzhdr_sizes(struct bzhdr *h, const struct boot_file *k, struct boot_err *e)
{
	uint32_t sects = h->raw[HDR_SETUP_SECTS];
	uint64_t syslen = (uint64_t)rd32(h->raw + HDR_SYSSIZE) * 16;

	if (sects == 0)		/* boot.rst: 0 means 4 */
		sects = 4;
	h->kernel_off = ((uint64_t)sects + 1) * 512;
	if (h->kernel_off >= k->size)
		return (boot_fail(e, "%s: truncated: the setup code claims %u "
		    "sectors, the file has only %llu bytes", k->path, sects,
		    (unsigned long long)k->size));
	h->kernel_len = k->size - h->kernel_off;
	/* syssize is in 16-byte units; a signed image may carry more after it. */
	if (syslen > h->kernel_len)
		return (boot_fail(e, "%s: truncated: the header says the kernel "
		    "is %llu bytes, the file holds %llu", k->path,
		    (unsigned long long)syslen,
		    (unsigned long long)h->kernel_len));
	if (syslen != 0)
		h->kernel_len = syslen;
	h->init_size = rd32(h->raw + HDR_INIT_SIZE);
	if (h->init_size < h->kernel_len)
		h->init_size = h->kernel_len;
	return (0);
}

static int
bzhdr_parse(struct bzhdr *h, const struct boot_file *k, struct boot_err *e)
{
	uint16_t xlf;

	memset(h, 0, sizeof(*h));
	if (!bzimage_probe(k))
		return (boot_fail(e, "%s: not a Linux bzImage or ELF kernel (no "
		    "HdrS magic)", k->path));
	if (boot_file_read(k, 0, h->raw, sizeof(h->raw)) != 0)
		return (boot_fail(e, "%s: truncated: %llu bytes is too short for "
		    "a bzImage setup header", k->path,
		    (unsigned long long)k->size));
	h->version = rd16(h->raw + HDR_VERSION);
	if (h->version < PROTO_MIN)
		return (boot_fail(e, "%s: boot protocol %u.%02u is too old (need "
		    "2.06 or later)", k->path, h->version >> 8, h->version & 0xff));
	if ((h->raw[HDR_LOADFLAGS] & LOADED_HIGH) == 0)
		return (boot_fail(e, "%s: a zImage (not loaded high) cannot be "
		    "booted", k->path));
	xlf = rd16(h->raw + HDR_XLOADFLAGS);
	if (h->version < PROTO_64BIT || (xlf & XLF_KERNEL_64) == 0)
		return (boot_fail(e, "%s: not a 64-bit kernel (no XLF_KERNEL_64 "
		    "in boot protocol %u.%02u)", k->path, h->version >> 8,
		    h->version & 0xff));
	h->hdr_end = 0x202 + (uint32_t)h->raw[HDR_JUMP_END];
	if (h->hdr_end > HDR_END_MAX)
		h->hdr_end = HDR_END_MAX;	/* newer fields: not ours */
	h->relocatable = h->raw[HDR_RELOCATABLE] != 0;
	h->above_4g = (xlf & XLF_CAN_BE_LOADED_ABOVE_4G) != 0;
	h->pref_address = rd64(h->raw + HDR_PREF_ADDRESS);
	h->initrd_addr_max = rd32(h->raw + HDR_INITRD_ADDR_MAX);
	h->cmdline_size = rd32(h->raw + HDR_CMDLINE_SIZE);
	h->align = rd32(h->raw + HDR_KERNEL_ALIGN);
	if (h->align > GiB || (h->align & (h->align - 1)) != 0)
		h->align = 0;		/* not a sane power of two: ignore it */
	return (bzhdr_sizes(h, k, e));
}

/*
 * Where the kernel goes and the end of the memory it will use.  A
 * non-relocatable kernel decompresses itself to pref_address whatever its
 * load address; a relocatable one to its load address rounded up to
 * kernel_alignment.  The initrd must start above where that ends.
 */
static int
bz_place(struct vm *vm, const struct bzhdr *h, const char *path,
    uint64_t *load, uint64_t *end, struct boot_err *e)
{
	uint64_t run = h->pref_address;
	uint64_t mask = h->align != 0 ? h->align - 1 : 0;

	if (run < BOOT_KERNEL_MIN)
		run = BOOT_KERNEL_MIN;
	*load = BOOT_KERNEL_MIN;
	if (h->relocatable && run < vm->lowmem &&
	    h->init_size <= vm->lowmem - run)
		*load = run;
	else if (h->relocatable)
		run = (BOOT_KERNEL_MIN + mask) & ~mask;
	if (run >= vm->lowmem || h->init_size > vm->lowmem - run ||
	    h->kernel_len > vm->lowmem - *load)
		return (boot_fail(e, "%s: the kernel needs %llu MiB of memory "
		    "from 0x%llx; the guest has %llu MiB below 4 GiB", path,
		    (unsigned long long)((h->init_size + MiB - 1) / MiB),
		    (unsigned long long)run,
		    (unsigned long long)(vm->lowmem / MiB)));
	*end = (run > *load ? run : *load) + h->init_size;
	return (0);
}

static uint64_t
bz_initrd_top(const struct vm *vm, const struct bzhdr *h)
{
	uint64_t top = h->initrd_addr_max != 0 ?
	    (uint64_t)h->initrd_addr_max + 1 : 0x38000000ULL;

	if (h->above_4g || top > vm->lowmem)
		top = vm->lowmem;
	return (top);
}

static void
bz_e820(struct vm *vm, uint8_t *bp)
{
	struct e820_entry map[E820_MAX_ENTRIES];
	int n = e820_build(vm, map);

	bp[BP_E820_ENTRIES] = (uint8_t)n;
	for (int i = 0; i < n; i++) {
		uint8_t *ent = bp + BP_E820_TABLE + i * 20;

		wr64(ent, map[i].addr);
		wr64(ent + 8, map[i].size);
		wr32(ent + 16, map[i].type);
	}
}

/* boot_params ("zero page"): the header as the kernel gave it, plus ours. */
static int
bz_params(struct vm *vm, const struct bzhdr *h, const struct boot_args *a,
    uint64_t load, uint64_t initrd, struct boot_err *e)
{
	uint8_t *bp = vm_gpa(vm, BOOT_INFO_ADDR, BP_SIZE);
	uint64_t isize = initrd != 0 ? a->initrd->size : 0;

	if (bp == NULL)
		return (boot_fail(e, "guest memory too small for boot_params"));
	memset(bp, 0, BP_SIZE);
	memcpy(bp + HDR_SETUP_SECTS, h->raw + HDR_SETUP_SECTS,
	    h->hdr_end - HDR_SETUP_SECTS);
	bp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	wr32(bp + HDR_CODE32_START, (uint32_t)load);
	wr32(bp + HDR_CMD_LINE_PTR, BOOT_CMDLINE_ADDR);
	wr32(bp + HDR_RAMDISK_IMAGE, (uint32_t)initrd);
	wr32(bp + HDR_RAMDISK_SIZE, (uint32_t)isize);
	wr32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(initrd >> 32));
	wr32(bp + BP_EXT_RAMDISK_SIZE, (uint32_t)(isize >> 32));
	if (h->version >= PROTO_RSDP && a->rsdp != 0)
		wr64(bp + BP_ACPI_RSDP_ADDR, a->rsdp);
	bz_e820(vm, bp);
	return (0);
}

int
bzimage_load(struct vm *vm, const struct boot_args *a, struct boot_cpu *cpu,
    struct boot_err *e)
{
	const struct boot_file *k = a->kernel;
	struct bzhdr h;
	uint64_t load = 0, end = 0, initrd = 0;
	void *dst;

	if (bzhdr_parse(&h, k, e) != 0 || bz_place(vm, &h, k->path, &load,
	    &end, e) != 0)
		return (-1);
	dst = vm_gpa(vm, load, h.kernel_len);
	if (dst == NULL || boot_file_read(k, h.kernel_off, dst,
	    h.kernel_len) != 0)
		return (boot_fail(e, "%s: cannot read the %llu-byte kernel "
		    "(truncated?)", k->path, (unsigned long long)h.kernel_len));
	if (a->initrd != NULL && boot_place_initrd(vm, a->initrd, end,
	    bz_initrd_top(vm, &h), &initrd, e) != 0)
		return (-1);
	if (boot_write_cmdline(vm, a->cmdline, h.cmdline_size, e) != 0 ||
	    bz_params(vm, &h, a, load, initrd, e) != 0 ||
	    boot_write_gdt(vm, BOOT_CPU_LONG64, e) != 0 ||
	    boot_write_pagetables(vm, e) != 0)
		return (-1);
	memset(cpu, 0, sizeof(*cpu));
	cpu->mode = BOOT_CPU_LONG64;
	cpu->rip = load + ENTRY64_OFFSET;
	cpu->rsp = BOOT_STACK_TOP;
	cpu->rsi = BOOT_INFO_ADDR;
	return (0);
}
