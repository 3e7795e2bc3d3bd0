/*
 * The i8042 keyboard-controller model (devices/i8042.c), apart from its I/O
 * glue so unit tests can drive it.  Pure functions over struct i8042_regs;
 * the caller holds the lock.
 */
#ifndef KHYVE_DEVICES_I8042_H
#define KHYVE_DEVICES_I8042_H

#include <stdbool.h>
#include <stdint.h>

#define I8042_STS_OBF		0x01	/* output buffer full */
#define I8042_STS_IBF		0x02	/* input buffer full (never: we are fast) */
#define I8042_STS_SYS		0x04	/* system flag (POST passed) */
#define I8042_STS_CMD		0x08	/* last write was to the command port */
#define I8042_STS_UNLOCKED	0x10	/* keyboard not inhibited */
#define I8042_STS_AUXB		0x20	/* output byte is from the AUX port */
#define I8042_STS_TIMEOUT	0x40	/* device did not answer */

#define I8042_CTR_KBDINT	0x01
#define I8042_CTR_AUXINT	0x02
#define I8042_CTR_SYS		0x04
#define I8042_CTR_KBDDIS	0x10
#define I8042_CTR_AUXDIS	0x20
#define I8042_CTR_XLATE		0x40

#define I8042_QUEUE		16

struct i8042_regs {
	uint8_t	ram[32];	/* internal RAM; ram[0] is the command byte */
	uint8_t	outport;	/* bit 0: CPU reset line (active low), bit 1: A20 */
	uint8_t	pending;	/* command waiting for its data byte, or 0 */
	bool	last_cmd;
	struct {
		uint8_t	byte;
		uint8_t	sts;	/* AUXB / TIMEOUT to show with it */
	} q[I8042_QUEUE];
	unsigned q_head, q_count;
};

enum i8042_action {
	I8042_NONE,
	I8042_RESET,		/* the guest pulsed the CPU reset line */
};

void i8042_regs_reset(struct i8042_regs *k);
uint8_t i8042_regs_status(const struct i8042_regs *k);
uint8_t i8042_regs_read_data(struct i8042_regs *k);
enum i8042_action i8042_regs_write_data(struct i8042_regs *k, uint8_t val);
enum i8042_action i8042_regs_write_cmd(struct i8042_regs *k, uint8_t cmd);
/* Interrupt line levels: IRQ 1 (keyboard) and IRQ 12 (AUX). */
bool i8042_regs_kbd_irq(const struct i8042_regs *k);
bool i8042_regs_aux_irq(const struct i8042_regs *k);

#endif
