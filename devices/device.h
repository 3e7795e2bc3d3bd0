/*
 * Device descriptors.  Each device file defines one const struct
 * device_emu and registers it with DEVICE_REGISTER(); the table is a linker
 * section, so adding a device is one new file.  `-s help` and `-l help`
 * walk it.
 *
 * A device gets the machine and its own config node, never argv.  Its old
 * comma syntax (`-s 2,virtio-blk,disk.img,ro`) is turned into keys under that
 * node by its legacy_config function before init runs.
 */
#ifndef KHYVE_DEVICES_DEVICE_H
#define KHYVE_DEVICES_DEVICE_H

#include "config/config.h"

struct vm;

enum device_kind {
	DEV_PLATFORM,	/* always present (RTC, i8042 reset, PM1, …): config node may be NULL */
	DEV_LPC,	/* -l name,...  → lpc.NAME.* */
	DEV_PCI,	/* -s slot,name,... → pci.B.S.F.* */
};

struct device_emu {
	const char		*name;
	enum device_kind	kind;
	/* Turns the legacy option string (may be NULL) into keys under node. */
	int	(*legacy_config)(config_node_t *node, const char *opts);
	/* Sets the device up; -1 with a message already printed on failure. */
	int	(*init)(struct vm *vm, config_node_t *node);
	/* Optional: for the PCI layer (later issue). */
	const void		*pci_ops;
};

#define DEVICE_REGISTER(d)						\
	static const struct device_emu *const __device_ptr_##d		\
	__attribute__((section("khyve_devices"), used)) = &(d)

/* Table walkers (devices/device.c). */
const struct device_emu *device_find(const char *name, enum device_kind kind);
void device_foreach(enum device_kind kind,
    void (*fn)(const struct device_emu *d, void *arg), void *arg);

#endif
