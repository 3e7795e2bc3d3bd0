/*
 * khyvectl: bhyvectl(8)'s command line for named VMs (--vm=NAME with
 * --create, --destroy, --get-stats, --force-reset, --force-poweroff, or
 * --list).  For now it checks its arguments as bhyvectl does and then
 * refuses, with status 4, to act.
 *
 * Statuses: 1 for usage (as bhyvectl), 4 for "not implemented yet".
 */
#include <err.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"

enum { OPT_VM = 256, OPT_CREATE, OPT_DESTROY, OPT_STATS, OPT_RESET,
    OPT_POWEROFF, OPT_LIST };

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
	const char *vmname = NULL;
	int c, actions = 0;
	bool list = false;

	progname = basename(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case OPT_VM:
			vmname = optarg;
			break;
		case OPT_LIST:
			list = true;
			break;
		case OPT_CREATE: case OPT_DESTROY: case OPT_STATS:
		case OPT_RESET: case OPT_POWEROFF:
			actions++;
			break;
		default:
			warnx("unrecognized option '%s'", argv[optind - 1]);
			usage();
		}
	}
	if (optind != argc || (!list && vmname == NULL) ||
	    (list && (vmname != NULL || actions != 0)))
		usage();
	if (list)
		errx(EX_STATUS_FAIL, "--list is not implemented yet");
	errx(EX_STATUS_FAIL, "%s: controlling VMs is not implemented yet",
	    vmname);
}
