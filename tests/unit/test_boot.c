/*
 * Unit tests for boot/: the bzImage and PVH loaders on crafted images in
 * memory — a good one of each, then headers that lie (bad magic, old
 * protocol, sizes past the end, impossible addresses), initrds and command
 * lines that do not fit, every truncation of a good image and a few
 * thousand random mutations, all of which must fail with a message and
 * never touch memory outside the guest's (ASan watches).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "boot/boot.h"
#include "core/vm.h"
#include "x86/e820.h"

#include "tests/unit/t.h"

#define KPAYLOAD	8192		/* bytes of "protected-mode kernel" */
#define BZ_SETUP	(5 * 512)	/* setup_sects = 4, plus the boot sector */
#define BZ_SIZE		(BZ_SETUP + KPAYLOAD)

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static uint64_t
get64(const uint8_t *p)
{
	return ((uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32);
}

/* A well-formed bzImage as a 6.x kernel would have it. */
static void
make_bzimage(uint8_t *b)
{
	memset(b, 0, BZ_SIZE);
	b[0x1f1] = 4;				/* setup_sects */
	put32(b + 0x1f4, KPAYLOAD / 16);	/* syssize */
	put16(b + 0x1fe, 0xaa55);
	b[0x200] = 0xeb;
	b[0x201] = 0x6a;			/* header ends at 0x26c */
	memcpy(b + 0x202, "HdrS", 4);
	put16(b + 0x206, 0x020f);		/* protocol 2.15 */
	b[0x211] = 0x01;			/* LOADED_HIGH */
	put32(b + 0x214, 0x100000);
	put32(b + 0x22c, 0x7fffffff);		/* initrd_addr_max */
	put32(b + 0x230, 0x200000);		/* kernel_alignment */
	b[0x234] = 1;				/* relocatable */
	put16(b + 0x236, 0x0003);		/* XLF_KERNEL_64, above 4G */
	put32(b + 0x238, 2047);			/* cmdline_size */
	put64(b + 0x258, 0x1000000);		/* pref_address */
	put32(b + 0x260, 0x400000);		/* init_size */
	for (int i = 0; i < KPAYLOAD; i++)
		b[BZ_SETUP + i] = (uint8_t)(i * 7 + 1);
}

/* A guest of memsize bytes of real (zeroed) memory. */
static void
guest(struct vm *vm, uint64_t memsize)
{
	memset(vm, 0, sizeof(*vm));
	vm->mem_fd = -1;
	vm_layout(vm, memsize);
	vm->mem = mmap(NULL, memsize, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		vm->mem = NULL;
}

static void
unguest(struct vm *vm)
{
	if (vm->mem != NULL)
		munmap(vm->mem, vm->memsize);
}

static int
bz_try(struct vm *vm, const uint8_t *img, size_t len, const uint8_t *rd,
    size_t rdlen, const char *cmdline, struct boot_cpu *cpu,
    struct boot_err *e)
{
	struct boot_file k, i;
	struct boot_args a = { .kernel = &k, .cmdline = cmdline, .rsdp = 0xf2400 };

	boot_file_from_buf(&k, "bzImage", img, len);
	if (rd != NULL) {
		boot_file_from_buf(&i, "initrd", rd, rdlen);
		a.initrd = &i;
	}
	e->msg[0] = '\0';
	return (boot_load(vm, &a, cpu, e));
}

static void
test_bzimage_good(void)
{
	static uint8_t img[BZ_SIZE];
	uint8_t rd[10000], *bp;
	struct vm vm;
	struct boot_cpu cpu;
	struct boot_err e;
	uint32_t rdaddr;

	make_bzimage(img);
	memset(rd, 0xab, sizeof(rd));
	guest(&vm, 64 * MiB);
	T_CHECK(bz_try(&vm, img, sizeof(img), rd, sizeof(rd), "console=ttyS0",
	    &cpu, &e) == 0);
	T_STREQ(e.msg, "");
	/* Relocatable and it fits: at pref_address, entered 0x200 in. */
	T_CHECK(cpu.mode == BOOT_CPU_LONG64);
	T_CHECK(cpu.rip == 0x1000000 + 0x200);
	T_CHECK(cpu.rsi == BOOT_INFO_ADDR);
	T_CHECK(memcmp(vm.mem + 0x1000000, img + BZ_SETUP, KPAYLOAD) == 0);
	bp = vm.mem + BOOT_INFO_ADDR;
	T_CHECK(memcmp(bp + 0x202, "HdrS", 4) == 0);
	T_CHECK(bp[0x210] == 0xff);				/* type_of_loader */
	T_CHECK(get32(bp + 0x214) == 0x1000000);		/* code32_start */
	T_CHECK(get32(bp + 0x228) == BOOT_CMDLINE_ADDR);
	T_STREQ((char *)vm.mem + BOOT_CMDLINE_ADDR, "console=ttyS0");
	T_CHECK(get64(bp + 0x070) == 0xf2400);			/* acpi_rsdp_addr */
	/* The initrd: page-aligned, at the top of low memory, intact. */
	rdaddr = get32(bp + 0x218);
	T_CHECK(get32(bp + 0x21c) == sizeof(rd));
	T_CHECK(rdaddr % 4096 == 0);
	T_CHECK(rdaddr + sizeof(rd) <= 64 * MiB && rdaddr + sizeof(rd) > 64 * MiB - 4096);
	T_CHECK(memcmp(vm.mem + rdaddr, rd, sizeof(rd)) == 0);
	/* The e820 map: RAM from 1 MiB to the top. */
	T_CHECK(bp[0x1e8] == 5);
	T_CHECK(get64(bp + 0x2d0 + 2 * 20) == MiB);
	T_CHECK(get64(bp + 0x2d0 + 2 * 20 + 8) == 63 * MiB);
	T_CHECK(get32(bp + 0x2d0 + 2 * 20 + 16) == E820_RAM);
	/* Identity map: PML4 → PDPT, 2 MiB pages. */
	T_CHECK(get64(vm.mem + BOOT_PML4_ADDR) == ((BOOT_PML4_ADDR + 0x1000) | 3));
	T_CHECK(get64(vm.mem + BOOT_PML4_ADDR + 0x2000 + 8) == (0x200000 | 0x83));
	unguest(&vm);
}

static void
test_bzimage_low_memory(void)
{
	static uint8_t img[BZ_SIZE];
	struct vm vm;
	struct boot_cpu cpu;
	struct boot_err e;

	make_bzimage(img);
	/* pref_address + init_size (20 MiB) does not fit in 16 MiB: 1 MiB. */
	guest(&vm, 16 * MiB);
	T_CHECK(bz_try(&vm, img, sizeof(img), NULL, 0, NULL, &cpu, &e) == 0);
	T_CHECK(cpu.rip == MiB + 0x200);
	T_CHECK(memcmp(vm.mem + MiB, img + BZ_SETUP, KPAYLOAD) == 0);
	T_CHECK(get32(vm.mem + BOOT_INFO_ADDR + 0x218) == 0);	/* no initrd */
	T_STREQ((char *)vm.mem + BOOT_CMDLINE_ADDR, "");
	unguest(&vm);
	/* Not relocatable: it will run at pref_address, which must fit. */
	img[0x234] = 0;
	guest(&vm, 16 * MiB);
	T_CHECK(bz_try(&vm, img, sizeof(img), NULL, 0, NULL, &cpu, &e) == -1);
	T_CHECK(strstr(e.msg, "needs 4 MiB of memory from 0x1000000") != NULL);
	unguest(&vm);
}

/* Changes one thing in a good image and expects the message. */
static void
bz_expect(void (*change)(uint8_t *), size_t len, const char *rd_text,
    size_t rdlen, const char *cmdline, const char *want)
{
	static uint8_t img[BZ_SIZE];
	uint8_t *rd = NULL;
	struct vm vm;
	struct boot_cpu cpu;
	struct boot_err e;

	make_bzimage(img);
	if (change != NULL)
		change(img);
	if (rd_text != NULL) {
		rd = calloc(1, rdlen);
		T_CHECK(rd != NULL);
	}
	guest(&vm, 32 * MiB);
	T_CHECK(bz_try(&vm, img, len, rd, rdlen, cmdline, &cpu, &e) == -1);
	if (strstr(e.msg, want) == NULL)
		printf("  message was: %s\n", e.msg);
	T_CHECK(strstr(e.msg, want) != NULL);
	unguest(&vm);
	free(rd);
}

static void no_magic(uint8_t *b) { memcpy(b + 0x202, "HdrT", 4); }
static void old_proto(uint8_t *b) { put16(b + 0x206, 0x0205); }
static void proto_211(uint8_t *b) { put16(b + 0x206, 0x020b); }
static void no_64bit(uint8_t *b) { put16(b + 0x236, 0x0002); }
static void zimage(uint8_t *b) { b[0x211] = 0; }
static void huge_setup(uint8_t *b) { b[0x1f1] = 255; }
static void lying_syssize(uint8_t *b) { put32(b + 0x1f4, KPAYLOAD / 16 + 1); }
static void huge_init(uint8_t *b) { put32(b + 0x260, 0xffffffff); }
static void wild_pref(uint8_t *b) { put64(b + 0x258, UINT64_MAX); b[0x234] = 0; }
static void short_cmdline(uint8_t *b) { put32(b + 0x238, 4); }
static void low_initrd_max(uint8_t *b) { put32(b + 0x22c, 0x4fffff); put16(b + 0x236, 1); }

static void
test_bzimage_lies(void)
{
	bz_expect(no_magic, BZ_SIZE, NULL, 0, NULL,
	    "bzImage: not a Linux bzImage or ELF kernel");
	bz_expect(old_proto, BZ_SIZE, NULL, 0, NULL,
	    "boot protocol 2.05 is too old");
	bz_expect(proto_211, BZ_SIZE, NULL, 0, NULL, "not a 64-bit kernel");
	bz_expect(no_64bit, BZ_SIZE, NULL, 0, NULL, "not a 64-bit kernel");
	bz_expect(zimage, BZ_SIZE, NULL, 0, NULL, "zImage");
	bz_expect(huge_setup, BZ_SIZE, NULL, 0, NULL,
	    "truncated: the setup code claims 255 sectors");
	bz_expect(lying_syssize, BZ_SIZE, NULL, 0, NULL,
	    "truncated: the header says the kernel is 8208 bytes");
	bz_expect(NULL, BZ_SIZE - 1, NULL, 0, NULL,
	    "truncated: the header says the kernel is 8192 bytes");
	bz_expect(NULL, 0x280, NULL, 0, NULL, "truncated");
	bz_expect(NULL, 100, NULL, 0, NULL, "not a Linux bzImage or ELF kernel");
	bz_expect(huge_init, BZ_SIZE, NULL, 0, NULL, "the kernel needs 4096 MiB");
	bz_expect(wild_pref, BZ_SIZE, NULL, 0, NULL, "the kernel needs");
	bz_expect(short_cmdline, BZ_SIZE, NULL, 0, "console=ttyS0",
	    "boot.cmdline is 13 bytes long; the kernel accepts at most 4");
	bz_expect(NULL, BZ_SIZE, "initrd", 40 * MiB, NULL,
	    "initrd: initrd of 41943040 bytes does not fit");
	/* Room above the kernel, but below initrd_addr_max there is none. */
	bz_expect(low_initrd_max, BZ_SIZE, "initrd", 4096, NULL,
	    "initrd: initrd of 4096 bytes does not fit");
}

/* Cheap deterministic PRNG for the mutation loops. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return (*s);
}

static void
test_bzimage_fuzz(void)
{
	static uint8_t good[BZ_SIZE], img[BZ_SIZE];
	struct vm vm;
	struct boot_cpu cpu;
	struct boot_err e;
	uint32_t seed = 12345;
	int ok = 0;

	make_bzimage(good);
	guest(&vm, 32 * MiB);
	/* Every truncation fails with a message. */
	for (size_t len = 0; len < BZ_SIZE; len += len < 0x300 ? 1 : 97) {
		T_CHECK(bz_try(&vm, good, len, NULL, 0, NULL, &cpu, &e) == -1);
		T_CHECK(e.msg[0] != '\0');
	}
	/* Mutations in the header: never a crash, a message when refused. */
	for (int i = 0; i < 3000; i++) {
		memcpy(img, good, sizeof(img));
		for (int j = 1 + (int)(rnd(&seed) % 4); j > 0; j--)
			img[0x1f1 + rnd(&seed) % (0x290 - 0x1f1)] = (uint8_t)rnd(&seed);
		if (bz_try(&vm, img, sizeof(img), NULL, 0, NULL, &cpu, &e) == 0) {
			ok++;
			T_CHECK(vm_gpa(&vm, cpu.rip, 1) != NULL);
		} else {
			T_CHECK(e.msg[0] != '\0');
		}
	}
	T_CHECK(ok > 0);
	unguest(&vm);
}

/* --- PVH --- */

#define ELF_SIZE	0x3000
#define ELF_PADDR	0x200000
#define ELF_ENTRY	0x200010

/* A 64-bit ELF: one PT_LOAD at 2 MiB (0x1000 file bytes, 0x3000 memory),
 * one PT_NOTE holding a GNU note and then the Xen PVH entry note. */
static void
make_elf64(uint8_t *b)
{
	uint8_t *ph, *n;

	memset(b, 0, ELF_SIZE);
	memcpy(b, "\177ELF", 4);
	b[4] = 2;			/* ELFCLASS64 */
	b[5] = 1;			/* little-endian */
	b[6] = 1;
	put16(b + 16, 2);		/* ET_EXEC */
	put16(b + 18, 62);		/* EM_X86_64 */
	put32(b + 20, 1);
	put64(b + 24, 0xffffffff81000000ULL);
	put64(b + 32, 64);		/* phoff */
	put16(b + 52, 64);
	put16(b + 54, 56);		/* phentsize */
	put16(b + 56, 2);		/* phnum */
	ph = b + 64;
	put32(ph, 1);			/* PT_LOAD */
	put64(ph + 8, 0x1000);		/* offset */
	put64(ph + 16, 0xffffffff80200000ULL);
	put64(ph + 24, ELF_PADDR);
	put64(ph + 32, 0x1000);		/* filesz */
	put64(ph + 40, 0x3000);		/* memsz */
	ph += 56;
	put32(ph, 4);			/* PT_NOTE */
	put64(ph + 8, 0x2000);
	put64(ph + 32, 44);
	n = b + 0x2000;
	put32(n, 4);			/* GNU build-id-like note first */
	put32(n + 4, 4);
	put32(n + 8, 3);
	memcpy(n + 12, "GNU", 4);
	put32(n + 16, 0xdeadbeef);
	n += 20;
	put32(n, 4);			/* Xen PHYS32_ENTRY, 8-byte desc */
	put32(n + 4, 8);
	put32(n + 8, 18);
	memcpy(n + 12, "Xen", 4);
	put64(n + 16, ELF_ENTRY);
	for (int i = 0; i < 0x1000; i++)
		b[0x1000 + i] = (uint8_t)(i ^ 0x5a);
}

static int
pvh_try(struct vm *vm, const uint8_t *img, size_t len, const uint8_t *rd,
    size_t rdlen, struct boot_cpu *cpu, struct boot_err *e)
{
	struct boot_file k, i;
	struct boot_args a = { .kernel = &k, .cmdline = "console=hvc0",
	    .rsdp = 0xf2400 };

	boot_file_from_buf(&k, "vmlinux", img, len);
	if (rd != NULL) {
		boot_file_from_buf(&i, "initrd", rd, rdlen);
		a.initrd = &i;
	}
	e->msg[0] = '\0';
	return (boot_load(vm, &a, cpu, e));
}

static void
test_pvh_good(void)
{
	static uint8_t img[ELF_SIZE];
	uint8_t rd[5000], *si, *mm;
	struct vm vm;
	struct boot_cpu cpu;
	struct boot_err e;

	make_elf64(img);
	memset(rd, 0x77, sizeof(rd));
	guest(&vm, 32 * MiB);
	memset(vm.mem + ELF_PADDR + 0x1000, 0xee, 0x2000);	/* old bss */
	T_CHECK(pvh_try(&vm, img, sizeof(img), rd, sizeof(rd), &cpu, &e) == 0);
	T_STREQ(e.msg, "");
	T_CHECK(cpu.mode == BOOT_CPU_PROT32);
	T_CHECK(cpu.rip == ELF_ENTRY);
	T_CHECK(cpu.rbx == BOOT_INFO_ADDR);
	T_CHECK(memcmp(vm.mem + ELF_PADDR, img + 0x1000, 0x1000) == 0);
	T_CHECK(vm.mem[ELF_PADDR + 0x1000] == 0 && vm.mem[ELF_PADDR + 0x2fff] == 0);
	si = vm.mem + BOOT_INFO_ADDR;
	T_CHECK(get32(si) == 0x336ec578);
	T_CHECK(get32(si + 4) == 1);
	T_CHECK(get32(si + 12) == 1);			/* one module */
	T_CHECK(get64(si + 24) == BOOT_CMDLINE_ADDR);
	T_STREQ((char *)vm.mem + BOOT_CMDLINE_ADDR, "console=hvc0");
	T_CHECK(get64(si + 32) == 0xf2400);
	T_CHECK(get32(si + 48) == 5);			/* memmap entries */
	mm = vm.mem + get64(si + 40);
	T_CHECK(get64(mm + 2 * 24) == MiB && get32(mm + 2 * 24 + 16) == 1);
	T_CHECK(get64(vm.mem + get64(si + 16) + 8) == sizeof(rd));
	T_CHECK(memcmp(vm.mem + get64(vm.mem + get64(si + 16)), rd,
	    sizeof(rd)) == 0);
	unguest(&vm);
}

static void
test_pvh_elf32(void)
{
	static uint8_t img[ELF_SIZE];
	uint8_t *ph, *n;
	struct vm vm;
	struct boot_cpu cpu;
	struct boot_err e;

	memset(img, 0, sizeof(img));
	memcpy(img, "\177ELF", 4);
	img[4] = 1;
	img[5] = 1;
	put16(img + 16, 2);
	put16(img + 18, 3);		/* EM_386 */
	put32(img + 28, 52);		/* phoff */
	put16(img + 42, 32);
	put16(img + 44, 2);
	ph = img + 52;
	put32(ph, 1);
	put32(ph + 4, 0x1000);
	put32(ph + 12, 0x100000);
	put32(ph + 16, 0x100);
	put32(ph + 20, 0x100);
	ph += 32;
	put32(ph, 4);
	put32(ph + 4, 0x2000);
	put32(ph + 16, 20);
	n = img + 0x2000;
	put32(n, 4);
	put32(n + 4, 4);
	put32(n + 8, 18);
	memcpy(n + 12, "Xen", 4);
	put32(n + 16, 0x100000);
	guest(&vm, 8 * MiB);
	T_CHECK(pvh_try(&vm, img, sizeof(img), NULL, 0, &cpu, &e) == 0);
	T_CHECK(cpu.rip == 0x100000 && cpu.mode == BOOT_CPU_PROT32);
	T_CHECK(get32(vm.mem + BOOT_INFO_ADDR + 12) == 0);	/* no modules */
	unguest(&vm);
}

static void
pvh_expect(void (*change)(uint8_t *), size_t len, size_t rdlen,
    const char *want)
{
	static uint8_t img[ELF_SIZE];
	uint8_t *rd = NULL;
	struct vm vm;
	struct boot_cpu cpu;
	struct boot_err e;

	make_elf64(img);
	if (change != NULL)
		change(img);
	if (rdlen != 0)
		rd = calloc(1, rdlen);
	guest(&vm, 8 * MiB);
	T_CHECK(pvh_try(&vm, img, len, rd, rdlen, &cpu, &e) == -1);
	if (strstr(e.msg, want) == NULL)
		printf("  message was: %s\n", e.msg);
	T_CHECK(strstr(e.msg, want) != NULL);
	unguest(&vm);
	free(rd);
}

static void no_xen_note(uint8_t *b) { put32(b + 0x2000 + 20 + 8, 17); }
static void big_endian(uint8_t *b) { b[5] = 2; }
static void not_exec(uint8_t *b) { put16(b + 16, 3); }
static void arm64(uint8_t *b) { put16(b + 18, 183); }
static void many_phdrs(uint8_t *b) { put16(b + 56, 5000); }
static void bad_phentsize(uint8_t *b) { put16(b + 54, 32); }
static void far_phoff(uint8_t *b) { put64(b + 32, UINT64_MAX - 8); }
static void low_segment(uint8_t *b) { put64(b + 64 + 24, 0x7000); }
static void wild_segment(uint8_t *b) { put64(b + 64 + 24, UINT64_MAX - 0x1000); }
static void fat_file(uint8_t *b) { put64(b + 64 + 32, 0x4000); }
static void past_eof(uint8_t *b) { put64(b + 64 + 8, 0x2800); }
static void huge_note(uint8_t *b) { put32(b + 0x2000 + 20 + 4, 0xfffffff0); }
static void entry_hole(uint8_t *b) { put64(b + 0x2000 + 20 + 16, 0xfee00000); }
static void entry_high(uint8_t *b) { put64(b + 0x2000 + 20 + 16, 0x100200000ULL); }

static void
test_pvh_lies(void)
{
	pvh_expect(no_xen_note, ELF_SIZE, 0, "vmlinux: ELF kernel has no PVH entry point");
	pvh_expect(big_endian, ELF_SIZE, 0, "not a little-endian");
	pvh_expect(not_exec, ELF_SIZE, 0, "not an x86 ELF executable");
	pvh_expect(arm64, ELF_SIZE, 0, "machine 183");
	pvh_expect(many_phdrs, ELF_SIZE, 0, "bad ELF program headers");
	pvh_expect(bad_phentsize, ELF_SIZE, 0, "bad ELF program headers");
	pvh_expect(far_phoff, ELF_SIZE, 0, "truncated: program header 0");
	pvh_expect(low_segment, ELF_SIZE, 0, "is not in guest RAM above 1 MiB");
	pvh_expect(wild_segment, ELF_SIZE, 0, "is not in guest RAM above 1 MiB");
	pvh_expect(fat_file, ELF_SIZE, 0, "more file bytes");
	pvh_expect(past_eof, ELF_SIZE, 0, "truncated: segment 0");
	pvh_expect(huge_note, ELF_SIZE, 0, "no PVH entry point");
	pvh_expect(entry_hole, ELF_SIZE, 0, "PVH entry point 0xfee00000 is not in guest RAM");
	pvh_expect(entry_high, ELF_SIZE, 0, "PVH entry point 0x100200000");
	pvh_expect(NULL, 40, 0, "truncated ELF header");
	pvh_expect(NULL, 0x2000 + 30, 0, "truncated: ELF notes");
	pvh_expect(NULL, ELF_SIZE, 7 * MiB, "initrd: initrd of 7340032 bytes does not fit");
}

static void
test_pvh_fuzz(void)
{
	static uint8_t good[ELF_SIZE], img[ELF_SIZE];
	struct vm vm;
	struct boot_cpu cpu;
	struct boot_err e;
	uint32_t seed = 777;
	/* Where the interesting bytes are: headers and notes. */
	static const struct { size_t off, len; } zones[] = {
		{ 0, 64 + 2 * 56 }, { 0x2000, 48 },
	};

	make_elf64(good);
	guest(&vm, 8 * MiB);
	/* Every truncation before the end of the notes (0x202c) fails. */
	for (size_t len = 0; len < 0x202c; len += len < 0x100 ? 1 : 61) {
		T_CHECK(pvh_try(&vm, good, len, NULL, 0, &cpu, &e) == -1);
		T_CHECK(e.msg[0] != '\0');
	}
	for (int i = 0; i < 4000; i++) {
		memcpy(img, good, sizeof(img));
		for (int j = 1 + (int)(rnd(&seed) % 4); j > 0; j--) {
			size_t z = rnd(&seed) % 2;

			img[zones[z].off + rnd(&seed) % zones[z].len] =
			    (uint8_t)rnd(&seed);
		}
		if (pvh_try(&vm, img, sizeof(img), NULL, 0, &cpu, &e) == 0)
			T_CHECK(vm_gpa(&vm, cpu.rip, 1) != NULL);
		else
			T_CHECK(e.msg[0] != '\0');
	}
	unguest(&vm);
}

static void
test_file_reads(void)
{
	struct boot_file f;
	struct boot_err e;
	uint8_t buf[8];

	boot_file_from_buf(&f, "x", "abcdef", 6);
	T_CHECK(boot_file_read(&f, 0, buf, 6) == 0);
	T_CHECK(boot_file_read(&f, 6, buf, 0) == 0);
	T_CHECK(boot_file_read(&f, 5, buf, 2) == -1);
	T_CHECK(boot_file_read(&f, 7, buf, 0) == -1);
	T_CHECK(boot_file_read(&f, UINT64_MAX, buf, 2) == -1);
	T_CHECK(boot_file_read(&f, 2, buf, UINT64_MAX) == -1);
	T_CHECK(boot_file_open(&f, "/nonexistent/kernel", &e) == -1);
	T_STREQ(e.msg, "/nonexistent/kernel: No such file or directory");
	T_CHECK(boot_file_open(&f, "/", &e) == -1);
	T_STREQ(e.msg, "/: not a regular file");
	T_CHECK(boot_file_open(&f, "/proc/self/exe", &e) == 0);
	T_CHECK(f.size > 4 && elf_probe(&f) && !bzimage_probe(&f));
	boot_file_close(&f);
}

int
main(void)
{
	T_RUN(test_bzimage_good);
	T_RUN(test_bzimage_low_memory);
	T_RUN(test_bzimage_lies);
	T_RUN(test_bzimage_fuzz);
	T_RUN(test_pvh_good);
	T_RUN(test_pvh_elf32);
	T_RUN(test_pvh_lies);
	T_RUN(test_pvh_fuzz);
	T_RUN(test_file_reads);
	return (T_DONE());
}
