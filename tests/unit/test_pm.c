/*
 * ACPI fixed hardware (devices/pm_acpi.h): S5 power-off, write-1-to-clear
 * status, the SCI level, the PM timer, the power button; and the two ways
 * out of the machine beside it: the 0xCF9 reset register and the port-0x80
 * sink (through the port registry, no KVM).
 */
#include "core/inout.h"
#include "core/mevent.h"
#include "core/vm.h"
#include "devices/device.h"
#include "devices/pm_acpi.h"
#include "tests/unit/t.h"
#include "x86/platform.h"

static struct pm_regs p;

static enum pm_action
cnt_write(uint16_t v)
{
	enum pm_action a = pm_regs_write8(&p, 4, (uint8_t)v);

	if (pm_regs_write8(&p, 5, (uint8_t)(v >> 8)) == PM_POWEROFF)
		a = PM_POWEROFF;
	return (a);
}

static uint16_t
reg16(unsigned off)
{
	return (pm_regs_read8(&p, off, 0) | pm_regs_read8(&p, off + 1, 0) << 8);
}

static void
test_s5_powers_off(void)
{
	pm_regs_reset(&p);
	T_CHECK(cnt_write(PM1_SCI_EN | 1 << PM1_SLP_SHIFT | PM1_SLP_EN) ==
	    PM_NONE);					/* S1: not supported, ignored */
	T_CHECK(cnt_write(PM1_SCI_EN | SLP_TYP_S5 << PM1_SLP_SHIFT) == PM_NONE);
	T_CHECK(reg16(4) == (PM1_SCI_EN | SLP_TYP_S5 << PM1_SLP_SHIFT));
	T_CHECK(cnt_write(PM1_SCI_EN | SLP_TYP_S5 << PM1_SLP_SHIFT |
	    PM1_SLP_EN) == PM_POWEROFF);
	T_CHECK((reg16(4) & PM1_SLP_EN) == 0);		/* write-only */
	/* A byte write of the high half alone works the same. */
	pm_regs_reset(&p);
	T_CHECK(pm_regs_write8(&p, 5, (SLP_TYP_S5 << 2) | 0x20) == PM_POWEROFF);
	T_CHECK(pm_regs_write8(&p, 4, 0xff) == PM_NONE);
}

static void
test_status_w1c(void)
{
	pm_regs_reset(&p);
	pm_regs_power_button(&p);
	T_CHECK(reg16(0) == PM1_PWRBTN_STS);
	pm_regs_write8(&p, 0, 0xff);			/* low byte: other bits */
	pm_regs_write8(&p, 1, 0x00);			/* zeros change nothing */
	T_CHECK(reg16(0) == PM1_PWRBTN_STS);
	pm_regs_write8(&p, 1, PM1_PWRBTN_STS >> 8);
	T_CHECK(reg16(0) == 0);
	/* Enable is plain read/write, reserved bits dropped. */
	pm_regs_write8(&p, 2, 0xff);
	pm_regs_write8(&p, 3, 0xff);
	T_CHECK(reg16(2) == PM1_EN_MASK);
	T_CHECK(pm_regs_read8(&p, 6, 0) == 0xff);	/* not a register */
	T_CHECK(pm_regs_write8(&p, 9, 0) == PM_NONE);	/* the timer: ignored */
}

static void
test_sci_level(void)
{
	pm_regs_reset(&p);
	pm_regs_write8(&p, 3, PM1_PWRBTN_STS >> 8);	/* PWRBTN_EN */
	pm_regs_power_button(&p);
	T_CHECK(!pm_regs_sci(&p));			/* ACPI not enabled yet */
	pm_regs_smi_cmd(&p, 0x42);			/* unknown: ignored */
	T_CHECK(!pm_regs_sci(&p));
	pm_regs_smi_cmd(&p, ACPI_ENABLE_VAL);
	T_CHECK(reg16(4) & PM1_SCI_EN);
	T_CHECK(pm_regs_sci(&p));
	pm_regs_write8(&p, 3, 0);			/* masked */
	T_CHECK(!pm_regs_sci(&p));
	pm_regs_write8(&p, 3, PM1_PWRBTN_STS >> 8);
	T_CHECK(pm_regs_sci(&p));
	pm_regs_write8(&p, 1, PM1_PWRBTN_STS >> 8);	/* acknowledged */
	T_CHECK(!pm_regs_sci(&p));
	pm_regs_power_button(&p);
	pm_regs_smi_cmd(&p, ACPI_DISABLE_VAL);
	T_CHECK(!pm_regs_sci(&p));
	T_CHECK((reg16(4) & PM1_SCI_EN) == 0);
}

static void
test_pm_timer(void)
{
	T_CHECK(pm_timer_ticks(0) == 0);
	T_CHECK(pm_timer_ticks(1000000000ULL) == (3579545 & 0xffffff));
	T_CHECK(pm_timer_ticks(1000) == 3);		/* 3.58 ticks per µs */
	/* 24 bits wrap after 2^24 ticks (~4.69 s). */
	T_CHECK(pm_timer_ticks(4687500000ULL) < 0x1000);
	/* A long uptime does not overflow: 10^9 s. */
	T_CHECK(pm_timer_ticks(1000000000ULL * 1000000000ULL) ==
	    (uint32_t)((1000000000ULL * 3579545ULL) & 0xffffff));
	T_CHECK(pm_regs_read8(&p, 8, 0x123456) == 0x56);
	T_CHECK(pm_regs_read8(&p, 10, 0x123456) == 0x12);
	T_CHECK(pm_regs_read8(&p, 11, 0x123456) == 0x00);
}

/* ---- the devices through the port registry ---- */

static struct vm vm1, vm2;	/* static: device state stays reachable */

static bool
devices(struct vm *vm)
{
	return (device_find("pm_acpi", DEV_PLATFORM)->init(vm, NULL) == 0 &&
	    device_find("reset_cf9", DEV_PLATFORM)->init(vm, NULL) == 0 &&
	    device_find("post", DEV_PLATFORM)->init(vm, NULL) == 0);
}

static bool
machine(struct vm *vm)
{
	vm->kvm.kvm_fd = vm->kvm.vm_fd = -1;
	atomic_store(&vm->suspended, VM_RUNNING);
	return (inout_init(vm) == 0 && mevent_init(vm) == 0 && devices(vm));
}

static uint32_t
in(struct vm *vm, uint16_t port, int bytes)
{
	uint32_t v = 0;

	T_CHECK(inout_dispatch(vm, 0, true, port, bytes, &v) == 0);
	return (v);
}

static void
out(struct vm *vm, uint16_t port, int bytes, uint32_t v)
{
	T_CHECK(inout_dispatch(vm, 0, false, port, bytes, &v) == 0);
}

static void
test_device_poweroff_and_button(void)
{
	uint32_t t0, t1;

	T_CHECK(machine(&vm1));
	T_CHECK(vm1.power_button != NULL);
	vm1.power_button(&vm1, vm1.power_button_arg);
	T_CHECK(in(&vm1, PM1A_EVT_ADDR, 2) == PM1_PWRBTN_STS);
	T_CHECK(in(&vm1, PM1A_EVT_ADDR, 4) == PM1_PWRBTN_STS);	/* + enable 0 */
	out(&vm1, PM1A_EVT_ADDR, 2, PM1_PWRBTN_STS);
	T_CHECK(in(&vm1, PM1A_EVT_ADDR, 2) == 0);
	out(&vm1, SMI_CMD_PORT, 1, ACPI_ENABLE_VAL);
	T_CHECK(in(&vm1, PM1A_CNT_ADDR, 2) == PM1_SCI_EN);
	t0 = in(&vm1, PM_TMR_ADDR, 4);
	t1 = in(&vm1, PM_TMR_ADDR, 4);
	T_CHECK(t0 < 0x1000000 && t1 < 0x1000000 && t0 != t1);
	/* Port 0x80 and 0xed swallow everything. */
	out(&vm1, 0x80, 1, 0x12);
	T_CHECK(in(&vm1, 0xed, 1) == 0xffffffff);
	vm1.strictio = true;
	out(&vm1, 0x80, 1, 0x34);
	T_CHECK(atomic_load(&vm1.suspended) == VM_RUNNING);
	/* S5 through a word write, as ACPICA does it. */
	out(&vm1, PM1A_CNT_ADDR, 2, PM1_SCI_EN | SLP_TYP_S5 << PM1_SLP_SHIFT |
	    PM1_SLP_EN);
	T_CHECK(atomic_load(&vm1.suspended) == VM_SUSPEND_POWEROFF);
	vm_run_cleanups(&vm1);
	T_CHECK(vm1.power_button == NULL);
	T_CHECK(devices(&vm1));		/* every port was given back */
	vm_run_cleanups(&vm1);
}

static void
test_device_reset_cf9(void)
{
	T_CHECK(machine(&vm2));
	out(&vm2, RESET_PORT, 1, 0x02);			/* choose hard reset */
	T_CHECK(atomic_load(&vm2.suspended) == VM_RUNNING);
	T_CHECK(in(&vm2, RESET_PORT, 1) == 0x02);
	out(&vm2, RESET_PORT, 2, 0x06);			/* not byte-wide: ignored */
	T_CHECK(atomic_load(&vm2.suspended) == VM_RUNNING);
	out(&vm2, RESET_PORT, 1, 0x06);			/* the FADT's RESET_VALUE */
	T_CHECK(atomic_load(&vm2.suspended) == VM_SUSPEND_RESET);
	vm_run_cleanups(&vm2);
}

/* Hostile guest: any byte at any offset. */
static void
test_random_guest(void)
{
	unsigned seed = 5;
	int i;

	pm_regs_reset(&p);
	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245 + 12345;
		if (seed & 0x100)
			(void)pm_regs_read8(&p, (seed >> 16) % 16, seed);
		else
			(void)pm_regs_write8(&p, (seed >> 16) % 16,
			    (uint8_t)(seed >> 24));
		if ((seed & 0xff) == 0)
			pm_regs_smi_cmd(&p, (uint8_t)(seed >> 8));
		T_CHECK((p.en & ~PM1_EN_MASK) == 0);
		T_CHECK((p.cnt & (PM1_SLP_EN | PM1_GBL_RLS)) == 0);
	}
}

int
main(void)
{
	T_RUN(test_s5_powers_off);
	T_RUN(test_status_w1c);
	T_RUN(test_sci_level);
	T_RUN(test_pm_timer);
	T_RUN(test_device_poweroff_and_button);
	T_RUN(test_device_reset_cf9);
	T_RUN(test_random_guest);
	return (T_DONE());
}
