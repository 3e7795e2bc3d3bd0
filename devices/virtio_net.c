/*
 * virtio network device (virtio 1.2 section 5.1), bhyve's `virtio-net`
 * over a Linux tap (tuntap.rst): `-s 3,virtio-net,tap0[,mac=..][,mtu=..]`.
 *
 * The tap carries the 12-byte virtio_net_hdr in front of every frame
 * (IFF_VNET_HDR), so checksum and TSO offloads pass straight through in
 * both directions: bulk TCP moves 64 KiB segments, not 1500-byte frames.
 * Receive buffers are merged (VIRTIO_NET_F_MRG_RXBUF): a frame spreads
 * over as many guest chains as it needs, num_buffers says how many.
 *
 * Both queues are served on the event loop: transmit when the guest kicks
 * queue 1, receive when the tap is readable.  With no receive buffers the
 * tap is taken off the loop until the guest kicks queue 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "config/options.h"
#include "core/mevent.h"
#include "core/vm.h"
#include "devices/device.h"
#include "devices/pci.h"
#include "devices/virtio_pci.h"

/* Feature bits (5.1.3). */
#define NET_F_CSUM		0
#define NET_F_GUEST_CSUM	1
#define NET_F_MTU		3
#define NET_F_MAC		5
#define NET_F_GUEST_TSO4	7
#define NET_F_GUEST_TSO6	8
#define NET_F_HOST_TSO4		11
#define NET_F_HOST_TSO6		12
#define NET_F_MRG_RXBUF		15
#define NET_F_STATUS		16

#define NET_RXQ		0
#define NET_TXQ		1
#define NET_QSIZE	256
#define NET_HDR		12		/* virtio_net_hdr with num_buffers */
#define NET_FRAME_MAX	(NET_HDR + 65550)	/* a 64 KiB GSO frame */
#define NET_MAX_CHAINS	64		/* chains one received frame may use */

struct net_cfg {			/* struct virtio_net_config, 5.1.4 */
	uint8_t		mac[6];
	uint16_t	status;
	uint16_t	max_virtqueue_pairs;
	uint16_t	mtu;
} __attribute__((packed));

struct net {
	struct virtio_dev *vd;
	struct vm	*vm;
	int		tap;
	char		ifname[IFNAMSIZ];
	struct net_cfg	cfg;
	struct virtio_ops ops;
	/* Event loop thread only: */
	bool		offloads_set;
	bool		tap_polled;	/* the tap is on the event loop */
	uint8_t		*frame;		/* a received frame waiting for buffers */
	ssize_t		frame_len;	/* 0: none waiting */
	struct vq_chain	chain[3];	/* 0: a frame's first rx chain, 1: tx, 2: rx */
	/* The chains the waiting frame holds already, and its bytes in them. */
	uint16_t	nbuf;
	size_t		copied;
	uint16_t	heads[NET_MAX_CHAINS];
	uint32_t	lens[NET_MAX_CHAINS];
};

/* ---- offloads ------------------------------------------------------------ */

/* What the tap may hand us is what the guest said it takes. */
static void
net_set_offloads(struct net *n)
{
	unsigned int off = 0;

	if (virtio_negotiated(n->vd, NET_F_GUEST_CSUM)) {
		off |= TUN_F_CSUM;
		if (virtio_negotiated(n->vd, NET_F_GUEST_TSO4))
			off |= TUN_F_TSO4;
		if (virtio_negotiated(n->vd, NET_F_GUEST_TSO6))
			off |= TUN_F_TSO6;
	}
	if (ioctl(n->tap, TUNSETOFFLOAD, off) != 0)
		fprintf(stderr, "virtio-net: %s: offloads: %s\n", n->ifname,
		    strerror(errno));
	n->offloads_set = true;
}

/* ---- transmit -------------------------------------------------------------- */

static void
net_tx(struct net *n)
{
	struct virtio_queue *q = virtio_queue(n->vd, NET_TXQ);
	struct vq_chain *c = &n->chain[1];

	do {
		while (virtio_queue_pop(q, c) == 1) {
			/* Header and frame, as the tap wants them; drops are fine. */
			if (c->rlen > NET_HDR && c->nread > 0)
				(void)!writev(n->tap, c->iov, c->nread);
			virtio_queue_push(q, c->head, 0);
		}
	} while (virtio_queue_rearm(q));
}

/* ---- receive ------------------------------------------------------------------ */

static void on_tap(int fd, void *arg);

static void
net_poll_tap(struct net *n, bool on)
{
	if (on == n->tap_polled)
		return;
	if (on)
		n->tap_polled = mevent_add(n->vm, n->tap, on_tap, n) == 0;
	else {
		mevent_del(n->vm, n->tap);
		n->tap_polled = false;
	}
}

/*
 * The waiting frame is done with: its chains go back (LEN 0: dropped), all
 * in one publish: a driver that saw the first chain (and its num_buffers)
 * before the rest would drop the frame (5.1.6.4: used together).
 */
static void
net_frame_done(struct net *n, struct virtio_queue *q, bool dropped)
{
	if (dropped)
		memset(n->lens, 0, sizeof(n->lens[0]) * n->nbuf);
	else	/* num_buffers (5.1.6.4), in the first chain's header. */
		vq_chain_write(&n->chain[0], 10, &n->nbuf, 2);
	virtio_queue_push_n(q, n->heads, n->lens, n->nbuf);
	n->nbuf = 0;
	n->copied = 0;
}

/*
 * Spreads the waiting frame over guest chains.  Returns 1 when delivered
 * (or dropped), 0 when the guest has too few buffers now.  The chains
 * taken so far stay taken: had they gone back, the rearm would ask for a
 * kick at an index the guest has passed already (no kick would come) and
 * find them available again at once (a busy loop on the event thread).
 */
static int
net_deliver(struct net *n)
{
	struct virtio_queue *q = virtio_queue(n->vd, NET_RXQ);
	bool mrg = virtio_negotiated(n->vd, NET_F_MRG_RXBUF);
	struct vq_chain *c;
	size_t k, len = (size_t)n->frame_len;

	while (n->copied < len) {
		if (n->nbuf == NET_MAX_CHAINS || (!mrg && n->nbuf == 1)) {
			/* Larger than the buffers it may use: drop it. */
			net_frame_done(n, q, true);
			return (1);
		}
		c = &n->chain[n->nbuf == 0 ? 0 : 2];
		if (virtio_queue_pop(q, c) != 1)
			return (0);
		k = vq_chain_write(c, 0, n->frame + n->copied, len - n->copied);
		n->heads[n->nbuf] = c->head;
		n->lens[n->nbuf++] = (uint32_t)k;
		n->copied += k;
		if (n->nbuf == 1 && k < NET_HDR) {
			/* No room for the header: nothing sensible to give. */
			net_frame_done(n, q, true);
			return (1);
		}
	}
	net_frame_done(n, q, false);
	return (1);
}

/* Reads frames from the tap while the guest has buffers for them. */
static void
net_rx(struct net *n)
{
	struct virtio_queue *q = virtio_queue(n->vd, NET_RXQ);

	for (;;) {
		if (n->frame_len == 0) {
			n->frame_len = read(n->tap, n->frame, NET_FRAME_MAX);
			if (n->frame_len <= NET_HDR) {
				n->frame_len = 0;
				if (errno == EAGAIN || errno == EWOULDBLOCK ||
				    errno == EINTR)
					return;
				continue;	/* a runt: skip it */
			}
			/* The tap leaves num_buffers as 0; 1 unless merged. */
			n->frame[10] = 1;
			n->frame[11] = 0;
		}
		if (!net_deliver(n)) {
			/* Wait for the guest's kick on the receive queue. */
			net_poll_tap(n, false);
			if (!virtio_queue_rearm(q))
				return;
			/*
			 * Buffers came meanwhile: go on, and with the tap back
			 * on the loop.  Left off, it would wait for a kick the
			 * guest never sends: the index the rearm asked a kick
			 * at is behind the guest once these buffers are used.
			 */
			net_poll_tap(n, true);
			continue;
		}
		n->frame_len = 0;
	}
}

static void
on_tap(int fd, void *arg)
{
	struct net *n = arg;

	(void)fd;
	virtio_dev_enter(n->vd);
	if (!n->offloads_set)
		/* Reset: frames wait in the tap until the driver is back. */
		net_poll_tap(n, false);
	else
		net_rx(n);
	virtio_dev_leave(n->vd);
}

/* Event loop: the guest kicked a queue. */
static void
net_notify(void *arg, int qi)
{
	struct net *n = arg;

	if (!n->offloads_set) {
		net_set_offloads(n);
		net_poll_tap(n, true);
	}
	if (qi == NET_TXQ)
		net_tx(n);
	else {
		net_poll_tap(n, true);
		net_rx(n);
	}
}

/* Driver reset (a vCPU thread): forget the offloads and held chains. */
static void
net_reset(void *arg)
{
	struct net *n = arg;

	/* The event loop keeps off meanwhile (virtio_dev_enter). */
	n->offloads_set = false;
	n->nbuf = 0;		/* chains held for a waiting frame are void */
	n->copied = 0;
}

static void
net_cfg_read(void *arg, uint32_t off, void *buf, int size)
{
	struct net *n = arg;

	if (off + (uint32_t)size <= sizeof(n->cfg))
		memcpy(buf, (uint8_t *)&n->cfg + off, (size_t)size);
}

/* ---- set-up -------------------------------------------------------------------- */

static int
net_open_tap(struct net *n, const char *name)
{
	struct ifreq ifr;
	int hdr = NET_HDR;

	if (strncmp(name, "tap", 3) != 0 || strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "virtio-net: unsupported backend \"%s\" "
		    "(want tapN)\n", name);
		return (-1);
	}
	n->tap = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (n->tap < 0) {
		fprintf(stderr, "virtio-net: /dev/net/tun: %s\n",
		    strerror(errno));
		return (-1);
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(n->tap, TUNSETIFF, &ifr) != 0 ||
	    ioctl(n->tap, TUNSETVNETHDRSZ, &hdr) != 0) {
		fprintf(stderr, "virtio-net: cannot open tap %s: %s\n", name,
		    strerror(errno));
		return (-1);
	}
	snprintf(n->ifname, sizeof(n->ifname), "%s", ifr.ifr_name);
	return (0);
}

/* mac=: six hex octets; default, as bhyve, derived from VM name and slot. */
static int
net_mac(struct net *n, config_node_t *node, int slot)
{
	const char *s = get_config_value_node(node, "mac");
	unsigned int m[6];
	uint32_t h = 2166136261u;
	char key[96];
	int i, len = 0;

	if (s == NULL) {
		snprintf(key, sizeof(key), "%s-%d-0", n->vm->name != NULL ?
		    n->vm->name : "", slot);
		for (i = 0; key[i] != '\0'; i++)
			h = (h ^ (uint8_t)key[i]) * 16777619u;
		n->cfg.mac[0] = 0x58;		/* FreeBSD's OUI, as bhyve */
		n->cfg.mac[1] = 0x9c;
		n->cfg.mac[2] = 0xfc;
		n->cfg.mac[3] = (uint8_t)(h >> 16);
		n->cfg.mac[4] = (uint8_t)(h >> 8);
		n->cfg.mac[5] = (uint8_t)h;
		return (0);
	}
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &m[0], &m[1], &m[2], &m[3],
	    &m[4], &m[5], &len) != 6 || s[len] != '\0' || (m[0] & 1) != 0 ||
	    (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0) {
		fprintf(stderr, "Invalid MAC address \"%s\"\n", s);
		return (-1);
	}
	for (i = 0; i < 6; i++)
		n->cfg.mac[i] = (uint8_t)m[i];
	return (0);
}

static int
net_mtu(struct net *n, config_node_t *node, uint64_t *features)
{
	const char *s = get_config_value_node(node, "mtu");
	char *end;
	unsigned long v;

	if (s == NULL)
		return (0);
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 68 || v > 65535) {
		fprintf(stderr, "Invalid MTU \"%s\"\n", s);
		return (-1);
	}
	n->cfg.mtu = (uint16_t)v;
	*features |= 1ULL << NET_F_MTU;
	return (0);
}

/* bhyve: the first field is the backend unless it is a key=value. */
static int
net_legacy_config(config_node_t *node, const char *opts)
{
	const char *comma, *eq;
	char *be;
	int rc;

	if (opts == NULL)
		return (0);
	comma = strchr(opts, ',');
	eq = strchr(opts, '=');
	if (eq != NULL && (comma == NULL || eq < comma))
		return (pci_parse_legacy_config(node, opts));
	be = strndup(opts, comma ? (size_t)(comma - opts) : strlen(opts));
	if (be == NULL)
		return (-1);
	rc = set_config_value_node(node, "backend", be);
	free(be);
	if (rc != 0 || comma == NULL)
		return (rc);
	return (pci_parse_legacy_config(node, comma + 1));
}

static const struct virtio_ops net_ops_template = {
	.name = "virtio-net",
	.device_type = VIRTIO_ID_NET,
	.class = 0x02,
	.subclass = 0x00,
	.cfg_size = sizeof(struct net_cfg),
	.cfg_read = net_cfg_read,
	.notify = net_notify,
	.reset = net_reset,
	.features = (1ULL << NET_F_CSUM) | (1ULL << NET_F_GUEST_CSUM) |
	    (1ULL << NET_F_MAC) | (1ULL << NET_F_GUEST_TSO4) |
	    (1ULL << NET_F_GUEST_TSO6) | (1ULL << NET_F_HOST_TSO4) |
	    (1ULL << NET_F_HOST_TSO6) | (1ULL << NET_F_MRG_RXBUF) |
	    (1ULL << NET_F_STATUS),
};

static void
net_free(struct vm *vm, void *arg)
{
	struct net *n = arg;

	if (n->tap_polled)
		mevent_del(vm, n->tap);
	if (n->tap >= 0)
		close(n->tap);
	free(n->frame);
	free(n);
}

static int
net_init(struct vm *vm, config_node_t *node)
{
	const char *be = get_config_value_node(node, "backend");
	struct net *n;

	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    (n->frame = malloc(NET_FRAME_MAX)) == NULL) {
		free(n);
		fprintf(stderr, "virtio-net: out of memory\n");
		return (-1);
	}
	n->tap = -1;
	n->vm = vm;
	n->ops = net_ops_template;
	if (vm_at_destroy(vm, net_free, n) != 0) {
		net_free(vm, n);
		return (-1);
	}
	if (be == NULL) {
		fprintf(stderr, "virtio-net: no backend (want tapN)\n");
		return (-1);
	}
	if (net_mtu(n, node, &n->ops.features) != 0 ||
	    net_open_tap(n, be) != 0)
		return (-1);
	n->cfg.status = 1;		/* VIRTIO_NET_S_LINK_UP */
	n->cfg.max_virtqueue_pairs = 1;
	n->vd = virtio_pci_create(vm, node, &n->ops, n, 2, NET_QSIZE);
	if (n->vd == NULL) {
		fprintf(stderr, "virtio-net: cannot create the device\n");
		return (-1);
	}
	return (net_mac(n, node, virtio_pci_slot(n->vd)));
}

static const struct device_emu virtio_net = {
	.name = "virtio-net",
	.kind = DEV_PCI,
	.legacy_config = net_legacy_config,
	.init = net_init,
};
DEVICE_REGISTER(virtio_net);
