/*
 * Port I/O registry (bhyve's inout.c): devices claim port ranges; the
 * KVM_EXIT_IO handler looks the port up and calls the owner.
 */
#ifndef KHYVE_CORE_INOUT_H
#define KHYVE_CORE_INOUT_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

/*
 * in: true for IN (fill *val), false for OUT (*val holds the data).
 * bytes: 1, 2 or 4.  Return 0 when handled, -1 to report an error
 * (the VM stops with status 4).
 */
typedef int (*inout_fn)(struct vm *vm, int vcpu, bool in, uint16_t port,
    int bytes, uint32_t *val, void *arg);

struct inout_port {
	const char	*name;
	uint16_t	port;
	uint16_t	size;		/* number of consecutive ports */
	inout_fn	handler;
	void		*arg;
};

int inout_init(struct vm *vm);
void inout_fini(struct vm *vm);
/* -1 with errno EEXIST if any port in the range is taken. */
int register_inout(struct vm *vm, const struct inout_port *iop);
int unregister_inout(struct vm *vm, uint16_t port, uint16_t size);

/*
 * Dispatches one access.  An unclaimed port reads as all ones and ignores
 * writes, unless strict (-e): then it returns -1 and the VM stops.
 */
int inout_dispatch(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val);

#endif
