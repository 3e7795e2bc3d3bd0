/*
 * ACPI fixed hardware, as the FADT (x86/) describes it at the ports of
 * x86/platform.h, after the ACPI specification's chapter 4 "ACPI Hardware
 * Specification": the PM1a event block (status, write-1-to-clear; enable),
 * the PM1a control block (SCI_EN; SLP_TYP/SLP_EN, of which S5 powers the
 * machine off), the 24-bit power-management timer at 3.579545 MHz, and the
 * SMI_CMD handshake by which the OS switches to ACPI mode (section "ACPI
 * Enable/Disable" of the FADT: ACPI_ENABLE sets SCI_EN).
 *
 * The SCI (IRQ 9) is a level held up while SCI_EN and (status & enable)
 * are both nonzero; the MADT must describe it as level-triggered.  The power
 * button is this device's vm->power_button: SIGTERM on khyve presses it, and
 * a guest with ACPI (its button driver, then acpid or systemd-logind; busybox
 * init needs an acpid) shuts down and writes S5.  The timer's TMR_STS is
 * not generated (Linux uses the timer as a clocksource only).
 */
#include <err.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/inout.h"
#include "core/vm.h"
#include "devices/device.h"
#include "devices/pm_acpi.h"
#include "x86/platform.h"

#define OFF_STS		0	/* offsets from PM1A_EVT_ADDR */
#define OFF_EN		2
#define OFF_CNT		(PM1A_CNT_ADDR - PM1A_EVT_ADDR)
#define OFF_TMR		(PM_TMR_ADDR - PM1A_EVT_ADDR)

/* ---- the model ---- */

void
pm_regs_reset(struct pm_regs *p)
{
	p->sts = 0;
	p->en = 0;
	p->cnt = 0;	/* SCI_EN clear: the OS enables ACPI through SMI_CMD */
}

uint32_t
pm_timer_ticks(uint64_t now_ns)
{
	uint64_t t;

	/* Split so that nothing overflows for centuries of uptime. */
	t = (now_ns / 1000000000ULL) * PM_TIMER_HZ +
	    (now_ns % 1000000000ULL) * PM_TIMER_HZ / 1000000000ULL;
	return ((uint32_t)(t & 0xffffff));
}

static uint8_t
byte_of(uint32_t v, unsigned i)
{
	return ((uint8_t)(v >> (8 * i)));
}

uint8_t
pm_regs_read8(const struct pm_regs *p, unsigned off, uint32_t timer)
{
	if (off < OFF_EN)
		return (byte_of(p->sts, off - OFF_STS));
	if (off < OFF_CNT)
		return (byte_of(p->en, off - OFF_EN));
	if (off < OFF_CNT + 2)
		return (byte_of(p->cnt, off - OFF_CNT));
	if (off >= OFF_TMR && off < OFF_TMR + 4)
		return (byte_of(timer, off - OFF_TMR));
	return (0xff);
}

static void
set_byte(uint16_t *reg, unsigned i, uint8_t val)
{
	*reg = (uint16_t)((*reg & ~(0xff << (8 * i))) | (val << (8 * i)));
}

enum pm_action
pm_regs_write8(struct pm_regs *p, unsigned off, uint8_t val)
{
	uint16_t slp;

	if (off < OFF_EN) {
		/* Status bits clear where a one is written. */
		p->sts &= (uint16_t)~(val << (8 * (off - OFF_STS)));
	} else if (off < OFF_CNT) {
		set_byte(&p->en, off - OFF_EN, val);
		p->en &= PM1_EN_MASK;
	} else if (off < OFF_CNT + 2) {
		set_byte(&p->cnt, off - OFF_CNT, val);
		/* SLP_TYP and SLP_EN share the high byte: act on its write. */
		slp = p->cnt & PM1_SLP_EN;
		p->cnt &= (uint16_t)~(PM1_SLP_EN | PM1_GBL_RLS);	/* write-only */
		if (off == OFF_CNT + 1 && slp != 0 &&
		    ((p->cnt & PM1_SLP_TYP) >> PM1_SLP_SHIFT) == SLP_TYP_S5)
			return (PM_POWEROFF);
	}
	return (PM_NONE);	/* the timer is read-only */
}

void
pm_regs_smi_cmd(struct pm_regs *p, uint8_t val)
{
	if (val == ACPI_ENABLE_VAL)
		p->cnt |= PM1_SCI_EN;
	else if (val == ACPI_DISABLE_VAL)
		p->cnt &= (uint16_t)~PM1_SCI_EN;
}

void
pm_regs_power_button(struct pm_regs *p)
{
	p->sts |= PM1_PWRBTN_STS;
}

bool
pm_regs_sci(const struct pm_regs *p)
{
	return ((p->cnt & PM1_SCI_EN) && (p->sts & p->en) != 0);
}

/* ---- the device ---- */

struct pm_softc {
	/* Serialises vCPU threads (port I/O) and the main thread (the power
	 * button) on the registers and the SCI line. */
	pthread_mutex_t	mtx;
	struct pm_regs	regs;
	struct vm	*vm;
	bool		sci_level;	/* what the irqchip was last told */
};

static void
pm_update_sci(struct pm_softc *sc)
{
	bool level = pm_regs_sci(&sc->regs);

	if (level == sc->sci_level)
		return;
	sc->sci_level = level;
	if (level)
		(void)vm_irq_assert(sc->vm, SCI_IRQ);
	else
		(void)vm_irq_deassert(sc->vm, SCI_IRQ);
}

static uint32_t
pm_timer_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (pm_timer_ticks((uint64_t)ts.tv_sec * 1000000000ULL +
	    (uint64_t)ts.tv_nsec));
}

static int
pm1_io(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val, void *arg)
{
	struct pm_softc *sc = arg;
	enum pm_action act = PM_NONE;
	unsigned off = port - PM1A_EVT_ADDR;
	uint32_t timer = 0, v = 0;
	int i;

	(void)vcpu;
	if (bytes != 1 && bytes != 2 && bytes != 4)
		return (0);
	if (off >= OFF_TMR) {
		/* The timer is read-only and stateless: no lock for the guest's
		 * calibration loops. */
		if (in) {
			timer = pm_timer_now();
			for (i = 0; i < bytes; i++)
				v |= (uint32_t)(off + i < OFF_TMR + 4 ?
				    byte_of(timer, off + i - OFF_TMR) : 0xff) << (8 * i);
			*val = v;
		}
		return (0);
	}
	pthread_mutex_lock(&sc->mtx);
	for (i = 0; i < bytes; i++) {
		if (in)
			v |= (uint32_t)pm_regs_read8(&sc->regs, off + i, timer)
			    << (8 * i);
		else if (pm_regs_write8(&sc->regs, off + i,
		    byte_of(*val, i)) == PM_POWEROFF)
			act = PM_POWEROFF;
	}
	if (in)
		*val = v;
	pm_update_sci(sc);
	pthread_mutex_unlock(&sc->mtx);
	if (act == PM_POWEROFF)
		vm_suspend(vm, VM_SUSPEND_POWEROFF);
	return (0);
}

static int
smi_cmd_io(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val, void *arg)
{
	struct pm_softc *sc = arg;

	(void)vm;
	(void)vcpu;
	(void)port;
	if (in) {
		*val = 0;
		return (0);
	}
	pthread_mutex_lock(&sc->mtx);
	if (bytes >= 1)
		pm_regs_smi_cmd(&sc->regs, (uint8_t)*val);
	pm_update_sci(sc);
	pthread_mutex_unlock(&sc->mtx);
	return (0);
}

/* vm->power_button: runs on the main thread when khyve gets SIGTERM. */
static void
pm_power_button(struct vm *vm, void *arg)
{
	struct pm_softc *sc = arg;

	(void)vm;
	pthread_mutex_lock(&sc->mtx);
	pm_regs_power_button(&sc->regs);
	pm_update_sci(sc);
	pthread_mutex_unlock(&sc->mtx);
}

static const struct {
	const char	*name;
	uint16_t	port, size;
	inout_fn	fn;
} pm_ranges[] = {
	{ "pm1a_evt+cnt", PM1A_EVT_ADDR, 6, pm1_io },
	{ "pm_tmr", PM_TMR_ADDR, 4, pm1_io },
	{ "smi_cmd", SMI_CMD_PORT, 1, smi_cmd_io },
};
#define PM_NRANGES	(sizeof(pm_ranges) / sizeof(pm_ranges[0]))

/* Gives back the first n port ranges and the state. */
static void
pm_free(struct vm *vm, struct pm_softc *sc, size_t n)
{
	while (n-- > 0)
		(void)unregister_inout(vm, pm_ranges[n].port, pm_ranges[n].size);
	pthread_mutex_destroy(&sc->mtx);
	free(sc);
}

/* vm_at_destroy: the vCPUs have stopped; the registries still exist. */
static void
pm_destroy(struct vm *vm, void *arg)
{
	if (vm->power_button_arg == arg) {
		vm->power_button = NULL;
		vm->power_button_arg = NULL;
	}
	pm_free(vm, arg, PM_NRANGES);
}

static int
pm_init(struct vm *vm, config_node_t *node)
{
	struct pm_softc *sc;
	struct inout_port iop;
	size_t i;

	(void)node;
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL) {
		warn("pm_acpi");
		return (-1);
	}
	pthread_mutex_init(&sc->mtx, NULL);
	sc->vm = vm;
	pm_regs_reset(&sc->regs);
	for (i = 0; i < PM_NRANGES; i++) {
		iop = (struct inout_port){ .name = pm_ranges[i].name,
		    .port = pm_ranges[i].port, .size = pm_ranges[i].size,
		    .handler = pm_ranges[i].fn, .arg = sc };
		if (register_inout(vm, &iop) != 0) {
			warnx("pm_acpi: cannot claim ports %#x-%#x", iop.port,
			    iop.port + iop.size - 1);
			pm_free(vm, sc, i);
			return (-1);
		}
	}
	if (vm_at_destroy(vm, pm_destroy, sc) != 0) {
		warnx("pm_acpi: out of memory");
		pm_free(vm, sc, PM_NRANGES);
		return (-1);
	}
	vm->power_button_arg = sc;
	vm->power_button = pm_power_button;
	return (0);
}

static const struct device_emu pm_device = {
	.name = "pm_acpi",
	.kind = DEV_PLATFORM,
	.init = pm_init,
};
DEVICE_REGISTER(pm_device);
