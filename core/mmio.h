/*
 * MMIO registry (bhyve's mem.c): devices claim guest-physical ranges outside
 * RAM; KVM_EXIT_MMIO is dispatched to the owner.
 */
#ifndef KHYVE_CORE_MMIO_H
#define KHYVE_CORE_MMIO_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

/* write: false = read (fill *val), true = write.  size: 1, 2, 4 or 8. */
typedef int (*mmio_fn)(struct vm *vm, int vcpu, bool write, uint64_t addr,
    int size, uint64_t *val, void *arg);

struct mmio_range {
	const char	*name;
	uint64_t	base;
	uint64_t	size;
	mmio_fn		handler;
	void		*arg;
};

int mmio_init(struct vm *vm);
void mmio_fini(struct vm *vm);
int register_mmio(struct vm *vm, const struct mmio_range *r);
int unregister_mmio(struct vm *vm, uint64_t base);
/* Unclaimed addresses read as all ones and ignore writes. */
int mmio_dispatch(struct vm *vm, int vcpu, bool write, uint64_t addr, int size,
    uint64_t *val);

#endif
