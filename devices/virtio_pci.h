/*
 * The virtio 1.x PCI transport (virtio 1.2 section 4.1, modern devices
 * only): what a virtio device (virtio_blk.c, virtio_rnd.c …) asks of it.
 *
 * A device describes itself with struct virtio_ops, gets its queues from
 * the transport, and is called back on the event loop's thread when the
 * guest kicks a queue.  It takes chains with virtio_queue_pop() and gives
 * them back with virtio_queue_push(), from any thread; the transport
 * decides about interrupts (event index, MSI-X or INTx).
 */
#ifndef KHYVE_DEVICES_VIRTIO_PCI_H
#define KHYVE_DEVICES_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "devices/virtio_ring.h"

struct vm;
struct virtio_dev;
struct virtio_queue;

/* Feature bits (virtio 1.2, section 6). */
#define VIRTIO_F_RING_INDIRECT_DESC	28
#define VIRTIO_F_RING_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32

#define VIRTIO_ID_NET		1
#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_CONSOLE	3
#define VIRTIO_ID_RNG		4

struct virtio_ops {
	const char	*name;
	uint16_t	device_type;	/* VIRTIO_ID_* */
	uint8_t		class, subclass;
	uint64_t	features;	/* the device's own bits */
	uint32_t	cfg_size;	/* device configuration bytes */
	/* Device configuration access, off + size <= cfg_size. */
	void	(*cfg_read)(void *arg, uint32_t off, void *buf, int size);
	void	(*cfg_write)(void *arg, uint32_t off, const void *buf,
		    int size);
	/* The guest kicked queue q (event loop thread, entered); may be NULL. */
	void	(*notify)(void *arg, int q);
	/*
	 * The driver reset the device (a vCPU thread; no notify or entered
	 * handler runs meanwhile): stop using the queues, then return.
	 */
	void	(*reset)(void *arg);
};

/*
 * A device's own event-loop handlers (a tap or a socket became readable)
 * run between virtio_dev_enter and virtio_dev_leave, as notify does: a
 * driver reset waits for them, so no chain popped before the reset is
 * written after it, into memory the driver has taken back.
 */
void virtio_dev_enter(struct virtio_dev *vd);
void virtio_dev_leave(struct virtio_dev *vd);

/* Creates the PCI function (slot from node) with nq queues of qsize. */
struct virtio_dev *virtio_pci_create(struct vm *vm, config_node_t *node,
    const struct virtio_ops *ops, void *arg, int nq, uint16_t qsize);

struct virtio_queue *virtio_queue(struct virtio_dev *vd, int q);
int virtio_num_queues(struct virtio_dev *vd);
bool virtio_negotiated(struct virtio_dev *vd, int bit);
struct vm *virtio_vm(struct virtio_dev *vd);
int virtio_pci_slot(struct virtio_dev *vd);

/*
 * Takes the next chain: 1, 0 when empty or the queue is not live, -1 when
 * the ring is broken (the device is then marked DEVICE_NEEDS_RESET).
 */
int virtio_queue_pop(struct virtio_queue *q, struct vq_chain *c);
/* Puts the last n popped chains back (not enough of them for a packet). */
void virtio_queue_unpop(struct virtio_queue *q, uint16_t n);
/* Returns a chain with len bytes written and interrupts if the guest wants. */
void virtio_queue_push(struct virtio_queue *q, uint16_t head, uint32_t len);
/* Returns n chains at once: the driver sees all of them used, or none. */
void virtio_queue_push_n(struct virtio_queue *q, const uint16_t *heads,
    const uint32_t *lens, uint16_t n);
/*
 * After draining: re-arms guest notifications; true if more arrived
 * meanwhile (pop again).
 */
bool virtio_queue_rearm(struct virtio_queue *q);

#endif
