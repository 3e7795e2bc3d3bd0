/*
 * core/inout.c: the port-I/O registry (bhyve's inout.c).  Devices claim
 * ranges of ports; KVM_EXIT_IO is dispatched to the owner of the first port
 * of the access.  Unclaimed ports read as all ones and swallow writes,
 * unless -e (x86.strictio) asks for an error.
 *
 * A handful of ranges exist (tens at most), so a sorted array searched
 * linearly is as fast as anything.  The lock lets devices register ports
 * at run time (PCI BARs, later) while vCPUs dispatch; a handler is called
 * with the lock released, so it may itself (un)register ports.
 */
#include "core/inout.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"

struct inout_table {
	pthread_rwlock_t	lock;	/* guards n, cap, ports */
	size_t			n, cap;
	struct inout_port	*ports;	/* sorted by port, never overlapping */
};

int
inout_init(struct vm *vm)
{
	struct inout_table *t;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return (-1);
	pthread_rwlock_init(&t->lock, NULL);
	vm->io = t;
	return (0);
}

/* Port ranges as [first, end) in 32 bits, so 0xffff + 1 does not wrap. */
static bool
overlaps(const struct inout_port *p, uint32_t first, uint32_t end)
{
	return (first < (uint32_t)p->port + p->size && p->port < end);
}

int
register_inout(struct vm *vm, const struct inout_port *iop)
{
	struct inout_table *t = vm->io;
	uint32_t end = (uint32_t)iop->port + iop->size;
	struct inout_port *np;
	size_t i;
	int error = 0;

	if (iop->size == 0 || end > 0x10000 || iop->handler == NULL) {
		errno = EINVAL;
		return (-1);
	}
	pthread_rwlock_wrlock(&t->lock);
	for (i = 0; i < t->n; i++)
		if (overlaps(&t->ports[i], iop->port, end)) {
			error = EEXIST;
			goto out;
		}
	if (t->n == t->cap) {
		np = realloc(t->ports, (t->cap ? t->cap * 2 : 16) * sizeof(*np));
		if (np == NULL) {
			error = ENOMEM;
			goto out;
		}
		t->ports = np;
		t->cap = t->cap ? t->cap * 2 : 16;
	}
	for (i = 0; i < t->n && t->ports[i].port < iop->port; i++)
		continue;
	memmove(&t->ports[i + 1], &t->ports[i], (t->n - i) * sizeof(*np));
	t->ports[i] = *iop;
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
unregister_inout(struct vm *vm, uint16_t port, uint16_t size)
{
	struct inout_table *t = vm->io;
	size_t i;
	int found = 0;

	pthread_rwlock_wrlock(&t->lock);
	for (i = 0; i < t->n; i++)
		if (t->ports[i].port == port && t->ports[i].size == size) {
			memmove(&t->ports[i], &t->ports[i + 1],
			    (t->n - i - 1) * sizeof(t->ports[0]));
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
inout_lookup(struct inout_table *t, uint16_t port, struct inout_port *out)
{
	bool found = false;

	pthread_rwlock_rdlock(&t->lock);
	for (size_t i = 0; i < t->n && t->ports[i].port <= port; i++)
		if (overlaps(&t->ports[i], port, (uint32_t)port + 1)) {
			*out = t->ports[i];
			found = true;
			break;
		}
	pthread_rwlock_unlock(&t->lock);
	return (found);
}

int
inout_dispatch(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val)
{
	struct inout_port p;

	if (bytes != 1 && bytes != 2 && bytes != 4)
		return (-1);
	if (vm->io != NULL && inout_lookup(vm->io, port, &p))
		return (p.handler(vm, vcpu, in, port, bytes, val, p.arg));
	if (vm->strictio)
		return (-1);
	if (in)
		*val = bytes == 4 ? 0xffffffffu : (1u << (bytes * 8)) - 1;
	return (0);
}

void
inout_fini(struct vm *vm)
{
	struct inout_table *t = vm->io;

	if (t == NULL)
		return;
	vm->io = NULL;
	pthread_rwlock_destroy(&t->lock);
	free(t->ports);
	free(t);
}
