/*
 * The i8042 (devices/i8042.h): Linux's probe sequence answered at once,
 * empty keyboard and AUX sockets, the reset line, the IRQ levels; then the
 * reset through the port registry (no KVM).
 */
#include "core/inout.h"
#include "core/mevent.h"
#include "core/vm.h"
#include "devices/device.h"
#include "devices/i8042.h"
#include "tests/unit/t.h"
#include "x86/platform.h"

static struct i8042_regs k;

/* A command with one reply, as Linux's i8042_command() waits for it. */
static int
command(uint8_t cmd, uint8_t *sts)
{
	T_CHECK(i8042_regs_write_cmd(&k, cmd) == I8042_NONE);
	*sts = i8042_regs_status(&k);
	if (!(*sts & I8042_STS_OBF))
		return (-1);
	return (i8042_regs_read_data(&k));
}

static void
test_linux_probe(void)
{
	uint8_t sts, ctr;

	i8042_regs_reset(&k);
	sts = i8042_regs_status(&k);
	T_CHECK((sts & (I8042_STS_OBF | I8042_STS_IBF)) == 0);	/* flush: empty */
	T_CHECK(sts & I8042_STS_SYS);
	T_CHECK(command(0xaa, &sts) == 0x55);			/* self-test */
	T_CHECK((i8042_regs_status(&k) & I8042_STS_OBF) == 0);
	ctr = (uint8_t)command(0x20, &sts);
	T_CHECK(ctr == (I8042_CTR_KBDINT | I8042_CTR_SYS | I8042_CTR_XLATE));
	T_CHECK(i8042_regs_write_cmd(&k, 0x60) == I8042_NONE);	/* write CTR */
	T_CHECK(i8042_regs_status(&k) & I8042_STS_CMD);
	T_CHECK(i8042_regs_write_data(&k, ctr | I8042_CTR_AUXINT) == I8042_NONE);
	T_CHECK(command(0x20, &sts) == (ctr | I8042_CTR_AUXINT));
	/* AUX loopback echoes with the AUX bit, so Linux sees an AUX port. */
	T_CHECK(i8042_regs_write_cmd(&k, 0xd3) == I8042_NONE);
	T_CHECK(i8042_regs_write_data(&k, 0x5a) == I8042_NONE);
	sts = i8042_regs_status(&k);
	T_CHECK((sts & (I8042_STS_OBF | I8042_STS_AUXB)) ==
	    (I8042_STS_OBF | I8042_STS_AUXB));
	T_CHECK(i8042_regs_read_data(&k) == 0x5a);
	/* Bit-assignment test: A7/A8 flip CTR's AUXDIS. */
	i8042_regs_write_cmd(&k, 0xa7);
	T_CHECK(command(0x20, &sts) & I8042_CTR_AUXDIS);
	i8042_regs_write_cmd(&k, 0xa8);
	T_CHECK((command(0x20, &sts) & I8042_CTR_AUXDIS) == 0);
	T_CHECK(command(0xa9, &sts) == 0x00);			/* AUX test */
	T_CHECK(command(0xab, &sts) == 0x00);			/* KBD test */
	i8042_regs_write_cmd(&k, 0xad);
	T_CHECK(command(0x20, &sts) & I8042_CTR_KBDDIS);
	i8042_regs_write_cmd(&k, 0xae);
	T_CHECK((command(0x20, &sts) & I8042_CTR_KBDDIS) == 0);
}

static void
test_empty_sockets(void)
{
	uint8_t sts;

	i8042_regs_reset(&k);
	/* A byte to the keyboard: FEh with the timeout bit, at once. */
	T_CHECK(i8042_regs_write_data(&k, 0xf2) == I8042_NONE);
	sts = i8042_regs_status(&k);
	T_CHECK(sts & I8042_STS_TIMEOUT);
	T_CHECK(!(sts & I8042_STS_AUXB));
	T_CHECK(i8042_regs_read_data(&k) == 0xfe);
	T_CHECK((i8042_regs_status(&k) & (I8042_STS_OBF | I8042_STS_TIMEOUT)) ==
	    0);
	/* A byte to the mouse: the same, from the AUX side. */
	i8042_regs_write_cmd(&k, 0xd4);
	i8042_regs_write_data(&k, 0xff);
	sts = i8042_regs_status(&k);
	T_CHECK((sts & (I8042_STS_AUXB | I8042_STS_TIMEOUT)) ==
	    (I8042_STS_AUXB | I8042_STS_TIMEOUT));
	T_CHECK(i8042_regs_read_data(&k) == 0xfe);
	/* Reading an empty buffer is harmless. */
	T_CHECK(i8042_regs_read_data(&k) == 0);
	/* A guest that never reads cannot grow the queue. */
	for (int i = 0; i < 100; i++)
		i8042_regs_write_cmd(&k, 0xaa);
	for (int i = 0; i < I8042_QUEUE; i++)
		T_CHECK(i8042_regs_read_data(&k) == 0x55);
	T_CHECK((i8042_regs_status(&k) & I8042_STS_OBF) == 0);
}

static void
test_reset_line(void)
{
	i8042_regs_reset(&k);
	T_CHECK(i8042_regs_write_cmd(&k, 0xfe) == I8042_RESET);
	T_CHECK(i8042_regs_write_cmd(&k, 0xf0) == I8042_RESET);
	T_CHECK(i8042_regs_write_cmd(&k, 0xff) == I8042_NONE);	/* no pulse */
	T_CHECK(i8042_regs_write_cmd(&k, 0xd1) == I8042_NONE);
	T_CHECK(i8042_regs_write_data(&k, 0xdf) == I8042_NONE);	/* A20, run */
	T_CHECK(i8042_regs_write_cmd(&k, 0xd0) == I8042_NONE);
	T_CHECK(i8042_regs_read_data(&k) == 0xdf);
	T_CHECK(i8042_regs_write_cmd(&k, 0xd1) == I8042_NONE);
	T_CHECK(i8042_regs_write_data(&k, 0xde) == I8042_RESET);	/* bit 0 low */
	/* Unknown commands do nothing. */
	T_CHECK(i8042_regs_write_cmd(&k, 0x01) == I8042_NONE);
	T_CHECK((i8042_regs_status(&k) & I8042_STS_OBF) == 0);
}

static void
test_irq_levels(void)
{
	i8042_regs_reset(&k);
	T_CHECK(!i8042_regs_kbd_irq(&k) && !i8042_regs_aux_irq(&k));
	i8042_regs_write_cmd(&k, 0xaa);
	T_CHECK(i8042_regs_kbd_irq(&k));			/* KBDINT is on */
	i8042_regs_read_data(&k);
	T_CHECK(!i8042_regs_kbd_irq(&k));
	i8042_regs_write_cmd(&k, 0xd3);
	i8042_regs_write_data(&k, 0x11);
	T_CHECK(!i8042_regs_aux_irq(&k));			/* AUXINT off */
	T_CHECK(!i8042_regs_kbd_irq(&k));
	i8042_regs_read_data(&k);
	i8042_regs_write_cmd(&k, 0x60);
	i8042_regs_write_data(&k, I8042_CTR_AUXINT);
	i8042_regs_write_cmd(&k, 0xd3);
	i8042_regs_write_data(&k, 0x11);
	T_CHECK(i8042_regs_aux_irq(&k));
	T_CHECK(!i8042_regs_kbd_irq(&k));
}

static struct vm vm;	/* static: device state stays reachable */

static void
test_device_reset(void)
{
	uint32_t v;

	vm.kvm.kvm_fd = vm.kvm.vm_fd = -1;
	atomic_store(&vm.suspended, VM_RUNNING);
	T_CHECK(inout_init(&vm) == 0 && mevent_init(&vm) == 0);
	T_CHECK(device_find("i8042", DEV_PLATFORM)->init(&vm, NULL) == 0);
	v = 0xaa;
	T_CHECK(inout_dispatch(&vm, 0, false, I8042_CMD_PORT, 1, &v) == 0);
	T_CHECK(inout_dispatch(&vm, 0, true, I8042_CMD_PORT, 1, &v) == 0);
	T_CHECK(v & I8042_STS_OBF);
	T_CHECK(inout_dispatch(&vm, 0, true, I8042_DATA_PORT, 1, &v) == 0);
	T_CHECK(v == 0x55);
	T_CHECK(atomic_load(&vm.suspended) == VM_RUNNING);
	v = 0xfe;
	T_CHECK(inout_dispatch(&vm, 0, false, I8042_CMD_PORT, 1, &v) == 0);
	T_CHECK(atomic_load(&vm.suspended) == VM_SUSPEND_RESET);
	vm_run_cleanups(&vm);
	T_CHECK(device_find("i8042", DEV_PLATFORM)->init(&vm, NULL) == 0);
	vm_run_cleanups(&vm);
}

/* Hostile guest: any byte to either port. */
static void
test_random_guest(void)
{
	unsigned seed = 3;
	int i;

	i8042_regs_reset(&k);
	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245 + 12345;
		switch ((seed >> 16) % 4) {
		case 0: (void)i8042_regs_read_data(&k); break;
		case 1: (void)i8042_regs_status(&k); break;
		case 2: (void)i8042_regs_write_data(&k, (uint8_t)(seed >> 24)); break;
		default: (void)i8042_regs_write_cmd(&k, (uint8_t)(seed >> 24)); break;
		}
		T_CHECK(k.q_count <= I8042_QUEUE && k.q_head < I8042_QUEUE);
	}
}

int
main(void)
{
	T_RUN(test_linux_probe);
	T_RUN(test_empty_sockets);
	T_RUN(test_reset_line);
	T_RUN(test_irq_levels);
	T_RUN(test_device_reset);
	T_RUN(test_random_guest);
	return (T_DONE());
}
