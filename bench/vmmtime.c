/*
 * bench/vmmtime.c: starts a VMM, reads its serial console (the VMM's stdout
 * and stderr) through a pipe, and times it with CLOCK_MONOTONIC from just
 * before fork: when a console line starts with the marker, and when the
 * process has exited.  With -s it also measures memory: SECONDS after the
 * marker, while the guest idles, it reads /proc/PID/status (VmHWM),
 * /proc/PID/smaps_rollup and /proc/PID/smaps, then kills the VMM.
 *
 * Guest RAM is told apart from the VMM's own memory by size: every mapping
 * at least 7/8 of -g BYTES is the guest's (khyve: anonymous, or the RAM file of a named VM; QEMU:
 * an anonymous private mapping).  The VMM's own share is the total less
 * those mappings, for Rss, the private pages (Private_Clean+Private_Dirty)
 * and Anonymous; the peak is VmHWM less the guest's resident part.
 *
 * Usage: vmmtime [-m MARKER] [-s SECONDS -g BYTES] [-t LIMIT] [-o CONSOLE] -- CMD...
 * Prints one line on stdout:
 *   up=S exit=S rc=N [rss_kb= hwm_kb= guest_kb= own_rss_kb= own_peak_kb=
 *   own_private_kb= own_anon_kb= rollup_private_kb= rollup_anon_kb=]
 * up=-1 when the marker never came; rc=-SIG when a signal ended the VMM
 * (-9 after the memory sample, which is expected).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct mem {
	long	rss, hwm, guest, guest_private, guest_anon;
	long	own_private, own_anon;		/* from smaps, guest excluded */
	long	rollup_private, rollup_anon, rollup_rss;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* The kB value of "KEY:  N kB" if LINE has that key, else -1. */
static long
field(const char *line, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) != 0 || line[n] != ':')
		return (-1);
	return (strtol(line + n + 1, NULL, 10));
}

static void
read_status(pid_t pid, struct mem *m)
{
	char path[64], line[256];
	FILE *f;
	long v;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((v = field(line, "VmHWM")) >= 0)
			m->hwm = v;
		if ((v = field(line, "VmRSS")) >= 0)
			m->rss = v;
	}
	fclose(f);
}

static void
read_rollup(pid_t pid, struct mem *m)
{
	char path[64], line[256];
	FILE *f;
	long v;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((v = field(line, "Rss")) >= 0)
			m->rollup_rss = v;
		if ((v = field(line, "Private_Clean")) >= 0 ||
		    (v = field(line, "Private_Dirty")) >= 0)
			m->rollup_private += v;
		if ((v = field(line, "Anonymous")) >= 0)
			m->rollup_anon = v;
	}
	fclose(f);
}

/* Per mapping: the guest's mappings are told apart by their size. */
static void
read_smaps(pid_t pid, long guest_kb, struct mem *m)
{
	char path[64], line[512];
	bool guest = false;
	FILE *f;
	long v;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((v = field(line, "Size")) >= 0) {
			guest = guest_kb > 0 && v >= guest_kb / 8 * 7;
			continue;
		}
		if ((v = field(line, "Rss")) >= 0 && guest)
			m->guest += v;
		if ((v = field(line, "Private_Clean")) >= 0 ||
		    (v = field(line, "Private_Dirty")) >= 0) {
			if (guest)
				m->guest_private += v;
			else
				m->own_private += v;
		}
		if ((v = field(line, "Anonymous")) >= 0) {
			if (guest)
				m->guest_anon += v;
			else
				m->own_anon += v;
		}
	}
	fclose(f);
}

static void
usage(void)
{
	fprintf(stderr, "usage: vmmtime [-m MARKER] [-s SECONDS -g BYTES] "
	    "[-t LIMIT] [-o CONSOLE] -- COMMAND...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *marker = "KHYVE-GUEST-UP", *console = NULL;
	double t0, t_up = -1, t_sample = 0, t_exit, limit = 600, settle = -1;
	long guest_kb = 0;
	char buf[4096], line[1024];
	size_t len = 0;
	struct mem m;
	bool sampled = false, eof = false;
	int p[2], in[2], c, status, outfd = -1, rc;
	pid_t pid;

	while ((c = getopt(argc, argv, "m:s:g:t:o:")) != -1) {
		switch (c) {
		case 'm': marker = optarg; break;
		case 's': settle = atof(optarg); break;
		case 'g': guest_kb = atol(optarg) / 1024; break;
		case 't': limit = atof(optarg); break;
		case 'o': console = optarg; break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	if (console != NULL &&
	    (outfd = open(console, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		err(2, "%s", console);
	memset(&m, 0, sizeof(m));
	if (pipe2(p, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0)
		err(2, "pipe");

	t0 = now();
	pid = fork();
	if (pid < 0)
		err(2, "fork");
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(p[1], 1) < 0 ||
		    dup2(p[1], 2) < 0)
			_exit(126);
		execvp(argv[optind], argv + optind);
		_exit(127);
	}
	close(p[1]);
	close(in[0]);	/* in[1] stays open: a console nobody types on */

	while (!eof) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		double t = now(), wait_s = t0 + limit - t;
		ssize_t n;

		if (t_up >= 0 && settle >= 0 && !sampled) {
			if (t >= t_up + settle) {
				read_status(pid, &m);
				read_rollup(pid, &m);
				read_smaps(pid, guest_kb, &m);
				t_sample = t;
				sampled = true;
				kill(pid, SIGKILL);
				continue;
			}
			if (t_up + settle - t < wait_s)
				wait_s = t_up + settle - t;
		}
		if (wait_s <= 0) {
			kill(pid, SIGKILL);
			fprintf(stderr, "vmmtime: %s killed after %.0f s\n",
			    argv[optind], limit);
			limit = 1e9;
			continue;
		}
		if (poll(&pfd, 1, (int)(wait_s * 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			err(2, "poll");
		}
		if (pfd.revents == 0)
			continue;
		n = read(p[0], buf, sizeof(buf));
		if (n <= 0) {
			eof = true;
			break;
		}
		if (outfd >= 0 && write(outfd, buf, (size_t)n) != n)
			err(2, "%s", console);
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n' || len == sizeof(line) - 1) {
				line[len] = '\0';
				if (t_up < 0 && strncmp(line, marker, strlen(marker)) == 0)
					t_up = now();
				len = 0;
			} else if (buf[i] != '\r') {
				line[len++] = buf[i];
			}
		}
	}
	if (waitpid(pid, &status, 0) < 0)
		err(2, "waitpid");
	t_exit = now();
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);

	printf("up=%.4f exit=%.4f rc=%d", t_up < 0 ? -1.0 : t_up - t0,
	    sampled ? t_sample - t0 : t_exit - t0, rc);
	if (sampled)
		printf(" rss_kb=%ld hwm_kb=%ld guest_kb=%ld own_rss_kb=%ld "
		    "own_peak_kb=%ld own_private_kb=%ld own_anon_kb=%ld "
		    "rollup_private_kb=%ld rollup_anon_kb=%ld",
		    m.rss, m.hwm, m.guest, m.rollup_rss - m.guest,
		    m.hwm - m.guest, m.own_private, m.own_anon,
		    m.rollup_private, m.rollup_anon);
	printf("\n");
	return (0);
}
