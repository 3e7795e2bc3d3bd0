/*
 * The split virtqueue walker (virtio 1.x, section 2.7 "Split Virtqueues"),
 * pure over a guest-memory interface so that unit tests and the fuzzer can
 * hand it crafted rings in fake memory.  In the machine the interface is
 * vm_gpa(), the one checked guest-physical translation.
 *
 * Everything read from the rings is hostile: indices are checked against the
 * queue size, every buffer is translated with its length, chains are bounded
 * (VQ_MAX_SEGS segments, at most queue-size direct descriptors, one level of
 * indirection), so a loop ends as an error instead of a spin.  An error marks
 * the queue broken; the transport then sets DEVICE_NEEDS_RESET.
 *
 * Locking is the caller's: one queue is walked under its owner's lock.
 */
#ifndef KHYVE_DEVICES_VIRTIO_RING_H
#define KHYVE_DEVICES_VIRTIO_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define VQ_MAX_SIZE	32768		/* the spec's largest queue size */
#define VQ_MAX_SEGS	256		/* buffers per chain we accept */

#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_DESC_F_INDIRECT	4
#define VRING_AVAIL_F_NO_INTERRUPT 1

/* Guest memory: a host pointer for [gpa, gpa+len), or NULL if not all RAM. */
struct vq_mem {
	void	*(*gpa)(void *ctx, uint64_t gpa, uint64_t len);
	void	*ctx;
};

struct vring_desc {
	uint64_t	addr;
	uint32_t	len;
	uint16_t	flags;
	uint16_t	next;
};

struct vq {
	struct vq_mem	mem;
	uint16_t	size;		/* power of two */
	bool		event_idx;	/* VIRTIO_F_RING_EVENT_IDX negotiated */
	bool		indirect;	/* VIRTIO_F_RING_INDIRECT_DESC negotiated */
	bool		broken;
	const char	*why;		/* first reason it broke */

	volatile struct vring_desc *desc;
	volatile uint16_t *avail;	/* flags, idx, ring[size], used_event */
	volatile uint16_t *used;	/* flags, idx, then {id,len} pairs */

	uint16_t	last_avail;	/* next avail entry we will take */
	uint16_t	used_idx;	/* our copy of used->idx */
	uint16_t	signalled_used;	/* used idx at the last interrupt */
	bool		signalled_valid;
};

/* One popped chain: readable segments first, then writable ones. */
struct vq_chain {
	uint16_t	head;
	int		nread, nwrite;
	size_t		rlen, wlen;	/* bytes readable / writable */
	struct iovec	iov[VQ_MAX_SEGS];	/* [0,nread) read, then write */
};

/* Ring sizes in bytes for a queue of n entries (event fields included). */
size_t vq_desc_bytes(uint16_t n);
size_t vq_avail_bytes(uint16_t n);
size_t vq_used_bytes(uint16_t n);

/*
 * Sets the queue up on its three guest areas; -1 (queue broken) if the size
 * is not a power of two or an area is not RAM or misaligned.
 */
int vq_init(struct vq *q, const struct vq_mem *mem, uint16_t size,
    uint64_t desc, uint64_t avail, uint64_t used, bool event_idx,
    bool indirect);

/*
 * Takes the next available chain into *c.  Returns 1 with a chain, 0 when
 * the ring is empty, -1 when the ring or the chain is malformed (the queue
 * is then broken and stays so until re-initialised).
 */
int vq_pop(struct vq *q, struct vq_chain *c);

/* Puts the last n popped chains back, to be popped again (no buffers used). */
void vq_unpop(struct vq *q, uint16_t n);

/* Gives chain head back with len bytes written into its buffers. */
void vq_push(struct vq *q, uint16_t head, uint32_t len);

/*
 * vq_push in two steps, for chains the driver must see used together (a
 * received frame spread over merged buffers, 5.1.6.4): vq_put fills a used
 * element without publishing it, vq_publish makes every put one visible.
 */
void vq_put(struct vq *q, uint16_t head, uint32_t len);
void vq_publish(struct vq *q);

/*
 * After pushes: whether the guest wants an interrupt now (event index or
 * the NO_INTERRUPT flag).
 */
bool vq_need_interrupt(struct vq *q);

/*
 * Before sleeping: asks the guest for a notification on the next avail
 * entry (event index) and returns true if entries arrived meanwhile.
 */
bool vq_enable_notify(struct vq *q);

/* Chain byte streams: copy out of the readable part, into the writable part. */
size_t vq_chain_read(const struct vq_chain *c, size_t off, void *dst,
    size_t len);
size_t vq_chain_write(const struct vq_chain *c, size_t off, const void *src,
    size_t len);
/*
 * Sub-range [off, off+len) of the readable (write=false) or writable part
 * as an iovec array in out (at most max); returns the count.
 */
int vq_chain_iov(const struct vq_chain *c, bool write, size_t off, size_t len,
    struct iovec *out, int max);

#endif
