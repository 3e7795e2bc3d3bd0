/*
 * Where a UART's bytes go (bhyve's uart backends): the value of
 * lpc.comN.path.
 *
 *   stdio                 khyve's stdin/stdout, the terminal in raw mode
 *   tcp=ADDR:PORT         listen there, one client at a time ([v6]:port too)
 *   /dev/...              a tty or pty, opened raw and non-blocking
 *
 * Received bytes are read on the main thread (event loop) and handed to the
 * UART through the callbacks below; transmitted bytes come from vCPU threads
 * and are written without blocking, buffered a little, dropped when the
 * buffer is full or nobody listens.  Every function and callback runs with
 * the owning UART's lock held (the lock passed to uart_backend_open), except
 * uart_backend_open and uart_backend_close.
 */
#ifndef KHYVE_DEVICES_UART_BACKEND_H
#define KHYVE_DEVICES_UART_BACKEND_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct uart_backend;

struct uart_backend_ops {
	/* Room for received bytes right now (0 pauses reading the backend). */
	size_t	(*rx_space)(void *arg);
	/* Received bytes, at most what rx_space said. */
	void	(*rx_put)(void *arg, const uint8_t *buf, size_t len);
};

/*
 * Opens the backend described by path (name is the device, for messages).
 * Returns NULL with a message printed on failure.
 */
struct uart_backend *uart_backend_open(struct vm *vm, const char *name,
    const char *path, pthread_mutex_t *lock,
    const struct uart_backend_ops *ops, void *arg);
void uart_backend_close(struct uart_backend *b);

/* vCPU side, lock held: one transmitted byte. */
void uart_backend_putc(struct uart_backend *b, uint8_t c);
/* vCPU side, lock held: the guest made room in its receive FIFO. */
void uart_backend_rx_room(struct uart_backend *b);

#endif
