/*
 * NS16550A UART (the PC's COM1..COM4), after National Semiconductor's
 * PC16550D datasheet (June 1995), chapter "Registers": the register
 * summary (DLAB and the shared offsets), the Line Status, FIFO Control,
 * Interrupt Identification (the interrupt control functions table: its
 * priorities and what resets each), Interrupt Enable, Modem Control
 * (loopback wiring) and Modem Status registers, and "FIFO Interrupt Mode
 * Operation".
 *
 * The transmitter is infinitely fast: a byte written to THR leaves at once,
 * so THR and the shift register always read empty (LSR THRE|TEMT) and the
 * THRE interrupt re-arms after every write, which is what Linux's 8250
 * driver expects of a FIFO part.  The receive FIFO holds 16 bytes (1 with
 * FIFOs off); data below the trigger level reports a character timeout at
 * once instead of after four character times.
 *
 * The interrupt output is a level on the COM IRQ (the in-kernel PIC/IOAPIC
 * sees the edge when it rises); like bhyve, MCR OUT2 does not gate it.
 *
 * Configuration: lpc.comN.path names the backend (devices/uart_backend.c);
 * without it the port exists and its output is discarded.
 */
#include <err.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/inout.h"
#include "core/vm.h"
#include "devices/device.h"
#include "devices/uart_16550.h"
#include "devices/uart_backend.h"
#include "x86/platform.h"

/* ---- the register model: pure functions over struct uart_regs ---- */

static bool
fifo_on(const struct uart_regs *u)
{
	return ((u->fcr & FCR_ENABLE) != 0);
}

static unsigned
rx_capacity(const struct uart_regs *u)
{
	return (fifo_on(u) ? UART_FIFO_SIZE : 1);
}

static unsigned
rx_trigger(const struct uart_regs *u)
{
	static const unsigned level[4] = { 1, 4, 8, 14 };

	return (fifo_on(u) ? level[u->fcr >> 6] : 1);
}

static void
rx_flush(struct uart_regs *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* The modem inputs: looped back from MCR, else a cable that is always ready
 * (DCD/DSR/CTS up) so that a guest's open() of the tty never waits. */
static uint8_t
modem_inputs(const struct uart_regs *u)
{
	uint8_t m = 0;

	if ((u->mcr & MCR_LOOP) == 0)
		return (MSR_DCD | MSR_DSR | MSR_CTS);
	if (u->mcr & MCR_RTS)
		m |= MSR_CTS;
	if (u->mcr & MCR_DTR)
		m |= MSR_DSR;
	if (u->mcr & MCR_OUT1)
		m |= MSR_RI;
	if (u->mcr & MCR_OUT2)
		m |= MSR_DCD;
	return (m);
}

/* Recomputes the MSR inputs and latches the delta bits of what changed. */
static void
modem_update(struct uart_regs *u)
{
	uint8_t old = u->msr & 0xf0, now = modem_inputs(u), delta = 0;

	if ((old ^ now) & MSR_CTS)
		delta |= MSR_DCTS;
	if ((old ^ now) & MSR_DSR)
		delta |= MSR_DDSR;
	if ((old & MSR_RI) && !(now & MSR_RI))
		delta |= MSR_TERI;	/* trailing edge of RI only */
	if ((old ^ now) & MSR_DCD)
		delta |= MSR_DDCD;
	u->msr = now | (u->msr & 0x0f) | delta;
}

void
uart_regs_reset(struct uart_regs *u)
{
	memset(u, 0, sizeof(*u));
	u->dll = 1;		/* 115200 baud from the 1.8432 MHz clock */
	u->lcr = 0x03;		/* 8N1 */
	u->msr = modem_inputs(u);
}

uint8_t
uart_regs_iir(const struct uart_regs *u)
{
	uint8_t id = IIR_NOPEND;

	if ((u->ier & IER_ELSI) && u->lsr_err != 0)
		id = IIR_RLS;
	else if ((u->ier & IER_ERDAI) && u->rx_count > 0)
		id = u->rx_count >= rx_trigger(u) ? IIR_RDA : IIR_TIMEOUT;
	else if ((u->ier & IER_ETHREI) && u->thre_pending)
		id = IIR_THRE;
	else if ((u->ier & IER_EDSSI) && (u->msr & 0x0f) != 0)
		id = IIR_MSR;
	return (id | (fifo_on(u) ? IIR_FIFO_ON : 0));
}

bool
uart_regs_irq(const struct uart_regs *u)
{
	return ((uart_regs_iir(u) & IIR_NOPEND) == 0);
}

unsigned
uart_regs_rx_space(const struct uart_regs *u)
{
	return (rx_capacity(u) - u->rx_count);
}

int
uart_regs_rx(struct uart_regs *u, uint8_t c)
{
	if (u->rx_count >= rx_capacity(u)) {
		u->lsr_err |= LSR_OE;
		return (-1);
	}
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = c;
	u->rx_count++;
	return (0);
}

static uint8_t
rx_pop(struct uart_regs *u)
{
	uint8_t c;

	if (u->rx_count == 0)
		return (0);
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	u->rx_count--;
	return (c);
}

static uint8_t
lsr_read(struct uart_regs *u)
{
	uint8_t v = LSR_THRE | LSR_TEMT | u->lsr_err;

	if (u->rx_count > 0)
		v |= LSR_DR;
	if (fifo_on(u) && (u->lsr_err & (LSR_PE | LSR_FE | LSR_BI)))
		v |= LSR_FIFOERR;
	u->lsr_err = 0;		/* error bits clear on read */
	return (v);
}

uint8_t
uart_regs_read(struct uart_regs *u, int reg)
{
	uint8_t v;

	switch (reg) {
	case UART_RBR:
		return ((u->lcr & LCR_DLAB) ? u->dll : rx_pop(u));
	case UART_IER:
		return ((u->lcr & LCR_DLAB) ? u->dlm : u->ier);
	case UART_IIR:
		v = uart_regs_iir(u);
		/* Reading IIR while it reports THRE acknowledges that interrupt. */
		if ((v & 0x0f) == IIR_THRE)
			u->thre_pending = false;
		return (v);
	case UART_LCR:
		return (u->lcr);
	case UART_MCR:
		return (u->mcr);
	case UART_LSR:
		return (lsr_read(u));
	case UART_MSR:
		v = u->msr;
		u->msr &= 0xf0;	/* deltas clear on read */
		return (v);
	case UART_SCR:
		return (u->scr);
	}
	return (0xff);
}

static void
fcr_write(struct uart_regs *u, uint8_t val)
{
	/* Switching the FIFOs on or off empties them (datasheet 8.6.3). */
	if ((val ^ u->fcr) & FCR_ENABLE)
		rx_flush(u);
	if (val & FCR_RX_RESET)
		rx_flush(u);
	/* The trigger and DMA bits only stick while the FIFOs are on. */
	u->fcr = (val & FCR_ENABLE) ? (val & 0xc9) : 0;
}

static int
thr_write(struct uart_regs *u, uint8_t val)
{
	/* The byte leaves at once, so THR is empty again: THRE re-arms. */
	u->thre_pending = true;
	if (u->mcr & MCR_LOOP) {
		(void)uart_regs_rx(u, val);
		return (-1);
	}
	return (val);
}

int
uart_regs_write(struct uart_regs *u, int reg, uint8_t val)
{
	switch (reg) {
	case UART_RBR:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
			return (-1);
		}
		return (thr_write(u, val));
	case UART_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
			break;
		}
		/* Enabling ETHREI while THR is empty raises THRE at once. */
		if ((val & IER_ETHREI) && !(u->ier & IER_ETHREI))
			u->thre_pending = true;
		u->ier = val & 0x0f;
		break;
	case UART_IIR:
		fcr_write(u, val);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & 0x1f;
		modem_update(u);
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default:		/* LSR and MSR are read-only here */
		break;
	}
	return (-1);
}

/* ---- the device: a lock, an IRQ line and a backend around the model ---- */

struct uart_softc {
	/* Serialises vCPU threads (port I/O) and the event loop (received
	 * bytes, backend state) on this UART. */
	pthread_mutex_t	mtx;
	struct uart_regs regs;
	struct vm	*vm;
	const char	*name;
	uint16_t	port;
	int		irq;
	bool		irq_level;	/* what the irqchip was last told */
	struct uart_backend *be;	/* NULL: output discarded */
};

static void
uart_update_irq(struct uart_softc *sc)
{
	bool level = uart_regs_irq(&sc->regs);

	if (level == sc->irq_level)
		return;
	sc->irq_level = level;
	if (level)
		(void)vm_irq_assert(sc->vm, sc->irq);
	else
		(void)vm_irq_deassert(sc->vm, sc->irq);
}

static size_t
uart_rx_space(void *arg)
{
	struct uart_softc *sc = arg;

	return (uart_regs_rx_space(&sc->regs));
}

static void
uart_rx_put(void *arg, const uint8_t *buf, size_t len)
{
	struct uart_softc *sc = arg;
	size_t i;

	for (i = 0; i < len; i++)
		(void)uart_regs_rx(&sc->regs, buf[i]);
	uart_update_irq(sc);
}

static const struct uart_backend_ops uart_be_ops = {
	.rx_space = uart_rx_space,
	.rx_put = uart_rx_put,
};

static int
uart_io(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val, void *arg)
{
	struct uart_softc *sc = arg;
	int reg = port & 7, out;

	(void)vm;
	(void)vcpu;
	/* The chip has a byte-wide bus; wider accesses are not meaningful. */
	if (bytes != 1) {
		if (in)
			*val = 0xffffffff;
		return (0);
	}
	pthread_mutex_lock(&sc->mtx);
	if (in) {
		*val = uart_regs_read(&sc->regs, reg);
		if (reg == UART_RBR && sc->be != NULL)
			uart_backend_rx_room(sc->be);
	} else {
		out = uart_regs_write(&sc->regs, reg, (uint8_t)*val);
		if (out >= 0 && sc->be != NULL)
			uart_backend_putc(sc->be, (uint8_t)out);
		if (reg == UART_IIR && sc->be != NULL)
			uart_backend_rx_room(sc->be);	/* FIFO may have been reset */
	}
	uart_update_irq(sc);
	pthread_mutex_unlock(&sc->mtx);
	return (0);
}

static const struct {
	const char	*name;
	uint16_t	port;
	int		irq;
} uart_ports[] = {
	{ "com1", COM1_PORT, COM1_IRQ },
	{ "com2", COM2_PORT, COM2_IRQ },
	{ "com3", COM3_PORT, COM3_IRQ },
	{ "com4", COM4_PORT, COM4_IRQ },
};

static void
uart_free(struct uart_softc *sc)
{
	if (sc->be != NULL)
		uart_backend_close(sc->be);
	pthread_mutex_destroy(&sc->mtx);
	free(sc);
}

/* vm_at_destroy: the vCPUs have stopped; the registries still exist. */
static void
uart_destroy(struct vm *vm, void *arg)
{
	struct uart_softc *sc = arg;

	(void)unregister_inout(vm, sc->port, 8);
	uart_free(sc);
}

static int
uart_init(struct vm *vm, config_node_t *node, int unit)
{
	struct uart_softc *sc;
	struct inout_port iop;
	const char *path;
	char *copy = NULL;

	sc = calloc(1, sizeof(*sc));
	if (sc == NULL) {
		warn("%s", uart_ports[unit].name);
		return (-1);
	}
	pthread_mutex_init(&sc->mtx, NULL);
	sc->vm = vm;
	sc->name = uart_ports[unit].name;
	sc->port = uart_ports[unit].port;
	sc->irq = uart_ports[unit].irq;
	uart_regs_reset(&sc->regs);

	path = node != NULL ? get_config_value_node(node, "path") : NULL;
	if (path != NULL) {
		/* The config string lives only until the next config call. */
		copy = strdup(path);
		if (copy == NULL) {
			warn("%s", sc->name);
			uart_free(sc);
			return (-1);
		}
		sc->be = uart_backend_open(vm, sc->name, copy, &sc->mtx,
		    &uart_be_ops, sc);
		free(copy);
		if (sc->be == NULL) {
			uart_free(sc);
			return (-1);
		}
	}

	iop = (struct inout_port){
		.name = sc->name,
		.port = sc->port,
		.size = 8,
		.handler = uart_io,
		.arg = sc,
	};
	if (register_inout(vm, &iop) != 0) {
		warnx("%s: cannot claim ports %#x-%#x", sc->name, iop.port,
		    iop.port + 7);
		uart_free(sc);
		return (-1);
	}
	if (vm_at_destroy(vm, uart_destroy, sc) != 0) {
		warnx("%s: out of memory", sc->name);
		uart_destroy(vm, sc);
		return (-1);
	}
	return (0);
}

/* `-l com1,stdio`: everything after the name is the backend. */
static int
uart_legacy_config(config_node_t *node, const char *opts)
{
	if (opts == NULL || *opts == '\0')
		return (0);
	if (set_config_value_node(node, "path", opts) != 0) {
		warnx("%s", config_error());
		return (-1);
	}
	return (0);
}

#define UART_DEVICE(n)							\
static int								\
uart_init_com##n(struct vm *vm, config_node_t *node)			\
{									\
	return (uart_init(vm, node, (n) - 1));				\
}									\
static const struct device_emu uart_com##n = {				\
	.name = "com" #n,						\
	.kind = DEV_LPC,						\
	.legacy_config = uart_legacy_config,				\
	.init = uart_init_com##n,					\
};									\
DEVICE_REGISTER(uart_com##n)

UART_DEVICE(1);
UART_DEVICE(2);
UART_DEVICE(3);
UART_DEVICE(4);
