/*
 * Intel 8042 keyboard controller at ports 0x60 (data) and 0x64
 * (status/command), as the IBM PC/AT Technical Reference ("Keyboard
 * Controller": status register, command byte, controller commands 20h-FFh)
 * describes it, with the PS/2 AUX commands (A7h-A9h, D3h, D4h).
 *
 * Nothing is plugged into either port.  The controller answers its own
 * commands at once (self-test 55h, interface tests 00h, AUX loopback echo),
 * and every byte sent to a device is answered with FEh and the timeout bit,
 * as a real controller does with an empty socket, so Linux's i8042 and
 * atkbd/psmouse probes fail in microseconds instead of waiting.  The reason
 * the device exists: command FEh (or any pulse of output-port bit 0, or
 * writing it low with D1h) resets the machine.
 */
#include <err.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/inout.h"
#include "core/vm.h"
#include "devices/device.h"
#include "devices/i8042.h"
#include "x86/platform.h"

#define I8042_KBD_IRQ	1
#define I8042_AUX_IRQ	12

/* ---- the model ---- */

#define CTR(k)	((k)->ram[0])

void
i8042_regs_reset(struct i8042_regs *k)
{
	memset(k, 0, sizeof(*k));
	/* As the BIOS leaves it: keyboard interrupt, POST passed, XT scancodes. */
	CTR(k) = I8042_CTR_KBDINT | I8042_CTR_SYS | I8042_CTR_XLATE;
	k->outport = 0x03;	/* reset line high (inactive), A20 on */
}

static void
push(struct i8042_regs *k, uint8_t byte, uint8_t sts)
{
	unsigned tail;

	if (k->q_count == I8042_QUEUE)
		return;		/* a guest that never reads loses replies */
	tail = (k->q_head + k->q_count) % I8042_QUEUE;
	k->q[tail].byte = byte;
	k->q[tail].sts = sts;
	k->q_count++;
}

uint8_t
i8042_regs_status(const struct i8042_regs *k)
{
	uint8_t s = I8042_STS_UNLOCKED;

	if (CTR(k) & I8042_CTR_SYS)
		s |= I8042_STS_SYS;
	if (k->last_cmd)
		s |= I8042_STS_CMD;
	if (k->q_count > 0)
		s |= I8042_STS_OBF | k->q[k->q_head].sts;
	return (s);
}

uint8_t
i8042_regs_read_data(struct i8042_regs *k)
{
	uint8_t b;

	if (k->q_count == 0)
		return (0);
	b = k->q[k->q_head].byte;
	k->q_head = (k->q_head + 1) % I8042_QUEUE;
	k->q_count--;
	return (b);
}

static enum i8042_action
outport_write(struct i8042_regs *k, uint8_t val)
{
	k->outport = val;
	return ((val & 0x01) ? I8042_NONE : I8042_RESET);
}

enum i8042_action
i8042_regs_write_data(struct i8042_regs *k, uint8_t val)
{
	uint8_t cmd = k->pending;

	k->pending = 0;
	k->last_cmd = false;
	if (cmd >= 0x60 && cmd <= 0x7f) {
		k->ram[cmd & 0x1f] = val;
		return (I8042_NONE);
	}
	switch (cmd) {
	case 0xd1:
		return (outport_write(k, val));
	case 0xd2:		/* as if the keyboard had sent it */
		push(k, val, 0);
		break;
	case 0xd3:		/* AUX loopback: as if the mouse had sent it */
		push(k, val, I8042_STS_AUXB);
		break;
	case 0xd4:		/* to the mouse: nobody there */
		push(k, 0xfe, I8042_STS_AUXB | I8042_STS_TIMEOUT);
		break;
	default:		/* to the keyboard: nobody there */
		push(k, 0xfe, I8042_STS_TIMEOUT);
		break;
	}
	return (I8042_NONE);
}

enum i8042_action
i8042_regs_write_cmd(struct i8042_regs *k, uint8_t cmd)
{
	k->pending = 0;
	k->last_cmd = true;
	if (cmd >= 0x20 && cmd <= 0x3f) {
		push(k, k->ram[cmd & 0x1f], 0);
		return (I8042_NONE);
	}
	if ((cmd >= 0x60 && cmd <= 0x7f) ||
	    (cmd >= 0xd1 && cmd <= 0xd4)) {
		k->pending = cmd;	/* the data byte follows on port 0x60 */
		return (I8042_NONE);
	}
	/* F0h-FFh pulse output-port bits 0-3 low where the command bit is 0. */
	if (cmd >= 0xf0)
		return ((cmd & 0x01) ? I8042_NONE : I8042_RESET);
	switch (cmd) {
	case 0xa7: CTR(k) |= I8042_CTR_AUXDIS; break;
	case 0xa8: CTR(k) &= ~I8042_CTR_AUXDIS; break;
	case 0xa9: push(k, 0x00, 0); break;		/* AUX interface OK */
	case 0xaa:					/* self-test passed */
		CTR(k) |= I8042_CTR_SYS;
		push(k, 0x55, 0);
		break;
	case 0xab: push(k, 0x00, 0); break;		/* KBD interface OK */
	case 0xad: CTR(k) |= I8042_CTR_KBDDIS; break;
	case 0xae: CTR(k) &= ~I8042_CTR_KBDDIS; break;
	case 0xc0: push(k, 0x00, 0); break;		/* input port */
	case 0xd0: push(k, k->outport, 0); break;
	case 0xdd: k->outport &= ~0x02; break;		/* A20 off */
	case 0xdf: k->outport |= 0x02; break;		/* A20 on */
	case 0xe0: push(k, 0x00, 0); break;		/* test inputs */
	default: break;
	}
	return (I8042_NONE);
}

bool
i8042_regs_kbd_irq(const struct i8042_regs *k)
{
	return (k->q_count > 0 && !(k->q[k->q_head].sts & I8042_STS_AUXB) &&
	    (CTR(k) & I8042_CTR_KBDINT));
}

bool
i8042_regs_aux_irq(const struct i8042_regs *k)
{
	return (k->q_count > 0 && (k->q[k->q_head].sts & I8042_STS_AUXB) &&
	    (CTR(k) & I8042_CTR_AUXINT));
}

/* ---- the device ---- */

struct i8042_softc {
	pthread_mutex_t	mtx;		/* vCPU threads share the controller */
	struct i8042_regs regs;
	struct vm	*vm;
	bool		kbd_level, aux_level;	/* what the irqchip was told */
};

static void
set_line(struct vm *vm, int irq, bool *cur, bool level)
{
	if (*cur == level)
		return;
	*cur = level;
	if (level)
		(void)vm_irq_assert(vm, irq);
	else
		(void)vm_irq_deassert(vm, irq);
}

static int
i8042_io(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val, void *arg)
{
	struct i8042_softc *sc = arg;
	enum i8042_action act = I8042_NONE;

	(void)vcpu;
	if (bytes != 1) {
		if (in)
			*val = 0xffffffff;
		return (0);
	}
	pthread_mutex_lock(&sc->mtx);
	if (port == I8042_CMD_PORT && in)
		*val = i8042_regs_status(&sc->regs);
	else if (port == I8042_CMD_PORT)
		act = i8042_regs_write_cmd(&sc->regs, (uint8_t)*val);
	else if (in) {
		*val = i8042_regs_read_data(&sc->regs);
		/* One byte per interrupt: drop the lines so the next byte is
		 * a new edge for the (edge-triggered) ISA inputs. */
		set_line(vm, I8042_KBD_IRQ, &sc->kbd_level, false);
		set_line(vm, I8042_AUX_IRQ, &sc->aux_level, false);
	} else
		act = i8042_regs_write_data(&sc->regs, (uint8_t)*val);
	set_line(vm, I8042_KBD_IRQ, &sc->kbd_level,
	    i8042_regs_kbd_irq(&sc->regs));
	set_line(vm, I8042_AUX_IRQ, &sc->aux_level,
	    i8042_regs_aux_irq(&sc->regs));
	pthread_mutex_unlock(&sc->mtx);
	if (act == I8042_RESET)
		vm_suspend(vm, VM_SUSPEND_RESET);
	return (0);
}

/* vm_at_destroy: the vCPUs have stopped; the registries still exist. */
static void
i8042_destroy(struct vm *vm, void *arg)
{
	struct i8042_softc *sc = arg;

	(void)unregister_inout(vm, I8042_DATA_PORT, 1);
	(void)unregister_inout(vm, I8042_CMD_PORT, 1);
	pthread_mutex_destroy(&sc->mtx);
	free(sc);
}

static int
i8042_init(struct vm *vm, config_node_t *node)
{
	struct i8042_softc *sc;
	struct inout_port iop;

	(void)node;
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL) {
		warn("i8042");
		return (-1);
	}
	pthread_mutex_init(&sc->mtx, NULL);
	sc->vm = vm;
	i8042_regs_reset(&sc->regs);

	iop = (struct inout_port){ .name = "i8042", .port = I8042_DATA_PORT,
	    .size = 1, .handler = i8042_io, .arg = sc };
	if (register_inout(vm, &iop) != 0)
		goto fail;
	iop.port = I8042_CMD_PORT;
	if (register_inout(vm, &iop) != 0) {
		(void)unregister_inout(vm, I8042_DATA_PORT, 1);
		goto fail;
	}
	if (vm_at_destroy(vm, i8042_destroy, sc) != 0) {
		warnx("i8042: out of memory");
		i8042_destroy(vm, sc);
		return (-1);
	}
	return (0);
fail:
	warnx("i8042: cannot claim ports %#x/%#x", I8042_DATA_PORT,
	    I8042_CMD_PORT);
	pthread_mutex_destroy(&sc->mtx);
	free(sc);
	return (-1);
}

static const struct device_emu i8042_device = {
	.name = "i8042",
	.kind = DEV_PLATFORM,
	.init = i8042_init,
};
DEVICE_REGISTER(i8042_device);
