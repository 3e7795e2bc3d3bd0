/*
 * The DSDT's contents (ACPI 6.x chapter 6 "Device Configuration" and 7.4.2
 * "\_Sx System States"):
 *
 *   \_S5              Package {SLP_TYP_S5, SLP_TYP_S5, 0, 0}: soft-off
 *   \_SB.PCI0         PNP0A03 host bridge on bus 0: its _CRS hands out bus
 *                     number 0 (no bridges), the I/O space except the 0xCF8 config
 *                     ports, the legacy VGA hole, the 32-bit BAR window and a
 *                     64-bit one above high RAM (x86_pci_mmio64_window)
 *   \_SB.PCI0.COMn    PNP0501 UARTs, for each lpc.comN configured
 *   \_SB.PCI0.RTC     PNP0B00 CMOS clock
 *   \_SB.PCI0.KBD     PNP0303 i8042 keyboard port and PNP0F13 mouse port
 *   \_SB.PCI0.MOU     (devices/i8042.c), when cfg->kbd
 *   \_SB.MBRD         PNP0C02 motherboard resources, only with MCFG: Linux
 *                     uses an ECAM window only when it is reserved here (the
 *                     FADT's fixed ports are reserved by ACPI itself)
 *   \_SB.Cxxx         ACPI0007 processor devices, _UID = MADT processor UID
 */
#include <stdio.h>

#include "core/vm.h"
#include "devices/pci.h"
#include "x86/aml.h"
#include "x86/dsdt.h"
#include "x86/platform.h"
#include "x86/tables.h"
#include "x86/x86.h"

/* Processor devices are named C000-CFFF; beyond that MADT alone lists them. */
#define DSDT_MAX_CPU_DEVICES	0x1000

static const struct {
	uint16_t	port;
	uint8_t		irq;
} dsdt_uarts[4] = {
	{ COM1_PORT, COM1_IRQ }, { COM2_PORT, COM2_IRQ },
	{ COM3_PORT, COM3_IRQ }, { COM4_PORT, COM4_IRQ },
};

static void
dsdt_s5(struct aml *a)
{
	aml_name(a, "\\_S5");
	aml_package_begin(a, 4);
	aml_integer(a, SLP_TYP_S5);		/* PM1a_CNT.SLP_TYP */
	aml_integer(a, SLP_TYP_S5);		/* PM1b_CNT.SLP_TYP */
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_end(a);
}

static void
dsdt_pci_crs(const struct vm *vm, struct aml *a)
{
	uint64_t base64, end64;

	x86_pci_mmio64_window(vm, &base64, &end64);
	aml_name(a, "_CRS");
	aml_buffer_begin(a);
	aml_res_word_bus(a, 0, 0);		/* what the MCFG covers */
	aml_res_io(a, 0xcf8, 8);		/* config mechanism #1 */
	aml_res_word_io(a, 0x0000, 0x0cf7);
	aml_res_word_io(a, 0x0d00, 0xffff);
	aml_res_dword_mem(a, 0x000a0000, 0x000bffff);
	aml_res_dword_mem(a, (uint32_t)PCI_MMIO32_BASE,
	    (uint32_t)(PCI_MMIO32_END - 1));
	aml_res_qword_mem(a, base64, end64 - 1);
	aml_res_end(a);
	aml_end(a);
}

/*
 * _PRT (ACPI 6.5, 6.2.13): INTA# of every slot on bus 0 goes straight to
 * an IOAPIC pin (Source 0, the GSI in Source Index), as devices/pci.c
 * drives it; the pins past 15 are level, active low for the guest.
 */
static void
dsdt_pci_prt(struct aml *a)
{
	int s;

	aml_name(a, "_PRT");
	aml_package_begin(a, PCI_NSLOT);
	for (s = 0; s < PCI_NSLOT; s++) {
		aml_package_begin(a, 4);
		aml_integer(a, ((uint64_t)s << 16) | 0xffff);
		aml_integer(a, 0);		/* INTA# */
		aml_integer(a, 0);
		aml_integer(a, (uint64_t)pci_intx_irq(s));
		aml_end(a);
	}
	aml_end(a);
}

/* A legacy device with fixed I/O ports and (optionally) one ISA IRQ. */
static void
dsdt_isa_device(struct aml *a, const char *name, const char *hid, int uid,
    uint16_t port, uint8_t len, int irq)
{
	aml_device_begin(a, name);
	aml_name_eisaid(a, "_HID", hid);
	aml_name_integer(a, "_UID", (uint64_t)uid);
	aml_name(a, "_CRS");
	aml_buffer_begin(a);
	aml_res_io(a, port, len);
	if (irq >= 0)
		aml_res_irq(a, (unsigned)irq);
	aml_res_end(a);
	aml_end(a);
	aml_end(a);
}

static void
dsdt_kbd(struct aml *a)
{
	aml_device_begin(a, "KBD");
	aml_name_eisaid(a, "_HID", "PNP0303");
	aml_name(a, "_CRS");
	aml_buffer_begin(a);
	aml_res_io(a, I8042_DATA_PORT, 1);
	aml_res_io(a, I8042_CMD_PORT, 1);
	aml_res_irq(a, 1);
	aml_res_end(a);
	aml_end(a);
	aml_end(a);
	/* The AUX port: without it Linux says the AUX port is disabled. */
	aml_device_begin(a, "MOU");
	aml_name_eisaid(a, "_HID", "PNP0F13");
	aml_name(a, "_CRS");
	aml_buffer_begin(a);
	aml_res_irq(a, 12);
	aml_res_end(a);
	aml_end(a);
	aml_end(a);
}

static void
dsdt_pci0(const struct vm *vm, const struct x86_tables_cfg *cfg,
    struct aml *a)
{
	char name[8];
	int i;

	aml_device_begin(a, "PCI0");
	aml_name_eisaid(a, "_HID", "PNP0A03");
	aml_name_integer(a, "_ADR", 0);
	aml_name_integer(a, "_BBN", 0);
	aml_name_integer(a, "_SEG", 0);
	aml_name_integer(a, "_UID", 0);
	dsdt_pci_crs(vm, a);
	dsdt_pci_prt(a);
	for (i = 0; i < 4; i++) {
		if (!cfg->com[i])
			continue;
		snprintf(name, sizeof(name), "COM%d", i + 1);
		dsdt_isa_device(a, name, "PNP0501", i + 1,
		    dsdt_uarts[i].port, 8, dsdt_uarts[i].irq);
	}
	dsdt_isa_device(a, "RTC", "PNP0B00", 0, RTC_PORT, 2, RTC_IRQ);
	if (cfg->kbd)
		dsdt_kbd(a);
	aml_end(a);
}

static void
dsdt_mbrd(struct aml *a)
{
	aml_device_begin(a, "MBRD");
	aml_name_eisaid(a, "_HID", "PNP0C02");
	aml_name_integer(a, "_UID", 0);
	aml_name(a, "_CRS");
	aml_buffer_begin(a);
	aml_res_mem32_fixed(a, (uint32_t)PCI_ECAM_BASE, (uint32_t)PCI_ECAM_SIZE);
	aml_res_end(a);
	aml_end(a);
	aml_end(a);
}

static void
dsdt_cpus(const struct vm *vm, struct aml *a)
{
	char name[8];
	int i;

	for (i = 0; i < x86_ncpus(vm) && i < DSDT_MAX_CPU_DEVICES; i++) {
		snprintf(name, sizeof(name), "C%03X", (unsigned)i);
		aml_device_begin(a, name);
		aml_name_string(a, "_HID", "ACPI0007");
		aml_name_integer(a, "_UID", (uint64_t)i);
		aml_end(a);
	}
}

void
x86_dsdt_build(const struct vm *vm, const struct x86_tables_cfg *cfg,
    struct aml *a)
{
	dsdt_s5(a);
	aml_scope_begin(a, "\\_SB");
	dsdt_pci0(vm, cfg, a);
	if (cfg->mcfg)
		dsdt_mbrd(a);
	dsdt_cpus(vm, a);
	aml_end(a);
}
