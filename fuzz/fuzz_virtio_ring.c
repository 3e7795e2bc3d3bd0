/*
 * libFuzzer target for the split-ring walker (devices/virtio_ring.c): the
 * input is guest memory holding a descriptor table, an avail ring and
 * buffers; the walker pops and pushes until the ring is empty or broken.
 * ASan/UBSan watch every access; each buffer handed out must lie in the
 * fake RAM.  Built and run by `make fuzz` (clang).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio_ring.h"

#define MEM_SIZE	0x8000
#define DESC		0x0000		/* up to 16 descriptors: 256 bytes */
#define AVAIL		0x0100
#define USED		0x0200

static uint8_t mem[MEM_SIZE];

static void *
fake_gpa(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa > MEM_SIZE || len > MEM_SIZE - gpa)
		return (NULL);
	return (mem + gpa);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vq_chain c;
	struct vq_mem m = { fake_gpa, NULL };
	struct vq q;
	uint16_t qsz;
	int i, k;

	if (size < 2)
		return (0);
	/* First byte: queue size (1..16) and feature bits; then memory. */
	qsz = (uint16_t)(1u << (data[0] % 5));
	memset(mem, 0, sizeof(mem));
	memcpy(mem, data + 2, size - 2 < MEM_SIZE ? size - 2 : MEM_SIZE);
	if (vq_init(&q, &m, qsz, DESC, AVAIL, USED, data[1] & 1,
	    (data[1] & 2) != 0) != 0)
		return (0);
	for (k = 0; k < 4 * qsz + 4; k++) {
		if (vq_pop(&q, &c) != 1)
			break;
		for (i = 0; i < c.nread + c.nwrite; i++)
			if ((uint8_t *)c.iov[i].iov_base < mem ||
			    (uint8_t *)c.iov[i].iov_base + c.iov[i].iov_len >
			    mem + MEM_SIZE)
				abort();
		vq_chain_write(&c, 0, data, size < c.wlen ? size : c.wlen);
		vq_push(&q, c.head, (uint32_t)c.wlen);
		(void)vq_need_interrupt(&q);
	}
	/* More than the ring holds without a refill would be a runaway walk. */
	if (k > qsz + 1 && !q.broken)
		abort();
	(void)vq_enable_notify(&q);
	return (0);
}
