/*
 * The virtio PCI transport, modern interface only (virtio 1.2 section 4.1):
 * vendor 0x1AF4, device 0x1040 + type, revision 1; the common, notify, ISR
 * and device configuration structures (4.1.4) in one 64-bit memory BAR,
 * MSI-X (4.1.5.1.2) in a 32-bit BAR, INTx through the ISR when the driver
 * does not enable MSI-X.
 *
 * BAR 4 layout:  0x0000 common cfg   0x1000 ISR   0x2000 device cfg
 *                0x3000 notify, queue i at 0x3000 + 4 * i
 * A queue's notify address is an ioeventfd whose eventfd the event loop
 * watches, so a kick costs no exit to user space and the device's work
 * runs off the vCPU threads.  Writes that miss the ioeventfd (another
 * width) reach notify_write and take the same path.
 *
 * Locks: vd->lock guards the common configuration (features, status,
 * queue setup); each queue's lock guards its ring walker.  A device's
 * callbacks run without vd->lock, except reset.  vd->busy is held by the
 * event loop while it works for the device (notify, and the device's own
 * handlers through virtio_dev_enter) and by a vCPU writing the common
 * configuration, so a reset never overlaps a chain in flight.  Order:
 * busy, then lock, then a queue's lock.
 */
#include "devices/virtio_pci.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/mevent.h"
#include "core/vm.h"
#include "devices/pci.h"

#define VPCI_BAR		4
#define VPCI_MSIX_BAR		1
#define VPCI_BAR_SIZE		0x4000
#define VPCI_COMMON		0x0000
#define VPCI_ISR		0x1000
#define VPCI_DEVCFG		0x2000
#define VPCI_NOTIFY		0x3000
#define VPCI_NOTIFY_MULT	4
#define VPCI_MAX_QUEUES		64
#define VPCI_MSIX_PBA		0x800
#define NO_VECTOR		0xffff

/* Device status bits (2.1). */
#define S_ACKNOWLEDGE	1
#define S_DRIVER	2
#define S_DRIVER_OK	4
#define S_FEATURES_OK	8
#define S_NEEDS_RESET	0x40
#define S_FAILED	0x80

/* virtio_pci_cap cfg_type (4.1.4). */
#define CAP_COMMON	1
#define CAP_NOTIFY	2
#define CAP_ISR		3
#define CAP_DEVICE	4

struct virtio_queue {
	struct virtio_dev *vd;
	int		idx;
	pthread_mutex_t	lock;		/* vq */
	struct vq	vq;
	bool		live;		/* enabled and walker set up */
	/* Driver-visible setup, under vd->lock. */
	uint16_t	size, vector, enable;
	uint16_t	max;		/* the size we offer */
	uint64_t	desc, avail, used;
	int		kick_fd;	/* ioeventfd target, on the event loop */
};

struct virtio_dev {
	struct vm	*vm;
	struct pci_dev	*pci;
	const struct virtio_ops *ops;
	void		*arg;
	pthread_mutex_t	busy;		/* see "Locks" above */
	pthread_mutex_t	lock;		/* the common configuration */
	uint32_t	dfselect, gfselect;
	uint64_t	offered, guest;
	uint8_t		status, generation;
	uint16_t	qsel, config_vector;
	_Atomic uint8_t	isr;
	bool		logged;		/* the broken-device message is out */
	int		nq;
	struct virtio_queue q[];
};

static void *
mem_gpa(void *ctx, uint64_t gpa, uint64_t len)
{
	return (vm_gpa(ctx, gpa, len));
}

struct virtio_queue *
virtio_queue(struct virtio_dev *vd, int q)
{
	return (&vd->q[q]);
}

int
virtio_num_queues(struct virtio_dev *vd)
{
	return (vd->nq);
}

struct vm *
virtio_vm(struct virtio_dev *vd)
{
	return (vd->vm);
}

int
virtio_pci_slot(struct virtio_dev *vd)
{
	return (pci_dev_slot(vd->pci));
}

bool
virtio_negotiated(struct virtio_dev *vd, int bit)
{
	return ((vd->guest >> bit) & 1);
}

/* ---- interrupts ------------------------------------------------------ */

static void
raise_vector(struct virtio_dev *vd, uint16_t vector, uint8_t isr_bit)
{
	if (pci_msix_enabled(vd->pci)) {
		if (vector != NO_VECTOR)
			pci_msix_notify(vd->pci, vector);
		return;
	}
	if (pci_msi_enabled(vd->pci)) {
		/* One vector for all: the driver reads the ISR to see why. */
		atomic_fetch_or(&vd->isr, isr_bit);
		pci_msi_notify(vd->pci);
		return;
	}
	atomic_fetch_or(&vd->isr, isr_bit);
	pci_intx_assert(vd->pci);
}

/* 2.1.2: the device tells the driver it needs a reset, once. */
static void
mark_broken(struct virtio_dev *vd, const char *why)
{
	bool first;

	pthread_mutex_lock(&vd->lock);
	first = !vd->logged;
	vd->logged = true;
	vd->status |= S_NEEDS_RESET;
	pthread_mutex_unlock(&vd->lock);
	if (!first)
		return;
	fprintf(stderr, "%s at pci slot %d: %s; device needs reset\n",
	    vd->ops->name, pci_dev_slot(vd->pci), why);
	if (vd->status & S_DRIVER_OK)
		raise_vector(vd, vd->config_vector, 2);
}

/* ---- the queue API ---------------------------------------------------- */

int
virtio_queue_pop(struct virtio_queue *q, struct vq_chain *c)
{
	const char *why = NULL;
	int rc;

	pthread_mutex_lock(&q->lock);
	rc = q->live ? vq_pop(&q->vq, c) : 0;
	if (rc < 0) {
		why = q->vq.why;
		q->live = false;
	}
	pthread_mutex_unlock(&q->lock);
	if (rc < 0)
		mark_broken(q->vd, why != NULL ? why : "broken queue");
	return (rc);
}

void
virtio_queue_unpop(struct virtio_queue *q, uint16_t n)
{
	pthread_mutex_lock(&q->lock);
	if (q->live)
		vq_unpop(&q->vq, n);
	pthread_mutex_unlock(&q->lock);
}

void
virtio_queue_push(struct virtio_queue *q, uint16_t head, uint32_t len)
{
	virtio_queue_push_n(q, &head, &len, 1);
}

void
virtio_queue_push_n(struct virtio_queue *q, const uint16_t *heads,
    const uint32_t *lens, uint16_t n)
{
	bool irq = false;
	uint16_t i;

	pthread_mutex_lock(&q->lock);
	if (q->live && n > 0) {
		for (i = 0; i < n; i++)
			vq_put(&q->vq, heads[i], lens[i]);
		vq_publish(&q->vq);
		irq = vq_need_interrupt(&q->vq);
	}
	pthread_mutex_unlock(&q->lock);
	if (irq)
		raise_vector(q->vd, q->vector, 1);
}

bool
virtio_queue_rearm(struct virtio_queue *q)
{
	bool more;

	pthread_mutex_lock(&q->lock);
	more = q->live && vq_enable_notify(&q->vq);
	pthread_mutex_unlock(&q->lock);
	return (more);
}

/* ---- kicks -------------------------------------------------------------- */

static void
on_kick(int fd, void *arg)
{
	struct virtio_queue *q = arg;
	struct virtio_dev *vd = q->vd;
	uint64_t n;
	bool go;

	(void)!read(fd, &n, sizeof(n));
	pthread_mutex_lock(&vd->busy);
	pthread_mutex_lock(&vd->lock);
	go = (vd->status & S_DRIVER_OK) != 0 && q->live;
	pthread_mutex_unlock(&vd->lock);
	if (go && vd->ops->notify != NULL)
		vd->ops->notify(vd->arg, q->idx);
	pthread_mutex_unlock(&vd->busy);
}

void
virtio_dev_enter(struct virtio_dev *vd)
{
	pthread_mutex_lock(&vd->busy);
}

void
virtio_dev_leave(struct virtio_dev *vd)
{
	pthread_mutex_unlock(&vd->busy);
}

static void
kick(struct virtio_queue *q)
{
	uint64_t one = 1;

	(void)!write(q->kick_fd, &one, sizeof(one));
}

/* BAR 4 moved: the notify addresses follow it. */
static void
bar_moved(struct pci_dev *d, int bar, uint64_t addr, bool mapped)
{
	struct virtio_dev *vd = pci_dev_arg(d);
	int i;

	if (bar != VPCI_BAR)
		return;
	for (i = 0; i < vd->nq; i++)
		(void)vmm_ioeventfd(&vd->vm->kvm, vd->q[i].kick_fd,
		    addr + VPCI_NOTIFY + VPCI_NOTIFY_MULT * (uint64_t)i, 2,
		    false, false, 0, mapped);
}

/* ---- common configuration (4.1.4.3) ------------------------------------ */

/* The structure as the driver reads it, for the selected queue. */
static void
common_image(struct virtio_dev *vd, uint8_t img[0x40])
{
	struct virtio_queue *q = vd->qsel < vd->nq ? &vd->q[vd->qsel] : NULL;
	uint32_t df = vd->dfselect < 2 ?
	    (uint32_t)(vd->offered >> (32 * vd->dfselect)) : 0;
	uint32_t gf = vd->gfselect < 2 ?
	    (uint32_t)(vd->guest >> (32 * vd->gfselect)) : 0;
	uint16_t nq = (uint16_t)vd->nq, z = 0, off = vd->qsel;

	memset(img, 0, 0x40);
	memcpy(img + 0x00, &vd->dfselect, 4);
	memcpy(img + 0x04, &df, 4);
	memcpy(img + 0x08, &vd->gfselect, 4);
	memcpy(img + 0x0c, &gf, 4);
	memcpy(img + 0x10, &vd->config_vector, 2);
	memcpy(img + 0x12, &nq, 2);
	img[0x14] = vd->status;
	img[0x15] = vd->generation;
	memcpy(img + 0x16, &vd->qsel, 2);
	if (q == NULL) {
		memcpy(img + 0x18, &z, 2);	/* size 0: no such queue */
		return;
	}
	memcpy(img + 0x18, &q->size, 2);
	memcpy(img + 0x1a, &q->vector, 2);
	memcpy(img + 0x1c, &q->enable, 2);
	memcpy(img + 0x1e, &off, 2);
	memcpy(img + 0x20, &q->desc, 8);
	memcpy(img + 0x28, &q->avail, 8);
	memcpy(img + 0x30, &q->used, 8);
}

static void
queue_stop(struct virtio_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->live = false;
	pthread_mutex_unlock(&q->lock);
}

/* With vd->lock held: the driver reset the device (status 0). */
static void
device_reset(struct virtio_dev *vd)
{
	int i;

	for (i = 0; i < vd->nq; i++)
		queue_stop(&vd->q[i]);
	if (vd->ops->reset != NULL)
		vd->ops->reset(vd->arg);
	for (i = 0; i < vd->nq; i++) {
		struct virtio_queue *q = &vd->q[i];

		q->enable = 0;
		q->vector = NO_VECTOR;
		q->desc = q->avail = q->used = 0;
		q->size = q->max;
	}
	vd->guest = 0;
	vd->status = 0;
	vd->dfselect = vd->gfselect = 0;
	vd->qsel = 0;
	vd->config_vector = NO_VECTOR;
	vd->logged = false;
	atomic_store(&vd->isr, 0);
	pci_intx_deassert(vd->pci);
}

static void
queue_enable(struct virtio_dev *vd, struct virtio_queue *q)
{
	struct vq_mem mem = { mem_gpa, vd->vm };
	int rc;

	pthread_mutex_lock(&q->lock);
	rc = vq_init(&q->vq, &mem, q->size, q->desc, q->avail, q->used,
	    virtio_negotiated(vd, VIRTIO_F_RING_EVENT_IDX),
	    virtio_negotiated(vd, VIRTIO_F_RING_INDIRECT_DESC));
	q->live = rc == 0;
	pthread_mutex_unlock(&q->lock);
	if (rc != 0) {
		pthread_mutex_unlock(&vd->lock);
		mark_broken(vd, q->vq.why);
		pthread_mutex_lock(&vd->lock);
	}
}

static void
status_write(struct virtio_dev *vd, uint8_t s)
{
	int i;

	if (s == 0) {
		device_reset(vd);
		return;
	}
	/* 3.1.1: FEATURES_OK only for a subset of ours that has VERSION_1. */
	if ((s & S_FEATURES_OK) && !(vd->status & S_FEATURES_OK) &&
	    ((vd->guest & ~vd->offered) != 0 ||
	    !virtio_negotiated(vd, VIRTIO_F_VERSION_1)))
		s &= ~S_FEATURES_OK;
	if ((s & S_DRIVER_OK) && !(vd->status & S_DRIVER_OK))
		for (i = 0; i < vd->nq; i++)
			kick(&vd->q[i]);	/* buffers posted before DRIVER_OK */
	vd->status = (uint8_t)(s | (vd->status & S_NEEDS_RESET));
}

static void
queue_field_write(struct virtio_dev *vd, struct virtio_queue *q, int off,
    const uint8_t *img)
{
	uint16_t v16;

	memcpy(&v16, img + off, 2);
	if (q->enable && off != 0x1a)
		return;		/* 4.1.4.3.2: no changes to an enabled queue */
	switch (off) {
	case 0x18:
		/* A power of two no larger than we offered. */
		if (v16 != 0 && (v16 & (v16 - 1)) == 0 && v16 <= q->max)
			q->size = v16;
		break;
	case 0x1a:
		q->vector = v16;
		break;
	case 0x1c:
		if (v16 == 1 && !q->enable) {
			q->enable = 1;
			queue_enable(vd, q);
		}
		break;
	case 0x20: memcpy(&q->desc, img + 0x20, 8); break;
	case 0x28: memcpy(&q->avail, img + 0x28, 8); break;
	case 0x30: memcpy(&q->used, img + 0x30, 8); break;
	}
}

static void
common_write(struct virtio_dev *vd, uint64_t off, int size, uint64_t val)
{
	static const struct { int off, len; } fields[] = {
		{ 0x00, 4 }, { 0x08, 4 }, { 0x0c, 4 }, { 0x10, 2 },
		{ 0x14, 1 }, { 0x16, 2 }, { 0x18, 2 }, { 0x1a, 2 },
		{ 0x1c, 2 }, { 0x20, 8 }, { 0x28, 8 }, { 0x30, 8 },
	};
	struct virtio_queue *q;
	uint8_t img[0x40];
	uint32_t v32;
	size_t i;
	int o;

	common_image(vd, img);
	memcpy(img + off, &val, (size_t)size);
	q = vd->qsel < vd->nq ? &vd->q[vd->qsel] : NULL;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		o = fields[i].off;
		if (o + fields[i].len <= (int)off || o >= (int)off + size)
			continue;
		memcpy(&v32, img + o, 4);
		switch (o) {
		case 0x00: vd->dfselect = v32; break;
		case 0x08: vd->gfselect = v32; break;
		case 0x0c:
			if (vd->gfselect < 2 && !(vd->status & S_FEATURES_OK)) {
				vd->guest &= ~(0xffffffffULL << (32 * vd->gfselect));
				vd->guest |= (uint64_t)v32 << (32 * vd->gfselect);
			}
			break;
		case 0x10: memcpy(&vd->config_vector, img + o, 2); break;
		case 0x14: status_write(vd, img[o]); break;
		case 0x16: memcpy(&vd->qsel, img + o, 2); break;
		default:
			if (q != NULL)
				queue_field_write(vd, q, o, img);
		}
	}
}

/* ---- BAR access ---------------------------------------------------------- */

static uint64_t
bar_read(struct pci_dev *d, int bar, uint64_t off, int size)
{
	struct virtio_dev *vd = pci_dev_arg(d);
	uint8_t img[0x40];
	uint64_t v = 0;

	if (bar != VPCI_BAR || size > 8)
		return (0);
	if (off + (uint64_t)size <= sizeof(img)) {
		pthread_mutex_lock(&vd->lock);
		common_image(vd, img);
		pthread_mutex_unlock(&vd->lock);
		memcpy(&v, img + off, (size_t)size);
	} else if (off == VPCI_ISR) {
		/* 4.1.4.5.1: reading clears it and the INTx line. */
		v = atomic_exchange(&vd->isr, 0);
		pci_intx_deassert(d);
	} else if (off >= VPCI_DEVCFG &&
	    off + (uint64_t)size <= VPCI_DEVCFG + vd->ops->cfg_size) {
		if (vd->ops->cfg_read != NULL)
			vd->ops->cfg_read(vd->arg, (uint32_t)(off - VPCI_DEVCFG),
			    &v, size);
	}
	return (v);
}

static void
bar_write(struct pci_dev *d, int bar, uint64_t off, int size, uint64_t val)
{
	struct virtio_dev *vd = pci_dev_arg(d);
	uint64_t n;

	if (bar != VPCI_BAR || size > 8)
		return;
	if (off + (uint64_t)size <= 0x38) {
		/* Setup and reset only: the event loop may have to finish first. */
		pthread_mutex_lock(&vd->busy);
		pthread_mutex_lock(&vd->lock);
		common_write(vd, off, size, val);
		pthread_mutex_unlock(&vd->lock);
		pthread_mutex_unlock(&vd->busy);
	} else if (off >= VPCI_DEVCFG &&
	    off + (uint64_t)size <= VPCI_DEVCFG + vd->ops->cfg_size) {
		if (vd->ops->cfg_write != NULL)
			vd->ops->cfg_write(vd->arg,
			    (uint32_t)(off - VPCI_DEVCFG), &val, size);
	} else if (off >= VPCI_NOTIFY) {
		n = (off - VPCI_NOTIFY) / VPCI_NOTIFY_MULT;
		if (n < (uint64_t)vd->nq)
			kick(&vd->q[n]);
	}
}

static const struct pci_bar_ops vpci_ops = { bar_read, bar_write, bar_moved };

/* ---- set-up ---------------------------------------------------------------- */

static void
add_cap(struct pci_dev *d, uint8_t type, uint32_t off, uint32_t len,
    bool notify)
{
	uint8_t cap[20] = { 0x09, 0, notify ? 20 : 16, type, VPCI_BAR };
	uint32_t mult = VPCI_NOTIFY_MULT;

	memcpy(&cap[8], &off, 4);
	memcpy(&cap[12], &len, 4);
	if (notify)
		memcpy(&cap[16], &mult, 4);
	pci_cap_add(d, cap, notify ? 20 : 16);
}

/* MSI-X with a vector per queue and one for config, or -W's single MSI. */
static int
virtio_interrupts(struct pci_dev *d, int nq)
{
	if (!get_config_bool_default("virtio_msix", true))
		return (pci_msi_init(d));
	if (pci_bar_alloc(d, VPCI_MSIX_BAR, PCIBAR_MEM32, 0x1000) != 0)
		return (-1);
	return (pci_msix_init(d, nq + 1, VPCI_MSIX_BAR, 0, VPCI_MSIX_PBA));
}

static void
virtio_destroy(struct vm *vm, void *arg)
{
	struct virtio_dev *vd = arg;
	int i;

	for (i = 0; i < vd->nq; i++) {
		if (vd->q[i].kick_fd < 0)
			continue;
		mevent_del(vm, vd->q[i].kick_fd);
		close(vd->q[i].kick_fd);
	}
	free(vd);
}

static int
setup_queues(struct virtio_dev *vd, uint16_t qsize)
{
	struct virtio_queue *q;
	int i;

	for (i = 0; i < vd->nq; i++) {
		q = &vd->q[i];
		q->vd = vd;
		q->idx = i;
		q->size = qsize;
		q->max = qsize;
		q->vector = NO_VECTOR;
		pthread_mutex_init(&q->lock, NULL);
		q->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (q->kick_fd < 0 || mevent_add(vd->vm, q->kick_fd, on_kick,
		    q) != 0)
			return (-1);
	}
	return (0);
}

struct virtio_dev *
virtio_pci_create(struct vm *vm, config_node_t *node,
    const struct virtio_ops *ops, void *arg, int nq, uint16_t qsize)
{
	struct virtio_dev *vd;
	struct pci_dev *d;
	int i;

	if (nq < 1 || nq > VPCI_MAX_QUEUES)
		return (NULL);
	vd = calloc(1, sizeof(*vd) + (size_t)nq * sizeof(vd->q[0]));
	if (vd == NULL)
		return (NULL);
	for (i = 0; i < nq; i++)
		vd->q[i].kick_fd = -1;
	vd->vm = vm;
	vd->ops = ops;
	vd->arg = arg;
	vd->nq = nq;
	vd->config_vector = NO_VECTOR;
	vd->offered = ops->features | (1ULL << VIRTIO_F_VERSION_1) |
	    (1ULL << VIRTIO_F_RING_EVENT_IDX) |
	    (1ULL << VIRTIO_F_RING_INDIRECT_DESC);
	pthread_mutex_init(&vd->busy, NULL);
	pthread_mutex_init(&vd->lock, NULL);
	if (vm_at_destroy(vm, virtio_destroy, vd) != 0) {
		free(vd);
		return (NULL);
	}
	if (setup_queues(vd, qsize) != 0 ||
	    (d = pci_dev_create(vm, node, &vpci_ops, vd)) == NULL)
		return (NULL);
	vd->pci = d;
	pci_set_ids(d, 0x1af4, (uint16_t)(0x1040 + ops->device_type),
	    ops->class, ops->subclass, 0, 1);
	pci_set_cfg16(d, PCIR_SUBVEND, 0x1af4);
	pci_set_cfg16(d, PCIR_SUBDEV, 0x1100);
	pci_set_cfg8(d, PCIR_INTPIN, 1);
	pci_set_cfg8(d, PCIR_INTLINE, (uint8_t)pci_intx_irq(pci_dev_slot(d)));
	if (pci_bar_alloc(d, VPCI_BAR, PCIBAR_MEM64, VPCI_BAR_SIZE) != 0 ||
	    virtio_interrupts(d, nq) != 0)
		return (NULL);
	add_cap(d, CAP_COMMON, VPCI_COMMON, 0x38, false);
	add_cap(d, CAP_ISR, VPCI_ISR, 4, false);
	add_cap(d, CAP_DEVICE, VPCI_DEVCFG, ops->cfg_size > 0 ?
	    ops->cfg_size : 4, false);
	add_cap(d, CAP_NOTIFY, VPCI_NOTIFY, VPCI_NOTIFY_MULT * (uint32_t)nq,
	    true);
	return (vd);
}
