/*
 * The 16550A register model (devices/uart_16550.c), apart from its I/O glue
 * so that unit tests can drive it without a VM.  Every function here is
 * pure: it touches only the struct it is given, and the caller holds
 * whatever lock protects that struct.
 */
#ifndef KHYVE_DEVICES_UART_16550_H
#define KHYVE_DEVICES_UART_16550_H

#include <stdbool.h>
#include <stdint.h>

/* Register offsets from the base port (DLAB selects DLL/DLM at 0 and 1). */
#define UART_RBR	0	/* read: receive buffer; write: THR */
#define UART_IER	1
#define UART_IIR	2	/* read: interrupt identification; write: FCR */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define IER_ERDAI	0x01	/* received data available */
#define IER_ETHREI	0x02	/* transmitter holding register empty */
#define IER_ELSI	0x04	/* receiver line status */
#define IER_EDSSI	0x08	/* modem status */

#define IIR_NOPEND	0x01
#define IIR_MSR		0x00
#define IIR_THRE	0x02
#define IIR_RDA		0x04
#define IIR_RLS		0x06
#define IIR_TIMEOUT	0x0c
#define IIR_FIFO_ON	0xc0

#define FCR_ENABLE	0x01
#define FCR_RX_RESET	0x02
#define FCR_TX_RESET	0x04
#define FCR_TRIGGER	0xc0

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_PE		0x04
#define LSR_FE		0x08
#define LSR_BI		0x10
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define LSR_FIFOERR	0x80

#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

#define UART_FIFO_SIZE	16

struct uart_regs {
	uint8_t	ier, lcr, mcr, msr, scr, fcr, dll, dlm;
	uint8_t	lsr_err;	/* OE/PE/FE/BI latched until LSR is read */
	bool	thre_pending;	/* THRE interrupt armed, cleared by IIR read or THR write */
	uint8_t	rx[UART_FIFO_SIZE];
	unsigned rx_head, rx_count;
};

void uart_regs_reset(struct uart_regs *u);

/*
 * Guest accesses.  uart_regs_write returns the byte to transmit (0..255),
 * or -1 when nothing leaves the chip (register writes, loopback).
 */
uint8_t uart_regs_read(struct uart_regs *u, int reg);
int uart_regs_write(struct uart_regs *u, int reg, uint8_t val);

/* The backend side: free room in the receive FIFO, and one received byte
 * (sets overrun and drops the byte when full; returns -1 then). */
unsigned uart_regs_rx_space(const struct uart_regs *u);
int uart_regs_rx(struct uart_regs *u, uint8_t c);

/* What IIR would say now, without the side effects of reading it. */
uint8_t uart_regs_iir(const struct uart_regs *u);
/* The level of the interrupt line. */
bool uart_regs_irq(const struct uart_regs *u);

#endif
