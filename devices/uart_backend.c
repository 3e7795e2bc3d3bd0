/*
 * UART backends (bhyve's uart backends: stdio, tty device, tcp=): moving a
 * UART's bytes to and from a host fd without ever blocking a vCPU thread.
 *
 * Threads: received bytes are read on the main thread when the event loop
 * says the fd is readable; transmitted bytes are written from vCPU threads
 * with non-blocking writes, the rest kept in a small buffer flushed by the
 * event loop, and dropped once that buffer is full.  Everything in struct
 * uart_backend is guarded by the owning UART's lock (b->lock).  Requests the
 * vCPU side cannot carry out itself (start watching an fd again) go to the
 * main thread through an eventfd, so the event loop is only ever changed
 * from the main thread.  The reading and writing sides use different fds
 * (a dup for ttys and sockets) so each has its own event-loop registration.
 *
 * The stdio terminal is put in raw mode and restored at exit and on fatal
 * signals; that state is the process's, hence the one static below.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "core/mevent.h"
#include "devices/uart_backend.h"

#define TXBUF_SIZE	4096

enum be_kind { BE_STDIO, BE_TTY, BE_TCP };

struct uart_backend {
	struct vm	*vm;
	const char	*name;
	enum be_kind	kind;
	pthread_mutex_t	*lock;		/* the UART's: guards every field below */
	const struct uart_backend_ops *ops;
	void		*arg;

	int		rfd, wfd;	/* -1: none (tcp without a client) */
	bool		wfd_socket;	/* write with send(MSG_NOSIGNAL) */
	int		listen_fd;	/* tcp only */
	int		kick_fd;	/* eventfd: vCPU side → main thread */

	bool		rx_watched;	/* rfd is in the event loop */
	bool		rx_paused;	/* taken out because the FIFO was full */
	bool		rx_resume_req;	/* vCPU asked to watch rfd again */
	bool		tx_armed;	/* a write-ready callback is pending */
	bool		tx_arm_req;	/* vCPU asked for one */

	uint8_t		txbuf[TXBUF_SIZE];
	size_t		tx_head, tx_len;
	unsigned long	tx_dropped;
};

/*
 * The terminal stdio left raw.  Process state, not machine state: the
 * atexit and signal handlers that restore it have no other way to reach it.
 */
static struct {
	bool		in_use;		/* only one UART may own stdio */
	bool		saved;
	bool		hooked;		/* atexit and signal handlers installed */
	struct termios	orig;
} stdio_term;

static const int fatal_signals[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGABRT, SIGBUS, SIGFPE, SIGSEGV,
	SIGUSR1, SIGUSR2, SIGALRM, SIGXCPU, SIGXFSZ,
};
static struct sigaction old_actions[sizeof(fatal_signals) / sizeof(fatal_signals[0])];

static void
stdio_restore(void)
{
	if (stdio_term.saved)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &stdio_term.orig);
}

static int
signal_slot(int sig)
{
	size_t i;

	for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		if (fatal_signals[i] == sig)
			return ((int)i);
	return (-1);
}

/*
 * Restores the terminal, then hands the signal to whoever had it before
 * (the sanitizers' reporters, the core's handlers) or to the default action.
 */
static void
stdio_signal(int sig, siginfo_t *si, void *ctx)
{
	int slot = signal_slot(sig);
	struct sigaction *old;

	stdio_restore();
	if (slot < 0)
		return;
	old = &old_actions[slot];
	if (old->sa_flags & SA_SIGINFO) {
		old->sa_sigaction(sig, si, ctx);
		return;
	}
	if (old->sa_handler == SIG_IGN)
		return;
	if (old->sa_handler != SIG_DFL) {
		old->sa_handler(sig);
		return;
	}
	(void)sigaction(sig, old, NULL);
	/* A fault re-executes the instruction and dies; others re-raise. */
	if (si == NULL || si->si_code <= 0 ||
	    (sig != SIGSEGV && sig != SIGBUS && sig != SIGILL && sig != SIGFPE))
		(void)raise(sig);
}

static void
stdio_catch_signals(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = stdio_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		(void)sigaction(fatal_signals[i], &sa, &old_actions[i]);
}

static int
stdio_make_raw(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO))
		return (0);
	if (tcgetattr(STDIN_FILENO, &stdio_term.orig) != 0)
		return (-1);
	stdio_term.saved = true;
	/* Once per process: a second install would chain to itself. */
	if (!stdio_term.hooked) {
		if (atexit(stdio_restore) != 0)
			return (-1);
		stdio_catch_signals();
		stdio_term.hooked = true;
	}
	t = stdio_term.orig;
	cfmakeraw(&t);
	return (tcsetattr(STDIN_FILENO, TCSANOW, &t));
}

/*
 * A writing fd of our own for stdout: a terminal or pipe is reopened so that
 * O_NONBLOCK does not leak into the fd 1/2 the rest of khyve (and the shell)
 * share; a plain file never blocks, so fd 1 itself serves.
 */
static int
stdio_open_output(void)
{
	struct stat st;
	int fd;

	if (fstat(STDOUT_FILENO, &st) != 0)
		return (-1);
	if (S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode))
		return (dup(STDOUT_FILENO));
	fd = open("/proc/self/fd/1", O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fd = dup(STDOUT_FILENO);
	return (fd);
}

static int
be_open_stdio(struct uart_backend *b)
{
	if (stdio_term.in_use) {
		warnx("%s: stdio is already used by another serial port", b->name);
		return (-1);
	}
	b->wfd = stdio_open_output();
	if (b->wfd < 0) {
		warn("%s: stdout", b->name);
		return (-1);
	}
	if (stdio_make_raw() != 0) {
		warn("%s: cannot put the terminal in raw mode", b->name);
		return (-1);
	}
	stdio_term.in_use = true;
	b->rfd = STDIN_FILENO;
	return (0);
}

static int
be_open_tty(struct uart_backend *b, const char *path)
{
	struct termios t;

	b->rfd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (b->rfd < 0) {
		warn("%s: backend '%s'", b->name, path);
		return (-1);
	}
	if (!isatty(b->rfd)) {
		warnx("%s: backend '%s' is not stdio, tcp=ADDR:PORT or a "
		    "terminal device", b->name, path);
		return (-1);
	}
	if (tcgetattr(b->rfd, &t) == 0) {
		cfmakeraw(&t);
		(void)tcsetattr(b->rfd, TCSANOW, &t);
	}
	b->wfd = fcntl(b->rfd, F_DUPFD_CLOEXEC, 0);
	if (b->wfd < 0) {
		warn("%s: %s", b->name, path);
		return (-1);
	}
	return (0);
}

/* Splits "ADDR:PORT" or "[V6ADDR]:PORT" in place. */
static int
split_hostport(char *s, char **host, char **port)
{
	char *colon;

	if (*s == '[') {
		colon = strchr(s, ']');
		if (colon == NULL || colon[1] != ':')
			return (-1);
		*colon = '\0';
		*host = s + 1;
		*port = colon + 2;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return (-1);
		*colon = '\0';
		*host = s;
		*port = colon + 1;
	}
	return (**host != '\0' && **port != '\0' ? 0 : -1);
}

static int
listen_on(const char *host, const char *port)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, one = 1, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	e = getaddrinfo(host, port, &hints, &res);
	if (e != 0) {
		errno = EINVAL;
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 1) == 0)
			break;
		e = errno;
		close(fd);
		errno = e;
		fd = -1;
	}
	freeaddrinfo(res);
	return (fd);
}

static int
be_open_tcp(struct uart_backend *b, const char *spec)
{
	char *copy, *host, *port;

	copy = strdup(spec);
	if (copy == NULL) {
		warn("%s", b->name);
		return (-1);
	}
	if (split_hostport(copy, &host, &port) != 0) {
		warnx("%s: backend 'tcp=%s': expected tcp=ADDR:PORT", b->name,
		    spec);
		free(copy);
		return (-1);
	}
	b->listen_fd = listen_on(host, port);
	if (b->listen_fd < 0)
		warn("%s: cannot listen on %s", b->name, spec);
	free(copy);
	return (b->listen_fd < 0 ? -1 : 0);
}

/* ---- writing (vCPU threads, lock held; flushing on the main thread) ---- */

static ssize_t
be_write(struct uart_backend *b, const void *buf, size_t len)
{
	if (b->wfd_socket)
		return (send(b->wfd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT));
	return (write(b->wfd, buf, len));
}

/* Writes what the fd takes from the buffer; false on a hard error. */
static bool
tx_flush(struct uart_backend *b)
{
	size_t chunk;
	ssize_t n;

	while (b->tx_len > 0) {
		chunk = TXBUF_SIZE - b->tx_head;
		if (chunk > b->tx_len)
			chunk = b->tx_len;
		n = be_write(b, b->txbuf + b->tx_head, chunk);
		if (n < 0)
			return (errno == EAGAIN || errno == EINTR);
		b->tx_head = (b->tx_head + (size_t)n) % TXBUF_SIZE;
		b->tx_len -= (size_t)n;
	}
	b->tx_head = 0;
	return (true);
}

static void
kick(struct uart_backend *b)
{
	uint64_t one = 1;

	/* Cannot block: the counter would have to reach 2^64-1. */
	(void)!write(b->kick_fd, &one, sizeof(one));
}

void
uart_backend_putc(struct uart_backend *b, uint8_t c)
{
	if (b->wfd < 0)
		return;		/* nobody listening: output is dropped */
	if (b->tx_len == 0 && be_write(b, &c, 1) == 1)
		return;
	if (b->tx_len == TXBUF_SIZE) {
		b->tx_dropped++;
		return;
	}
	b->txbuf[(b->tx_head + b->tx_len) % TXBUF_SIZE] = c;
	b->tx_len++;
	if (!b->tx_armed && !b->tx_arm_req) {
		b->tx_arm_req = true;
		kick(b);
	}
}

void
uart_backend_rx_room(struct uart_backend *b)
{
	if (b->rx_paused && !b->rx_resume_req &&
	    b->ops->rx_space(b->arg) > 0) {
		b->rx_resume_req = true;
		kick(b);
	}
}

/* ---- event-loop callbacks (main thread) ---- */

static void be_rx_event(int fd, void *arg);

static void
be_tx_event(int fd, void *arg)
{
	struct uart_backend *b = arg;
	bool rearm = false;

	pthread_mutex_lock(b->lock);
	b->tx_armed = false;
	if (fd == b->wfd) {
		if (!tx_flush(b))
			b->tx_len = 0;	/* the reader is gone; forget it */
		if (b->tx_len > 0)
			rearm = b->tx_armed = true;
	}
	pthread_mutex_unlock(b->lock);
	if (rearm)
		(void)mevent_add_write(b->vm, fd, be_tx_event, b);
}

/* Forgets a tcp client (lock held); the caller closes the returned fds. */
static void
tcp_drop_client(struct uart_backend *b, int *rfd, int *wfd)
{
	*rfd = b->rfd;
	*wfd = b->wfd;
	b->rfd = b->wfd = -1;
	b->rx_watched = b->rx_paused = false;
	b->tx_len = 0;
	b->tx_armed = false;
}

static void
be_rx_event(int fd, void *arg)
{
	struct uart_backend *b = arg;
	uint8_t buf[64];
	size_t room;
	ssize_t n;
	int ofd = -1, owfd = -1;
	bool stop = false;

	pthread_mutex_lock(b->lock);
	if (fd != b->rfd) {
		pthread_mutex_unlock(b->lock);
		return;
	}
	room = b->ops->rx_space(b->arg);
	if (room == 0) {
		/* Full FIFO: stop reading until the guest makes room. */
		b->rx_paused = true;
		b->rx_watched = false;
		stop = true;
	} else {
		n = read(fd, buf, room < sizeof(buf) ? room : sizeof(buf));
		if (n > 0)
			b->ops->rx_put(b->arg, buf, (size_t)n);
		else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			/* End of input or hang-up. */
			stop = true;
			b->rx_watched = false;
			if (b->kind == BE_TCP)
				tcp_drop_client(b, &ofd, &owfd);
		}
	}
	pthread_mutex_unlock(b->lock);
	if (stop)
		(void)mevent_del(b->vm, fd);
	if (owfd >= 0) {
		(void)mevent_del(b->vm, owfd);
		close(owfd);
	}
	if (ofd >= 0)
		close(ofd);
}

static void
be_accept_event(int fd, void *arg)
{
	struct uart_backend *b = arg;
	int c, w = -1;

	c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c < 0)
		return;
	pthread_mutex_lock(b->lock);
	if (b->rfd < 0) {
		w = fcntl(c, F_DUPFD_CLOEXEC, 0);
		if (w >= 0) {
			b->rfd = c;
			b->wfd = w;
			b->rx_watched = true;
		}
	}
	pthread_mutex_unlock(b->lock);
	if (w < 0) {
		close(c);	/* one client at a time */
		return;
	}
	if (mevent_add(b->vm, c, be_rx_event, b) != 0) {
		pthread_mutex_lock(b->lock);
		tcp_drop_client(b, &c, &w);
		pthread_mutex_unlock(b->lock);
		close(c);
		close(w);
	}
}

static void
be_kick_event(int fd, void *arg)
{
	struct uart_backend *b = arg;
	uint64_t n;
	int add_rx = -1, add_tx = -1;

	(void)!read(fd, &n, sizeof(n));
	pthread_mutex_lock(b->lock);
	if (b->rx_resume_req) {
		b->rx_resume_req = false;
		if (b->rx_paused && b->rfd >= 0) {
			b->rx_paused = false;
			b->rx_watched = true;
			add_rx = b->rfd;
		}
	}
	if (b->tx_arm_req) {
		b->tx_arm_req = false;
		if (!b->tx_armed && b->tx_len > 0 && b->wfd >= 0) {
			b->tx_armed = true;
			add_tx = b->wfd;
		}
	}
	pthread_mutex_unlock(b->lock);
	if (add_rx >= 0)
		(void)mevent_add(b->vm, add_rx, be_rx_event, b);
	if (add_tx >= 0)
		(void)mevent_add_write(b->vm, add_tx, be_tx_event, b);
}

/* ---- opening and closing ---- */

static int
be_watch(struct uart_backend *b)
{
	struct stat st;

	if (mevent_add(b->vm, b->kick_fd, be_kick_event, b) != 0) {
		warnx("%s: cannot add to the event loop", b->name);
		return (-1);
	}
	if (b->kind == BE_TCP) {
		if (mevent_add(b->vm, b->listen_fd, be_accept_event, b) != 0) {
			warnx("%s: cannot add to the event loop", b->name);
			return (-1);
		}
		return (0);
	}
	/* Input from a plain file or /dev/null cannot be polled: no input. */
	if (fstat(b->rfd, &st) == 0 && S_ISREG(st.st_mode))
		return (0);
	if (mevent_add(b->vm, b->rfd, be_rx_event, b) == 0)
		b->rx_watched = true;
	else if (b->kind != BE_STDIO) {
		warnx("%s: cannot add to the event loop", b->name);
		return (-1);
	}
	return (0);
}

struct uart_backend *
uart_backend_open(struct vm *vm, const char *name, const char *path,
    pthread_mutex_t *lock, const struct uart_backend_ops *ops, void *arg)
{
	struct uart_backend *b;
	struct stat st;
	int error;

	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		warn("%s", name);
		return (NULL);
	}
	*b = (struct uart_backend){ .vm = vm, .name = name, .lock = lock,
	    .ops = ops, .arg = arg, .rfd = -1, .wfd = -1, .listen_fd = -1,
	    .kick_fd = -1 };

	if (strcmp(path, "stdio") == 0) {
		b->kind = BE_STDIO;
		error = be_open_stdio(b);
	} else if (strncmp(path, "tcp=", 4) == 0) {
		b->kind = BE_TCP;
		error = be_open_tcp(b, path + 4);
	} else if (path[0] == '/') {
		b->kind = BE_TTY;
		error = be_open_tty(b, path);
	} else {
		warnx("%s: unknown backend '%s' (expected stdio, tcp=ADDR:PORT "
		    "or a terminal device path)", name, path);
		error = -1;
	}
	if (error == 0) {
		b->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (b->kick_fd < 0) {
			warn("%s: eventfd", name);
			error = -1;
		}
	}
	if (error == 0 && b->wfd >= 0 && fstat(b->wfd, &st) == 0)
		b->wfd_socket = S_ISSOCK(st.st_mode);
	/* A vanished reader must not kill khyve with SIGPIPE. */
	if (error == 0)
		(void)signal(SIGPIPE, SIG_IGN);
	if (error == 0)
		error = be_watch(b);
	if (error != 0) {
		uart_backend_close(b);
		return (NULL);
	}
	return (b);
}

void
uart_backend_close(struct uart_backend *b)
{
	/* Forget every registration first: the event loop must not call
	 * back into freed memory.  Unregistered fds are refused harmlessly. */
	if (b->kick_fd >= 0)
		(void)mevent_del(b->vm, b->kick_fd);
	if (b->listen_fd >= 0)
		(void)mevent_del(b->vm, b->listen_fd);
	if (b->rx_watched)
		(void)mevent_del(b->vm, b->rfd);
	if (b->tx_armed)
		(void)mevent_del(b->vm, b->wfd);
	/* Last words of a guest that is going away: what the fd takes now. */
	if (b->wfd >= 0 && b->tx_len > 0)
		(void)tx_flush(b);
	if (b->kind == BE_STDIO && b->rfd == STDIN_FILENO) {
		stdio_restore();
		stdio_term.in_use = false;
	}
	if (b->rfd >= 0 && b->rfd != STDIN_FILENO)
		close(b->rfd);
	if (b->wfd >= 0)
		close(b->wfd);
	if (b->listen_fd >= 0)
		close(b->listen_fd);
	if (b->kick_fd >= 0)
		close(b->kick_fd);
	free(b);
}
