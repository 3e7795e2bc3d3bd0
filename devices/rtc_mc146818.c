/*
 * MC146818A real-time clock and CMOS RAM at ports 0x70 (index) and 0x71
 * (data), after the Motorola MC146818A datasheet: "Address map" (time,
 * alarm, registers A-D), "Register A" (UIP, DV, RS and the periodic rates of
 * table 5), "Register B" (SET, PIE/AIE/UIE, DM, 24/12), "Register C" (IRQF,
 * PF, AF, UF, cleared by reading), "Register D" (VRT) and "Update cycle";
 * the century byte at 0x32 and the memory-size cells follow the IBM PC/AT
 * CMOS map as bhyve's rtc.c fills it.
 *
 * Time advances from CLOCK_MONOTONIC, starting at the host's wall-clock
 * time: local time unless rtc.use_localtime=false (-u), as in bhyve.  UIP
 * reads as set for the last 2 ms of each second and the registers change at
 * the second boundary, so readers that wait for UIP to clear see a stable
 * time.  Flags are brought up to date when the guest looks (register C) and
 * by a timerfd on the event loop while an enabled interrupt can fire.
 */
#include <err.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "core/inout.h"
#include "core/mevent.h"
#include "core/vm.h"
#include "devices/device.h"
#include "devices/rtc_mc146818.h"
#include "x86/platform.h"

#define NS		1000000000LL
#define UIP_WINDOW	2000000LL	/* UIP is high this long before an update */
#define SECS_PER_DAY	86400

/* ---- the model: pure functions over struct rtc_regs ---- */

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return ((a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q);
}

static bool
running(const struct rtc_regs *r)
{
	return ((r->b & RTCB_SET) == 0 && (r->a & RTCA_DV) == RTCA_DV_RUN);
}

static struct rtc_fields
secs_to_fields(int64_t secs, int *wday)
{
	struct rtc_fields f;
	struct tm tm;
	time_t t = (time_t)secs;

	memset(&tm, 0, sizeof(tm));
	(void)gmtime_r(&t, &tm);
	f.sec = tm.tm_sec;
	f.min = tm.tm_min;
	f.hour = tm.tm_hour;
	f.mday = tm.tm_mday;
	f.mon = tm.tm_mon + 1;
	f.year = tm.tm_year + 1900;
	if (wday != NULL)
		*wday = tm.tm_wday;
	return (f);
}

/* Out-of-range fields (a guest's nonsense) are normalised, as timegm does. */
static int64_t
fields_to_secs(const struct rtc_fields *f)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_sec = f->sec;
	tm.tm_min = f->min;
	tm.tm_hour = f->hour;
	tm.tm_mday = f->mday;
	tm.tm_mon = f->mon - 1;
	tm.tm_year = f->year - 1900;
	return ((int64_t)timegm(&tm));
}

int64_t
rtc_regs_time(const struct rtc_regs *r, int64_t now_ns)
{
	if (!running(r))
		return (fields_to_secs(&r->held));
	return (r->base_secs + floor_div(now_ns - r->base_ns, NS));
}

static uint8_t
enc(const struct rtc_regs *r, int v)
{
	if (r->b & RTCB_DM)
		return ((uint8_t)v);
	return ((uint8_t)(((v / 10) % 10) << 4 | (v % 10)));
}

static int
dec(const struct rtc_regs *r, uint8_t v)
{
	if (r->b & RTCB_DM)
		return (v);
	return ((v >> 4) * 10 + (v & 0x0f));
}

static uint8_t
enc_hour(const struct rtc_regs *r, int hour)
{
	int h12;

	if (r->b & RTCB_24H)
		return (enc(r, hour));
	h12 = hour % 12 == 0 ? 12 : hour % 12;
	return (enc(r, h12) | (hour >= 12 ? 0x80 : 0));
}

static int
dec_hour(const struct rtc_regs *r, uint8_t v)
{
	int h;

	if (r->b & RTCB_24H)
		return (dec(r, v));
	h = dec(r, v & 0x7f) % 12;	/* 12 AM is hour 0 */
	return ((v & 0x80) ? h + 12 : h);
}

static int
periodic_ns(const struct rtc_regs *r)
{
	int rs = r->a & RTCA_RS;

	if (rs == 0)
		return (0);
	/* Rates 1 and 2 repeat 8 and 9 (256 and 128 Hz). */
	return ((int)(NS / (65536 >> (rs <= 2 ? rs + 7 : rs))));
}

static bool
periodic_on(const struct rtc_regs *r)
{
	return ((r->a & RTCA_DV) == RTCA_DV_RUN && periodic_ns(r) != 0);
}

static bool
alarm_byte_match(uint8_t alarm, uint8_t now)
{
	return ((alarm & 0xc0) == 0xc0 || alarm == now);	/* 11xxxxxx: any */
}

static bool
alarm_match(const struct rtc_regs *r, int64_t secs)
{
	int64_t day = ((secs % SECS_PER_DAY) + SECS_PER_DAY) % SECS_PER_DAY;

	return (alarm_byte_match(r->alarm_sec, enc(r, (int)(day % 60))) &&
	    alarm_byte_match(r->alarm_min, enc(r, (int)(day / 60 % 60))) &&
	    alarm_byte_match(r->alarm_hour, enc_hour(r, (int)(day / 3600))));
}

void
rtc_regs_update(struct rtc_regs *r, int64_t now_ns)
{
	int64_t cur, s;
	int64_t period;

	if (running(r)) {
		cur = rtc_regs_time(r, now_ns);
		if (cur > r->last_secs) {
			r->c |= RTCC_UF;
			/* A day of missed seconds covers every alarm time. */
			s = cur - r->last_secs > SECS_PER_DAY ?
			    cur - SECS_PER_DAY + 1 : r->last_secs + 1;
			for (; s <= cur; s++)
				if (alarm_match(r, s)) {
					r->c |= RTCC_AF;
					break;
				}
		}
		r->last_secs = cur;
	}
	if (periodic_on(r) && now_ns >= r->next_pf_ns) {
		period = periodic_ns(r);
		r->c |= RTCC_PF;
		r->next_pf_ns += ((now_ns - r->next_pf_ns) / period + 1) * period;
	}
}

bool
rtc_regs_irq(const struct rtc_regs *r)
{
	return ((r->c & r->b & (RTCC_PF | RTCC_AF | RTCC_UF)) != 0);
}

int64_t
rtc_regs_next_event(const struct rtc_regs *r, int64_t now_ns)
{
	int64_t t = -1;

	/* While IRQ 8 is up nothing new can be seen until C is read. */
	if (rtc_regs_irq(r))
		return (-1);
	if (running(r) && (r->b & (RTCB_UIE | RTCB_AIE)))
		t = r->base_ns +
		    (rtc_regs_time(r, now_ns) - r->base_secs + 1) * NS;
	if ((r->b & RTCB_PIE) && periodic_on(r) &&
	    (t < 0 || r->next_pf_ns < t))
		t = r->next_pf_ns;
	return (t);
}

void
rtc_regs_init(struct rtc_regs *r, int64_t secs, int64_t now_ns)
{
	memset(r, 0, sizeof(*r));
	r->a = RTCA_DV_RUN | 0x06;	/* 32.768 kHz, 1024 Hz periodic rate */
	r->b = RTCB_24H;
	r->base_secs = secs;
	r->base_ns = now_ns;
	r->last_secs = secs;
	r->next_pf_ns = now_ns + periodic_ns(r);
	r->held = secs_to_fields(secs, NULL);
}

static void
put16(struct rtc_regs *r, int cell, uint64_t v)
{
	r->nvram[cell] = (uint8_t)v;
	r->nvram[cell + 1] = (uint8_t)(v >> 8);
}

void
rtc_regs_set_memory(struct rtc_regs *r, uint64_t lowmem, uint64_t highmem)
{
	uint64_t ext, lmem, hmem;
	unsigned sum = 0;
	int i;

	ext = lowmem > (1ULL << 20) ? (lowmem - (1ULL << 20)) / 1024 : 0;
	if (ext > 0xfc00)
		ext = 0xfc00;	/* the cells stop at 64 MiB */
	lmem = lowmem > (16ULL << 20) ? (lowmem - (16ULL << 20)) >> 16 : 0;
	if (lmem > 0xffff)
		lmem = 0xffff;
	hmem = highmem >> 16;
	if (hmem > 0xffffff)
		hmem = 0xffffff;

	put16(r, RTC_BASEMEM_LO, 640);
	put16(r, RTC_EXTMEM_LO, ext);
	put16(r, RTC_EXTMEM2_LO, ext);
	put16(r, RTC_LMEM_LSB, lmem);
	r->nvram[RTC_HMEM_LSB] = (uint8_t)hmem;
	r->nvram[RTC_HMEM_SB] = (uint8_t)(hmem >> 8);
	r->nvram[RTC_HMEM_MSB] = (uint8_t)(hmem >> 16);

	for (i = 0x10; i <= 0x2d; i++)
		sum += r->nvram[i];
	r->nvram[RTC_CSUM_HI] = (uint8_t)(sum >> 8);
	r->nvram[RTC_CSUM_LO] = (uint8_t)sum;
}

static bool
is_time_field(uint8_t idx)
{
	return (idx == RTC_SEC || idx == RTC_MIN || idx == RTC_HOUR ||
	    idx == RTC_WDAY || idx == RTC_MDAY || idx == RTC_MONTH ||
	    idx == RTC_YEAR || idx == RTC_CENTURY);
}

static uint8_t
time_read(const struct rtc_regs *r, uint8_t idx, int64_t now_ns)
{
	struct rtc_fields f;
	int wday;

	f = secs_to_fields(rtc_regs_time(r, now_ns), &wday);
	if (f.year < 0 || f.year > 9999)
		f.year = 1970;
	switch (idx) {
	case RTC_SEC:	return (enc(r, f.sec));
	case RTC_MIN:	return (enc(r, f.min));
	case RTC_HOUR:	return (enc_hour(r, f.hour));
	case RTC_WDAY:	return (enc(r, wday + 1));	/* Sunday is 1 */
	case RTC_MDAY:	return (enc(r, f.mday));
	case RTC_MONTH:	return (enc(r, f.mon));
	case RTC_YEAR:	return (enc(r, f.year % 100));
	default:	return (enc(r, f.year / 100));	/* RTC_CENTURY */
	}
}

static void
time_write(struct rtc_regs *r, uint8_t idx, uint8_t val, int64_t now_ns)
{
	struct rtc_fields f;

	f = running(r) ? secs_to_fields(rtc_regs_time(r, now_ns), NULL) :
	    r->held;
	switch (idx) {
	case RTC_SEC:	f.sec = dec(r, val); break;
	case RTC_MIN:	f.min = dec(r, val); break;
	case RTC_HOUR:	f.hour = dec_hour(r, val); break;
	case RTC_MDAY:	f.mday = dec(r, val); break;
	case RTC_MONTH:	f.mon = dec(r, val); break;
	case RTC_YEAR:	f.year = f.year / 100 * 100 + dec(r, val) % 100; break;
	case RTC_CENTURY: f.year = dec(r, val) * 100 + f.year % 100; break;
	default:	return;		/* the weekday follows from the date */
	}
	if (!running(r)) {
		/* Fields are kept apart while halted: Jan 31 → Feb → 15 works. */
		r->held = f;
		return;
	}
	r->base_secs = fields_to_secs(&f);
	r->base_ns = now_ns;
	r->last_secs = r->base_secs;
}

/* Register A or B changed: halt or restart the clock as it says. */
static void
run_transition(struct rtc_regs *r, bool was, int64_t was_secs, int64_t now_ns)
{
	bool is = running(r);

	if (was && !is)
		r->held = secs_to_fields(was_secs, NULL);
	else if (!was && is) {
		r->base_secs = fields_to_secs(&r->held);
		r->base_ns = now_ns;
		r->last_secs = r->base_secs;
	}
}

static void
ctl_write(struct rtc_regs *r, uint8_t idx, uint8_t val, int64_t now_ns)
{
	bool was = running(r), pf_was = periodic_on(r);
	int old_rs = r->a & RTCA_RS;
	int64_t was_secs = rtc_regs_time(r, now_ns);

	rtc_regs_update(r, now_ns);
	if (idx == RTC_REG_A)
		r->a = val & 0x7f;	/* UIP is read-only */
	else
		r->b = (val & RTCB_SET) ? (val & ~RTCB_UIE) : val;
	run_transition(r, was, was_secs, now_ns);
	if (periodic_on(r) && (!pf_was || (r->a & RTCA_RS) != old_rs))
		r->next_pf_ns = now_ns + periodic_ns(r);
}

uint8_t
rtc_regs_read(struct rtc_regs *r, int64_t now_ns)
{
	uint8_t idx = r->index, v;
	int64_t phase;

	if (is_time_field(idx))
		return (time_read(r, idx, now_ns));
	switch (idx) {
	case RTC_SEC_ALARM:
		return (r->alarm_sec);
	case RTC_MIN_ALARM:
		return (r->alarm_min);
	case RTC_HOUR_ALARM:
		return (r->alarm_hour);
	case RTC_REG_A:
		phase = now_ns - r->base_ns;
		phase = ((phase % NS) + NS) % NS;
		return (r->a | (running(r) && phase >= NS - UIP_WINDOW ?
		    RTCA_UIP : 0));
	case RTC_REG_B:
		return (r->b);
	case RTC_REG_C:
		rtc_regs_update(r, now_ns);
		v = r->c | (rtc_regs_irq(r) ? RTCC_IRQF : 0);
		r->c = 0;	/* reading C acknowledges everything */
		return (v);
	case RTC_REG_D:
		return (RTCD_VRT);
	}
	return (r->nvram[idx & (RTC_NVRAM_SIZE - 1)]);
}

void
rtc_regs_write(struct rtc_regs *r, uint8_t val, int64_t now_ns)
{
	uint8_t idx = r->index;

	if (is_time_field(idx)) {
		time_write(r, idx, val, now_ns);
		return;
	}
	switch (idx) {
	case RTC_SEC_ALARM:
		r->alarm_sec = val;
		return;
	case RTC_MIN_ALARM:
		r->alarm_min = val;
		return;
	case RTC_HOUR_ALARM:
		r->alarm_hour = val;
		return;
	case RTC_REG_A:
	case RTC_REG_B:
		ctl_write(r, idx, val, now_ns);
		return;
	case RTC_REG_C:
	case RTC_REG_D:
		return;		/* read-only */
	}
	r->nvram[idx & (RTC_NVRAM_SIZE - 1)] = val;
}

/* ---- the device: ports, IRQ 8 and a timer around the model ---- */

struct rtc_softc {
	/* Serialises vCPU threads (port I/O) and the timer on the event loop. */
	pthread_mutex_t	mtx;
	struct rtc_regs	regs;
	struct vm	*vm;
	bool		irq_level;	/* what the irqchip was last told */
	int		timer_fd;	/* wakes the event loop for the next flag */
};

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * NS + ts.tv_nsec);
}

/* Lock held: drives IRQ 8 and re-aims the timer at the next event. */
static void
rtc_sync(struct rtc_softc *sc, int64_t now)
{
	struct itimerspec its;
	bool level = rtc_regs_irq(&sc->regs);
	int64_t next;

	if (level != sc->irq_level) {
		sc->irq_level = level;
		if (level)
			(void)vm_irq_assert(sc->vm, RTC_IRQ);
		else
			(void)vm_irq_deassert(sc->vm, RTC_IRQ);
	}
	memset(&its, 0, sizeof(its));
	next = rtc_regs_next_event(&sc->regs, now);
	if (next >= 0) {
		if (next <= now)
			next = now + 1;
		its.it_value.tv_sec = next / NS;
		its.it_value.tv_nsec = next % NS;
	}
	(void)timerfd_settime(sc->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void
rtc_timer(int fd, void *arg)
{
	struct rtc_softc *sc = arg;
	uint64_t expirations;
	int64_t now;

	(void)!read(fd, &expirations, sizeof(expirations));
	pthread_mutex_lock(&sc->mtx);
	now = mono_ns();
	rtc_regs_update(&sc->regs, now);
	rtc_sync(sc, now);
	pthread_mutex_unlock(&sc->mtx);
}

static int
rtc_io(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val, void *arg)
{
	struct rtc_softc *sc = arg;
	int64_t now;

	(void)vm;
	(void)vcpu;
	if (bytes != 1) {
		if (in)
			*val = 0xffffffff;
		return (0);
	}
	pthread_mutex_lock(&sc->mtx);
	if (port == RTC_PORT) {
		if (in)
			*val = sc->regs.index;
		else
			sc->regs.index = *val & 0x7f;	/* bit 7: NMI mask */
	} else {
		now = mono_ns();
		if (in)
			*val = rtc_regs_read(&sc->regs, now);
		else
			rtc_regs_write(&sc->regs, (uint8_t)*val, now);
		/* Writes may change enables; reading C lowers the line. */
		if (!in || sc->regs.index == RTC_REG_C)
			rtc_sync(sc, now);
	}
	pthread_mutex_unlock(&sc->mtx);
	return (0);
}

/* The RTC's starting time: wall-clock seconds, shifted to local time. */
static int64_t
rtc_start_secs(bool localtime, int64_t *frac_ns)
{
	struct timespec ts;
	struct tm tm;
	time_t t;

	clock_gettime(CLOCK_REALTIME, &ts);
	*frac_ns = ts.tv_nsec;
	t = ts.tv_sec;
	if (localtime && localtime_r(&t, &tm) != NULL)
		return ((int64_t)t + tm.tm_gmtoff);
	return ((int64_t)t);
}

/* vm_at_destroy: the vCPUs have stopped; the registries still exist. */
static void
rtc_destroy(struct vm *vm, void *arg)
{
	struct rtc_softc *sc = arg;

	(void)unregister_inout(vm, RTC_PORT, 2);
	(void)mevent_del(vm, sc->timer_fd);
	close(sc->timer_fd);
	pthread_mutex_destroy(&sc->mtx);
	free(sc);
}

static int
rtc_init(struct vm *vm, config_node_t *node)
{
	struct rtc_softc *sc;
	struct inout_port iop;
	bool localtime;
	int64_t secs, frac, now;

	(void)node;
	if (get_config_bool_checked("rtc.use_localtime", true, &localtime) != 0) {
		warnx("rtc.use_localtime: %s", config_error());
		return (-1);
	}
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL) {
		warn("rtc");
		return (-1);
	}
	pthread_mutex_init(&sc->mtx, NULL);
	sc->vm = vm;
	now = mono_ns();
	secs = rtc_start_secs(localtime, &frac);
	/* Tick in phase with the host's seconds. */
	rtc_regs_init(&sc->regs, secs, now - frac);
	rtc_regs_set_memory(&sc->regs, vm->lowmem, vm->highmem);

	sc->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (sc->timer_fd < 0 || mevent_add(vm, sc->timer_fd, rtc_timer, sc) != 0) {
		warn("rtc: timer");
		goto fail;
	}
	iop = (struct inout_port){ .name = "rtc", .port = RTC_PORT, .size = 2,
	    .handler = rtc_io, .arg = sc };
	if (register_inout(vm, &iop) != 0) {
		warnx("rtc: cannot claim ports %#x-%#x", RTC_PORT, RTC_PORT + 1);
		(void)mevent_del(vm, sc->timer_fd);
		goto fail;
	}
	if (vm_at_destroy(vm, rtc_destroy, sc) != 0) {
		warnx("rtc: out of memory");
		rtc_destroy(vm, sc);
		return (-1);
	}
	return (0);
fail:
	if (sc->timer_fd >= 0)
		close(sc->timer_fd);
	pthread_mutex_destroy(&sc->mtx);
	free(sc);
	return (-1);
}

static const struct device_emu rtc_device = {
	.name = "rtc",
	.kind = DEV_PLATFORM,
	.init = rtc_init,
};
DEVICE_REGISTER(rtc_device);
