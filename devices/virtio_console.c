/*
 * virtio console (virtio 1.2 section 5.3) with named ports backed by UNIX
 * sockets, as bhyve's `virtio-console`: `-s 5,virtio-console,NAME=PATH,...`
 * gives port NAME (port.NAME.path=PATH); khyve listens on PATH and the
 * first client that connects is the host end of the port.
 *
 * VIRTIO_CONSOLE_F_MULTIPORT: queues 0/1 are port 0's receive/transmit,
 * 2/3 the control queues, then two per further port (5.3.2).  The control
 * protocol (5.3.6.2): the driver says DEVICE_READY, we add every port,
 * it answers PORT_READY, we name the port and say whether the host end is
 * open; PORT_OPEN from the driver tells us the guest's end.
 *
 * Everything runs on the event loop: queue kicks, the listening sockets,
 * the clients.  Guest data for a port with no client is dropped, as on a
 * serial line nobody listens to.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/mevent.h"
#include "core/vm.h"
#include "devices/device.h"
#include "devices/virtio_pci.h"

#define CON_F_MULTIPORT		1
#define CON_MAX_PORTS		16
#define CON_QSIZE		64
#define CON_CTRL_RX		2
#define CON_CTRL_TX		3
#define CON_PENDING		64	/* control messages waiting for buffers */

/* Control events (5.3.6.2). */
#define EV_DEVICE_READY		0
#define EV_DEVICE_ADD		1
#define EV_PORT_READY		3
#define EV_PORT_OPEN		6
#define EV_PORT_NAME		7

struct con_ctrl {
	uint32_t	id;
	uint16_t	event, value;
} __attribute__((packed));

struct con_port {
	struct con	*con;
	int		id;
	char		*name;
	char		*path;
	int		listen_fd, client_fd;
	bool		client_polled;
	bool		ready;		/* the driver said PORT_READY */
};

struct con_msg {
	struct con_ctrl	c;
	int		port;		/* name follows when event is PORT_NAME */
};

struct con {
	struct virtio_dev *vd;
	struct vm	*vm;
	int		nports;
	struct con_port	port[CON_MAX_PORTS];
	struct con_msg	pending[CON_PENDING];
	int		npending;
	struct vq_chain	chain;
	uint8_t		buf[4096];
	struct {
		uint16_t	cols, rows;
		uint32_t	max_nr_ports, emerg_wr;
	} __attribute__((packed)) cfg;
};

static int rxq(int port) { return (port == 0 ? 0 : 2 * port + 2); }
static int txq(int port) { return (port == 0 ? 1 : 2 * port + 3); }

/* ---- control messages to the driver ----------------------------------- */

static void
con_ctrl_flush(struct con *c)
{
	struct virtio_queue *q = virtio_queue(c->vd, CON_CTRL_RX);
	struct con_msg *m;
	size_t n;
	int i = 0;

	while (i < c->npending && virtio_queue_pop(q, &c->chain) == 1) {
		m = &c->pending[i++];
		n = vq_chain_write(&c->chain, 0, &m->c, sizeof(m->c));
		if (m->c.event == EV_PORT_NAME)
			n += vq_chain_write(&c->chain, n, c->port[m->port].name,
			    strlen(c->port[m->port].name));
		virtio_queue_push(q, c->chain.head, (uint32_t)n);
	}
	memmove(c->pending, c->pending + i,
	    (size_t)(c->npending - i) * sizeof(c->pending[0]));
	c->npending -= i;
}

static void
con_ctrl_send(struct con *c, int port, uint16_t event, uint16_t value)
{
	struct con_msg *m;

	if (c->npending == CON_PENDING)
		return;		/* a driver that takes none: drop */
	m = &c->pending[c->npending++];
	m->c.id = (uint32_t)port;
	m->c.event = event;
	m->c.value = value;
	m->port = port;
	con_ctrl_flush(c);
}

/* ---- data --------------------------------------------------------------- */

static void on_client(int fd, void *arg);

static void
con_poll_client(struct con_port *p, bool on)
{
	if (p->client_fd < 0 || on == p->client_polled)
		return;
	if (on)
		p->client_polled = mevent_add(p->con->vm, p->client_fd,
		    on_client, p) == 0;
	else {
		mevent_del(p->con->vm, p->client_fd);
		p->client_polled = false;
	}
}

static void
con_drop_client(struct con_port *p)
{
	con_poll_client(p, false);
	close(p->client_fd);
	p->client_fd = -1;
	if (p->ready)
		con_ctrl_send(p->con, p->id, EV_PORT_OPEN, 0);
}

/* Host → guest: as much as the port's receive buffers take. */
static void
con_rx(struct con_port *p)
{
	struct con *c = p->con;
	struct virtio_queue *q = virtio_queue(c->vd, rxq(p->id));
	ssize_t n;

	while (p->client_fd >= 0) {
		if (virtio_queue_pop(q, &c->chain) != 1) {
			/* No buffers: wait for the guest's kick. */
			con_poll_client(p, false);
			if (virtio_queue_rearm(q))
				continue;
			return;
		}
		n = c->chain.wlen < sizeof(c->buf) ? (ssize_t)c->chain.wlen :
		    (ssize_t)sizeof(c->buf);
		n = read(p->client_fd, c->buf, (size_t)n);
		if (n <= 0) {
			virtio_queue_unpop(q, 1);
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				con_drop_client(p);
			return;
		}
		vq_chain_write(&c->chain, 0, c->buf, (size_t)n);
		virtio_queue_push(q, c->chain.head, (uint32_t)n);
	}
}

/* Guest → host. */
static void
con_tx(struct con_port *p)
{
	struct con *c = p->con;
	struct virtio_queue *q = virtio_queue(c->vd, txq(p->id));

	do {
		while (virtio_queue_pop(q, &c->chain) == 1) {
			if (p->client_fd >= 0 && c->chain.nread > 0)
				(void)!writev(p->client_fd, c->chain.iov,
				    c->chain.nread);
			virtio_queue_push(q, c->chain.head, 0);
		}
	} while (virtio_queue_rearm(q));
}

static void
on_client(int fd, void *arg)
{
	struct con_port *p = arg;

	(void)fd;
	virtio_dev_enter(p->con->vd);
	con_rx(p);
	virtio_dev_leave(p->con->vd);
}

static void
on_listen(int fd, void *arg)
{
	struct con_port *p = arg;
	int s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (s < 0)
		return;
	if (p->client_fd >= 0) {
		close(s);	/* one host end at a time */
		return;
	}
	virtio_dev_enter(p->con->vd);
	p->client_fd = s;
	con_poll_client(p, true);
	if (p->ready)
		con_ctrl_send(p->con, p->id, EV_PORT_OPEN, 1);
	virtio_dev_leave(p->con->vd);
}

/* ---- the driver's control messages ------------------------------------ */

static void
con_ctrl_event(struct con *c, const struct con_ctrl *m)
{
	struct con_port *p;
	int i;

	switch (m->event) {
	case EV_DEVICE_READY:
		for (i = 0; i < c->nports; i++)
			con_ctrl_send(c, i, EV_DEVICE_ADD, 0);
		break;
	case EV_PORT_READY:
		if (m->id >= (uint32_t)c->nports || m->value != 1)
			break;
		p = &c->port[m->id];
		p->ready = true;
		con_ctrl_send(c, p->id, EV_PORT_NAME, 1);
		if (p->client_fd >= 0)
			con_ctrl_send(c, p->id, EV_PORT_OPEN, 1);
		break;
	default:
		break;	/* PORT_OPEN from the guest: nothing to do */
	}
}

static void
con_ctrl_tx(struct con *c)
{
	struct virtio_queue *q = virtio_queue(c->vd, CON_CTRL_TX);
	struct con_ctrl m;

	do {
		while (virtio_queue_pop(q, &c->chain) == 1) {
			if (vq_chain_read(&c->chain, 0, &m, sizeof(m)) ==
			    sizeof(m))
				con_ctrl_event(c, &m);
			virtio_queue_push(q, c->chain.head, 0);
		}
	} while (virtio_queue_rearm(q));
}

static void
con_notify(void *arg, int qi)
{
	struct con *c = arg;
	int port = qi < 2 ? 0 : (qi - 2) / 2;

	if (qi == CON_CTRL_RX)
		con_ctrl_flush(c);
	else if (qi == CON_CTRL_TX)
		con_ctrl_tx(c);
	else if (port < c->nports && qi == txq(port))
		con_tx(&c->port[port]);
	else if (port < c->nports) {
		con_poll_client(&c->port[port], true);
		con_rx(&c->port[port]);
	}
}

static void
con_reset(void *arg)
{
	struct con *c = arg;
	int i;

	/* A vCPU thread, while the event loop keeps off (virtio_dev_enter). */
	for (i = 0; i < c->nports; i++)
		c->port[i].ready = false;
	c->npending = 0;
}

static void
con_cfg_read(void *arg, uint32_t off, void *buf, int size)
{
	struct con *c = arg;

	if (off + (uint32_t)size <= sizeof(c->cfg))
		memcpy(buf, (uint8_t *)&c->cfg + off, (size_t)size);
}

/* ---- set-up ------------------------------------------------------------- */

static int
con_listen(struct con_port *p)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(p->path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "virtio-console: socket path too long: %s\n",
		    p->path);
		return (-1);
	}
	strcpy(sa.sun_path, p->path);
	unlink(p->path);
	p->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (p->listen_fd < 0 ||
	    bind(p->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(p->listen_fd, 1) != 0 ||
	    mevent_add(p->con->vm, p->listen_fd, on_listen, p) != 0) {
		fprintf(stderr, "virtio-console: cannot listen on %s: %s\n",
		    p->path, strerror(errno));
		return (-1);
	}
	return (0);
}

static int
con_add_port(const char *name, config_node_t *child, bool is_node,
    const char *value, void *arg)
{
	struct con *c = arg;
	struct con_port *p;
	const char *path;

	(void)value;
	if (!is_node)
		return (0);
	path = get_config_value_node(child, "path");
	if (path == NULL) {
		fprintf(stderr, "virtio-console: port %s has no path\n", name);
		return (-1);
	}
	if (c->nports == CON_MAX_PORTS) {
		fprintf(stderr, "virtio-console: more than %d ports\n",
		    CON_MAX_PORTS);
		return (-1);
	}
	p = &c->port[c->nports];
	p->con = c;
	p->id = c->nports++;
	p->name = strdup(name);
	p->path = strdup(path);
	if (p->name == NULL || p->path == NULL)
		return (-1);
	return (con_listen(p));
}

/* bhyve: "name=path,..." → port.NAME.path=PATH. */
static int
con_legacy_config(config_node_t *node, const char *opts)
{
	char *s, *tofree, *tok, *eq, key[128];
	int rc = 0;

	if (opts == NULL)
		return (0);
	if ((tofree = s = strdup(opts)) == NULL)
		return (-1);
	while (rc == 0 && (tok = strsep(&s, ",")) != NULL) {
		if (*tok == '\0')
			continue;
		if ((eq = strchr(tok, '=')) == NULL || eq == tok) {
			rc = -1;
			break;
		}
		*eq = '\0';
		snprintf(key, sizeof(key), "port.%s.path", tok);
		rc = set_config_value_node(node, key, eq + 1);
	}
	free(tofree);
	return (rc);
}

static const struct virtio_ops con_ops = {
	.name = "virtio-console",
	.device_type = VIRTIO_ID_CONSOLE,
	.class = 0x07,
	.subclass = 0x80,
	.features = 1ULL << CON_F_MULTIPORT,
	.cfg_size = 12,
	.cfg_read = con_cfg_read,
	.notify = con_notify,
	.reset = con_reset,
};

static void
con_free(struct vm *vm, void *arg)
{
	struct con *c = arg;
	struct con_port *p;
	int i;

	for (i = 0; i < c->nports; i++) {
		p = &c->port[i];
		if (p->client_fd >= 0) {
			con_poll_client(p, false);
			close(p->client_fd);
		}
		if (p->listen_fd >= 0) {
			mevent_del(vm, p->listen_fd);
			close(p->listen_fd);
			unlink(p->path);
		}
		free(p->name);
		free(p->path);
	}
	free(c);
}

static int
con_init(struct vm *vm, config_node_t *node)
{
	config_node_t *ports = find_relative_config_node(node, "port");
	struct con *c = calloc(1, sizeof(*c));
	int i;

	if (c == NULL || vm_at_destroy(vm, con_free, c) != 0) {
		free(c);
		fprintf(stderr, "virtio-console: out of memory\n");
		return (-1);
	}
	c->vm = vm;
	for (i = 0; i < CON_MAX_PORTS; i++)
		c->port[i].listen_fd = c->port[i].client_fd = -1;
	if (ports != NULL && walk_config_nodes(ports, con_add_port, c) != 0)
		return (-1);
	if (c->nports == 0) {
		fprintf(stderr, "virtio-console: no ports (NAME=PATH)\n");
		return (-1);
	}
	c->cfg.max_nr_ports = (uint32_t)c->nports;
	c->vd = virtio_pci_create(vm, node, &con_ops, c, 2 * c->nports + 2,
	    CON_QSIZE);
	if (c->vd == NULL) {
		fprintf(stderr, "virtio-console: cannot create the device\n");
		return (-1);
	}
	return (0);
}

static const struct device_emu virtio_console = {
	.name = "virtio-console",
	.kind = DEV_PCI,
	.legacy_config = con_legacy_config,
	.init = con_init,
};
DEVICE_REGISTER(virtio_console);
