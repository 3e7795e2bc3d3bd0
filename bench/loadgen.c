/*
 * bench/loadgen.c: the load generator of make bench's disk and network
 * cases.  Built static (it runs in the guest's initramfs and in the
 * testbed's level-1 host, both busybox only).  Each result is one line
 *   KHYVE-VALUE KEY=VALUE
 * which guest/init's protocol and bench/inner.sh read alike.
 *
 * Disk (O_DIRECT, so the guest's page cache is out of the way):
 *   loadgen seqwrite [-s MIB] [-t SECONDS] [-b KIB] DEVICE
 *   loadgen seqread  [-s MIB] [-t SECONDS] [-b KIB] DEVICE
 *   loadgen randread [-s MIB] [-t SECONDS] DEVICE     4 KiB reads, one at a time
 * Sequential runs move MIB MiB from offset 0 in -b KiB requests (default
 * 1024) or stop after SECONDS, whichever comes first; a write ends with
 * fdatasync, inside the time.  randread reads 4 KiB at random aligned
 * offsets within the first MIB MiB for SECONDS.
 *
 * TCP (the receiver's figure is the one that counts: it sees what arrived):
 *   loadgen tcp-recv [-p PORT] [-w SECONDS] [-P PID] [-k KEY]
 *   loadgen tcp-send [-p PORT] [-w SECONDS] [-P PID] [-t SECONDS] [-s MIB] [-k KEY] ADDRESS
 * tcp-recv accepts one connection (waiting at most -w seconds), reads to
 * the end and prints KEY_mbs, MB/s from accept to end.  tcp-send connects
 * (retrying for -w seconds), writes for -t seconds or -s MiB (0: no size
 * limit), shuts its side down and waits for the receiver to close, then
 * prints KEY_mbs.  -P: stop waiting for the peer once process PID (the
 * VMM the peer runs in) is gone.
 * MB is 10^6 bytes.  Exit status 0 on success, 1 on any failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MIB		(1024L * 1024)
#define RAND_BLOCK	4096
#define TCP_CHUNK	(128 * 1024)

struct opts {
	long	mib;		/* -s */
	double	secs;		/* -t */
	long	block_kib;	/* -b */
	int	port;		/* -p */
	double	wait_secs;	/* -w */
	pid_t	peer_pid;	/* -P: 0 or the process the peer lives in */
	const char *key;	/* -k */
	const char *arg;	/* DEVICE or ADDRESS */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void
value(const char *key, const char *suffix, double v)
{
	printf("KHYVE-VALUE %s%s=%.3f\n", key, suffix, v);
	fflush(stdout);
}

/* xorshift64: cheap, and the same sequence on every run. */
static uint64_t
next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (*s);
}

static void *
aligned_buffer(size_t len)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL, *p;
	void *buf;
	size_t i;

	if (posix_memalign(&buf, 4096, len) != 0)
		return (NULL);
	/* Not zeros: nothing on the way may treat the data as a hole. */
	p = buf;
	for (i = 0; i < len / sizeof(*p); i++)
		p[i] = next_random(&seed);
	return (buf);
}

/* ---- disk ---------------------------------------------------------------- */

static int
disk_seq(const struct opts *o, int write)
{
	size_t bs = (size_t)o->block_kib * 1024;
	off_t total = (off_t)o->mib * MIB, off = 0;
	double t0, t;
	void *buf;
	ssize_t r;
	int fd;

	if ((buf = aligned_buffer(bs)) == NULL)
		return (1);
	if ((fd = open(o->arg, (write ? O_WRONLY : O_RDONLY) | O_DIRECT)) < 0) {
		fprintf(stderr, "loadgen: %s: %s\n", o->arg, strerror(errno));
		return (1);
	}
	t0 = now();
	while (off < total && now() - t0 < o->secs) {
		r = write ? pwrite(fd, buf, bs, off) : pread(fd, buf, bs, off);
		if (r <= 0) {
			fprintf(stderr, "loadgen: %s at %lld: %s\n", o->arg,
			    (long long)off, r < 0 ? strerror(errno) : "end");
			return (1);
		}
		off += r;
	}
	if (write && fdatasync(fd) != 0) {
		fprintf(stderr, "loadgen: fdatasync: %s\n", strerror(errno));
		return (1);
	}
	t = now() - t0;
	close(fd);
	value(write ? "disk.seq_write" : "disk.seq_read", "_mib", (double)off / MIB);
	value(write ? "disk.seq_write" : "disk.seq_read", "_s", t);
	value(write ? "disk.seq_write" : "disk.seq_read", "_mbs", (double)off / t / 1e6);
	return (0);
}

static int
disk_rand(const struct opts *o)
{
	uint64_t seed = 0x2545f4914f6cdd1dULL, blocks;
	long n = 0;
	double t0, t;
	void *buf;
	int fd;

	blocks = (uint64_t)o->mib * MIB / RAND_BLOCK;
	if (blocks == 0 || (buf = aligned_buffer(RAND_BLOCK)) == NULL)
		return (1);
	if ((fd = open(o->arg, O_RDONLY | O_DIRECT)) < 0) {
		fprintf(stderr, "loadgen: %s: %s\n", o->arg, strerror(errno));
		return (1);
	}
	t0 = now();
	do {
		off_t off = (off_t)(next_random(&seed) % blocks) * RAND_BLOCK;

		if (pread(fd, buf, RAND_BLOCK, off) != RAND_BLOCK) {
			fprintf(stderr, "loadgen: %s at %lld: %s\n", o->arg,
			    (long long)off, strerror(errno));
			return (1);
		}
		n++;
	} while ((t = now() - t0) < o->secs);
	close(fd);
	value("disk.rand_read", "_ios", (double)n);
	value("disk.rand_read", "_s", t);
	value("disk.rand_read", "_iops", (double)n / t);
	return (0);
}

/* ---- TCP ----------------------------------------------------------------- */

/* May we keep waiting for the peer? */
static int
peer_alive(const struct opts *o, double give_up)
{
	if (now() > give_up)
		return (0);
	return (o->peer_pid == 0 || kill(o->peer_pid, 0) == 0 || errno == EPERM);
}

/*
 * Waits until FD is ready for EVENTS; gives up when nothing moved for -w
 * seconds since SINCE, or the peer's process is gone.  1: ready.
 */
static int
ready(const struct opts *o, int fd, short events, double since)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	while ((r = poll(&p, 1, 500)) == 0 || (r < 0 && errno == EINTR))
		if (!peer_alive(o, since + o->wait_secs))
			return (0);
	return (r > 0);
}

static int
tcp_recv(const struct opts *o)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	long long got = 0;
	double t0, t, last;
	int ls, s, one = 1;
	char *buf;
	ssize_t r;

	a.sin_port = htons((uint16_t)o->port);
	if ((buf = malloc(TCP_CHUNK)) == NULL ||
	    (ls = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 1) != 0) {
		fprintf(stderr, "loadgen: listen on %d: %s\n", o->port, strerror(errno));
		return (1);
	}
	if (!ready(o, ls, POLLIN, now()) || (s = accept(ls, NULL, NULL)) < 0) {
		fprintf(stderr, "loadgen: nobody connected to port %d\n", o->port);
		return (1);
	}
	close(ls);
	t0 = last = now();
	for (;;) {
		if (!ready(o, s, POLLIN, last)) {
			fprintf(stderr, "loadgen: the stream stalled\n");
			return (1);
		}
		if ((r = read(s, buf, TCP_CHUNK)) == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "loadgen: read: %s\n", strerror(errno));
			return (1);
		}
		got += r;
		last = now();
	}
	t = now() - t0;
	close(s);
	value(o->key, "_mib", (double)got / MIB);
	value(o->key, "_s", t);
	value(o->key, "_mbs", (double)got / t / 1e6);
	return (got > 0 ? 0 : 1);
}

static int
tcp_send(const struct opts *o)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	long long sent = 0, total = (long long)o->mib * MIB;
	double t0, t, last, give_up = now() + o->wait_secs;
	char *buf;
	ssize_t r;
	int s;

	a.sin_port = htons((uint16_t)o->port);
	if (inet_pton(AF_INET, o->arg, &a.sin_addr) != 1) {
		fprintf(stderr, "loadgen: %s: not an IPv4 address\n", o->arg);
		return (1);
	}
	if ((buf = aligned_buffer(TCP_CHUNK)) == NULL)
		return (1);
	/* The receiver may not listen yet (it boots, or it is the guest). */
	for (;;) {
		if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			return (1);
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
			break;
		close(s);
		if (!peer_alive(o, give_up)) {
			fprintf(stderr, "loadgen: connect %s:%d: %s\n", o->arg,
			    o->port, strerror(errno));
			return (1);
		}
		usleep(200000);
	}
	/* Non-blocking, so that a stalled stream is noticed (ready()). */
	fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
	t0 = last = now();
	while ((total == 0 || sent < total) && now() - t0 < o->secs) {
		if (!ready(o, s, POLLOUT, last)) {
			fprintf(stderr, "loadgen: the stream stalled\n");
			return (1);
		}
		if ((r = write(s, buf, TCP_CHUNK)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "loadgen: write: %s\n", strerror(errno));
			return (1);
		}
		sent += r;
		last = now();
	}
	/* Done when the receiver has read it all and closed. */
	shutdown(s, SHUT_WR);
	for (;;) {
		if (!ready(o, s, POLLIN, last)) {
			fprintf(stderr, "loadgen: the receiver never closed\n");
			return (1);
		}
		r = read(s, buf, TCP_CHUNK);
		if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
			break;
	}
	t = now() - t0;
	close(s);
	value(o->key, "_mib", (double)sent / MIB);
	value(o->key, "_mbs", (double)sent / t / 1e6);
	return (0);
}

/* ---- command line -------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen seqwrite|seqread|randread [-s MIB] [-t SECONDS] [-b KIB] DEVICE\n"
	    "       loadgen tcp-recv [-p PORT] [-w SECONDS] [-P PID] [-k KEY]\n"
	    "       loadgen tcp-send [-p PORT] [-w SECONDS] [-P PID] [-t SECONDS] [-s MIB] [-k KEY] ADDRESS\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct opts o = { .mib = 64, .secs = 30, .block_kib = 1024, .port = 5000,
	    .wait_secs = 60, .key = "tcp" };
	const char *cmd;
	int c, need_arg;

	if (argc < 2)
		usage();
	cmd = argv[1];
	argv++;
	argc--;
	while ((c = getopt(argc, argv, "s:t:b:p:w:P:k:")) != -1) {
		switch (c) {
		case 's': o.mib = atol(optarg); break;
		case 't': o.secs = atof(optarg); break;
		case 'b': o.block_kib = atol(optarg); break;
		case 'p': o.port = atoi(optarg); break;
		case 'w': o.wait_secs = atof(optarg); break;
		case 'P': o.peer_pid = (pid_t)atol(optarg); break;
		case 'k': o.key = optarg; break;
		default: usage();
		}
	}
	need_arg = strcmp(cmd, "tcp-recv") != 0;
	if (argc - optind != need_arg || o.mib < 0 || o.secs <= 0 ||
	    o.block_kib < 4 || o.block_kib % 4 != 0 || o.port <= 0 || o.port > 65535)
		usage();
	o.arg = need_arg ? argv[optind] : NULL;
	if (strcmp(cmd, "seqwrite") == 0)
		return (disk_seq(&o, 1));
	if (strcmp(cmd, "seqread") == 0)
		return (disk_seq(&o, 0));
	if (strcmp(cmd, "randread") == 0)
		return (disk_rand(&o));
	if (strcmp(cmd, "tcp-recv") == 0)
		return (tcp_recv(&o));
	if (strcmp(cmd, "tcp-send") == 0)
		return (tcp_send(&o));
	usage();
	return (2);
}
