/*
 * virtio entropy device (virtio 1.2 section 5.4), bhyve's `virtio-rnd`:
 * one request queue whose device-writable buffers are filled from the
 * host's getrandom(2).  The work is short, so it runs on the event loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "core/vm.h"
#include "devices/device.h"
#include "devices/virtio_pci.h"

#define RND_QSIZE	64

struct rnd {
	struct virtio_dev *vd;
	struct vq_chain	chain;		/* event loop thread only */
};

/* Fills every writable byte of the chain; what was written. */
static uint32_t
rnd_fill(struct vq_chain *c)
{
	size_t done = 0;
	ssize_t n;
	int i;

	for (i = c->nread; i < c->nread + c->nwrite; i++) {
		n = getrandom(c->iov[i].iov_base, c->iov[i].iov_len, 0);
		if (n < 0)
			break;
		done += (size_t)n;
		if ((size_t)n < c->iov[i].iov_len)
			break;
	}
	return ((uint32_t)done);
}

static void
rnd_notify(void *arg, int qi)
{
	struct rnd *r = arg;
	struct virtio_queue *q = virtio_queue(r->vd, qi);

	do {
		while (virtio_queue_pop(q, &r->chain) == 1)
			virtio_queue_push(q, r->chain.head, rnd_fill(&r->chain));
	} while (virtio_queue_rearm(q));
}

static const struct virtio_ops rnd_ops = {
	.name = "virtio-rnd",
	.device_type = VIRTIO_ID_RNG,
	.class = 0xff,
	.subclass = 0x00,
	.notify = rnd_notify,
};

static void
rnd_free(struct vm *vm, void *arg)
{
	(void)vm;
	free(arg);
}

static int
rnd_init(struct vm *vm, config_node_t *node)
{
	struct rnd *r = calloc(1, sizeof(*r));

	if (r == NULL || vm_at_destroy(vm, rnd_free, r) != 0) {
		free(r);
		fprintf(stderr, "virtio-rnd: out of memory\n");
		return (-1);
	}
	r->vd = virtio_pci_create(vm, node, &rnd_ops, r, 1, RND_QSIZE);
	if (r->vd == NULL) {
		fprintf(stderr, "virtio-rnd: cannot create the device\n");
		return (-1);
	}
	return (0);
}

static const struct device_emu virtio_rnd = {
	.name = "virtio-rnd",
	.kind = DEV_PCI,
	.init = rnd_init,
};
DEVICE_REGISTER(virtio_rnd);
