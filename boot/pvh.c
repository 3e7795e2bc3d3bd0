/*
 * boot/pvh.c: booting an uncompressed ELF kernel (Linux vmlinux) through
 * its Xen PVH entry point, as the Xen PVH ABI defines it
 * (xen/include/public/arch-x86/hvm/start_info.h, docs/misc/pvh.pandoc):
 * the kernel advertises a 32-bit entry in an ELF note (owner "Xen", type
 * XEN_ELFNOTE_PHYS32_ENTRY = 18); the loader puts each PT_LOAD segment at
 * its physical address, fills an hvm_start_info (command line, initrd as
 * module 0, memory map, RSDP) and starts the CPU at the entry in flat
 * 32-bit protected mode with EBX pointing at the start info.
 *
 * ELF layout: the System V gABI (32- and 64-bit, little-endian only).
 */
#include "boot/boot.h"

#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "x86/e820.h"
#include "boot/le.h"

#define EI_CLASS		4
#define EI_DATA			5
#define ELFCLASS32		1
#define ELFCLASS64		2
#define ELFDATA2LSB		1
#define ET_EXEC			2
#define EM_386			3
#define EM_X86_64		62
#define PT_LOAD			1
#define PT_NOTE			4

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PVH_MAX_PHDRS		128
#define PVH_MAX_NOTES		(1u << 20)	/* bytes of PT_NOTE we read */

/* hvm_start_info and its tables, laid out from BOOT_INFO_ADDR. */
#define HVM_START_MAGIC		0x336ec578
#define HVM_INFO_SIZE		56
#define HVM_MODLIST_ADDR	(BOOT_INFO_ADDR + 0x40)	/* one 32-byte entry */
#define HVM_MEMMAP_ADDR		(BOOT_INFO_ADDR + 0x80)	/* 24-byte entries */

/* Program header fields we use, whatever the ELF class. */
struct phdr {
	uint32_t	type;
	uint64_t	offset, paddr, filesz, memsz;
};

struct elf {
	bool		is64;
	uint64_t	phoff;
	uint16_t	phnum;
	struct phdr	ph[PVH_MAX_PHDRS];
};

bool
elf_probe(const struct boot_file *k)
{
	uint8_t m[4];

	return (boot_file_read(k, 0, m, sizeof(m)) == 0 &&
	    memcmp(m, "\177ELF", 4) == 0);
}

static void
phdr_decode(struct phdr *ph, const uint8_t *b, bool is64)
{
	ph->type = rd32(b);
	if (is64) {
		ph->offset = rd64(b + 8);
		ph->paddr = rd64(b + 24);
		ph->filesz = rd64(b + 32);
		ph->memsz = rd64(b + 40);
	} else {
		ph->offset = rd32(b + 4);
		ph->paddr = rd32(b + 12);
		ph->filesz = rd32(b + 16);
		ph->memsz = rd32(b + 20);
	}
}

static int
elf_parse(struct elf *el, const struct boot_file *k, struct boot_err *e)
{
	uint8_t eh[64], b[56];
	uint16_t type, machine, phentsize;

	memset(el, 0, sizeof(*el));
	if (boot_file_read(k, 0, eh, 52) != 0)
		return (boot_fail(e, "%s: truncated ELF header", k->path));
	el->is64 = eh[EI_CLASS] == ELFCLASS64;
	if ((eh[EI_CLASS] != ELFCLASS32 && !el->is64) || eh[EI_DATA] != ELFDATA2LSB)
		return (boot_fail(e, "%s: not a little-endian 32- or 64-bit ELF "
		    "file", k->path));
	if (el->is64 && boot_file_read(k, 0, eh, 64) != 0)
		return (boot_fail(e, "%s: truncated ELF header", k->path));
	type = rd16(eh + 16);
	machine = rd16(eh + 18);
	if (type != ET_EXEC || (machine != EM_X86_64 && machine != EM_386))
		return (boot_fail(e, "%s: not an x86 ELF executable (type %u, "
		    "machine %u)", k->path, type, machine));
	el->phoff = el->is64 ? rd64(eh + 32) : rd32(eh + 28);
	phentsize = rd16(eh + (el->is64 ? 54 : 42));
	el->phnum = rd16(eh + (el->is64 ? 56 : 44));
	if (phentsize != (el->is64 ? 56 : 32) || el->phnum == 0 ||
	    el->phnum > PVH_MAX_PHDRS)
		return (boot_fail(e, "%s: bad ELF program headers (%u of %u "
		    "bytes)", k->path, el->phnum, phentsize));
	for (uint16_t i = 0; i < el->phnum; i++) {
		if (el->phoff > k->size || boot_file_read(k, el->phoff +
		    (uint64_t)i * phentsize, b, phentsize) != 0)
			return (boot_fail(e, "%s: truncated: program header %u "
			    "is past the end of the file", k->path, i));
		phdr_decode(&el->ph[i], b, el->is64);
	}
	return (0);
}

/* Searches one PT_NOTE segment for the PVH entry; 1 found, 0 not, -1 error. */
static int
note_find_entry(const struct boot_file *k, const struct phdr *ph,
    uint64_t *entry, struct boot_err *e)
{
	uint8_t *buf;
	uint64_t off = 0, len = ph->filesz, namesz, descsz, need;
	int found = 0;

	if (len > PVH_MAX_NOTES)
		len = PVH_MAX_NOTES;
	buf = malloc(len != 0 ? len : 1);
	if (buf == NULL)
		return (boot_fail(e, "%s: out of memory reading ELF notes", k->path));
	if (boot_file_read(k, ph->offset, buf, len) != 0) {
		free(buf);
		return (boot_fail(e, "%s: truncated: ELF notes past the end of "
		    "the file", k->path));
	}
	while (!found && len - off >= 12) {
		namesz = rd32(buf + off);
		descsz = rd32(buf + off + 4);
		need = 12 + ((namesz + 3) & ~3ULL) + ((descsz + 3) & ~3ULL);
		if (need > len - off)
			break;		/* a lying note ends the search */
		if (rd32(buf + off + 8) == XEN_ELFNOTE_PHYS32_ENTRY &&
		    namesz == 4 && memcmp(buf + off + 12, "Xen", 4) == 0 &&
		    (descsz == 4 || descsz == 8)) {
			*entry = descsz == 4 ? rd32(buf + off + 16) :
			    rd64(buf + off + 16);
			found = 1;
		}
		off += need;
	}
	free(buf);
	return (found);
}

static int
pvh_entry(const struct elf *el, const struct boot_file *k, uint64_t *entry,
    struct boot_err *e)
{
	int r;

	for (uint16_t i = 0; i < el->phnum; i++) {
		if (el->ph[i].type != PT_NOTE)
			continue;
		r = note_find_entry(k, &el->ph[i], entry, e);
		if (r != 0)
			return (r < 0 ? -1 : 0);
	}
	return (boot_fail(e, "%s: ELF kernel has no PVH entry point (no Xen "
	    "note XEN_ELFNOTE_PHYS32_ENTRY)", k->path));
}

/* Copies every PT_LOAD to its physical address; *end gets the highest end. */
static int
pvh_segments(struct vm *vm, const struct elf *el, const struct boot_file *k,
    uint64_t *end, struct boot_err *e)
{
	const struct phdr *ph;
	uint8_t *dst;

	*end = 0;
	for (uint16_t i = 0; i < el->phnum; i++) {
		ph = &el->ph[i];
		if (ph->type != PT_LOAD || ph->memsz == 0)
			continue;
		if (ph->filesz > ph->memsz)
			return (boot_fail(e, "%s: segment %u has more file bytes "
			    "(%llu) than memory (%llu)", k->path, i,
			    (unsigned long long)ph->filesz,
			    (unsigned long long)ph->memsz));
		dst = vm_gpa(vm, ph->paddr, ph->memsz);
		if (ph->paddr < BOOT_KERNEL_MIN || dst == NULL)
			return (boot_fail(e, "%s: segment %u [0x%llx, +0x%llx) "
			    "is not in guest RAM above 1 MiB", k->path, i,
			    (unsigned long long)ph->paddr,
			    (unsigned long long)ph->memsz));
		if (boot_file_read(k, ph->offset, dst, ph->filesz) != 0)
			return (boot_fail(e, "%s: truncated: segment %u is past "
			    "the end of the file", k->path, i));
		memset(dst + ph->filesz, 0, ph->memsz - ph->filesz);
		if (ph->paddr + ph->memsz > *end)
			*end = ph->paddr + ph->memsz;
	}
	if (*end == 0)
		return (boot_fail(e, "%s: ELF kernel has nothing to load",
		    k->path));
	return (0);
}

/* hvm_start_info, the module list (the initrd) and the memory map. */
static int
pvh_start_info(struct vm *vm, const struct boot_args *a, uint64_t initrd,
    struct boot_err *e)
{
	struct e820_entry map[E820_MAX_ENTRIES];
	uint8_t *si = vm_gpa(vm, BOOT_INFO_ADDR, 0x1000);
	int n = e820_build(vm, map);
	uint8_t *mod, *mm;

	if (si == NULL)
		return (boot_fail(e, "guest memory too small for the PVH start info"));
	memset(si, 0, 0x1000);
	mod = si + (HVM_MODLIST_ADDR - BOOT_INFO_ADDR);
	mm = si + (HVM_MEMMAP_ADDR - BOOT_INFO_ADDR);
	wr32(si, HVM_START_MAGIC);
	wr32(si + 4, 1);				/* version */
	wr64(si + 24, BOOT_CMDLINE_ADDR);		/* cmdline_paddr */
	wr64(si + 32, a->rsdp);				/* rsdp_paddr */
	wr64(si + 40, HVM_MEMMAP_ADDR);			/* memmap_paddr */
	wr32(si + 48, (uint32_t)n);			/* memmap_entries */
	if (initrd != 0) {
		wr32(si + 12, 1);			/* nr_modules */
		wr64(si + 16, HVM_MODLIST_ADDR);	/* modlist_paddr */
		wr64(mod, initrd);
		wr64(mod + 8, a->initrd->size);
	}
	for (int i = 0; i < n; i++) {
		wr64(mm + i * 24, map[i].addr);
		wr64(mm + i * 24 + 8, map[i].size);
		wr32(mm + i * 24 + 16, map[i].type);
	}
	return (0);
}

int
pvh_load(struct vm *vm, const struct boot_args *a, struct boot_cpu *cpu,
    struct boot_err *e)
{
	const struct boot_file *k = a->kernel;
	struct elf *el;
	uint64_t entry = 0, end = 0, initrd = 0;
	int r = -1;

	el = malloc(sizeof(*el));
	if (el == NULL)
		return (boot_fail(e, "out of memory"));
	if (elf_parse(el, k, e) != 0 || pvh_entry(el, k, &entry, e) != 0 ||
	    pvh_segments(vm, el, k, &end, e) != 0)
		goto out;
	if (entry >= 4 * GiB || vm_gpa(vm, entry, 1) == NULL) {
		boot_fail(e, "%s: PVH entry point 0x%llx is not in guest RAM "
		    "below 4 GiB", k->path, (unsigned long long)entry);
		goto out;
	}
	if (a->initrd != NULL && boot_place_initrd(vm, a->initrd, end,
	    vm->lowmem, &initrd, e) != 0)
		goto out;
	if (boot_write_cmdline(vm, a->cmdline, BOOT_CMDLINE_MAX, e) != 0 ||
	    pvh_start_info(vm, a, initrd, e) != 0 ||
	    boot_write_gdt(vm, BOOT_CPU_PROT32, e) != 0)
		goto out;
	memset(cpu, 0, sizeof(*cpu));
	cpu->mode = BOOT_CPU_PROT32;
	cpu->rip = entry;
	cpu->rsp = BOOT_STACK_TOP;
	cpu->rbx = BOOT_INFO_ADDR;
	r = 0;
out:
	free(el);
	return (r);
}
