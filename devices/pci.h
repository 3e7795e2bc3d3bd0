/*
 * The PCI bus (bhyve's pci_emul.c): configuration space through mechanism
 * #1 (ports 0xCF8/0xCFC) and ECAM, BARs placed in the PCI hole or above
 * RAM, capabilities, MSI-X delivered by irqfd over KVM MSI routes.
 *
 * A PCI device (DEV_PCI in the device table) calls pci_dev_create() from
 * its init to get its function on the bus, adds BARs and capabilities,
 * and handles accesses to its BARs through struct pci_bar_ops.
 */
#ifndef KHYVE_DEVICES_PCI_H
#define KHYVE_DEVICES_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

struct vm;
struct pci_bus;
struct pci_dev;

#define PCI_NSLOT	32
#define PCI_NFUNC	8
#define PCI_CFG_SIZE	4096

/* Standard header offsets (PCI Local Bus 3.0, 6.1). */
#define PCIR_VENDOR	0x00
#define PCIR_DEVICE	0x02
#define PCIR_COMMAND	0x04
#define PCIR_STATUS	0x06
#define PCIR_REVID	0x08
#define PCIR_PROGIF	0x09
#define PCIR_SUBCLASS	0x0a
#define PCIR_CLASS	0x0b
#define PCIR_HDRTYPE	0x0e
#define PCIR_BAR0	0x10
#define PCIR_SUBVEND	0x2c
#define PCIR_SUBDEV	0x2e
#define PCIR_CAP_PTR	0x34
#define PCIR_INTLINE	0x3c
#define PCIR_INTPIN	0x3d

#define PCIM_CMD_IO	0x0001
#define PCIM_CMD_MEM	0x0002
#define PCIM_STATUS_CAP	0x0010

enum pci_bar_type {
	PCIBAR_NONE,
	PCIBAR_IO,
	PCIBAR_MEM32,
	PCIBAR_MEM64,		/* takes this BAR and the next */
};

/* A device's BAR handlers; off is from the BAR's start. */
struct pci_bar_ops {
	uint64_t (*read)(struct pci_dev *d, int bar, uint64_t off, int size);
	void	(*write)(struct pci_dev *d, int bar, uint64_t off, int size,
		    uint64_t val);
	/* Optional: the BAR now decodes at addr (mapped) or not (!mapped). */
	void	(*moved)(struct pci_dev *d, int bar, uint64_t addr,
		    bool mapped);
};

/* Called when the machine starts: creates the bus and every pci.* device. */
int pci_init_devices(struct vm *vm);

/* For a device's init: its function on the bus (slot from the node). */
struct pci_dev *pci_dev_create(struct vm *vm, config_node_t *node,
    const struct pci_bar_ops *ops, void *arg);
void *pci_dev_arg(const struct pci_dev *d);
struct vm *pci_dev_vm(const struct pci_dev *d);
int pci_dev_slot(const struct pci_dev *d);

/* Header fields at init. */
void pci_set_cfg8(struct pci_dev *d, int reg, uint8_t v);
void pci_set_cfg16(struct pci_dev *d, int reg, uint16_t v);
void pci_set_cfg32(struct pci_dev *d, int reg, uint32_t v);
uint32_t pci_get_cfg32(struct pci_dev *d, int reg);
void pci_set_ids(struct pci_dev *d, uint16_t vendor, uint16_t device,
    uint8_t class, uint8_t subclass, uint8_t progif, uint8_t rev);

/* A BAR of size bytes (a power of two), placed now; -1 if out of space. */
int pci_bar_alloc(struct pci_dev *d, int bar, enum pci_bar_type t,
    uint64_t size);
/* Appends a capability (its first two bytes are filled in); its offset. */
int pci_cap_add(struct pci_dev *d, const void *cap, int len);

/*
 * MSI-X with nvec vectors, table and PBA in bar at the given offsets; each
 * vector gets an eventfd bound to its own GSI by irqfd.
 */
int pci_msix_init(struct pci_dev *d, int nvec, int bar, uint32_t table_off,
    uint32_t pba_off);
bool pci_msix_enabled(struct pci_dev *d);
/* Raises vector v (or marks it pending while masked).  Any thread. */
void pci_msix_notify(struct pci_dev *d, int v);

/* Single-vector MSI instead of MSI-X (bhyve's -W, virtio_msix=false). */
int pci_msi_init(struct pci_dev *d);
bool pci_msi_enabled(struct pci_dev *d);
void pci_msi_notify(struct pci_dev *d);

/* Legacy INTx (level): pin A, routed to an IOAPIC pin by the _PRT. */
void pci_intx_assert(struct pci_dev *d);
void pci_intx_deassert(struct pci_dev *d);

/* Which slots hold a device (for the DSDT's _PRT); -1 on none. */
int pci_intx_irq(int slot);

#endif
