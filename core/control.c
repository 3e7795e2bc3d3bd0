/*
 * core/control.c: the control socket of a running named VM (see
 * control.h), the counterpart of the ioctls bhyvectl issues to vmm.ko.
 *
 * The socket is bound through /proc/self/fd/DIRFD/ctl, so a long runtime
 * dir never meets sun_path's 108-byte limit, and created with umask 077
 * in a 0700 directory: only the VM's owner can connect.  Requests are
 * served on the main thread; a client gets 200 ms to send its line, so a
 * silent one cannot stall the event loop for long.
 */
#include "core/control.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/mevent.h"
#include "core/vcpu.h"
#include "core/vm.h"

#define CTL_NAME	"ctl"
#define REQ_MAX		64
#define REQ_WAIT_MS	200

struct control {
	struct vm	*vm;
	int		fd;
	int		dirfd;
};

/* KVM exit reasons by number (linux/kvm.h), for the stats' names. */
static const char *const exit_names[VCPU_EXIT_REASONS] = {
	[KVM_EXIT_UNKNOWN]	= "unknown",
	[KVM_EXIT_EXCEPTION]	= "exception",
	[KVM_EXIT_IO]		= "io",
	[KVM_EXIT_HYPERCALL]	= "hypercall",
	[KVM_EXIT_DEBUG]	= "debug",
	[KVM_EXIT_HLT]		= "hlt",
	[KVM_EXIT_MMIO]		= "mmio",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open",
	[KVM_EXIT_SHUTDOWN]	= "shutdown",
	[KVM_EXIT_FAIL_ENTRY]	= "fail_entry",
	[KVM_EXIT_INTR]		= "intr",
	[KVM_EXIT_INTERNAL_ERROR] = "internal_error",
	[KVM_EXIT_SYSTEM_EVENT]	= "system_event",
	[KVM_EXIT_X86_RDMSR]	= "rdmsr",
	[KVM_EXIT_X86_WRMSR]	= "wrmsr",
};

static int
sock_path(struct sockaddr_un *sa, int dirfd)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	return (snprintf(sa->sun_path, sizeof(sa->sun_path),
	    "/proc/self/fd/%d/%s", dirfd, CTL_NAME) >=
	    (int)sizeof(sa->sun_path) ? -1 : 0);
}

/* Sums of every vCPU's counters, one "name count" line per reason seen. */
static size_t
format_stats(struct vm *vm, char *buf, size_t len)
{
	size_t off = 0;
	uint64_t total = 0;

	for (int r = 0; r < VCPU_EXIT_REASONS; r++) {
		uint64_t n = 0;

		for (int i = 0; i < vm->ncpus; i++)
			n += atomic_load_explicit(&vm->vcpus[i].exits[r],
			    memory_order_relaxed);
		total += n;
		if (n == 0 || off >= len)
			continue;
		if (exit_names[r] != NULL)
			off += (size_t)snprintf(buf + off, len - off,
			    "vm exits (%s)\t%llu\n", exit_names[r],
			    (unsigned long long)n);
		else
			off += (size_t)snprintf(buf + off, len - off,
			    "vm exits (reason %d)\t%llu\n", r,
			    (unsigned long long)n);
	}
	if (off < len)
		off += (size_t)snprintf(buf + off, len - off,
		    "vm exits (total)\t%llu\n", (unsigned long long)total);
	return (off < len ? off : len - 1);
}

static size_t
answer(struct control *c, const char *req, char *buf, size_t len)
{
	if (strcmp(req, "stats") == 0)
		return (format_stats(c->vm, buf, len));
	if (strcmp(req, "reset") == 0)
		vm_suspend(c->vm, VM_SUSPEND_RESET);
	else if (strcmp(req, "poweroff") == 0)
		vm_suspend(c->vm, VM_SUSPEND_POWEROFF);
	else
		return ((size_t)snprintf(buf, len, "error: unknown request "
		    "'%.*s'\n", REQ_MAX, req));
	return ((size_t)snprintf(buf, len, "ok\n"));
}

static void
on_client(int fd, void *arg)
{
	struct control *c = arg;
	struct pollfd p;
	char req[REQ_MAX + 1], out[4096];
	size_t got = 0, len;
	ssize_t n;
	int cfd;

	(void)fd;
	cfd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	p.fd = cfd;
	p.events = POLLIN;
	/* The line may come in pieces; stop at its end, a full buffer or EOF. */
	while (got < REQ_MAX && memchr(req, '\n', got) == NULL &&
	    poll(&p, 1, REQ_WAIT_MS) == 1 &&
	    (n = recv(cfd, req + got, REQ_MAX - got, MSG_DONTWAIT)) > 0)
		got += (size_t)n;
	if (got > 0) {
		req[got] = '\0';
		req[strcspn(req, "\r\n")] = '\0';
		len = answer(c, req, out, sizeof(out));
		(void)!send(cfd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	close(cfd);
}

struct control *
control_start(struct vm *vm, int dirfd)
{
	struct sockaddr_un sa;
	struct control *c;
	mode_t old;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->vm = vm;
	c->dirfd = dirfd;
	(void)unlinkat(dirfd, CTL_NAME, 0);	/* a dead runner's */
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0 || sock_path(&sa, dirfd) != 0)
		goto fail;
	old = umask(077);
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (listen(c->fd, 8) != 0 || mevent_add(vm, c->fd, on_client, c) != 0)
		goto fail;
	return (c);
fail:
	fprintf(stderr, "cannot create the control socket: %s\n",
	    strerror(errno));
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return (NULL);
}

void
control_stop(struct vm *vm, struct control *c)
{
	if (c == NULL)
		return;
	if (vm->events != NULL)
		(void)mevent_del(vm, c->fd);
	close(c->fd);
	(void)unlinkat(c->dirfd, CTL_NAME, 0);
	free(c);
}

char *
control_request(int dirfd, const char *req)
{
	struct sockaddr_un sa;
	size_t len = 0, cap = 4096;
	char *buf, line[REQ_MAX + 2];
	ssize_t n;
	int fd;

	if (sock_path(&sa, dirfd) != 0 || strlen(req) > REQ_MAX) {
		errno = ENAMETOOLONG;
		return (NULL);
	}
	/* One send: the server answers as soon as it has the line. */
	snprintf(line, sizeof(line), "%s\n", req);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return (NULL);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    send(fd, line, strlen(line), MSG_NOSIGNAL) < 0 ||
	    (buf = malloc(cap + 1)) == NULL) {
		int saved = errno;

		close(fd);
		errno = saved;
		return (NULL);
	}
	while (len < cap && (n = recv(fd, buf + len, cap - len, 0)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return (buf);
}
