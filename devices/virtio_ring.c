/*
 * The split virtqueue walker: virtio 1.x section 2.7 (split virtqueues),
 * 2.7.5 (the descriptor table), 2.7.5.3 (indirect descriptors), 2.7.7/2.7.10
 * (used buffer notification suppression and the event index).
 *
 * The guest may change any ring byte at any time: every field is read once
 * into a local before it is checked and used.
 */
#include "devices/virtio_ring.h"

#include <string.h>

size_t
vq_desc_bytes(uint16_t n)
{
	return ((size_t)n * sizeof(struct vring_desc));
}

size_t
vq_avail_bytes(uint16_t n)
{
	return (6 + 2 * (size_t)n);
}

size_t
vq_used_bytes(uint16_t n)
{
	return (6 + 8 * (size_t)n);
}

static int
vq_break(struct vq *q, const char *why)
{
	if (!q->broken) {
		q->broken = true;
		q->why = why;
	}
	return (-1);
}

int
vq_init(struct vq *q, const struct vq_mem *mem, uint16_t size,
    uint64_t desc, uint64_t avail, uint64_t used, bool event_idx,
    bool indirect)
{
	memset(q, 0, sizeof(*q));
	q->mem = *mem;
	q->size = size;
	q->event_idx = event_idx;
	q->indirect = indirect;
	if (size == 0 || (size & (size - 1)) != 0)
		return (vq_break(q, "queue size not a power of two"));
	/* 2.7: alignment 16 for the table, 2 for avail, 4 for used. */
	if ((desc & 15) != 0 || (avail & 1) != 0 || (used & 3) != 0)
		return (vq_break(q, "misaligned ring"));
	q->desc = mem->gpa(mem->ctx, desc, vq_desc_bytes(size));
	q->avail = mem->gpa(mem->ctx, avail, vq_avail_bytes(size));
	q->used = mem->gpa(mem->ctx, used, vq_used_bytes(size));
	if (q->desc == NULL || q->avail == NULL || q->used == NULL)
		return (vq_break(q, "ring outside guest RAM"));
	q->used_idx = __atomic_load_n(&q->used[1], __ATOMIC_ACQUIRE);
	q->last_avail = q->used_idx;
	return (0);
}

/*
 * One copy of a descriptor: the guest may rewrite it meanwhile, and an
 * indirect table need not be aligned, so bytes, not a struct access.
 */
static struct vring_desc
vq_read_desc(volatile const struct vring_desc *d)
{
	struct vring_desc r;

	memcpy(&r, (const void *)(uintptr_t)d, sizeof(r));
	return (r);
}

/* Appends one buffer; readable ones may not follow writable ones (2.7.4.2). */
static int
vq_add_seg(struct vq *q, struct vq_chain *c, const struct vring_desc *d)
{
	struct iovec *iov;
	void *p;
	bool w = (d->flags & VRING_DESC_F_WRITE) != 0;

	if (c->nread + c->nwrite >= VQ_MAX_SEGS)
		return (vq_break(q, "descriptor chain too long"));
	if (!w && c->nwrite > 0)
		return (vq_break(q, "readable descriptor after a writable one"));
	if (d->len == 0)
		return (0);
	p = q->mem.gpa(q->mem.ctx, d->addr, d->len);
	if (p == NULL)
		return (vq_break(q, "buffer outside guest RAM"));
	iov = &c->iov[c->nread + c->nwrite];
	iov->iov_base = p;
	iov->iov_len = d->len;
	if (w) {
		c->nwrite++;
		c->wlen += d->len;
	} else {
		c->nread++;
		c->rlen += d->len;
	}
	return (0);
}

/* 2.7.5.3: a table of len/16 descriptors, no nesting, no NEXT beside INDIRECT. */
static int
vq_walk_indirect(struct vq *q, struct vq_chain *c, const struct vring_desc *d)
{
	volatile const struct vring_desc *tab;
	struct vring_desc e;
	uint32_t n, i, seen;

	if (!q->indirect)
		return (vq_break(q, "indirect descriptor not negotiated"));
	if ((d->flags & VRING_DESC_F_NEXT) != 0)
		return (vq_break(q, "indirect descriptor with NEXT"));
	if (d->len == 0 || d->len % sizeof(struct vring_desc) != 0)
		return (vq_break(q, "indirect table length"));
	n = d->len / sizeof(struct vring_desc);
	tab = q->mem.gpa(q->mem.ctx, d->addr, d->len);
	if (tab == NULL)
		return (vq_break(q, "indirect table outside guest RAM"));
	for (i = 0, seen = 0;; seen++) {
		if (seen >= n)
			return (vq_break(q, "loop in indirect table"));
		e = vq_read_desc(&tab[i]);
		if ((e.flags & VRING_DESC_F_INDIRECT) != 0)
			return (vq_break(q, "nested indirect descriptor"));
		if (vq_add_seg(q, c, &e) != 0)
			return (-1);
		if ((e.flags & VRING_DESC_F_NEXT) == 0)
			return (0);
		if (e.next >= n)
			return (vq_break(q, "indirect next out of range"));
		i = e.next;
	}
}

static int
vq_walk(struct vq *q, struct vq_chain *c, uint16_t head)
{
	struct vring_desc d;
	uint32_t seen;
	uint16_t i = head;

	for (seen = 0;; seen++) {
		if (seen >= q->size)
			return (vq_break(q, "loop in descriptor chain"));
		d = vq_read_desc(&q->desc[i]);
		if ((d.flags & VRING_DESC_F_INDIRECT) != 0) {
			/* An indirect descriptor is the whole chain (2.7.5.3.1). */
			if (seen != 0)
				return (vq_break(q,
				    "indirect descriptor inside a chain"));
			return (vq_walk_indirect(q, c, &d));
		}
		if (vq_add_seg(q, c, &d) != 0)
			return (-1);
		if ((d.flags & VRING_DESC_F_NEXT) == 0)
			return (0);
		if (d.next >= q->size)
			return (vq_break(q, "next descriptor out of range"));
		i = d.next;
	}
}

int
vq_pop(struct vq *q, struct vq_chain *c)
{
	uint16_t idx, head;

	if (q->broken || q->desc == NULL)
		return (-1);
	idx = __atomic_load_n(&q->avail[1], __ATOMIC_ACQUIRE);
	if (idx == q->last_avail)
		return (0);
	if ((uint16_t)(idx - q->last_avail) > q->size)
		return (vq_break(q, "available index ran ahead of the ring"));
	head = q->avail[2 + (q->last_avail & (q->size - 1))];
	if (head >= q->size)
		return (vq_break(q, "chain head out of range"));
	c->head = head;
	c->nread = c->nwrite = 0;
	c->rlen = c->wlen = 0;
	if (vq_walk(q, c, head) != 0)
		return (-1);
	q->last_avail++;
	return (1);
}

void
vq_unpop(struct vq *q, uint16_t n)
{
	q->last_avail -= n;
}

void
vq_put(struct vq *q, uint16_t head, uint32_t len)
{
	volatile uint32_t *elem;

	if (q->used == NULL)
		return;
	elem = (volatile uint32_t *)&q->used[2] + 2 * (q->used_idx & (q->size - 1));
	elem[0] = head;
	elem[1] = len;
	q->used_idx++;
}

void
vq_publish(struct vq *q)
{
	if (q->used == NULL)
		return;
	/* The elements must be visible before the index that publishes them. */
	__atomic_store_n(&q->used[1], q->used_idx, __ATOMIC_RELEASE);
}

void
vq_push(struct vq *q, uint16_t head, uint32_t len)
{
	vq_put(q, head, len);
	vq_publish(q);
}

bool
vq_need_interrupt(struct vq *q)
{
	uint16_t ev, old;
	bool need;

	if (q->avail == NULL)
		return (false);
	/* Our used idx store must be ordered before the guest's event read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx)
		return ((q->avail[0] & VRING_AVAIL_F_NO_INTERRUPT) == 0);
	ev = q->avail[2 + q->size];
	old = q->signalled_used;
	need = !q->signalled_valid ||
	    (uint16_t)(q->used_idx - ev - 1) < (uint16_t)(q->used_idx - old);
	q->signalled_used = q->used_idx;
	q->signalled_valid = true;
	return (need);
}

bool
vq_enable_notify(struct vq *q)
{
	if (q->used == NULL || q->broken)
		return (false);
	if (q->event_idx)
		q->used[2 + 4 * q->size] = q->last_avail;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return (__atomic_load_n(&q->avail[1], __ATOMIC_ACQUIRE) !=
	    q->last_avail);
}

/* Walks the segments of one part from byte off, calling fn on each piece. */
static size_t
vq_chain_copy(const struct vq_chain *c, bool write, size_t off, void *buf,
    size_t len)
{
	int i, first = write ? c->nread : 0;
	int n = write ? c->nwrite : c->nread;
	size_t done = 0, k;
	const struct iovec *v;

	for (i = 0; i < n && done < len; i++) {
		v = &c->iov[first + i];
		if (off >= v->iov_len) {
			off -= v->iov_len;
			continue;
		}
		k = v->iov_len - off;
		if (k > len - done)
			k = len - done;
		if (write)
			memcpy((char *)v->iov_base + off, (char *)buf + done, k);
		else
			memcpy((char *)buf + done, (char *)v->iov_base + off, k);
		done += k;
		off = 0;
	}
	return (done);
}

size_t
vq_chain_read(const struct vq_chain *c, size_t off, void *dst, size_t len)
{
	return (vq_chain_copy(c, false, off, dst, len));
}

size_t
vq_chain_write(const struct vq_chain *c, size_t off, const void *src,
    size_t len)
{
	return (vq_chain_copy(c, true, off, (void *)(uintptr_t)src, len));
}

int
vq_chain_iov(const struct vq_chain *c, bool write, size_t off, size_t len,
    struct iovec *out, int max)
{
	int i, k = 0, first = write ? c->nread : 0;
	int n = write ? c->nwrite : c->nread;
	const struct iovec *v;
	size_t take;

	for (i = 0; i < n && len > 0 && k < max; i++) {
		v = &c->iov[first + i];
		if (off >= v->iov_len) {
			off -= v->iov_len;
			continue;
		}
		take = v->iov_len - off;
		if (take > len)
			take = len;
		out[k].iov_base = (char *)v->iov_base + off;
		out[k].iov_len = take;
		k++;
		len -= take;
		off = 0;
	}
	return (k);
}
