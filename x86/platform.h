/*
 * Fixed addresses and ports of khyve's x86 platform, shared by the tables
 * (x86/) that describe them and the devices (devices/) that implement them.
 * Values follow bhyve where bhyve has one.
 */
#ifndef KHYVE_X86_PLATFORM_H
#define KHYVE_X86_PLATFORM_H

/* ACPI fixed hardware (FADT), implemented by devices/pm_acpi.c. */
#define PM1A_EVT_ADDR	0x400	/* PM1a status (2 bytes) + enable (2 bytes) */
#define PM1A_CNT_ADDR	0x404	/* PM1a control (2 bytes): SLP_TYP, SLP_EN */
#define PM_TMR_ADDR	0x408	/* 24-bit ACPI PM timer, 3.579545 MHz */
#define SMI_CMD_PORT	0xb2	/* ACPI enable/disable handshake */
#define ACPI_ENABLE_VAL	0xa0
#define ACPI_DISABLE_VAL 0xa1
#define SCI_IRQ		9
#define SLP_TYP_S5	5	/* the _S5 package value; PM1 SLP_TYP bits 10-12 */
#define RESET_PORT	0xcf9	/* FADT RESET_REG: write 0x06 to reset */

/* Legacy devices. */
#define COM1_PORT	0x3f8
#define COM1_IRQ	4
#define COM2_PORT	0x2f8
#define COM2_IRQ	3
#define COM3_PORT	0x3e8
#define COM3_IRQ	4
#define COM4_PORT	0x2e8
#define COM4_IRQ	3
#define RTC_PORT	0x70	/* index 0x70, data 0x71 */
#define RTC_IRQ		8
#define I8042_DATA_PORT	0x60
#define I8042_CMD_PORT	0x64

/*
 * Guest-physical places of the boot-time tables (all below 1 MiB), each
 * start inside the ranges guests scan (RSDP: 0xE0000-0xFFFFF; MP floating
 * pointer and SMBIOS entry point: 0xF0000-0xFFFFF).  The areas are larger
 * than bhyve's so that 1024 vCPUs (MADT, DSDT processors) or as many
 * sockets (SMBIOS type 4) still fit.
 */
#define ACPI_BASE	0xe0000	/* RSDP, then XSDT, FADT, MADT, DSDT …: 64 KiB */
#define ACPI_MAX	0xeffff	/* last byte of the ACPI area */
#define MPTABLE_BASE	0xf0000	/* MP floating pointer + config table: 32 KiB */
#define SMBIOS_BASE	0xf8000	/* SMBIOS entry point + structures, to 1 MiB */
#define TABLES_END	0x100000
#define EBDA_BASE	0x9fc00	/* e820 marks [EBDA_BASE, 1 MiB) reserved */

/* PCI (later issue): ECAM window in the hole, BAR space. */
#define PCI_ECAM_BASE	0xe0000000ULL
/*
 * Bus 0 only, as devices/pci.c: an MCFG for 256 buses makes Linux probe
 * every one of them for peer host bridges (pcibios_last_bus), 8192 config
 * reads that cost 1.3 s of boot under nested KVM.
 */
#define PCI_ECAM_SIZE	0x100000ULL	/* 1 MiB: bus 0 */
#define PCI_MMIO32_BASE	0xc0000000ULL	/* 32-bit BARs: [3 GiB, ECAM) */
#define PCI_MMIO32_END	PCI_ECAM_BASE

#endif
