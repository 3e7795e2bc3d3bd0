/*
 * The MC146818 RTC/CMOS model (devices/rtc_mc146818.c), apart from its I/O
 * glue so unit tests can drive it.  Time comes in as a monotonic
 * nanosecond count (now_ns) from the caller; nothing here reads a clock or
 * takes a lock.
 */
#ifndef KHYVE_DEVICES_RTC_MC146818_H
#define KHYVE_DEVICES_RTC_MC146818_H

#include <stdbool.h>
#include <stdint.h>

#define RTC_SEC		0x00
#define RTC_SEC_ALARM	0x01
#define RTC_MIN		0x02
#define RTC_MIN_ALARM	0x03
#define RTC_HOUR	0x04
#define RTC_HOUR_ALARM	0x05
#define RTC_WDAY	0x06
#define RTC_MDAY	0x07
#define RTC_MONTH	0x08
#define RTC_YEAR	0x09
#define RTC_REG_A	0x0a
#define RTC_REG_B	0x0b
#define RTC_REG_C	0x0c
#define RTC_REG_D	0x0d
#define RTC_CENTURY	0x32

#define RTCA_UIP	0x80	/* update in progress */
#define RTCA_DV		0x70	/* divider: 010 = 32.768 kHz, running */
#define RTCA_DV_RUN	0x20
#define RTCA_RS		0x0f	/* periodic rate select */

#define RTCB_SET	0x80	/* updates halted while the time is set */
#define RTCB_PIE	0x40
#define RTCB_AIE	0x20
#define RTCB_UIE	0x10
#define RTCB_SQWE	0x08
#define RTCB_DM		0x04	/* 1: binary, 0: BCD */
#define RTCB_24H	0x02
#define RTCB_DSE	0x01

#define RTCC_IRQF	0x80
#define RTCC_PF		0x40
#define RTCC_AF		0x20
#define RTCC_UF		0x10

#define RTCD_VRT	0x80	/* valid RAM and time */

/* NVRAM cells for memory sizes (bhyve's rtc.c, the IBM PC/AT CMOS map). */
#define RTC_BASEMEM_LO	0x15	/* base memory in KiB (640) */
#define RTC_BASEMEM_HI	0x16
#define RTC_EXTMEM_LO	0x17	/* memory 1 MiB..64 MiB in KiB */
#define RTC_EXTMEM_HI	0x18
#define RTC_CSUM_HI	0x2e	/* sum of 0x10..0x2d */
#define RTC_CSUM_LO	0x2f
#define RTC_EXTMEM2_LO	0x30	/* copy of 0x17/0x18 */
#define RTC_EXTMEM2_HI	0x31
#define RTC_LMEM_LSB	0x34	/* memory 16 MiB..4 GiB in 64 KiB units */
#define RTC_LMEM_MSB	0x35
#define RTC_HMEM_LSB	0x5b	/* memory above 4 GiB in 64 KiB units */
#define RTC_HMEM_SB	0x5c
#define RTC_HMEM_MSB	0x5d

#define RTC_NVRAM_SIZE	128

struct rtc_fields {
	int	sec, min, hour, mday, mon, year;	/* mon 1-12, year in full */
};

struct rtc_regs {
	uint8_t	index;			/* selected by port 0x70 */
	uint8_t	a, b, c;
	uint8_t	alarm_sec, alarm_min, alarm_hour;	/* as written */
	uint8_t	nvram[RTC_NVRAM_SIZE];	/* cells 0x0e..0x7f (not 0x32) */

	/* While running: the RTC reads base_secs at base_ns, +1 per second. */
	int64_t	base_secs;		/* seconds since 1970 in the RTC's zone */
	int64_t	base_ns;
	struct rtc_fields held;		/* the time while halted (SET, divider) */

	int64_t	last_secs;		/* RTC second the flags were last updated at */
	int64_t	next_pf_ns;		/* next periodic flag */
};

/* secs: RTC time (UTC or local, already shifted); now_ns: monotonic. */
void rtc_regs_init(struct rtc_regs *r, int64_t secs, int64_t now_ns);
/* Fills the memory size cells and the checksum (bytes of RAM). */
void rtc_regs_set_memory(struct rtc_regs *r, uint64_t lowmem, uint64_t highmem);

/* Guest access to the data port for the selected index (r->index). */
uint8_t rtc_regs_read(struct rtc_regs *r, int64_t now_ns);
void rtc_regs_write(struct rtc_regs *r, uint8_t val, int64_t now_ns);

/* Brings the UF/AF/PF flags up to now. */
void rtc_regs_update(struct rtc_regs *r, int64_t now_ns);
/* The level of IRQ 8. */
bool rtc_regs_irq(const struct rtc_regs *r);
/* When the next flag can raise the IRQ (monotonic ns), or -1 for never. */
int64_t rtc_regs_next_event(const struct rtc_regs *r, int64_t now_ns);

/* The current RTC time in seconds (for tests and the snapshot code). */
int64_t rtc_regs_time(const struct rtc_regs *r, int64_t now_ns);

#endif
