/*
 * khyveload: bhyveload(8)'s command line.  It will create the named VM,
 * size its memory and load a guest kernel into it; for now it checks its
 * arguments as bhyveload does and then refuses, with status 4, to act.
 *
 * Statuses: 1 for usage (as bhyveload), 64 for a bad memory size, 4 for
 * "not implemented yet".
 */
#include <err.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/options.h"

static const char *progname;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-CS] [-c <console-device>] [-d <disk-path>] "
	    "[-e <name=value>]\n"
	    "       %*s [-h <host-path>] [-m memsize[K|k|M|m|G|g|T|t]] "
	    "<vmname>\n",
	    progname, (int)strlen(progname), "");
	exit(1);
}

int
main(int argc, char *argv[])
{
	uint64_t memsize = 256ULL << 20;
	int opt;

	progname = basename(argv[0]);
	opterr = 0;
	while ((opt = getopt(argc, argv, "+:CSc:d:e:h:m:")) != -1) {
		switch (opt) {
		case 'C': case 'S': case 'c': case 'd': case 'h':
			break;
		case 'e':
			if (strchr(optarg, '=') == NULL)
				errx(EX_STATUS_USAGE, "invalid environment "
				    "variable '%s'", optarg);
			break;
		case 'm':
			if (parse_memsize(optarg, &memsize) != 0)
				errx(EX_STATUS_USAGE, "Invalid memsize '%s'",
				    optarg);
			break;
		case ':':
			warnx("option requires an argument -- %c", optopt);
			usage();
			break;
		default:
			warnx("illegal option -- %c", optopt);
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	errx(EX_STATUS_FAIL, "%s: loading guests is not implemented yet",
	    argv[0]);
}
