/*
 * The PCI bus (devices/pci.c) without KVM: configuration mechanism #1 and
 * ECAM on a bus built from the config tree (hostbridge, lpc), BAR sizing
 * and relocation for I/O, 32- and 64-bit memory BARs on a test function,
 * the capability list, and hostile accesses (unaligned, other buses,
 * disabled CF8, read-only registers).
 */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/inout.h"
#include "core/mmio.h"
#include "core/vm.h"
#include "devices/device.h"
#include "devices/pci.h"
#include "tests/unit/t.h"
#include "x86/platform.h"
#include "x86/x86.h"

static struct vm vm;
static int bar_reads;
static uint64_t last_off;

static uint64_t
tb_read(struct pci_dev *d, int bar, uint64_t off, int size)
{
	(void)d, (void)size;
	bar_reads++;
	last_off = off;
	return (0x1000u * (unsigned)bar + off);
}

static void
tb_write(struct pci_dev *d, int bar, uint64_t off, int size, uint64_t val)
{
	(void)d, (void)bar, (void)off, (void)size, (void)val;
}

static const struct pci_bar_ops tb_ops = { tb_read, tb_write, NULL };

static uint32_t
cfg1(int s, int f, int reg, int bytes)
{
	uint32_t a = 0x80000000u | (uint32_t)(s << 11) | (uint32_t)(f << 8) |
	    (uint32_t)(reg & 0xfc), v = 0;

	inout_dispatch(&vm, 0, false, 0xcf8, 4, &a);
	inout_dispatch(&vm, 0, true, (uint16_t)(0xcfc + (reg & 3)), bytes, &v);
	return (v);
}

static void
cfg1_write(int s, int f, int reg, int bytes, uint32_t v)
{
	uint32_t a = 0x80000000u | (uint32_t)(s << 11) | (uint32_t)(f << 8) |
	    (uint32_t)(reg & 0xfc);

	inout_dispatch(&vm, 0, false, 0xcf8, 4, &a);
	inout_dispatch(&vm, 0, false, (uint16_t)(0xcfc + (reg & 3)), bytes, &v);
}

static uint64_t
ecam(int b, int s, int f, int reg, int size)
{
	uint64_t v = 0;

	mmio_dispatch(&vm, 0, false, PCI_ECAM_BASE + ((uint64_t)b << 20) +
	    ((uint64_t)s << 15) + ((uint64_t)f << 12) + (uint64_t)reg, size, &v);
	return (v);
}

static struct pci_dev *tdev;

static void
setup(void)
{
	memset(&vm, 0, sizeof(vm));
	vm.name = "t";
	vm_layout(&vm, 1 * GiB);
	init_config();
	set_config_value("pci.0.0.0.device", "hostbridge");
	set_config_value("pci.0.31.0.device", "lpc");
	T_CHECK(inout_init(&vm) == 0);
	T_CHECK(mmio_init(&vm) == 0);
	T_CHECK(pci_init_devices(&vm) == 0);
}

static void
teardown(void)
{
	vm_run_cleanups(&vm);
	mmio_fini(&vm);
	inout_fini(&vm);
	free_config();
}

static void
t_ids(void)
{
	setup();
	T_CHECK(cfg1(0, 0, 0, 4) == 0x12751275u);
	T_CHECK(cfg1(31, 0, 0, 2) == 0x8086);
	T_CHECK(cfg1(31, 0, 2, 2) == 0x7000);
	T_CHECK(cfg1(31, 0, 0x0b, 1) == 0x06);		/* class: bridge */
	T_CHECK(cfg1(31, 0, 0x0a, 1) == 0x01);		/* ISA */
	T_CHECK(cfg1(5, 0, 0, 4) == 0xffffffffu);	/* empty slot */
	T_CHECK(cfg1(0, 3, 0, 2) == 0xffff);		/* empty function */
	/* The same through ECAM. */
	T_CHECK(ecam(0, 0, 0, 0, 4) == 0x12751275u);
	T_CHECK(ecam(0, 31, 0, 2, 2) == 0x7000);
	T_CHECK(ecam(1, 0, 0, 0, 4) == 0xffffffffu);	/* bus 1: nothing */
	T_CHECK(ecam(0, 0, 0, 0x100, 4) == 0);		/* extended space */
	teardown();
}

static void
t_hostile(void)
{
	uint32_t a = 0x00000000u, v = 0;

	setup();
	/* CF8 without the enable bit: CFC reads ones. */
	inout_dispatch(&vm, 0, false, 0xcf8, 4, &a);
	inout_dispatch(&vm, 0, true, 0xcfc, 4, &v);
	T_CHECK(v == 0xffffffffu);
	/* Unaligned dword at offset 2: ones, no crash. */
	T_CHECK(ecam(0, 0, 0, 2, 4) == 0xffffffffu);
	T_CHECK(ecam(0, 0, 0, 0xffe, 4) == 0xffffffffu);
	T_CHECK(ecam(0, 0, 0, 0, 8) == ~0ULL);
	/* Read-only registers stay. */
	cfg1_write(0, 0, 0, 4, 0xdeadbeef);
	T_CHECK(cfg1(0, 0, 0, 4) == 0x12751275u);
	cfg1_write(0, 0, 0x0b, 1, 0x55);
	T_CHECK(cfg1(0, 0, 0x0b, 1) == 0x06);
	/* Interrupt line is writable. */
	cfg1_write(0, 0, 0x3c, 1, 0x0b);
	T_CHECK(cfg1(0, 0, 0x3c, 1) == 0x0b);
	/* Hostbridge has no BARs: sizing reads 0. */
	cfg1_write(0, 0, 0x10, 4, 0xffffffffu);
	T_CHECK(cfg1(0, 0, 0x10, 4) == 0);
	teardown();
}

/* A PCI device registered in this binary only: a function with BARs. */
static int
test_init(struct vm *v, config_node_t *node)
{
	uint8_t cap[8] = { 0x09, 0, 8, 0xaa };

	tdev = pci_dev_create(v, node, &tb_ops, NULL);
	if (tdev == NULL)
		return (-1);
	pci_set_ids(tdev, 0x1234, 0x5678, 0xff, 0, 0, 0);
	T_CHECK(pci_bar_alloc(tdev, 0, PCIBAR_MEM32, 0x1000) == 0);
	T_CHECK(pci_bar_alloc(tdev, 2, PCIBAR_MEM64, 0x4000) == 0);
	T_CHECK(pci_bar_alloc(tdev, 4, PCIBAR_IO, 0x20) == 0);
	T_CHECK(pci_bar_alloc(tdev, 5, PCIBAR_MEM64, 0x1000) != 0);
	T_CHECK(pci_bar_alloc(tdev, 1, PCIBAR_MEM32, 0x1800) != 0);
	T_CHECK(pci_cap_add(tdev, cap, sizeof(cap)) == 0x40);
	T_CHECK(pci_cap_add(tdev, cap, sizeof(cap)) == 0x48);
	return (0);
}

static const struct device_emu test_bars = {
	.name = "test-bars",
	.kind = DEV_PCI,
	.init = test_init,
};
DEVICE_REGISTER(test_bars);

static void
t_bars(void)
{
	uint32_t lo, hi;
	uint64_t v = 0, base64, end64;

	memset(&vm, 0, sizeof(vm));
	vm.name = "t";
	vm_layout(&vm, 1 * GiB);
	init_config();
	set_config_value("pci.0.6.0.device", "test-bars");
	T_CHECK(inout_init(&vm) == 0);
	T_CHECK(mmio_init(&vm) == 0);
	T_CHECK(pci_init_devices(&vm) == 0);
	T_CHECK(tdev != NULL);
	if (tdev == NULL) {
		teardown();
		return;
	}
	int s = pci_dev_slot(tdev);

	T_CHECK(s == 6);

	T_CHECK(cfg1(s, 0, 0, 4) == 0x56781234u);
	/* Capability list: status bit, pointer, chain, end. */
	T_CHECK(cfg1(s, 0, 0x06, 2) & 0x10);
	T_CHECK(cfg1(s, 0, 0x34, 1) == 0x40);
	T_CHECK(cfg1(s, 0, 0x41, 1) == 0x48);
	T_CHECK(cfg1(s, 0, 0x49, 1) == 0);
	T_CHECK(cfg1(s, 0, 0x43, 1) == 0xaa);

	/* Placement: 32-bit in the hole, 64-bit above RAM, I/O >= 0x2000. */
	lo = cfg1(s, 0, 0x10, 4);
	T_CHECK(lo >= PCI_MMIO32_BASE && lo < PCI_MMIO32_END && (lo & 0xf) == 0);
	x86_pci_mmio64_window(&vm, &base64, &end64);
	lo = cfg1(s, 0, 0x18, 4);
	hi = cfg1(s, 0, 0x1c, 4);
	T_CHECK((lo & 0x6) == 0x4);
	T_CHECK((((uint64_t)hi << 32) | (lo & ~0xfu)) >= base64);
	T_CHECK((cfg1(s, 0, 0x20, 4) & 1) == 1);

	/* Sizing, as Linux does it. */
	cfg1_write(s, 0, 0x10, 4, 0xffffffffu);
	T_CHECK(cfg1(s, 0, 0x10, 4) == 0xfffff000u);
	cfg1_write(s, 0, 0x18, 4, 0xffffffffu);
	cfg1_write(s, 0, 0x1c, 4, 0xffffffffu);
	T_CHECK(cfg1(s, 0, 0x18, 4) == 0xffffc004u);
	T_CHECK(cfg1(s, 0, 0x1c, 4) == 0xffffffffu);
	cfg1_write(s, 0, 0x20, 4, 0xffffffffu);
	T_CHECK(cfg1(s, 0, 0x20, 4) == 0xffe1u);

	/*
	 * Place BAR 0 at 0xc1000000, enable memory decode: it answers there.
	 * BAR 2 still holds its sizing value (all ones): a range that wraps
	 * must stay unmapped.
	 */
	cfg1_write(s, 0, 0x10, 4, 0xc1000000u);
	cfg1_write(s, 0, 0x04, 2, 0x0002);
	bar_reads = 0;
	mmio_dispatch(&vm, 0, false, 0xc1000010, 4, &v);
	T_CHECK(bar_reads == 1 && last_off == 0x10 && v == 0x10);
	/* Moved: the old address no longer reaches the device. */
	cfg1_write(s, 0, 0x10, 4, 0xc2000000u);
	bar_reads = 0;
	mmio_dispatch(&vm, 0, false, 0xc1000010, 4, &v);
	T_CHECK(bar_reads == 0);
	mmio_dispatch(&vm, 0, false, 0xc2000ff8, 4, &v);
	T_CHECK(bar_reads == 1 && last_off == 0xff8);
	/* Decode off: gone. */
	cfg1_write(s, 0, 0x04, 2, 0x0000);
	bar_reads = 0;
	mmio_dispatch(&vm, 0, false, 0xc2000010, 4, &v);
	T_CHECK(bar_reads == 0);
	/* The 64-bit BAR, placed high, with I/O decode on the I/O BAR. */
	cfg1_write(s, 0, 0x18, 4, 0x00000000u);
	cfg1_write(s, 0, 0x1c, 4, 0x00000010u);
	cfg1_write(s, 0, 0x20, 4, 0x3000u);
	cfg1_write(s, 0, 0x04, 2, 0x0003);
	bar_reads = 0;
	mmio_dispatch(&vm, 0, false, 0x1000000000ULL + 0x3ff8, 8, &v);
	T_CHECK(bar_reads == 1 && v == 0x2000 + 0x3ff8);
	{
		uint32_t iv = 0;

		inout_dispatch(&vm, 0, true, 0x3004, 4, &iv);
		T_CHECK(bar_reads == 2 && iv == 0x4004);
	}
	teardown();
}

int
main(void)
{
	T_RUN(t_ids);
	T_RUN(t_hostile);
	T_RUN(t_bars);
	return (T_DONE());
}
