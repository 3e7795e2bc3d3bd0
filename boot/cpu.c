/*
 * boot/cpu.c: what both loaders need besides parsing: a GDT, identity page
 * tables for the 64-bit entry, the command line and the initrd in guest
 * memory, and the boot CPU's registers.
 *
 * Entry states: Linux Documentation/arch/x86/boot.rst ("64-bit Boot
 * Protocol": paging on, identity map, flat __BOOT_CS 0x10 / __BOOT_DS 0x18,
 * interrupts off, RSI = boot_params) and the Xen PVH ABI
 * (docs/misc/pvh.pandoc: flat 32-bit CS/DS/ES/SS, TR a 32-bit TSS, CR0.PE
 * only, EBX = hvm_start_info).
 */
#include "boot/boot.h"

#include <string.h>

#include "core/vm.h"
#include "vmm/vmm.h"

#define GDT_CS		0x10
#define GDT_DS		0x18
#define GDT_TSS		0x20
#define GDT_ENTRIES	5

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_PS		0x080ULL	/* 2 MiB page in a PD */

#define CR0_PE		0x00000001ULL
#define CR0_ET		0x00000010ULL
#define CR0_NE		0x00000020ULL
#define CR0_WP		0x00010000ULL
#define CR0_PG		0x80000000ULL
#define CR4_PAE		0x00000020ULL
#define EFER_LME	0x00000100ULL
#define EFER_LMA	0x00000400ULL

int
boot_write_gdt(struct vm *vm, enum boot_cpu_mode mode, struct boot_err *e)
{
	uint64_t gdt[GDT_ENTRIES] = {
		[GDT_CS / 8] = mode == BOOT_CPU_LONG64 ?
		    0x00af9b000000ffffULL :	/* 64-bit code, execute/read */
		    0x00cf9b000000ffffULL,	/* 32-bit code, 4 GiB flat */
		[GDT_DS / 8] = 0x00cf93000000ffffULL,	/* data, read/write */
		[GDT_TSS / 8] = 0x00008b0000000067ULL,	/* busy 32-bit TSS at 0 */
	};

	if (vm_write(vm, BOOT_GDT_ADDR, gdt, sizeof(gdt)) != 0)
		return (boot_fail(e, "guest memory too small for the boot GDT"));
	return (0);
}

/* PML4 → PDPT → 4 page directories of 2 MiB pages: [0, 4 GiB) identity. */
int
boot_write_pagetables(struct vm *vm, struct boot_err *e)
{
	uint64_t *pml4, *pdpt, *pd;
	uint64_t pdpt_gpa = BOOT_PML4_ADDR + 0x1000, pd_gpa = pdpt_gpa + 0x1000;

	pml4 = vm_gpa(vm, BOOT_PML4_ADDR, 6 * 0x1000);
	if (pml4 == NULL)
		return (boot_fail(e, "guest memory too small for page tables"));
	memset(pml4, 0, 6 * 0x1000);
	pdpt = pml4 + 512;
	pd = pdpt + 512;
	pml4[0] = pdpt_gpa | PTE_P | PTE_RW;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (pd_gpa + (uint64_t)i * 0x1000) | PTE_P | PTE_RW;
	for (uint64_t j = 0; j < 4 * 512; j++)
		pd[j] = (j << 21) | PTE_P | PTE_RW | PTE_PS;
	return (0);
}

int
boot_write_cmdline(struct vm *vm, const char *cmdline, uint64_t max,
    struct boot_err *e)
{
	size_t len = cmdline != NULL ? strlen(cmdline) : 0;

	if (max > BOOT_CMDLINE_MAX)
		max = BOOT_CMDLINE_MAX;
	if (len > max)
		return (boot_fail(e, "boot.cmdline is %zu bytes long; the kernel "
		    "accepts at most %llu", len, (unsigned long long)max));
	if (vm_write(vm, BOOT_CMDLINE_ADDR, cmdline != NULL ? cmdline : "",
	    len) != 0 || vm_write(vm, BOOT_CMDLINE_ADDR + len, "", 1) != 0)
		return (boot_fail(e, "guest memory too small for the command line"));
	return (0);
}

int
boot_place_initrd(struct vm *vm, const struct boot_file *f, uint64_t floor,
    uint64_t top, uint64_t *addr, struct boot_err *e)
{
	uint64_t start;
	void *dst;

	if (f->size == 0) {		/* an empty initrd is no initrd */
		*addr = 0;
		return (0);
	}
	if (top > vm->lowmem)
		top = vm->lowmem;
	if (f->size > top || ((top - f->size) & ~0xfffULL) < floor)
		return (boot_fail(e, "%s: initrd of %llu bytes does not fit in "
		    "guest memory: %llu bytes free between the kernel and 0x%llx",
		    f->path, (unsigned long long)f->size,
		    (unsigned long long)(top > floor ? top - floor : 0),
		    (unsigned long long)top));
	start = (top - f->size) & ~0xfffULL;
	dst = vm_gpa(vm, start, f->size);
	if (dst == NULL)
		return (boot_fail(e, "%s: initrd does not fit below 0x%llx",
		    f->path, (unsigned long long)top));
	if (boot_file_read(f, 0, dst, f->size) != 0)
		return (boot_fail(e, "%s: cannot read %llu bytes (truncated?)",
		    f->path, (unsigned long long)f->size));
	*addr = start;
	return (0);
}

static void
flat_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code64)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code64;
	s->db = !code64;
}

int
boot_cpu_apply(struct vmm_vcpu *v, const struct boot_cpu *cpu)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	bool lm = cpu->mode == BOOT_CPU_LONG64;

	if (vmm_get_sregs(v, &s) != 0)
		return (-1);
	flat_seg(&s.cs, GDT_CS, 0xb, lm);
	flat_seg(&s.ds, GDT_DS, 0x3, false);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.gdt.base = BOOT_GDT_ADDR;
	s.gdt.limit = GDT_ENTRIES * 8 - 1;
	if (lm) {
		s.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
		s.cr3 = BOOT_PML4_ADDR;
		s.cr4 = CR4_PAE;
		s.efer = EFER_LME | EFER_LMA;
	} else {
		s.cr0 = CR0_PE | CR0_ET;
		s.cr3 = 0;
		s.cr4 = 0;
		s.efer = 0;
		memset(&s.tr, 0, sizeof(s.tr));
		s.tr.selector = GDT_TSS;
		s.tr.limit = 0x67;
		s.tr.type = 0xb;	/* busy 32-bit TSS */
		s.tr.present = 1;
	}
	if (vmm_set_sregs(v, &s) != 0)
		return (-1);
	memset(&r, 0, sizeof(r));
	r.rflags = 0x2;		/* IF clear, reserved bit 1 set */
	r.rip = cpu->rip;
	r.rsp = cpu->rsp;
	r.rsi = cpu->rsi;
	r.rbx = cpu->rbx;
	return (vmm_set_regs(v, &r));
}
