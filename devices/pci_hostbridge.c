/*
 * The host bridge at the root of bus 0 (bhyve's pci_hostbridge.c): a PCI
 * function of class 06/00 with no BARs.  `hostbridge` shows the NetApp IDs
 * bhyve uses, `amd_hostbridge` AMD's, for guests that look.
 */
#include <stdio.h>

#include "devices/device.h"
#include "devices/pci.h"

static uint64_t
hb_read(struct pci_dev *d, int bar, uint64_t off, int size)
{
	(void)d, (void)bar, (void)off, (void)size;
	return (0);
}

static void
hb_write(struct pci_dev *d, int bar, uint64_t off, int size, uint64_t val)
{
	(void)d, (void)bar, (void)off, (void)size, (void)val;
}

static const struct pci_bar_ops hb_ops = { hb_read, hb_write, NULL };

static int
hb_create(struct vm *vm, config_node_t *node, uint16_t vendor, uint16_t dev)
{
	struct pci_dev *d = pci_dev_create(vm, node, &hb_ops, NULL);

	if (d == NULL) {
		fprintf(stderr, "hostbridge: out of memory\n");
		return (-1);
	}
	pci_set_ids(d, vendor, dev, 0x06, 0x00, 0, 0);
	return (0);
}

static int
hostbridge_init(struct vm *vm, config_node_t *node)
{
	return (hb_create(vm, node, 0x1275, 0x1275));
}

static int
amd_hostbridge_init(struct vm *vm, config_node_t *node)
{
	return (hb_create(vm, node, 0x1022, 0x7432));
}

static const struct device_emu hostbridge = {
	.name = "hostbridge",
	.kind = DEV_PCI,
	.init = hostbridge_init,
};
DEVICE_REGISTER(hostbridge);

static const struct device_emu amd_hostbridge = {
	.name = "amd_hostbridge",
	.kind = DEV_PCI,
	.init = amd_hostbridge_init,
};
DEVICE_REGISTER(amd_hostbridge);
