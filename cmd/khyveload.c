/*
 * khyveload: bhyveload(8) for Linux guests.  Creates the named VM (or
 * re-initialises it when it exists, as bhyveload's vm_reinit), gives it
 * fresh RAM, loads a Linux kernel, initrd and command line into it and
 * saves the boot CPU state; `khyve NAME` then runs it (core/vmname.h).
 *
 * The kernel comes from a host directory (-h, nothing outside it can be
 * reached) or the guest's own disk image (-d), chosen by the guest's boot
 * configuration there (GRUB's grub.cfg or extlinux.conf) unless -e
 * kernel=, initrd=, cmdline= name it; other -e name=value pairs are
 * appended to the command line.  What it loads is printed on the console
 * (-c, default stdout).
 *
 * -C and -S are accepted for bhyveload's sake: the loader holds the
 * memory only while loading, so give them to khyve.  -l (a userboot
 * loader library) has no Linux meaning and is refused.
 *
 * Statuses, as bhyveload: 0 loaded, 1 usage or any failure, 64 for a bad
 * -m, -e or -c value.
 */
#include <err.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boot/boot.h"
#include "boot/bootsrc.h"
#include "config/options.h"
#include "core/vm.h"
#include "core/vmname.h"

#define MAX_DISKS	32

struct loader {
	const char	*name;
	uint64_t	memsize;
	const char	*host;
	const char	*disks[MAX_DISKS];
	int		ndisks;
	struct bootsel	sel;
	char		*extra;		/* other -e values, joined */
	FILE		*cons;
};

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

/* -e: the three names khyveload uses, else a kernel argument. */
static void
add_env(struct loader *l, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *s;

	if (eq == NULL)
		errx(EX_STATUS_USAGE, "invalid environment variable '%s'", arg);
	if (strncmp(arg, "kernel=", 7) == 0)
		l->sel.kernel = eq + 1;
	else if (strncmp(arg, "initrd=", 7) == 0)
		l->sel.initrd = eq + 1;
	else if (strncmp(arg, "cmdline=", 8) == 0)
		l->sel.cmdline = eq + 1;
	else {
		if (asprintf(&s, "%s%s%s", l->extra ? l->extra : "",
		    l->extra ? " " : "", arg) < 0)
			err(1, "asprintf");
		free(l->extra);
		l->extra = s;
	}
}

static void
parse_args(struct loader *l, int argc, char *argv[])
{
	int opt;

	opterr = 0;
	while ((opt = getopt(argc, argv, "+:CSc:d:e:h:l:m:")) != -1) {
		switch (opt) {
		case 'C': case 'S':
			break;
		case 'c':
			if (l->cons != stdout)
				fclose(l->cons);
			if ((l->cons = fopen(optarg, "w")) == NULL)
				errx(EX_STATUS_USAGE, "Could not open '%s'",
				    optarg);
			setvbuf(l->cons, NULL, _IOLBF, 0);
			break;
		case 'd':
			if (l->ndisks == MAX_DISKS)
				errx(EX_STATUS_USAGE, "at most %d disks",
				    MAX_DISKS);
			l->disks[l->ndisks++] = optarg;
			break;
		case 'e':
			add_env(l, optarg);
			break;
		case 'h':
			l->host = optarg;
			break;
		case 'l':
			errx(EX_STATUS_USAGE, "-l %s: loader libraries are a "
			    "FreeBSD userboot feature; khyveload loads Linux "
			    "kernels itself", optarg);
		case 'm':
			if (parse_memsize(optarg, &l->memsize) != 0)
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
	if (argc - optind != 1)
		usage();
	l->name = argv[optind];
	l->sel.extra = l->extra;
}

/* The source the kernel comes from: -h, else the -d disks. */
static int
open_source(struct loader *l, struct bootsrc *s, struct boot_err *e)
{
	if (l->host != NULL)
		return (hostdir_init(s, l->host, e));
	if (l->ndisks > 0)
		return (disk_source_init(s, l->disks, l->ndisks,
		    l->sel.kernel == NULL, e));
	return (boot_fail(e, "nothing to load from: give -h host-path or "
	    "-d disk-path"));
}

/*
 * Creates or re-initialises the VM; returns its RAM file's fd.  *created
 * says whether it is new (a failed load then takes it away again).
 */
static int
prepare_vm(struct loader *l, struct vmdir *d, struct vm *vm, bool *created,
    struct vmname_err *ve)
{
	int fd;

	*created = vmdir_create(d, l->name, ve) == 0;
	if (!*created && (errno != EEXIST || vmdir_open(d, l->name, ve) != 0))
		return (-1);
	if (vmdir_lock(d, ve) != 0)
		return (-1);
	if ((fd = vmdir_reinit(d, l->memsize, ve)) < 0)
		return (-1);
	memset(vm, 0, sizeof(*vm));
	vm->name = l->name;
	vm->mem_fd = fd;
	vm_layout(vm, l->memsize);
	vm->mem = mmap(NULL, l->memsize, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		snprintf(ve->msg, sizeof(ve->msg), "%s: cannot map %llu bytes "
		    "of guest memory: %s", l->name,
		    (unsigned long long)l->memsize, strerror(errno));
		return (-1);
	}
	return (fd);
}

static int
open_files(struct bootsrc *s, const struct bootcfg *c, struct boot_file *k,
    struct boot_file *i, struct boot_err *e)
{
	k->fd = i->fd = -1;
	if (s->open(s, c->kernel, k, e) != 0)
		return (-1);
	if (c->initrd != NULL && s->open(s, c->initrd, i, e) != 0) {
		s->close(s, k);
		return (-1);
	}
	return (0);
}

static void
announce(struct loader *l, struct bootsrc *s, const char *config,
    const struct bootcfg *c, const struct boot_file *k,
    const struct boot_file *i)
{
	FILE *f = l->cons;

	fprintf(f, "%s: loading %s from %s", progname, l->name, s->what);
	if (*config != '\0')
		fprintf(f, " (%s, entry '%s')", config, c->title);
	fprintf(f, "\n  kernel  %s (%llu bytes)\n", c->kernel,
	    (unsigned long long)k->size);
	if (c->initrd != NULL)
		fprintf(f, "  initrd  %s (%llu bytes)\n", c->initrd,
		    (unsigned long long)i->size);
	fprintf(f, "  cmdline %s\n  memory  %llu MiB\n", c->cmdline,
	    (unsigned long long)(l->memsize >> 20));
}

static int
load(struct loader *l)
{
	struct bootsrc s;
	struct bootcfg c = { 0 };
	struct boot_file k = { .fd = -1 }, i = { .fd = -1 };
	struct boot_err e = { "" };
	struct vmname_err ve = { "" };
	struct vm_bootstate bs = { .memsize = l->memsize };
	struct vmdir d = { .dirfd = -1, .lockfd = -1 };
	struct vm vm = { .mem = NULL, .mem_fd = -1 };
	char config[256];
	int r = -1, sr;
	bool created = false;

	if ((sr = open_source(l, &s, &e)) != 0)
		goto out;
	if (bootsrc_choose(&s, &l->sel, &c, config, sizeof(config), &e) != 0 ||
	    open_files(&s, &c, &k, &i, &e) != 0)
		goto out;
	if (prepare_vm(l, &d, &vm, &created, &ve) < 0) {
		snprintf(e.msg, sizeof(e.msg), "%s", ve.msg);
		goto out;
	}
	announce(l, &s, config, &c, &k, &i);
	struct boot_args a = { .kernel = &k, .initrd = c.initrd ? &i : NULL,
	    .cmdline = c.cmdline };
	if (boot_load(&vm, &a, &bs.cpu, &e) != 0)
		goto out;
	if (vmdir_save_boot(&d, &bs, &ve) != 0) {
		snprintf(e.msg, sizeof(e.msg), "%s", ve.msg);
		goto out;
	}
	r = 0;
out:
	if (r != 0)
		warnx("%s", e.msg);
	if (r != 0 && created)
		(void)vmdir_destroy(&d, &ve);
	if (vm.mem != NULL)
		munmap(vm.mem, l->memsize);
	if (vm.mem_fd >= 0)
		close(vm.mem_fd);
	vmdir_close(&d);
	if (k.fd >= 0 || k.buf != NULL)
		s.close(&s, &k);
	if (i.fd >= 0 || i.buf != NULL)
		s.close(&s, &i);
	bootcfg_free(&c);
	if (sr == 0)
		s.fini(&s);
	return (r);
}

int
main(int argc, char *argv[])
{
	struct loader l = { .memsize = 256ULL << 20 };
	struct vmname_err ve;
	int r;

	progname = basename(argv[0]);
	l.cons = stdout;
	parse_args(&l, argc, argv);
	if (vmname_check(l.name, &ve) != 0)
		errx(1, "%s", ve.msg);
	if (l.memsize % (uint64_t)sysconf(_SC_PAGESIZE) != 0)
		errx(EX_STATUS_USAGE, "Invalid memsize '%llu': not a multiple "
		    "of the page size", (unsigned long long)l.memsize);
	r = load(&l);
	free(l.extra);
	if (l.cons != stdout)
		fclose(l.cons);
	return (r == 0 ? 0 : 1);
}
