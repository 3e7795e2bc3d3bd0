/*
 * The LPC bridge (bhyve's pci_lpc.c): the PCI function the `-l` devices
 * (COM ports, RTC, keyboard controller) sit behind, an Intel PIIX3-style
 * ISA bridge of class 06/01.  The legacy devices themselves are set up by
 * core/run.c from lpc.*; this is their face on the PCI bus.
 */
#include <stdio.h>

#include "devices/device.h"
#include "devices/pci.h"

static uint64_t
lpc_read(struct pci_dev *d, int bar, uint64_t off, int size)
{
	(void)d, (void)bar, (void)off, (void)size;
	return (0);
}

static void
lpc_write(struct pci_dev *d, int bar, uint64_t off, int size, uint64_t val)
{
	(void)d, (void)bar, (void)off, (void)size, (void)val;
}

static const struct pci_bar_ops lpc_ops = { lpc_read, lpc_write, NULL };

static int
lpc_init(struct vm *vm, config_node_t *node)
{
	struct pci_dev *d;

	/* bhyve allows one LPC bridge, on bus 0. */
	d = pci_dev_create(vm, node, &lpc_ops, NULL);
	if (d == NULL) {
		fprintf(stderr, "lpc: out of memory\n");
		return (-1);
	}
	pci_set_ids(d, 0x8086, 0x7000, 0x06, 0x01, 0, 0);
	pci_set_cfg16(d, PCIR_SUBVEND, 0x8086);
	pci_set_cfg16(d, PCIR_SUBDEV, 0x7000);
	return (0);
}

static const struct device_emu lpc = {
	.name = "lpc",
	.kind = DEV_PCI,
	.init = lpc_init,
};
DEVICE_REGISTER(lpc);
