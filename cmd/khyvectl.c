/*
 * khyvectl: bhyvectl(8) for named VMs (core/vmname.h).  --vm=NAME with
 * --create, --destroy, --get-stats, --force-reset, --force-poweroff (run
 * in that order when several are given, as bhyvectl does them one after
 * another), or --list: every named VM with its state (created, prepared,
 * running) and the running process's pid.
 *
 * --get-stats, --force-reset and --force-poweroff talk to the running VM
 * through its control socket (core/control.h).  --destroy of a running VM
 * powers it off first, as destroying a bhyve VM ends its bhyve process.
 *
 * Statuses: 0 done, 1 usage or failure (bhyvectl's).
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/options.h"
#include "core/control.h"
#include "core/vmname.h"

enum { OPT_VM = 256, OPT_CREATE, OPT_DESTROY, OPT_STATS, OPT_RESET,
    OPT_POWEROFF, OPT_LIST };

/* Waiting for a powered-off VM's process to let go of it. */
#define STOP_WAIT_MS	10000

struct actions {
	bool	create, destroy, stats, reset, poweroff, list;
};

static const char *progname;

static void
usage(void)
{
	fprintf(stderr,
	    "Usage: %s --vm=<vmname>\n"
	    "       [--create]\n"
	    "       [--destroy]\n"
	    "       [--get-stats]\n"
	    "       [--force-reset]\n"
	    "       [--force-poweroff]\n"
	    "       %s --list\n",
	    progname, progname);
	exit(1);
}

static const char *
state_name(enum vm_state s)
{
	switch (s) {
	case VMSTATE_RUNNING:	return ("running");
	case VMSTATE_PREPARED:	return ("prepared");
	default:		return ("created");
	}
}

static void
list_one(struct vmdir *d, void *arg)
{
	struct vmname_err e;
	uint64_t size = 0;
	pid_t pid;
	enum vm_state s = vmdir_state(d, &pid);
	int fd = vmdir_open_mem(d, &size, &e);
	char pidbuf[16] = "-";

	(void)arg;
	if (fd >= 0)
		close(fd);
	if (s == VMSTATE_RUNNING && pid > 0)
		snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	printf("%-20s %-9s %-8s %lluM\n", d->name, state_name(s), pidbuf,
	    (unsigned long long)(size >> 20));
}

static int
list(void)
{
	struct vmname_err e;

	printf("%-20s %-9s %-8s %s\n", "NAME", "STATE", "PID", "MEMORY");
	if (vmdir_foreach(list_one, NULL, &e) != 0) {
		warnx("%s", e.msg);
		return (1);
	}
	return (0);
}

/* One request to the running VM; its answer goes to stdout. */
static int
request(struct vmdir *d, const char *req, bool quiet)
{
	char *ans;
	int r = 0;

	if (vmdir_owner(d) == 0) {
		warnx("%s: virtual machine is not running", d->name);
		return (1);
	}
	if ((ans = control_request(d->dirfd, req)) == NULL) {
		warnx("%s: cannot reach its control socket: %s", d->name,
		    strerror(errno));
		return (1);
	}
	if (strncmp(ans, "error: ", 7) == 0) {
		warnx("%s: %s", d->name, ans + 7);
		r = 1;
	} else if (*ans == '\0') {
		warnx("%s: no answer from the virtual machine", d->name);
		r = 1;
	} else if (!quiet)
		fputs(ans, stdout);
	free(ans);
	return (r);
}

static int
destroy(struct vmdir *d)
{
	struct vmname_err e;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	if (vmdir_owner(d) != 0) {
		if (request(d, "poweroff", true) != 0)
			return (1);
		for (int ms = 0; vmdir_owner(d) != 0 && ms < STOP_WAIT_MS;
		    ms += 50)
			nanosleep(&ts, NULL);
	}
	if (vmdir_destroy(d, &e) != 0) {
		warnx("%s", e.msg);
		return (1);
	}
	return (0);
}

static int
act(const char *name, const struct actions *a)
{
	struct vmname_err e;
	struct vmdir d;
	int r = 0;

	if (a->create) {
		if (vmdir_create(&d, name, &e) != 0) {
			warnx("%s", e.msg);
			return (1);
		}
	} else if (vmdir_open(&d, name, &e) != 0) {
		warnx("%s", e.msg);
		return (1);
	}
	if (a->stats)
		r |= request(&d, "stats", false);
	if (a->reset && r == 0)
		r |= request(&d, "reset", true);
	if (a->poweroff && r == 0)
		r |= request(&d, "poweroff", true);
	if (a->destroy && r == 0)
		r |= destroy(&d);
	vmdir_close(&d);
	return (r);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "vm",			required_argument, NULL, OPT_VM },
		{ "create",		no_argument, NULL, OPT_CREATE },
		{ "destroy",		no_argument, NULL, OPT_DESTROY },
		{ "get-stats",		no_argument, NULL, OPT_STATS },
		{ "force-reset",	no_argument, NULL, OPT_RESET },
		{ "force-poweroff",	no_argument, NULL, OPT_POWEROFF },
		{ "list",		no_argument, NULL, OPT_LIST },
		{ NULL,			0, NULL, 0 },
	};
	struct actions a = { 0 };
	const char *vmname = NULL;
	int c, nactions = 0;

	progname = basename(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case OPT_VM:		vmname = optarg; break;
		case OPT_LIST:		a.list = true; break;
		case OPT_CREATE:	a.create = true; nactions++; break;
		case OPT_DESTROY:	a.destroy = true; nactions++; break;
		case OPT_STATS:		a.stats = true; nactions++; break;
		case OPT_RESET:		a.reset = true; nactions++; break;
		case OPT_POWEROFF:	a.poweroff = true; nactions++; break;
		default:
			warnx("unrecognized option '%s'", argv[optind - 1]);
			usage();
		}
	}
	if (optind != argc || (!a.list && vmname == NULL) ||
	    (a.list && (vmname != NULL || nactions != 0)))
		usage();
	if (a.list)
		return (list());
	return (act(vmname, &a));
}
