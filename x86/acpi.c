/*
 * ACPI tables (ACPI 6.x, chapter 5.2 "ACPI System Description Tables"):
 * RSDP (rev 2), XSDT and RSDT, FADT (rev 6), FACS, MADT, MCFG (PCI
 * firmware spec 3.0, only when the PCI layer provides ECAM) and the DSDT
 * (its AML comes from dsdt.c).  All of it lands in [ACPI_BASE, 1 MiB); the
 * fixed hardware it points at (PM1 block, PM timer, SMI_CMD, reset port)
 * is listed in x86/platform.h and emulated in devices/.
 *
 * Tables are laid out as byte arrays with explicit little-endian stores,
 * never C structs, so padding and host endianness cannot leak in.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/vm.h"
#include "x86/aml.h"
#include "x86/dsdt.h"
#include "x86/platform.h"
#include "x86/tables.h"
#include "x86/x86.h"

#define ACPI_OEM_ID	"KHYVE"
#define ACPI_CREATOR	"KHYV"
#define ACPI_HDR_LEN	36

#define RSDP_LEN	36
#define FADT_LEN	276	/* revision 6 */
#define FACS_LEN	64

/* MADT entry types and sizes (5.2.12). */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_ISO		2
#define MADT_LAPIC_NMI		4
#define MADT_X2APIC		9
#define MADT_X2APIC_NMI		10
#define MADT_FLAG_PCAT_COMPAT	1
#define MADT_ENABLED		1
/* MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2. */
#define INTI_ACTIVE_HIGH	0x1
#define INTI_LEVEL		0xc

/* FADT flags (5.2.9, table 5.10) and IA-PC boot architecture flags. */
#define FADT_WBINVD		(1u << 0)
#define FADT_PROC_C1		(1u << 2)
#define FADT_SLP_BUTTON		(1u << 5)	/* no fixed sleep button */
#define FADT_FIX_RTC		(1u << 6)
#define FADT_RESET_REG_SUP	(1u << 10)
#define BOOT_ARCH_LEGACY	(1u << 0)
#define BOOT_ARCH_8042		(1u << 1)
#define BOOT_ARCH_NO_VGA	(1u << 2)

/* Generic Address Structure. */
#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1
#define GAS_ACCESS_WORD		2
#define GAS_ACCESS_DWORD	3

/* RTC CMOS index of the century byte (what devices/rtc keeps there). */
#define RTC_CENTURY		0x32

/* The tables this file links into the XSDT/RSDT, at most. */
#define ACPI_MAX_ENTRIES	4

struct acpi_layout {
	struct x86_region	*r;
	uint64_t		entries[ACPI_MAX_ENTRIES];
	int			nentries;
};

static void
acpi_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev,
    const char *table_id)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	put8(t + 8, rev);
	putstr_pad(t + 10, ACPI_OEM_ID, 6);
	putstr_pad(t + 16, table_id, 8);
	put32(t + 24, 1);			/* OEM revision */
	memcpy(t + 28, ACPI_CREATOR, 4);
	put32(t + 32, 1);			/* creator revision */
}

static void
acpi_checksum(uint8_t *t)
{
	t[9] = 0;
	t[9] = x86_checksum(t, get32(t + 4));
}

static void *
acpi_alloc(struct acpi_layout *l, size_t len, size_t align, uint64_t *gpa)
{
	return (x86_region_alloc(l->r, len, align, gpa));
}

static void
gas_io(uint8_t *g, unsigned bits, unsigned access, uint64_t port)
{
	put8(g, GAS_SYSTEM_IO);
	put8(g + 1, (uint8_t)bits);
	put8(g + 2, 0);
	put8(g + 3, (uint8_t)access);
	put64(g + 4, port);
}

static int
acpi_build_facs(struct acpi_layout *l, uint64_t *gpa)
{
	uint8_t *t;

	if ((t = acpi_alloc(l, FACS_LEN, 64, gpa)) == NULL)
		return (-1);
	memcpy(t, "FACS", 4);
	put32(t + 4, FACS_LEN);
	put8(t + 32, 2);			/* version */
	return (0);
}

/* The fixed-hardware half of the FADT: where PM1, the timer and SMI_CMD are. */
static void
fadt_fixed_hw(uint8_t *t)
{
	put16(t + 46, SCI_IRQ);
	put32(t + 48, SMI_CMD_PORT);
	put8(t + 52, ACPI_ENABLE_VAL);
	put8(t + 53, ACPI_DISABLE_VAL);
	put32(t + 56, PM1A_EVT_ADDR);
	put32(t + 64, PM1A_CNT_ADDR);
	put32(t + 76, PM_TMR_ADDR);
	put8(t + 88, 4);			/* PM1_EVT_LEN */
	put8(t + 89, 2);			/* PM1_CNT_LEN */
	put8(t + 91, 4);			/* PM_TMR_LEN */
	put16(t + 96, 101);			/* > 100: no C2 */
	put16(t + 98, 1001);			/* > 1000: no C3 */
	put8(t + 108, RTC_CENTURY);
	put16(t + 109, BOOT_ARCH_LEGACY | BOOT_ARCH_8042 | BOOT_ARCH_NO_VGA);
	put32(t + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON |
	    FADT_FIX_RTC | FADT_RESET_REG_SUP);
	gas_io(t + 116, 8, GAS_ACCESS_BYTE, RESET_PORT);
	put8(t + 128, 0x06);			/* RESET_VALUE: CPU + system reset */
	/* The 64-bit (X_) copies of the blocks above. */
	gas_io(t + 148, 32, GAS_ACCESS_WORD, PM1A_EVT_ADDR);
	gas_io(t + 172, 16, GAS_ACCESS_WORD, PM1A_CNT_ADDR);
	gas_io(t + 208, 32, GAS_ACCESS_DWORD, PM_TMR_ADDR);
}

static int
acpi_build_fadt(struct acpi_layout *l, uint64_t facs, uint64_t dsdt)
{
	uint8_t *t;
	uint64_t gpa;

	if ((t = acpi_alloc(l, FADT_LEN, 16, &gpa)) == NULL)
		return (-1);
	acpi_header(t, "FACP", FADT_LEN, 6, "KHYVEFAC");
	/*
	 * FACS through FIRMWARE_CTRL only: with X_FIRMWARE_CTRL set as well
	 * ACPICA installs (and Linux lists) the FACS twice.
	 */
	put32(t + 36, (uint32_t)facs);
	put32(t + 40, (uint32_t)dsdt);
	fadt_fixed_hw(t);
	put8(t + 131, 0);			/* FADT minor version */
	put64(t + 140, dsdt);
	memcpy(t + 268, "KHYVE   ", 8);	/* hypervisor vendor identity */
	acpi_checksum(t);
	l->entries[l->nentries++] = gpa;
	return (0);
}

static bool
madt_use_x2apic(const struct vm *vm)
{
	return (x86_apic_id(vm, x86_ncpus(vm) - 1) >= 0xff);
}

static size_t
madt_len(const struct vm *vm)
{
	size_t per_cpu = madt_use_x2apic(vm) ? 16 : 8;

	return (ACPI_HDR_LEN + 8 + x86_ncpus(vm) * per_cpu + 12 + 2 * 10 +
	    6 + (madt_use_x2apic(vm) ? 12 : 0));
}

/* One local APIC entry: xAPIC form when the ID fits in a byte. */
static uint8_t *
madt_cpu(const struct vm *vm, uint8_t *p, int vcpu)
{
	uint32_t id = x86_apic_id(vm, vcpu);

	if (!madt_use_x2apic(vm)) {
		put8(p, MADT_LAPIC);
		put8(p + 1, 8);
		put8(p + 2, (uint8_t)vcpu);	/* ACPI processor UID */
		put8(p + 3, (uint8_t)id);
		put32(p + 4, MADT_ENABLED);
		return (p + 8);
	}
	put8(p, MADT_X2APIC);
	put8(p + 1, 16);
	put32(p + 4, id);
	put32(p + 8, MADT_ENABLED);
	put32(p + 12, (uint32_t)vcpu);
	return (p + 16);
}

static uint8_t *
madt_iso(uint8_t *p, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	put8(p, MADT_ISO);
	put8(p + 1, 10);
	put8(p + 2, 0);				/* bus: ISA */
	put8(p + 3, irq);
	put32(p + 4, gsi);
	put16(p + 8, flags);
	return (p + 10);
}

/* LINT1 of every local APIC is the NMI line (edge, active high by bus). */
static uint8_t *
madt_nmi(const struct vm *vm, uint8_t *p)
{
	put8(p, MADT_LAPIC_NMI);
	put8(p + 1, 6);
	put8(p + 2, 0xff);			/* all processors */
	put16(p + 3, 0);
	put8(p + 5, 1);				/* LINT1 */
	p += 6;
	if (madt_use_x2apic(vm)) {
		put8(p, MADT_X2APIC_NMI);
		put8(p + 1, 12);
		put32(p + 4, 0xffffffff);
		put8(p + 8, 1);
		p += 12;
	}
	return (p);
}

static int
acpi_build_madt(struct acpi_layout *l, const struct vm *vm)
{
	size_t len = madt_len(vm);
	uint8_t *t, *p;
	uint64_t gpa;
	int i;

	if ((t = acpi_alloc(l, len, 16, &gpa)) == NULL)
		return (-1);
	acpi_header(t, "APIC", (uint32_t)len, 4, "KHYVEAPI");
	put32(t + 36, (uint32_t)LAPIC_BASE);
	put32(t + 40, MADT_FLAG_PCAT_COMPAT);	/* KVM provides the 8259s */
	p = t + 44;
	for (i = 0; i < x86_ncpus(vm); i++)
		p = madt_cpu(vm, p, i);
	put8(p, MADT_IOAPIC);
	put8(p + 1, 12);
	put8(p + 2, x86_ioapic_id(vm));
	put32(p + 4, (uint32_t)IOAPIC_BASE);
	put32(p + 8, 0);			/* GSI base */
	p += 12;
	/* The PIT's IRQ 0 is wired to IOAPIC pin 2, as on PCs. */
	p = madt_iso(p, 0, 2, 0);
	p = madt_iso(p, SCI_IRQ, SCI_IRQ, INTI_ACTIVE_HIGH | INTI_LEVEL);
	p = madt_nmi(vm, p);
	(void)p;
	acpi_checksum(t);
	l->entries[l->nentries++] = gpa;
	return (0);
}

static int
acpi_build_mcfg(struct acpi_layout *l)
{
	const size_t len = ACPI_HDR_LEN + 8 + 16;
	uint8_t *t;
	uint64_t gpa;

	if ((t = acpi_alloc(l, len, 16, &gpa)) == NULL)
		return (-1);
	acpi_header(t, "MCFG", len, 1, "KHYVEMCF");
	put64(t + 44, PCI_ECAM_BASE);
	put16(t + 52, 0);			/* segment */
	put8(t + 54, 0);			/* first bus */
	put8(t + 55, (uint8_t)(PCI_ECAM_SIZE / MiB - 1));
	acpi_checksum(t);
	l->entries[l->nentries++] = gpa;
	return (0);
}

static int
acpi_build_dsdt(struct acpi_layout *l, const struct vm *vm,
    const struct x86_tables_cfg *cfg, uint64_t *gpa)
{
	struct aml a;
	uint8_t *t;
	int rc = -1;

	aml_init(&a);
	x86_dsdt_build(vm, cfg, &a);
	if (aml_finish(&a) != 0) {
		errno = EINVAL;
		goto out;
	}
	if ((t = acpi_alloc(l, ACPI_HDR_LEN + a.len, 16, gpa)) == NULL)
		goto out;
	/* Revision 2: integers are 64 bits wide. */
	acpi_header(t, "DSDT", (uint32_t)(ACPI_HDR_LEN + a.len), 2, "KHYVEDSD");
	memcpy(t + ACPI_HDR_LEN, a.buf, a.len);
	acpi_checksum(t);
	rc = 0;
out:
	aml_free(&a);
	return (rc);
}

static void
acpi_fill_sdts(struct acpi_layout *l, uint8_t *xsdt, uint8_t *rsdt)
{
	int i;

	acpi_header(xsdt, "XSDT", ACPI_HDR_LEN + 8 * l->nentries, 1,
	    "KHYVEXSD");
	acpi_header(rsdt, "RSDT", ACPI_HDR_LEN + 4 * l->nentries, 1,
	    "KHYVERSD");
	for (i = 0; i < l->nentries; i++) {
		put64(xsdt + ACPI_HDR_LEN + 8 * i, l->entries[i]);
		put32(rsdt + ACPI_HDR_LEN + 4 * i, (uint32_t)l->entries[i]);
	}
	acpi_checksum(xsdt);
	acpi_checksum(rsdt);
}

static void
acpi_fill_rsdp(uint8_t *p, uint64_t rsdt, uint64_t xsdt)
{
	memcpy(p, "RSD PTR ", 8);
	putstr_pad(p + 9, ACPI_OEM_ID, 6);
	put8(p + 15, 2);			/* ACPI 2.0+ form */
	put32(p + 16, (uint32_t)rsdt);
	put32(p + 20, RSDP_LEN);
	put64(p + 24, xsdt);
	p[8] = x86_checksum(p, 20);		/* ACPI 1.0 part */
	p[32] = x86_checksum(p, RSDP_LEN);	/* the whole structure */
}

int
x86_acpi_build(const struct vm *vm, const struct x86_tables_cfg *cfg,
    struct x86_region *r, uint64_t *rsdp)
{
	struct acpi_layout l = { .r = r };
	uint8_t *p, *xsdt, *rsdt;
	uint64_t rsdp_gpa, xsdt_gpa, rsdt_gpa, facs, dsdt;
	int n = cfg->mcfg ? 3 : 2;

	/* The RSDP first: guests scan 16-byte boundaries for it. */
	if ((p = acpi_alloc(&l, RSDP_LEN, 16, &rsdp_gpa)) == NULL ||
	    (xsdt = acpi_alloc(&l, ACPI_HDR_LEN + 8 * n, 16, &xsdt_gpa)) == NULL ||
	    (rsdt = acpi_alloc(&l, ACPI_HDR_LEN + 4 * n, 16, &rsdt_gpa)) == NULL)
		return (-1);
	if (acpi_build_facs(&l, &facs) != 0 ||
	    acpi_build_dsdt(&l, vm, cfg, &dsdt) != 0 ||
	    acpi_build_fadt(&l, facs, dsdt) != 0 ||
	    acpi_build_madt(&l, vm) != 0 ||
	    (cfg->mcfg && acpi_build_mcfg(&l) != 0))
		return (-1);
	acpi_fill_sdts(&l, xsdt, rsdt);
	acpi_fill_rsdp(p, rsdt_gpa, xsdt_gpa);
	*rsdp = rsdp_gpa;
	return (0);
}
