/*
 * The MP table (Intel MultiProcessor Specification 1.4, chapter 4): a
 * floating pointer structure at MPTABLE_BASE (inside the BIOS area
 * 0xF0000-0xFFFFF that guests scan), followed by the configuration table:
 *
 *   one processor entry per vCPU (APIC IDs from x86_apic_id),
 *   bus 0 = ISA,
 *   the IOAPIC (ID x86_ioapic_id, as in the MADT),
 *   I/O interrupt assignments: ISA IRQ 0 as ExtINT on pin 0 (8259 virtual
 *   wire), IRQ 0 -> pin 2 (PIT), IRQs 1, 3-15 on their pins, SCI level,
 *   local interrupts: ExtINT on LINT0, NMI on LINT1 of every CPU.
 *
 * Skipped with x86.mptable=false (-Y).  Processors whose APIC ID does not
 * fit in the table's byte cannot be described: the build then fails with
 * ERANGE (x86_tables_build leaves the table out when ACPI is on).
 */
#include <errno.h>

#include "core/vm.h"
#include "x86/platform.h"
#include "x86/tables.h"
#include "x86/x86.h"

#define MPFP_LEN	16
#define MPCT_HDR_LEN	44
#define MP_CPU_LEN	20
#define MP_BUS_LEN	8
#define MP_IOAPIC_LEN	8
#define MP_INT_LEN	8
#define MP_SPEC_REV	4		/* 1.4 */

enum { MP_CPU, MP_BUS, MP_IOAPIC, MP_IOINT, MP_LINT };
enum { INT_INT, INT_NMI, INT_SMI, INT_EXTINT };

#define MP_CPU_EN	1
#define MP_CPU_BP	2
#define LAPIC_VERSION	0x14
#define IOAPIC_VERSION	0x11
#define ISA_BUS		0
/* Flags: polarity bits 1:0, trigger bits 3:2 (01 high/edge, 11 low/level). */
#define MP_INT_CONFORM	0
#define MP_INT_SCI	(0x1 | 0xc)	/* active high, level */
/* CPU signature and features: family 6; FPU and APIC present. */
#define MP_CPU_SIG	0x600
#define MP_CPU_FEAT	0x201

static uint8_t *
mp_int(uint8_t *p, uint8_t type, uint8_t kind, uint16_t flags,
    uint8_t src_irq, uint8_t dst_id, uint8_t dst_pin)
{
	put8(p, type);
	put8(p + 1, kind);
	put16(p + 2, flags);
	put8(p + 4, ISA_BUS);
	put8(p + 5, src_irq);
	put8(p + 6, dst_id);
	put8(p + 7, dst_pin);
	return (p + MP_INT_LEN);
}

static uint8_t *
mp_cpus(const struct vm *vm, uint8_t *p)
{
	int i;

	for (i = 0; i < x86_ncpus(vm); i++) {
		put8(p, MP_CPU);
		put8(p + 1, (uint8_t)x86_apic_id(vm, i));
		put8(p + 2, LAPIC_VERSION);
		put8(p + 3, MP_CPU_EN | (i == 0 ? MP_CPU_BP : 0));
		put32(p + 4, MP_CPU_SIG);
		put32(p + 8, MP_CPU_FEAT);
		p += MP_CPU_LEN;
	}
	return (p);
}

/* ISA IRQs 0-15 on the IOAPIC, as the MADT's overrides say. */
static uint8_t *
mp_isa_irqs(uint8_t *p, uint8_t ioapic, int *n)
{
	int irq;

	p = mp_int(p, MP_IOINT, INT_EXTINT, MP_INT_CONFORM, 0, ioapic, 0);
	(*n)++;
	for (irq = 0; irq < 16; irq++) {
		if (irq == 2)		/* the 8259 cascade */
			continue;
		p = mp_int(p, MP_IOINT, INT_INT,
		    irq == SCI_IRQ ? MP_INT_SCI : MP_INT_CONFORM,
		    (uint8_t)irq, ioapic, irq == 0 ? 2 : (uint8_t)irq);
		(*n)++;
	}
	return (p);
}

static int
mp_entries(const struct vm *vm, uint8_t *ct, int *n)
{
	uint8_t *p = ct + MPCT_HDR_LEN;
	uint8_t ioapic = x86_ioapic_id(vm);

	p = mp_cpus(vm, p);
	*n = x86_ncpus(vm);
	put8(p, MP_BUS);
	put8(p + 1, ISA_BUS);
	putstr_pad(p + 2, "ISA", 6);
	p += MP_BUS_LEN;
	put8(p, MP_IOAPIC);
	put8(p + 1, ioapic);
	put8(p + 2, IOAPIC_VERSION);
	put8(p + 3, 1);				/* enabled */
	put32(p + 4, (uint32_t)IOAPIC_BASE);
	p += MP_IOAPIC_LEN;
	*n += 2;
	p = mp_isa_irqs(p, ioapic, n);
	p = mp_int(p, MP_LINT, INT_EXTINT, MP_INT_CONFORM, 0, 0xff, 0);
	p = mp_int(p, MP_LINT, INT_NMI, MP_INT_CONFORM, 0, 0xff, 1);
	*n += 2;
	return ((int)(p - ct));
}

static size_t
mp_table_len(const struct vm *vm)
{
	/* Processors, bus, IOAPIC, 16 I/O interrupts, 2 local ones. */
	return (MPCT_HDR_LEN + (size_t)x86_ncpus(vm) * MP_CPU_LEN +
	    MP_BUS_LEN + MP_IOAPIC_LEN + 18 * MP_INT_LEN);
}

int
x86_mptable_build(const struct vm *vm, const struct x86_tables_cfg *cfg,
    struct x86_region *r)
{
	uint8_t *fp, *ct;
	uint64_t fp_gpa, ct_gpa;
	int len, n;

	(void)cfg;
	if (x86_apic_id(vm, x86_ncpus(vm) - 1) >= 0xff) {
		errno = ERANGE;
		return (-1);
	}
	if ((fp = x86_region_alloc(r, MPFP_LEN, 16, &fp_gpa)) == NULL ||
	    (ct = x86_region_alloc(r, mp_table_len(vm), 16, &ct_gpa)) == NULL)
		return (-1);
	len = mp_entries(vm, ct, &n);
	memcpy(ct, "PCMP", 4);
	put16(ct + 4, (uint16_t)len);
	put8(ct + 6, MP_SPEC_REV);
	putstr_pad(ct + 8, "KHYVE", 8);		/* OEM ID */
	putstr_pad(ct + 16, "KHYVE VM", 12);	/* product ID */
	put16(ct + 34, (uint16_t)n);
	put32(ct + 36, (uint32_t)LAPIC_BASE);
	ct[7] = x86_checksum(ct, (size_t)len);

	memcpy(fp, "_MP_", 4);
	put32(fp + 4, (uint32_t)ct_gpa);
	put8(fp + 8, 1);			/* length in 16-byte units */
	put8(fp + 9, MP_SPEC_REV);
	/* Feature bytes 0: the table above, no IMCR (virtual wire mode). */
	fp[10] = x86_checksum(fp, MPFP_LEN);
	(void)fp_gpa;
	return (0);
}
