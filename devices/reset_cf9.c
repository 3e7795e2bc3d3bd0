/*
 * The reset control register at port 0xCF9 (Intel I/O Controller Hub
 * datasheets, "Reset Control Register (CF9h)"): writing RST_CPU (bit 2)
 * resets the machine; SYS_RST (bit 1) and FULL_RST (bit 3) only choose how
 * hard, and a virtual machine treats every kind the same, as bhyve does.
 * This is the FADT's RESET_REG (value 0x06), Linux's first way to reboot.
 *
 * Byte-wide only: 0xCF8-0xCFF around it belong to PCI configuration
 * mechanism #1 (a later issue), whose dword accesses are not ours.
 */
#include <err.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "core/inout.h"
#include "core/vm.h"
#include "devices/device.h"
#include "x86/platform.h"

#define CF9_SYS_RST	0x02
#define CF9_RST_CPU	0x04
#define CF9_FULL_RST	0x08

struct cf9_softc {
	_Atomic uint8_t	value;	/* last write, read back; atomic for racing vCPUs */
};

static int
cf9_io(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val, void *arg)
{
	struct cf9_softc *sc = arg;

	(void)vcpu;
	(void)port;
	if (bytes != 1) {
		if (in)
			*val = 0xffffffff;
		return (0);
	}
	if (in) {
		*val = atomic_load(&sc->value);
		return (0);
	}
	/* RST_CPU is not kept: the register reads back as ready again. */
	atomic_store(&sc->value, (uint8_t)(*val & (CF9_SYS_RST | CF9_FULL_RST)));
	if (*val & CF9_RST_CPU)
		vm_suspend(vm, VM_SUSPEND_RESET);
	return (0);
}

/* vm_at_destroy: the vCPUs have stopped; the registries still exist. */
static void
cf9_destroy(struct vm *vm, void *arg)
{
	(void)unregister_inout(vm, RESET_PORT, 1);
	free(arg);
}

static int
cf9_init(struct vm *vm, config_node_t *node)
{
	struct cf9_softc *sc;
	struct inout_port iop;

	(void)node;
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL) {
		warn("reset_cf9");
		return (-1);
	}
	iop = (struct inout_port){ .name = "reset_cf9", .port = RESET_PORT,
	    .size = 1, .handler = cf9_io, .arg = sc };
	if (register_inout(vm, &iop) != 0) {
		warnx("reset_cf9: cannot claim port %#x", RESET_PORT);
		free(sc);
		return (-1);
	}
	if (vm_at_destroy(vm, cf9_destroy, sc) != 0) {
		warnx("reset_cf9: out of memory");
		cf9_destroy(vm, sc);
		return (-1);
	}
	return (0);
}

static const struct device_emu cf9_device = {
	.name = "reset_cf9",
	.kind = DEV_PLATFORM,
	.init = cf9_init,
};
DEVICE_REGISTER(cf9_device);
