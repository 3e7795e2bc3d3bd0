/*
 * The MC146818 RTC: the model (devices/rtc_mc146818.h) with a clock the
 * test moves by hand, then the device through the port registry for the
 * rtc.use_localtime key.
 */
#include <stdlib.h>
#include <time.h>

#include "config/config.h"
#include "core/inout.h"
#include "core/mevent.h"
#include "core/vm.h"
#include "devices/device.h"
#include "devices/rtc_mc146818.h"
#include "tests/unit/t.h"
#include "x86/platform.h"

#define NS	1000000000LL
#define T0	(1000 * NS)	/* an arbitrary monotonic start */

static struct rtc_regs r;

static int64_t
date(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi, .tm_sec = s };

	return ((int64_t)timegm(&tm));
}

static uint8_t
get(uint8_t idx, int64_t now)
{
	r.index = idx;
	return (rtc_regs_read(&r, now));
}

static void
put(uint8_t idx, uint8_t val, int64_t now)
{
	r.index = idx;
	rtc_regs_write(&r, val, now);
}

static void
test_bcd_and_binary(void)
{
	/* Thursday, 29 February 2024, 13:45:56. */
	rtc_regs_init(&r, date(2024, 2, 29, 13, 45, 56), T0);
	T_CHECK(get(RTC_REG_B, T0) == RTCB_24H);
	T_CHECK(get(RTC_SEC, T0) == 0x56);
	T_CHECK(get(RTC_MIN, T0) == 0x45);
	T_CHECK(get(RTC_HOUR, T0) == 0x13);
	T_CHECK(get(RTC_WDAY, T0) == 5);
	T_CHECK(get(RTC_MDAY, T0) == 0x29);
	T_CHECK(get(RTC_MONTH, T0) == 0x02);
	T_CHECK(get(RTC_YEAR, T0) == 0x24);
	T_CHECK(get(RTC_CENTURY, T0) == 0x20);
	put(RTC_REG_B, RTCB_24H | RTCB_DM, T0);
	T_CHECK(get(RTC_SEC, T0) == 56);
	T_CHECK(get(RTC_HOUR, T0) == 13);
	T_CHECK(get(RTC_YEAR, T0) == 24);
	T_CHECK(get(RTC_CENTURY, T0) == 20);
	/* Binary writes are read as binary. */
	put(RTC_MIN, 7, T0);
	T_CHECK(get(RTC_MIN, T0) == 7);
	T_CHECK(get(RTC_SEC, T0) == 56);
}

static void
test_12_hour(void)
{
	rtc_regs_init(&r, date(2024, 1, 1, 13, 0, 0), T0);
	put(RTC_REG_B, 0, T0);				/* 12-hour, BCD */
	T_CHECK(get(RTC_HOUR, T0) == 0x81);		/* 1 PM */
	put(RTC_HOUR, 0x12, T0);			/* 12 AM */
	put(RTC_REG_B, RTCB_24H, T0);
	T_CHECK(get(RTC_HOUR, T0) == 0x00);
	put(RTC_REG_B, 0, T0);
	put(RTC_HOUR, 0x92, T0);			/* 12 PM */
	put(RTC_REG_B, RTCB_24H, T0);
	T_CHECK(get(RTC_HOUR, T0) == 0x12);
	put(RTC_REG_B, RTCB_DM, T0);			/* 12-hour, binary */
	T_CHECK(get(RTC_HOUR, T0) == (12 | 0x80));
	put(RTC_HOUR, 11, T0);				/* 11 AM */
	put(RTC_REG_B, RTCB_DM | RTCB_24H, T0);
	T_CHECK(get(RTC_HOUR, T0) == 11);
}

static void
test_update_cycle(void)
{
	rtc_regs_init(&r, date(2024, 12, 31, 23, 59, 58), T0);
	T_CHECK((get(RTC_REG_A, T0) & RTCA_UIP) == 0);
	T_CHECK((get(RTC_REG_A, T0 + NS / 2) & RTCA_UIP) == 0);
	/* UIP rises just before the update, and the old time still reads. */
	T_CHECK(get(RTC_REG_A, T0 + NS - 1000000) & RTCA_UIP);
	T_CHECK(get(RTC_SEC, T0 + NS - 1000000) == 0x58);
	T_CHECK((get(RTC_REG_A, T0 + NS) & RTCA_UIP) == 0);
	T_CHECK(get(RTC_SEC, T0 + NS) == 0x59);
	/* Across the year. */
	T_CHECK(get(RTC_SEC, T0 + 2 * NS) == 0x00);
	T_CHECK(get(RTC_YEAR, T0 + 2 * NS) == 0x25);
	T_CHECK(get(RTC_MONTH, T0 + 2 * NS) == 0x01);
	T_CHECK(get(RTC_MDAY, T0 + 2 * NS) == 0x01);
	/* Divider held in reset: time stops and UIP stays low. */
	put(RTC_REG_A, 0x70, T0 + 2 * NS);
	T_CHECK(get(RTC_SEC, T0 + 10 * NS) == 0x00);
	T_CHECK((get(RTC_REG_A, T0 + 10 * NS - 1000) & RTCA_UIP) == 0);
	put(RTC_REG_A, 0x26, T0 + 10 * NS);
	T_CHECK(get(RTC_REG_A, T0 + 10 * NS) == 0x26);
	T_CHECK(get(RTC_SEC, T0 + 11 * NS) == 0x01);
}

/* Setting the clock the way an OS does: SET, the fields, SET cleared. */
static void
test_set_time(void)
{
	int64_t t = T0;

	rtc_regs_init(&r, date(2024, 1, 31, 10, 0, 0), t);
	put(RTC_REG_B, RTCB_SET | RTCB_24H | RTCB_UIE, t);
	T_CHECK((get(RTC_REG_B, t) & RTCB_UIE) == 0);	/* SET clears UIE */
	put(RTC_MONTH, 0x02, t);	/* Feb 31 for a moment: kept as is */
	put(RTC_MDAY, 0x15, t);
	put(RTC_YEAR, 0x99, t);
	put(RTC_CENTURY, 0x19, t);
	put(RTC_HOUR, 0x23, t);
	put(RTC_MIN, 0x59, t);
	put(RTC_SEC, 0x30, t);
	t += 5 * NS;			/* halted: nothing moves */
	T_CHECK(get(RTC_SEC, t) == 0x30);
	T_CHECK(get(RTC_MDAY, t) == 0x15);
	put(RTC_REG_B, RTCB_24H, t);
	T_CHECK(rtc_regs_time(&r, t) == date(1999, 2, 15, 23, 59, 30));
	t += 31 * NS;
	T_CHECK(get(RTC_MDAY, t) == 0x16);
	T_CHECK(get(RTC_HOUR, t) == 0x00);
	T_CHECK(get(RTC_SEC, t) == 0x01);
	T_CHECK(get(RTC_WDAY, t) == 3);			/* a Tuesday */
	/* Nonsense from a guest is normalised, never fatal. */
	put(RTC_MONTH, 0xff, t);
	put(RTC_REG_B, RTCB_DM, t);
	put(RTC_HOUR, 0xff, t);
	put(RTC_CENTURY, 0xff, t);
	(void)get(RTC_YEAR, t);
	(void)get(RTC_CENTURY, t);
}

static void
test_update_interrupt(void)
{
	int64_t t = T0;

	rtc_regs_init(&r, date(2024, 5, 5, 5, 5, 5), t);
	put(RTC_REG_B, RTCB_24H | RTCB_UIE, t);
	T_CHECK(get(RTC_REG_C, t) == 0);
	T_CHECK(!rtc_regs_irq(&r));
	T_CHECK(rtc_regs_next_event(&r, t) == T0 + NS);
	t += NS;
	rtc_regs_update(&r, t);
	T_CHECK(rtc_regs_irq(&r));
	T_CHECK(rtc_regs_next_event(&r, t) == -1);	/* line is up already */
	/* PF is set too (1024 Hz runs), just not enabled. */
	T_CHECK((get(RTC_REG_C, t) & ~RTCC_PF) == (RTCC_IRQF | RTCC_UF));
	T_CHECK(!rtc_regs_irq(&r));
	T_CHECK(get(RTC_REG_C, t) == 0);
	/* Flags are set even when not enabled, but the line stays low. */
	put(RTC_REG_B, RTCB_24H, t);
	t += NS;
	T_CHECK((get(RTC_REG_C, t) & ~RTCC_PF) == RTCC_UF);
	T_CHECK(rtc_regs_next_event(&r, t) == -1);	/* nothing enabled */
}

static void
test_alarm_interrupt(void)
{
	int64_t t = T0;

	rtc_regs_init(&r, date(2024, 5, 5, 5, 5, 5), t);
	put(RTC_SEC_ALARM, 0x08, t);
	put(RTC_MIN_ALARM, 0xc0, t);			/* any minute */
	put(RTC_HOUR_ALARM, 0x05, t);
	put(RTC_REG_B, RTCB_24H | RTCB_AIE, t);
	(void)get(RTC_REG_C, t);
	t += 2 * NS;
	rtc_regs_update(&r, t);
	T_CHECK(!rtc_regs_irq(&r));
	t += NS;					/* 05:05:08 */
	rtc_regs_update(&r, t);
	T_CHECK(rtc_regs_irq(&r));
	T_CHECK((get(RTC_REG_C, t) & ~RTCC_PF) ==
	    (RTCC_IRQF | RTCC_AF | RTCC_UF));
	/* Missed seconds still find the alarm: the next at 05:06:08. */
	t += 70 * NS;
	T_CHECK(get(RTC_REG_C, t) & RTCC_AF);
}

static void
test_periodic_interrupt(void)
{
	int64_t t = T0;

	rtc_regs_init(&r, date(2024, 5, 5, 5, 5, 5), t);
	put(RTC_REG_A, 0x26, t);			/* 1024 Hz */
	put(RTC_REG_B, RTCB_24H | RTCB_PIE, t);
	(void)get(RTC_REG_C, t);
	T_CHECK(rtc_regs_next_event(&r, t) == T0 + NS / 1024);
	rtc_regs_update(&r, t + NS / 2048);
	T_CHECK(!rtc_regs_irq(&r));
	rtc_regs_update(&r, t + NS / 1024);
	T_CHECK(rtc_regs_irq(&r));
	T_CHECK(get(RTC_REG_C, t + NS / 1024) & RTCC_PF);
	T_CHECK(rtc_regs_next_event(&r, t + NS / 1024) > t + NS / 1024);
	put(RTC_REG_A, 0x20, t);			/* rate 0: none */
	T_CHECK(rtc_regs_next_event(&r, t) == -1);
	put(RTC_REG_A, 0x23, t);			/* 8192 Hz */
	T_CHECK(rtc_regs_next_event(&r, t) == t + NS / 8192);
}

static void
test_registers_and_nvram(void)
{
	rtc_regs_init(&r, 0, T0);
	T_CHECK(get(RTC_REG_D, T0) == RTCD_VRT);
	put(RTC_REG_D, 0, T0);
	T_CHECK(get(RTC_REG_D, T0) == RTCD_VRT);
	put(RTC_REG_C, 0xff, T0);
	T_CHECK(get(RTC_REG_C, T0) == 0);
	put(RTC_REG_A, 0xff, T0);			/* UIP is not writable */
	T_CHECK((get(RTC_REG_A, T0) & 0x7f) == 0x7f);
	put(0x40, 0xab, T0);
	put(0x7f, 0xcd, T0);
	T_CHECK(get(0x40, T0) == 0xab);
	T_CHECK(get(0x7f, T0) == 0xcd);
	r.index = 0xff;					/* out of range: wraps */
	T_CHECK(rtc_regs_read(&r, T0) == 0xcd);
}

static unsigned
cell16(uint8_t lo)
{
	return (r.nvram[lo] | r.nvram[lo + 1] << 8);
}

static void
test_memory_cells(void)
{
	unsigned sum = 0;
	int i;

	rtc_regs_init(&r, 0, T0);
	rtc_regs_set_memory(&r, 16 * MiB, 0);
	T_CHECK(cell16(RTC_BASEMEM_LO) == 640);
	T_CHECK(cell16(RTC_EXTMEM_LO) == 15 * 1024);
	T_CHECK(cell16(RTC_EXTMEM2_LO) == 15 * 1024);
	T_CHECK(cell16(RTC_LMEM_LSB) == 0);

	rtc_regs_init(&r, 0, T0);
	rtc_regs_set_memory(&r, 128 * MiB, 0);
	T_CHECK(cell16(RTC_EXTMEM_LO) == 0xfc00);	/* capped at 64 MiB */
	T_CHECK(cell16(RTC_LMEM_LSB) == (128 - 16) * 16);
	T_CHECK(r.nvram[RTC_HMEM_LSB] == 0 && r.nvram[RTC_HMEM_SB] == 0 &&
	    r.nvram[RTC_HMEM_MSB] == 0);
	for (i = 0x10; i <= 0x2d; i++)
		sum += r.nvram[i];
	T_CHECK(r.nvram[RTC_CSUM_HI] == (sum >> 8 & 0xff));
	T_CHECK(r.nvram[RTC_CSUM_LO] == (sum & 0xff));

	/* 4 GiB: 3 GiB low, 1 GiB high. */
	rtc_regs_init(&r, 0, T0);
	rtc_regs_set_memory(&r, 3 * GiB, 1 * GiB);
	T_CHECK(cell16(RTC_LMEM_LSB) == (3072 - 16) * 16);
	T_CHECK(r.nvram[RTC_HMEM_LSB] == 0x00);
	T_CHECK(r.nvram[RTC_HMEM_SB] == 0x40);
	T_CHECK(r.nvram[RTC_HMEM_MSB] == 0x00);

	/* 1 TiB above 4 GiB: 0x1000000 units, past the 24 bits: capped. */
	rtc_regs_init(&r, 0, T0);
	rtc_regs_set_memory(&r, 3 * GiB, 1024 * GiB);
	T_CHECK(r.nvram[RTC_HMEM_LSB] == 0xff && r.nvram[RTC_HMEM_SB] == 0xff &&
	    r.nvram[RTC_HMEM_MSB] == 0xff);
	/* 64 GiB above: 0x100000 units. */
	rtc_regs_init(&r, 0, T0);
	rtc_regs_set_memory(&r, 3 * GiB, 64 * GiB);
	T_CHECK(r.nvram[RTC_HMEM_LSB] == 0x00 && r.nvram[RTC_HMEM_SB] == 0x00 &&
	    r.nvram[RTC_HMEM_MSB] == 0x10);
}

/* ---- the device: rtc.use_localtime through ports 0x70/0x71 ---- */

static struct vm vm_utc, vm_local;	/* static: device state stays reachable */

static int
bcd(uint8_t v)
{
	return ((v >> 4) * 10 + (v & 0x0f));
}

static int
port_hour(struct vm *vm)
{
	uint32_t v = RTC_HOUR;

	T_CHECK(inout_dispatch(vm, 0, false, RTC_PORT, 1, &v) == 0);
	T_CHECK(inout_dispatch(vm, 0, true, RTC_PORT + 1, 1, &v) == 0);
	return (bcd((uint8_t)v));
}

static bool
machine(struct vm *vm)
{
	vm->kvm.kvm_fd = vm->kvm.vm_fd = -1;
	vm->lowmem = 256 * MiB;
	atomic_store(&vm->suspended, VM_RUNNING);
	return (inout_init(vm) == 0 && mevent_init(vm) == 0 &&
	    device_find("rtc", DEV_PLATFORM)->init(vm, NULL) == 0);
}

static void
test_device_localtime(void)
{
	time_t now;
	struct tm tm;
	int h0, h1, got;
	uint32_t v = RTC_LMEM_LSB;

	setenv("TZ", "XXX-5", 1);		/* local = UTC + 5 h */
	tzset();
	init_config();
	set_config_bool("rtc.use_localtime", false);	/* what -u sets */
	T_CHECK(machine(&vm_utc));
	now = time(NULL);
	h0 = gmtime_r(&now, &tm)->tm_hour;
	got = port_hour(&vm_utc);
	now = time(NULL);
	h1 = gmtime_r(&now, &tm)->tm_hour;
	T_CHECK(got == h0 || got == h1);

	init_config();				/* default: local time */
	T_CHECK(machine(&vm_local));
	now = time(NULL);
	h0 = localtime_r(&now, &tm)->tm_hour;
	got = port_hour(&vm_local);
	now = time(NULL);
	h1 = localtime_r(&now, &tm)->tm_hour;
	T_CHECK(got == h0 || got == h1);
	T_CHECK(got == (gmtime_r(&now, &tm)->tm_hour + 5) % 24 || got == h0);

	/* The memory cells come from vm->lowmem. */
	T_CHECK(inout_dispatch(&vm_local, 0, false, RTC_PORT, 1, &v) == 0);
	T_CHECK(inout_dispatch(&vm_local, 0, true, RTC_PORT + 1, 1, &v) == 0);
	T_CHECK(v == (((256 - 16) * 16) & 0xff));

	vm_run_cleanups(&vm_utc);
	vm_run_cleanups(&vm_local);
	init_config();
	set_config_value("rtc.use_localtime", "maybe");
	T_CHECK(device_find("rtc", DEV_PLATFORM)->init(&vm_local, NULL) != 0);
}

/* Hostile guest: any index, any value, time moving on. */
static void
test_random_guest(void)
{
	unsigned seed = 7;
	int64_t t = T0;
	int i;

	rtc_regs_init(&r, date(2024, 1, 1, 0, 0, 0), t);
	for (i = 0; i < 100000; i++) {
		seed = seed * 1103515245 + 12345;
		t += (seed >> 8) % 5000000;
		r.index = (uint8_t)(seed >> 16) & 0x7f;
		if (seed & 0x100)
			(void)rtc_regs_read(&r, t);
		else
			rtc_regs_write(&r, (uint8_t)(seed >> 24), t);
		rtc_regs_update(&r, t);
		(void)rtc_regs_next_event(&r, t);
	}
	T_CHECK(get(RTC_REG_D, t) == RTCD_VRT);
}

int
main(void)
{
	T_RUN(test_bcd_and_binary);
	T_RUN(test_12_hour);
	T_RUN(test_update_cycle);
	T_RUN(test_set_time);
	T_RUN(test_update_interrupt);
	T_RUN(test_alarm_interrupt);
	T_RUN(test_periodic_interrupt);
	T_RUN(test_registers_and_nvram);
	T_RUN(test_memory_cells);
	T_RUN(test_device_localtime);
	T_RUN(test_random_guest);
	return (T_DONE());
}
