/*
 * Loading a guest kernel straight into guest memory (what bhyveload and
 * userboot do for FreeBSD; here for Linux): a bzImage through the x86
 * 64-bit boot protocol (boot/bzimage.c) or an ELF vmlinux through PVH
 * (boot/pvh.c).  A loader fills guest RAM and describes the boot CPU in a
 * struct boot_cpu; core/ applies it to vCPU 0.
 *
 * Every input byte is untrusted: the parsers work on a struct boot_file
 * (a file or a memory buffer, so unit tests and fuzzers need no files)
 * and report what is wrong in a struct boot_err instead of crashing.
 */
#ifndef KHYVE_BOOT_BOOT_H
#define KHYVE_BOOT_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vmm_vcpu;

/* Guest-physical places of what the loaders write below 1 MiB. */
#define BOOT_GDT_ADDR		0x0500
#define BOOT_PML4_ADDR		0x1000	/* then PDPT and 4 PDs: 4 GiB identity */
#define BOOT_STACK_TOP		0x8000
#define BOOT_INFO_ADDR		0x8000	/* Linux zero page or PVH start_info */
#define BOOT_CMDLINE_ADDR	0x20000
#define BOOT_CMDLINE_MAX	0xffff	/* bytes, without the NUL */
#define BOOT_KERNEL_MIN		0x100000 /* nothing of a kernel below 1 MiB */

enum boot_cpu_mode {
	BOOT_CPU_LONG64,	/* paging on, identity map at BOOT_PML4_ADDR */
	BOOT_CPU_PROT32,	/* flat 32-bit protected mode, paging off */
};

/* The boot CPU's starting state. */
struct boot_cpu {
	enum boot_cpu_mode mode;
	uint64_t	rip;
	uint64_t	rsp;
	uint64_t	rsi;	/* Linux: boot_params */
	uint64_t	rbx;	/* PVH: hvm_start_info */
};

struct boot_err {
	char	msg[512];
};

/* Records a message; returns -1 so callers can `return (boot_fail(...))`. */
int boot_fail(struct boot_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A kernel or initrd: an open file (fd >= 0) or a buffer. */
struct boot_file {
	const char	*path;	/* names it in messages */
	int		fd;
	const uint8_t	*buf;
	uint64_t	size;
};

int boot_file_open(struct boot_file *f, const char *path, struct boot_err *e);
void boot_file_close(struct boot_file *f);
void boot_file_from_buf(struct boot_file *f, const char *name,
    const void *buf, uint64_t size);
/* Exactly len bytes at off, or -1 (past the end, read error, file shrank). */
int boot_file_read(const struct boot_file *f, uint64_t off, void *dst,
    uint64_t len);

struct boot_args {
	const struct boot_file *kernel;
	const struct boot_file *initrd;	/* NULL: none */
	const char	*cmdline;	/* NULL: empty */
	uint64_t	rsdp;		/* ACPI RSDP address, 0: none */
};

/* Format probes on the first bytes of a file. */
bool bzimage_probe(const struct boot_file *k);
bool elf_probe(const struct boot_file *k);

int bzimage_load(struct vm *vm, const struct boot_args *a, struct boot_cpu *cpu,
    struct boot_err *e);
int pvh_load(struct vm *vm, const struct boot_args *a, struct boot_cpu *cpu,
    struct boot_err *e);
/* Picks the loader by format: ELF → PVH, else bzImage. */
int boot_load(struct vm *vm, const struct boot_args *a, struct boot_cpu *cpu,
    struct boot_err *e);

/* True when boot.kernel is set (else the VM "cannot be booted"). */
bool boot_configured(void);
/* Reads boot.kernel, boot.initrd, boot.cmdline and loads them. */
int boot_from_config(struct vm *vm, uint64_t rsdp, struct boot_cpu *cpu,
    struct boot_err *e);

/*
 * Helpers shared by the loaders (boot/cpu.c): the GDT and identity page
 * tables in guest memory, the initrd at the top of low memory, the command
 * line, and the vCPU registers.
 */
int boot_write_gdt(struct vm *vm, enum boot_cpu_mode mode, struct boot_err *e);
int boot_write_pagetables(struct vm *vm, struct boot_err *e);
int boot_write_cmdline(struct vm *vm, const char *cmdline, uint64_t max,
    struct boot_err *e);
/* Places the initrd page-aligned below top and above floor; *addr gets it. */
int boot_place_initrd(struct vm *vm, const struct boot_file *f, uint64_t floor,
    uint64_t top, uint64_t *addr, struct boot_err *e);
int boot_cpu_apply(struct vmm_vcpu *v, const struct boot_cpu *cpu);

#endif
