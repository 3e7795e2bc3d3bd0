/*
 * The split-ring walker (devices/virtio_ring.c) over fake guest memory:
 * well-formed chains, indirect tables, the used ring and event index, and
 * the hostile cases (loops, out-of-range indices, buffers outside RAM,
 * misordered buffers, nesting), plus random rings under the sanitizers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio_ring.h"
#include "tests/unit/t.h"

#define MEM_SIZE	(1 << 20)
#define DESC		0x1000
#define AVAIL		0x2000
#define USED		0x3000
#define QSZ		8

static uint8_t *mem;

static void *
fake_gpa(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa > MEM_SIZE || len > MEM_SIZE - gpa)
		return (NULL);
	return (mem + gpa);
}

static const struct vq_mem fmem = { fake_gpa, NULL };

static struct vring_desc *
desc(uint64_t table, int i)
{
	return ((struct vring_desc *)(mem + table) + i);
}

static void
set_desc(uint64_t table, int i, uint64_t addr, uint32_t len, uint16_t flags,
    uint16_t next)
{
	struct vring_desc *d = desc(table, i);

	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

static uint16_t *
avail16(int i)
{
	return ((uint16_t *)(mem + AVAIL) + i);
}

/* Offers chain head as avail entry number n (idx becomes n + 1). */
static void
offer(int n, uint16_t head)
{
	*avail16(2 + n % QSZ) = head;
	*avail16(1) = (uint16_t)(n + 1);
}

static void
fresh(struct vq *q, bool event_idx, bool indirect)
{
	memset(mem, 0, MEM_SIZE);
	T_CHECK(vq_init(q, &fmem, QSZ, DESC, AVAIL, USED, event_idx,
	    indirect) == 0);
}

static struct vq_chain c;

static void
t_simple_chain(void)
{
	struct vq q;

	fresh(&q, false, false);
	T_CHECK(vq_pop(&q, &c) == 0);
	set_desc(DESC, 0, 0x10000, 16, VRING_DESC_F_NEXT, 1);
	set_desc(DESC, 1, 0x20000, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	set_desc(DESC, 2, 0x30000, 1, VRING_DESC_F_WRITE, 0);
	offer(0, 0);
	T_CHECK(vq_pop(&q, &c) == 1);
	T_CHECK(c.head == 0 && c.nread == 1 && c.nwrite == 2);
	T_CHECK(c.rlen == 16 && c.wlen == 513);
	T_CHECK(c.iov[0].iov_base == mem + 0x10000);
	T_CHECK(c.iov[2].iov_base == mem + 0x30000);
	T_CHECK(vq_pop(&q, &c) == 0);
	vq_push(&q, c.head, 513);
	T_CHECK(*(uint16_t *)(mem + USED + 2) == 1);
	T_CHECK(*(uint32_t *)(mem + USED + 4) == 0);
	T_CHECK(*(uint32_t *)(mem + USED + 8) == 513);
}

static void
t_chain_streams(void)
{
	struct vq q;
	struct iovec iov[4];
	char buf[8];

	fresh(&q, false, false);
	memcpy(mem + 0x10000, "abc", 3);
	memcpy(mem + 0x10100, "defgh", 5);
	set_desc(DESC, 0, 0x10000, 3, VRING_DESC_F_NEXT, 1);
	set_desc(DESC, 1, 0x10100, 5, VRING_DESC_F_NEXT, 2);
	set_desc(DESC, 2, 0x20000, 4, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 3);
	set_desc(DESC, 3, 0x20100, 4, VRING_DESC_F_WRITE, 0);
	offer(0, 0);
	T_CHECK(vq_pop(&q, &c) == 1);
	T_CHECK(vq_chain_read(&c, 1, buf, 6) == 6 && memcmp(buf, "bcdefg", 6) == 0);
	T_CHECK(vq_chain_read(&c, 6, buf, 8) == 2);
	T_CHECK(vq_chain_write(&c, 2, "WXYZ", 4) == 4);
	T_CHECK(memcmp(mem + 0x20002, "WX", 2) == 0 &&
	    memcmp(mem + 0x20100, "YZ", 2) == 0);
	T_CHECK(vq_chain_write(&c, 7, "12", 2) == 1);
	T_CHECK(vq_chain_iov(&c, true, 3, 3, iov, 4) == 2);
	T_CHECK(iov[0].iov_len == 1 && iov[1].iov_len == 2);
	T_CHECK(vq_chain_iov(&c, false, 0, 100, iov, 1) == 1);
}

static void
expect_broken(struct vq *q, const char *what)
{
	T_CHECK(vq_pop(q, &c) == -1);
	T_CHECK(q->broken);
	T_CHECK(q->why != NULL && strstr(q->why, what) != NULL);
	/* Stays broken: no second walk of a bad ring. */
	T_CHECK(vq_pop(q, &c) == -1);
}

static void
t_loop(void)
{
	struct vq q;

	fresh(&q, false, false);
	set_desc(DESC, 0, 0x10000, 16, VRING_DESC_F_NEXT, 1);
	set_desc(DESC, 1, 0x10000, 16, VRING_DESC_F_NEXT, 0);
	offer(0, 0);
	expect_broken(&q, "loop");
	/* A self-loop too. */
	fresh(&q, false, false);
	set_desc(DESC, 3, 0x10000, 16, VRING_DESC_F_NEXT, 3);
	offer(0, 3);
	expect_broken(&q, "loop");
}

static void
t_out_of_range(void)
{
	struct vq q;

	fresh(&q, false, false);
	set_desc(DESC, 0, 0x10000, 16, VRING_DESC_F_NEXT, QSZ);
	offer(0, 0);
	expect_broken(&q, "out of range");

	fresh(&q, false, false);
	offer(0, QSZ + 3);
	expect_broken(&q, "head out of range");

	fresh(&q, false, false);
	*avail16(1) = QSZ + 1;		/* more entries than the ring holds */
	expect_broken(&q, "ran ahead");
}

static void
t_outside_ram(void)
{
	struct vq q;

	fresh(&q, false, false);
	set_desc(DESC, 0, MEM_SIZE - 8, 16, 0, 0);
	offer(0, 0);
	expect_broken(&q, "outside");

	fresh(&q, false, false);
	set_desc(DESC, 0, UINT64_MAX - 4, 16, 0, 0);	/* wraps */
	offer(0, 0);
	expect_broken(&q, "outside");

	fresh(&q, false, false);
	set_desc(DESC, 0, 0x10000, 0xffffffffu, VRING_DESC_F_WRITE, 0);
	offer(0, 0);
	expect_broken(&q, "outside");
}

static void
t_order(void)
{
	struct vq q;

	fresh(&q, false, false);
	set_desc(DESC, 0, 0x10000, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(DESC, 1, 0x20000, 16, 0, 0);
	offer(0, 0);
	expect_broken(&q, "readable descriptor after");
}

static void
t_indirect(void)
{
	struct vq q;
	const uint64_t tab = 0x40000;

	fresh(&q, false, true);
	set_desc(tab, 0, 0x10000, 16, VRING_DESC_F_NEXT, 1);
	set_desc(tab, 1, 0x20000, 4096, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	set_desc(tab, 2, 0x30000, 1, VRING_DESC_F_WRITE, 0);
	set_desc(DESC, 5, tab, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	offer(0, 5);
	T_CHECK(vq_pop(&q, &c) == 1);
	T_CHECK(c.head == 5 && c.nread == 1 && c.nwrite == 2 && c.wlen == 4097);

	/* Not negotiated. */
	fresh(&q, false, false);
	set_desc(tab, 0, 0x10000, 16, 0, 0);
	set_desc(DESC, 0, tab, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0, 0);
	expect_broken(&q, "not negotiated");

	/* Nested. */
	fresh(&q, false, true);
	set_desc(tab, 0, tab, 16, VRING_DESC_F_INDIRECT, 0);
	set_desc(DESC, 0, tab, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0, 0);
	expect_broken(&q, "nested");

	/* INDIRECT together with NEXT. */
	fresh(&q, false, true);
	set_desc(tab, 0, 0x10000, 16, 0, 0);
	set_desc(DESC, 0, tab, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	offer(0, 0);
	expect_broken(&q, "NEXT");

	/* A length that is no whole number of descriptors. */
	fresh(&q, false, true);
	set_desc(DESC, 0, tab, 20, VRING_DESC_F_INDIRECT, 0);
	offer(0, 0);
	expect_broken(&q, "length");

	/* A loop inside the table. */
	fresh(&q, false, true);
	set_desc(tab, 0, 0x10000, 16, VRING_DESC_F_NEXT, 1);
	set_desc(tab, 1, 0x10000, 16, VRING_DESC_F_NEXT, 0);
	set_desc(DESC, 0, tab, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0, 0);
	expect_broken(&q, "loop");

	/* An indirect descriptor in the middle of a chain. */
	fresh(&q, false, true);
	set_desc(tab, 0, 0x10000, 16, 0, 0);
	set_desc(DESC, 0, 0x10000, 16, VRING_DESC_F_NEXT, 1);
	set_desc(DESC, 1, tab, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0, 0);
	expect_broken(&q, "inside a chain");
}

static void
t_too_many_segments(void)
{
	static uint8_t big[1 << 16];
	struct vq q;
	uint8_t *save = mem;
	int i;

	/* A queue of 512 whose one chain has more than VQ_MAX_SEGS buffers. */
	memset(save, 0, MEM_SIZE);
	(void)big;
	T_CHECK(vq_init(&q, &fmem, 512, 0x80000, AVAIL, USED, false, false) == 0);
	for (i = 0; i < 400; i++)
		set_desc(0x80000, i, 0x10000, 1, VRING_DESC_F_NEXT,
		    (uint16_t)(i + 1));
	set_desc(0x80000, 400, 0x10000, 1, 0, 0);
	*(uint16_t *)(mem + AVAIL + 4) = 0;
	*(uint16_t *)(mem + AVAIL + 2) = 1;
	expect_broken(&q, "too long");
}

static void
t_init_checks(void)
{
	struct vq q;

	memset(mem, 0, MEM_SIZE);
	T_CHECK(vq_init(&q, &fmem, 6, DESC, AVAIL, USED, false, false) != 0);
	T_CHECK(vq_init(&q, &fmem, 0, DESC, AVAIL, USED, false, false) != 0);
	T_CHECK(vq_init(&q, &fmem, QSZ, DESC + 8, AVAIL, USED, false, false) != 0);
	T_CHECK(vq_init(&q, &fmem, QSZ, DESC, AVAIL, USED + 2, false, false) != 0);
	T_CHECK(vq_init(&q, &fmem, QSZ, MEM_SIZE - 16, AVAIL, USED, false,
	    false) != 0);
	T_CHECK(vq_pop(&q, &c) == -1);
	T_CHECK(vq_init(&q, &fmem, QSZ, DESC, AVAIL, USED, false, false) == 0);
}

static void
t_event_idx(void)
{
	struct vq q;
	int i;

	fresh(&q, true, false);
	for (i = 0; i < 4; i++)
		set_desc(DESC, i, 0x10000, 16, VRING_DESC_F_WRITE, 0);
	for (i = 0; i < 4; i++)
		offer(i, (uint16_t)i);
	/* used_event = 2: interrupt when used idx passes 2, not before. */
	*avail16(2 + QSZ) = 2;
	T_CHECK(vq_pop(&q, &c) == 1);
	vq_push(&q, c.head, 0);
	T_CHECK(vq_need_interrupt(&q));		/* first one always */
	T_CHECK(vq_pop(&q, &c) == 1);
	vq_push(&q, c.head, 0);
	T_CHECK(!vq_need_interrupt(&q));	/* used idx 2: not past 2 */
	T_CHECK(vq_pop(&q, &c) == 1);
	vq_push(&q, c.head, 0);
	T_CHECK(vq_need_interrupt(&q));		/* used idx 3 passes 2 */
	/* avail_event written for the driver. */
	T_CHECK(vq_pop(&q, &c) == 1);
	T_CHECK(!vq_enable_notify(&q));
	T_CHECK(*(uint16_t *)(mem + USED + 4 + 8 * QSZ) == 4);
	offer(4, 0);
	T_CHECK(vq_enable_notify(&q));

	/* vq_put fills used elements unseen; vq_publish shows them at once. */
	fresh(&q, true, false);
	for (i = 0; i < 2; i++)
		offer(i, (uint16_t)i);
	T_CHECK(vq_pop(&q, &c) == 1);
	vq_put(&q, c.head, 100);
	T_CHECK(vq_pop(&q, &c) == 1);
	vq_put(&q, c.head, 200);
	T_CHECK(*(uint16_t *)(mem + USED + 2) == 0);
	vq_publish(&q);
	T_CHECK(*(uint16_t *)(mem + USED + 2) == 2);
	T_CHECK(*(uint32_t *)(mem + USED + 4) == 0 &&
	    *(uint32_t *)(mem + USED + 8) == 100);
	T_CHECK(*(uint32_t *)(mem + USED + 12) == 1 &&
	    *(uint32_t *)(mem + USED + 16) == 200);

	/* Without event idx: NO_INTERRUPT in avail flags. */
	fresh(&q, false, false);
	*avail16(0) = VRING_AVAIL_F_NO_INTERRUPT;
	T_CHECK(!vq_need_interrupt(&q));
	*avail16(0) = 0;
	T_CHECK(vq_need_interrupt(&q));
}

/* Random ring contents: never a crash, every buffer inside fake RAM. */
static void
t_random_rings(void)
{
	struct vq q;
	unsigned seed = 12345;
	int round, i, k, rc;

	for (round = 0; round < 3000; round++) {
		memset(mem, 0, 0x50000);
		srand(seed + (unsigned)round);
		for (i = 0; i < 0x200; i++)
			mem[DESC + (size_t)(rand() % (0x4000))] = (uint8_t)rand();
		for (i = 0; i < QSZ * 4; i++) {
			struct vring_desc *d = desc(DESC, rand() % QSZ);

			d->addr = (uint64_t)(rand() % 0x50000);
			d->len = (uint32_t)(rand() % 0x200);
			d->flags = (uint16_t)(rand() & 7);
			d->next = (uint16_t)(rand() % (QSZ + 2));
		}
		set_desc(0x40000, rand() % 4, 0x41000, (uint32_t)(rand() % 80),
		    (uint16_t)(rand() & 7), (uint16_t)(rand() % 5));
		*avail16(1) = (uint16_t)(rand() % (QSZ + 3));
		T_CHECK(vq_init(&q, &fmem, QSZ, DESC, AVAIL, USED,
		    rand() & 1, rand() & 1) == 0);
		for (k = 0; k < 2 * QSZ; k++) {
			rc = vq_pop(&q, &c);
			if (rc != 1)
				break;
			for (i = 0; i < c.nread + c.nwrite; i++)
				T_CHECK((uint8_t *)c.iov[i].iov_base >= mem &&
				    (uint8_t *)c.iov[i].iov_base +
				    c.iov[i].iov_len <= mem + MEM_SIZE);
			vq_push(&q, c.head, (uint32_t)c.wlen);
		}
		T_CHECK(k <= QSZ + 2);
	}
}

int
main(void)
{
	mem = calloc(1, MEM_SIZE);
	T_RUN(t_simple_chain);
	T_RUN(t_chain_streams);
	T_RUN(t_loop);
	T_RUN(t_out_of_range);
	T_RUN(t_outside_ram);
	T_RUN(t_order);
	T_RUN(t_indirect);
	T_RUN(t_too_many_segments);
	T_RUN(t_init_checks);
	T_RUN(t_event_idx);
	T_RUN(t_random_rings);
	free(mem);
	return (T_DONE());
}
