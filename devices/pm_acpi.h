/*
 * The ACPI fixed-hardware model (devices/pm_acpi.c), apart from its I/O
 * glue so unit tests can drive it.  Pure functions over struct pm_regs; the
 * caller holds the lock.
 */
#ifndef KHYVE_DEVICES_PM_ACPI_H
#define KHYVE_DEVICES_PM_ACPI_H

#include <stdbool.h>
#include <stdint.h>

/* PM1 status and enable bits (ACPI spec, "PM1 Event Grouping"). */
#define PM1_TMR_STS	0x0001
#define PM1_BM_STS	0x0010
#define PM1_GBL_STS	0x0020
#define PM1_PWRBTN_STS	0x0100
#define PM1_SLPBTN_STS	0x0200
#define PM1_RTC_STS	0x0400
#define PM1_WAK_STS	0x8000
#define PM1_EN_MASK	0x0721	/* TMR, GBL, PWRBTN, SLPBTN, RTC */

/* PM1 control bits ("PM1 Control Grouping"). */
#define PM1_SCI_EN	0x0001
#define PM1_BM_RLD	0x0002
#define PM1_GBL_RLS	0x0004
#define PM1_SLP_TYP	0x1c00
#define PM1_SLP_SHIFT	10
#define PM1_SLP_EN	0x2000

#define PM_TIMER_HZ	3579545ULL

struct pm_regs {
	uint16_t	sts, en, cnt;
};

enum pm_action {
	PM_NONE,
	PM_POWEROFF,		/* SLP_EN with SLP_TYP = S5 */
};

void pm_regs_reset(struct pm_regs *p);
/*
 * Accesses to the PM1a event block, control block and timer by their
 * offset from PM1A_EVT_ADDR (0..5 and 8..11), one byte at a time, so that
 * byte, word and dword accesses all work.
 */
uint8_t pm_regs_read8(const struct pm_regs *p, unsigned off, uint32_t timer);
enum pm_action pm_regs_write8(struct pm_regs *p, unsigned off, uint8_t val);
/* SMI_CMD: the ACPI enable/disable handshake. */
void pm_regs_smi_cmd(struct pm_regs *p, uint8_t val);
void pm_regs_power_button(struct pm_regs *p);
/* The level of the SCI. */
bool pm_regs_sci(const struct pm_regs *p);
/* The 24-bit PM timer at a monotonic time. */
uint32_t pm_timer_ticks(uint64_t now_ns);

#endif
