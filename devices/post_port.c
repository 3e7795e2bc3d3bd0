/*
 * Ports that guests write for their side effects only: 0x80, the POST
 * diagnostic port (IBM PC/AT BIOS convention), which Linux also writes as
 * its I/O delay (io_delay=0x80, the default), and 0xED, the alternative
 * delay port (io_delay=0xed).  Writes are dropped and reads return all ones,
 * as on a machine without a POST card; claiming the ports keeps them from
 * stopping the VM under strict I/O (-e).
 */
#include <err.h>
#include <stddef.h>

#include "core/inout.h"
#include "core/vm.h"
#include "devices/device.h"

#define POST_PORT	0x80
#define IODELAY_PORT	0xed

static int
sink_io(struct vm *vm, int vcpu, bool in, uint16_t port, int bytes,
    uint32_t *val, void *arg)
{
	(void)vm;
	(void)vcpu;
	(void)port;
	(void)bytes;
	(void)arg;
	if (in)
		*val = 0xffffffff;
	return (0);
}

static const uint16_t post_ports[] = { POST_PORT, IODELAY_PORT };
#define POST_NPORTS	(sizeof(post_ports) / sizeof(post_ports[0]))

static void
post_release(struct vm *vm, size_t n)
{
	while (n-- > 0)
		(void)unregister_inout(vm, post_ports[n], 1);
}

/* vm_at_destroy: no state, only the ports to give back. */
static void
post_destroy(struct vm *vm, void *arg)
{
	(void)arg;
	post_release(vm, POST_NPORTS);
}

static int
post_init(struct vm *vm, config_node_t *node)
{
	struct inout_port iop;
	size_t i;

	(void)node;
	for (i = 0; i < POST_NPORTS; i++) {
		iop = (struct inout_port){ .name = "post", .port = post_ports[i],
		    .size = 1, .handler = sink_io, .arg = NULL };
		if (register_inout(vm, &iop) != 0) {
			warnx("post: cannot claim port %#x", post_ports[i]);
			post_release(vm, i);
			return (-1);
		}
	}
	if (vm_at_destroy(vm, post_destroy, NULL) != 0) {
		warnx("post: out of memory");
		post_release(vm, POST_NPORTS);
		return (-1);
	}
	return (0);
}

static const struct device_emu post_device = {
	.name = "post",
	.kind = DEV_PLATFORM,
	.init = post_init,
};
DEVICE_REGISTER(post_device);
