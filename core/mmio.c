/*
 * core/mmio.c: the MMIO registry (bhyve's mem.c).  Devices claim
 * guest-physical ranges outside RAM; KVM_EXIT_MMIO is dispatched to the
 * range holding the first byte of the access.  Unclaimed addresses read
 * as all ones and swallow writes, as on a PC bus.
 *
 * Same shape as core/inout.c: a short sorted array behind a rwlock, the
 * handler called with the lock released.
 */
#include "core/mmio.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"

struct mmio_table {
	pthread_rwlock_t	lock;	/* guards n, cap, ranges */
	size_t			n, cap;
	struct mmio_range	*ranges; /* sorted by base, never overlapping */
};

int
mmio_init(struct vm *vm)
{
	struct mmio_table *t;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return (-1);
	pthread_rwlock_init(&t->lock, NULL);
	vm->mmio = t;
	return (0);
}

/* Ranges compared by their last byte so a range ending at 2^64 works. */
static bool
overlaps(const struct mmio_range *r, uint64_t base, uint64_t last)
{
	return (base <= r->base + (r->size - 1) && r->base <= last);
}

int
register_mmio(struct vm *vm, const struct mmio_range *r)
{
	struct mmio_table *t = vm->mmio;
	struct mmio_range *nr;
	uint64_t last;
	size_t i;
	int error = 0;

	if (r->size == 0 || r->handler == NULL ||
	    r->base + (r->size - 1) < r->base) {
		errno = EINVAL;
		return (-1);
	}
	last = r->base + (r->size - 1);
	/* RAM is KVM's: an MMIO range there would never see an access. */
	if ((vm->lowmem != 0 && r->base < vm->lowmem) || (vm->highmem != 0 &&
	    r->base < HIGHMEM_BASE + vm->highmem && last >= HIGHMEM_BASE)) {
		errno = EINVAL;
		return (-1);
	}
	pthread_rwlock_wrlock(&t->lock);
	for (i = 0; i < t->n; i++)
		if (overlaps(&t->ranges[i], r->base, last)) {
			error = EEXIST;
			goto out;
		}
	if (t->n == t->cap) {
		nr = realloc(t->ranges, (t->cap ? t->cap * 2 : 16) * sizeof(*nr));
		if (nr == NULL) {
			error = ENOMEM;
			goto out;
		}
		t->ranges = nr;
		t->cap = t->cap ? t->cap * 2 : 16;
	}
	for (i = 0; i < t->n && t->ranges[i].base < r->base; i++)
		continue;
	memmove(&t->ranges[i + 1], &t->ranges[i],
	    (t->n - i) * sizeof(t->ranges[0]));
	t->ranges[i] = *r;
	t->n++;
out:
	pthread_rwlock_unlock(&t->lock);
	if (error != 0) {
		errno = error;
		return (-1);
	}
	return (0);
}

int
unregister_mmio(struct vm *vm, uint64_t base)
{
	struct mmio_table *t = vm->mmio;
	int found = 0;

	pthread_rwlock_wrlock(&t->lock);
	for (size_t i = 0; i < t->n; i++)
		if (t->ranges[i].base == base) {
			memmove(&t->ranges[i], &t->ranges[i + 1],
			    (t->n - i - 1) * sizeof(t->ranges[0]));
			t->n--;
			found = 1;
			break;
		}
	pthread_rwlock_unlock(&t->lock);
	if (!found) {
		errno = ENOENT;
		return (-1);
	}
	return (0);
}

static bool
mmio_lookup(struct mmio_table *t, uint64_t addr, struct mmio_range *out)
{
	bool found = false;

	pthread_rwlock_rdlock(&t->lock);
	for (size_t i = 0; i < t->n && t->ranges[i].base <= addr; i++)
		if (overlaps(&t->ranges[i], addr, addr)) {
			*out = t->ranges[i];
			found = true;
			break;
		}
	pthread_rwlock_unlock(&t->lock);
	return (found);
}

int
mmio_dispatch(struct vm *vm, int vcpu, bool write, uint64_t addr, int size,
    uint64_t *val)
{
	struct mmio_range r;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return (-1);
	if (vm->mmio != NULL && mmio_lookup(vm->mmio, addr, &r))
		return (r.handler(vm, vcpu, write, addr, size, val, r.arg));
	if (!write)
		*val = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
	return (0);
}

void
mmio_fini(struct vm *vm)
{
	struct mmio_table *t = vm->mmio;

	if (t == NULL)
		return;
	vm->mmio = NULL;
	pthread_rwlock_destroy(&t->lock);
	free(t->ranges);
	free(t);
}
