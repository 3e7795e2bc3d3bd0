/*
 * virtio block device (virtio 1.2 section 5.2), bhyve's `virtio-blk` with
 * bhyve's block options (block_if.c): path, ro, nocache (O_DIRECT), direct
 * (O_SYNC), sectorsize=logical[/physical], nodelete, ser=.
 *
 * Requests: IN/OUT by preadv/pwritev, FLUSH by fdatasync, DISCARD and
 * WRITE_ZEROES by hole punching (zeroing when nodelete), GET_ID.  The event
 * loop pops chains when a queue is kicked and hands them to a small pool
 * of worker threads, so several requests are in flight and no vCPU waits
 * for the disk.  One queue per vCPU (VIRTIO_BLK_F_MQ).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/options.h"
#include "core/vm.h"
#include "devices/device.h"
#include "devices/virtio_pci.h"

/* Feature bits (5.2.3). */
#define BLK_F_SEG_MAX	2
#define BLK_F_RO	5
#define BLK_F_BLK_SIZE	6
#define BLK_F_FLUSH	9
#define BLK_F_TOPOLOGY	10
#define BLK_F_MQ	12
#define BLK_F_DISCARD	13
#define BLK_F_WRITE_ZEROES 14

/* Request types and statuses (5.2.6). */
#define T_IN		0
#define T_OUT		1
#define T_FLUSH		4
#define T_GET_ID	8
#define T_DISCARD	11
#define T_WRITE_ZEROES	13
#define S_OK		0
#define S_IOERR		1
#define S_UNSUPP	2

#define BLK_QSIZE	256
#define BLK_SEG_MAX	(VQ_MAX_SEGS - 2)	/* header and status take two */
#define BLK_WORKERS	4
#define BLK_MAX_QUEUES	16
#define BLK_ID_BYTES	20
#define BLK_MAX_RANGES	1	/* discard/write-zeroes segments per request */

struct blk_cfg {			/* struct virtio_blk_config, 5.2.4 */
	uint64_t	capacity;
	uint32_t	size_max, seg_max;
	uint16_t	cylinders;
	uint8_t		heads, sectors;
	uint32_t	blk_size;
	uint8_t		physical_block_exp, alignment_offset;
	uint16_t	min_io_size;
	uint32_t	opt_io_size;
	uint8_t		writeback, unused0;
	uint16_t	num_queues;
	uint32_t	max_discard_sectors, max_discard_seg;
	uint32_t	discard_sector_alignment;
	uint32_t	max_write_zeroes_sectors, max_write_zeroes_seg;
	uint8_t		write_zeroes_may_unmap, unused1[3];
} __attribute__((packed));

struct blk_job {
	struct blk_job	*next;
	struct virtio_queue *q;
	struct vq_chain	chain;
};

struct blk {
	struct virtio_dev *vd;
	int		fd;
	uint64_t	size;		/* bytes */
	bool		ro, nodelete;
	bool		direct_io;	/* nocache: O_DIRECT */
	char		ident[BLK_ID_BYTES];
	struct blk_cfg	cfg;
	struct virtio_ops ops;

	pthread_mutex_t	lock;		/* queue, free list, active, stop */
	pthread_cond_t	work, idle;
	struct blk_job	*head, *tail, *free;
	int		active;		/* jobs taken by workers */
	bool		stop;
	int		nworkers;
	pthread_t	workers[BLK_WORKERS];
};

/* ---- the requests ------------------------------------------------------- */

/* Is [sector*512, +len) inside the disk? */
static bool
blk_in_range(struct blk *b, uint64_t sector, uint64_t len)
{
	uint64_t off;

	if (sector > UINT64_MAX / 512)
		return (false);
	off = sector * 512;
	return (off <= b->size && len <= b->size - off);
}

/*
 * nocache (O_DIRECT) wants buffers aligned to the logical block; guest
 * buffers need not be.  Then the transfer goes through an aligned copy.
 */
static uint8_t
blk_rw_bounce(struct blk *b, const struct vq_chain *c, bool write, off_t off,
    size_t base, size_t len, uint32_t *written)
{
	void *buf;
	uint8_t st = S_OK;
	ssize_t r;

	if (posix_memalign(&buf, 4096, len == 0 ? 4096 : len) != 0)
		return (S_IOERR);
	if (write) {
		vq_chain_read(c, base, buf, len);
		r = pwrite(b->fd, buf, len, off);
	} else {
		r = pread(b->fd, buf, len, off);
		if (r == (ssize_t)len)
			vq_chain_write(c, 0, buf, len);
	}
	if (r != (ssize_t)len)
		st = S_IOERR;
	else if (!write)
		*written = (uint32_t)len;
	free(buf);
	return (st);
}

static uint8_t
blk_rw(struct blk *b, const struct vq_chain *c, bool write, uint64_t sector,
    uint32_t *written)
{
	struct iovec iov[VQ_MAX_SEGS];
	/* OUT: data follows the 16-byte header; IN: all but the status byte. */
	size_t base = write ? 16 : 0, len = write ? c->rlen - 16 : c->wlen - 1;
	size_t done = 0;
	off_t off = (off_t)(sector * 512);
	ssize_t r;
	int n;

	if (write && b->ro)
		return (S_IOERR);
	if (!blk_in_range(b, sector, len))
		return (S_IOERR);
	while (done < len) {
		/* A disk write reads the guest's buffers, and the reverse. */
		n = vq_chain_iov(c, !write, base + done, len - done, iov,
		    VQ_MAX_SEGS);
		r = write ? pwritev(b->fd, iov, n, off + (off_t)done) :
		    preadv(b->fd, iov, n, off + (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EINVAL && b->direct_io)
			return (blk_rw_bounce(b, c, write, off, base, len,
			    written));
		if (r <= 0)
			return (S_IOERR);
		done += (size_t)r;
	}
	if (!write)
		*written = (uint32_t)len;
	return (S_OK);
}

/* DISCARD and WRITE_ZEROES: one range (5.2.6.2), punched or zeroed. */
static uint8_t
blk_zero(struct blk *b, const struct vq_chain *c, bool discard)
{
	struct { uint64_t sector; uint32_t num, flags; } seg;
	int mode;

	if (b->ro)
		return (S_IOERR);
	if (c->rlen != 16 + sizeof(seg) ||
	    vq_chain_read(c, 16, &seg, sizeof(seg)) != sizeof(seg))
		return (S_UNSUPP);
	if (!blk_in_range(b, seg.sector, (uint64_t)seg.num * 512))
		return (S_IOERR);
	if (discard && b->nodelete)
		return (S_UNSUPP);
	mode = b->nodelete ? FALLOC_FL_ZERO_RANGE :
	    FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	if (fallocate(b->fd, mode, (off_t)(seg.sector * 512),
	    (off_t)seg.num * 512) != 0)
		return (discard ? S_OK : S_IOERR);
	return (S_OK);
}

static uint8_t
blk_request(struct blk *b, const struct vq_chain *c, uint32_t *written)
{
	struct { uint32_t type, ioprio; uint64_t sector; } h;

	*written = 0;
	if (vq_chain_read(c, 0, &h, sizeof(h)) != sizeof(h))
		return (S_IOERR);
	switch (h.type) {
	case T_IN:
		return (blk_rw(b, c, false, h.sector, written));
	case T_OUT:
		return (blk_rw(b, c, true, h.sector, written));
	case T_FLUSH:
		return (fdatasync(b->fd) == 0 ? S_OK : S_IOERR);
	case T_GET_ID:
		*written = (uint32_t)vq_chain_write(c, 0, b->ident,
		    c->wlen - 1 < BLK_ID_BYTES ? c->wlen - 1 : BLK_ID_BYTES);
		return (S_OK);
	case T_DISCARD:
	case T_WRITE_ZEROES:
		return (blk_zero(b, c, h.type == T_DISCARD));
	default:
		return (S_UNSUPP);
	}
}

static void
blk_complete(struct blk *b, struct blk_job *j)
{
	const struct vq_chain *c = &j->chain;
	uint32_t written = 0;
	uint8_t st;

	/* 5.2.6: at least a header to read and a status byte to write. */
	if (c->rlen < 16 || c->wlen < 1)
		st = S_IOERR;
	else
		st = blk_request(b, c, &written);
	if (c->wlen >= 1)
		vq_chain_write(c, c->wlen - 1, &st, 1);
	virtio_queue_push(j->q, c->head, written + (c->wlen >= 1));
}

/* ---- the worker pool -------------------------------------------------------- */

static void *
blk_worker(void *arg)
{
	struct blk *b = arg;
	struct blk_job *j;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (b->head == NULL && !b->stop)
			pthread_cond_wait(&b->work, &b->lock);
		if (b->stop)
			break;
		j = b->head;
		if ((b->head = j->next) == NULL)
			b->tail = NULL;
		b->active++;
		pthread_mutex_unlock(&b->lock);
		blk_complete(b, j);
		pthread_mutex_lock(&b->lock);
		j->next = b->free;
		b->free = j;
		if (--b->active == 0 && b->head == NULL)
			pthread_cond_broadcast(&b->idle);
	}
	pthread_mutex_unlock(&b->lock);
	return (NULL);
}

static struct blk_job *
blk_job_get(struct blk *b)
{
	struct blk_job *j;

	pthread_mutex_lock(&b->lock);
	if ((j = b->free) != NULL)
		b->free = j->next;
	pthread_mutex_unlock(&b->lock);
	return (j != NULL ? j : malloc(sizeof(*j)));
}

static void
blk_job_queue(struct blk *b, struct blk_job *j)
{
	pthread_mutex_lock(&b->lock);
	j->next = NULL;
	if (b->tail != NULL)
		b->tail->next = j;
	else
		b->head = j;
	b->tail = j;
	pthread_cond_signal(&b->work);
	pthread_mutex_unlock(&b->lock);
}

/* Event loop: the guest kicked queue qi. */
static void
blk_notify(void *arg, int qi)
{
	struct blk *b = arg;
	struct virtio_queue *q = virtio_queue(b->vd, qi);
	struct blk_job *j;

	do {
		for (;;) {
			if ((j = blk_job_get(b)) == NULL)
				return;		/* retried at the next kick */
			if (virtio_queue_pop(q, &j->chain) != 1) {
				pthread_mutex_lock(&b->lock);
				j->next = b->free;
				b->free = j;
				pthread_mutex_unlock(&b->lock);
				break;
			}
			j->q = q;
			blk_job_queue(b, j);
		}
	} while (virtio_queue_rearm(q));
}

/* Driver reset: drop what is queued, wait for what is running. */
static void
blk_reset(void *arg)
{
	struct blk *b = arg;
	struct blk_job *j;

	pthread_mutex_lock(&b->lock);
	while ((j = b->head) != NULL) {
		b->head = j->next;
		j->next = b->free;
		b->free = j;
	}
	b->tail = NULL;
	while (b->active > 0)
		pthread_cond_wait(&b->idle, &b->lock);
	pthread_mutex_unlock(&b->lock);
}

static void
blk_cfg_read(void *arg, uint32_t off, void *buf, int size)
{
	struct blk *b = arg;

	memcpy(buf, (uint8_t *)&b->cfg + off, (size_t)size);
}

static void
blk_free(struct vm *vm, void *arg)
{
	struct blk *b = arg;
	struct blk_job *j;
	int i;

	(void)vm;
	pthread_mutex_lock(&b->lock);
	b->stop = true;
	pthread_cond_broadcast(&b->work);
	pthread_mutex_unlock(&b->lock);
	for (i = 0; i < b->nworkers; i++)
		pthread_join(b->workers[i], NULL);
	while ((j = b->head) != NULL) {
		b->head = j->next;
		free(j);
	}
	while ((j = b->free) != NULL) {
		b->free = j->next;
		free(j);
	}
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}

/* ---- configuration -------------------------------------------------------- */

/* bhyve: the first field is the path unless it is a key=value. */
static int
blk_legacy_config(config_node_t *node, const char *opts)
{
	const char *comma;
	char *path;
	int rc;

	if (opts == NULL)
		return (0);
	comma = strchr(opts, ',');
	if (strchr(opts, '=') != NULL &&
	    (comma == NULL || strchr(opts, '=') < comma))
		return (pci_parse_legacy_config(node, opts));
	path = strndup(opts, comma ? (size_t)(comma - opts) : strlen(opts));
	if (path == NULL)
		return (-1);
	rc = set_config_value_node(node, "path", path);
	free(path);
	if (rc != 0 || comma == NULL)
		return (rc);
	return (pci_parse_legacy_config(node, comma + 1));
}

static int
log2u(uint64_t v)
{
	int n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return (n);
}

/* sectorsize=logical[/physical]: powers of two, 512 to 32 KiB (bhyve). */
static int
blk_sectorsize(struct blk *b, const char *s)
{
	unsigned long l, p;
	char *end;

	l = strtoul(s, &end, 10);
	p = l;
	if (*end == '/')
		p = strtoul(end + 1, &end, 10);
	if (*end != '\0' || l < 512 || l > 32768 || (l & (l - 1)) != 0 ||
	    p < l || p > 32768 || (p & (p - 1)) != 0) {
		fprintf(stderr, "Invalid sector size \"%s\"\n", s);
		return (-1);
	}
	b->cfg.blk_size = (uint32_t)l;
	b->cfg.physical_block_exp = (uint8_t)log2u(p / l);
	return (0);
}

static int
blk_open(struct blk *b, config_node_t *node)
{
	const char *path = get_config_value_node(node, "path");
	int flags = O_CLOEXEC;
	struct stat st;

	if (path == NULL) {
		fprintf(stderr, "virtio-blk: no backing file (path)\n");
		return (-1);
	}
	b->ro = get_config_bool_node_default(node, "ro", false);
	b->nodelete = get_config_bool_node_default(node, "nodelete", false);
	flags |= b->ro ? O_RDONLY : O_RDWR;
	b->direct_io = get_config_bool_node_default(node, "nocache", false);
	if (b->direct_io)
		flags |= O_DIRECT;
	if (get_config_bool_node_default(node, "direct", false))
		flags |= O_SYNC;
	b->fd = open(path, flags);
	if (b->fd < 0 && !b->ro && (errno == EROFS || errno == EACCES)) {
		/* bhyve: a read-only image is opened read-only. */
		b->fd = open(path, (flags & ~O_RDWR) | O_RDONLY);
		b->ro = b->fd >= 0;
	}
	if (b->fd < 0 || fstat(b->fd, &st) != 0) {
		fprintf(stderr, "Could not open backing file: %s: %s\n", path,
		    strerror(errno));
		return (-1);
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(b->fd, BLKGETSIZE64, &b->size) != 0) {
			fprintf(stderr, "%s: cannot read the size: %s\n", path,
			    strerror(errno));
			return (-1);
		}
	} else if (S_ISREG(st.st_mode))
		b->size = (uint64_t)st.st_size;
	else {
		fprintf(stderr, "%s: not a file or a block device\n", path);
		return (-1);
	}
	return (0);
}

/* The serial number: ser= or, as bhyve, derived from the path. */
static void
blk_ident(struct blk *b, config_node_t *node)
{
	const char *ser = get_config_value_node(node, "ser");
	const char *p = get_config_value_node(node, "path");
	uint32_t h = 2166136261u;

	if (ser != NULL) {
		/* 20 bytes, not NUL-terminated when the serial fills them. */
		memcpy(b->ident, ser, strnlen(ser, BLK_ID_BYTES));
		return;
	}
	for (; p != NULL && *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	snprintf(b->ident, BLK_ID_BYTES, "KHYVE-%04X-%04X", h >> 16,
	    h & 0xffff);
}

static void
blk_fill_cfg(struct blk *b, int nq)
{
	struct blk_cfg *c = &b->cfg;

	c->capacity = b->size / 512;
	c->seg_max = BLK_SEG_MAX;
	c->size_max = 1U << 30;
	c->cylinders = 0;
	c->num_queues = (uint16_t)nq;
	c->max_discard_sectors = c->max_write_zeroes_sectors = 1U << 22;
	c->max_discard_seg = c->max_write_zeroes_seg = BLK_MAX_RANGES;
	c->discard_sector_alignment = c->blk_size / 512;
	c->write_zeroes_may_unmap = !b->nodelete;
}

static const struct virtio_ops blk_ops_template = {
	.name = "virtio-blk",
	.device_type = VIRTIO_ID_BLOCK,
	.class = 0x01,
	.subclass = 0x00,
	.cfg_size = sizeof(struct blk_cfg),
	.cfg_read = blk_cfg_read,
	.notify = blk_notify,
	.reset = blk_reset,
};

static uint64_t
blk_features(const struct blk *b, int nq)
{
	uint64_t f = (1ULL << BLK_F_SEG_MAX) | (1ULL << BLK_F_BLK_SIZE) |
	    (1ULL << BLK_F_FLUSH) | (1ULL << BLK_F_TOPOLOGY) |
	    (1ULL << BLK_F_WRITE_ZEROES);

	if (b->ro)
		f = (f | (1ULL << BLK_F_RO)) & ~(1ULL << BLK_F_WRITE_ZEROES);
	else if (!b->nodelete)
		f |= 1ULL << BLK_F_DISCARD;
	if (nq > 1)
		f |= 1ULL << BLK_F_MQ;
	return (f);
}

static int
blk_start_workers(struct blk *b)
{
	for (b->nworkers = 0; b->nworkers < BLK_WORKERS; b->nworkers++)
		if (pthread_create(&b->workers[b->nworkers], NULL, blk_worker,
		    b) != 0) {
			fprintf(stderr, "virtio-blk: cannot start a worker\n");
			return (-1);
		}
	return (0);
}

static int
blk_init(struct vm *vm, config_node_t *node)
{
	const char *ss;
	struct blk *b;
	int nq;

	if ((b = calloc(1, sizeof(*b))) == NULL) {
		fprintf(stderr, "virtio-blk: out of memory\n");
		return (-1);
	}
	b->fd = -1;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->work, NULL);
	pthread_cond_init(&b->idle, NULL);
	b->cfg.blk_size = 512;
	ss = get_config_value_node(node, "sectorsize");
	if (blk_open(b, node) != 0 || (ss != NULL && blk_sectorsize(b, ss) != 0)) {
		blk_free(vm, b);
		return (-1);
	}
	blk_ident(b, node);
	nq = vm->ncpus > BLK_MAX_QUEUES ? BLK_MAX_QUEUES :
	    (vm->ncpus < 1 ? 1 : vm->ncpus);
	blk_fill_cfg(b, nq);
	/* Per device: the offered features depend on ro/nodelete. */
	b->ops = blk_ops_template;
	b->ops.features = blk_features(b, nq);
	b->vd = virtio_pci_create(vm, node, &b->ops, b, nq, BLK_QSIZE);
	/* Registered after the transport's: runs first, stops the workers. */
	if (b->vd == NULL || vm_at_destroy(vm, blk_free, b) != 0) {
		fprintf(stderr, "virtio-blk: cannot create the device\n");
		blk_free(vm, b);
		return (-1);
	}
	return (blk_start_workers(b));
}

static const struct device_emu virtio_blk = {
	.name = "virtio-blk",
	.kind = DEV_PCI,
	.legacy_config = blk_legacy_config,
	.init = blk_init,
};
DEVICE_REGISTER(virtio_blk);
