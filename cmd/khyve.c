/*
 * khyve: bhyve(8)'s command line for a KVM virtual machine.
 *
 * main() turns argv into the config tree in the order bhyverun.c does
 * (flags, then the VM name), honours config.dump, checks the CPU topology,
 * the vCPU pinning and the memory size, and hands the machine its
 * run_params.  Everything else (devices, boot) is read from the tree by
 * the machine.  Exit statuses are bhyve's: 64 (EX_USAGE) for a bad flag
 * value, 4 for other errors, 1 for usage and config.dump.
 */
#include <err.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/options.h"
#include "core/run.h"

static const char *progname;

static void
usage(int code)
{
	int w = (int)strlen(progname);

	fprintf(stderr,
	    "Usage: %s [-AaCDeHhPSuWwxY]\n"
	    "       %*s [-c [[cpus=]numcpus][,sockets=n][,cores=n][,threads=n]]\n"
	    "       %*s [-B type=n,key=value,...] [-f name=n,file=path|string=s]\n"
	    "       %*s [-G [w][address:]port] [-K layout] [-k config_file]\n"
	    "       %*s [-l lpc] [-m mem] [-o var=value] [-p vcpu:hostcpu]\n"
	    "       %*s [-r file] [-s pci] [-U uuid] vmname\n"
	    "       -A: create ACPI tables\n"
	    "       -a: local apic is in xAPIC mode (deprecated)\n"
	    "       -B: SMBIOS table strings (type=0 BIOS, type=1 system)\n"
	    "       -C: include guest memory in core file\n"
	    "       -c: number of CPUs and/or topology specification\n"
	    "       -D: destroy on power-off\n"
	    "       -e: exit on unhandled I/O access\n"
	    "       -f: add a fw_cfg file\n"
	    "       -G: start a debug server\n"
	    "       -H: vmexit from the guest on HLT\n"
	    "       -h: help\n"
	    "       -k: key=value flat config file\n"
	    "       -K: PS2 keyboard layout\n"
	    "       -l: LPC device configuration\n"
	    "       -m: memory size\n"
	    "       -o: set config 'var' to 'value'\n"
	    "       -P: vmexit from the guest on pause\n"
	    "       -p: pin 'vcpu' to 'hostcpu'\n"
	    "       -r: path to checkpoint file\n"
	    "       -S: guest memory cannot be swapped\n"
	    "       -s: <slot,driver,configinfo> PCI slot config\n"
	    "       -U: UUID\n"
	    "       -u: RTC keeps UTC time\n"
	    "       -W: force virtio to use single-vector MSI\n"
	    "       -w: ignore unimplemented MSRs\n"
	    "       -x: local APIC is in x2APIC mode\n"
	    "       -Y: disable MPtable generation\n",
	    progname, w, "", w, "", w, "", w, "", w, "");
	free_config();
	exit(code);
}

static void
die(const struct opt_error *e)
{
	free_config();
	errx(e->status, "%s", e->msg);
}

static void
set_bool(const char *key, bool value)
{
	if (set_config_bool(key, value) != 0) {
		warnx("%s", config_error());
		free_config();
		exit(EX_STATUS_FAIL);
	}
}

static void
set_value(const char *key, const char *value)
{
	if (set_config_value(key, value) != 0) {
		warnx("%s", config_error());
		free_config();
		exit(EX_STATUS_FAIL);
	}
}

/* -s and -l take "help" or any prefix of it, as bhyve's strncmp does. */
static bool
is_help(const char *arg)
{
	return (strncmp(arg, "help", strlen(arg)) == 0);
}

/* Flags whose value goes through a parser in config/. */
static void
parse_flag(int c, const char *arg)
{
	struct opt_error e = { 0, "" };
	int rc = 0;

	switch (c) {
	case 'B':
		rc = smbios_option_parse(arg, &e);
		break;
	case 'c':
		rc = topology_parse(arg, &e);
		break;
	case 'f':
		rc = fwcfg_option_parse(arg, &e);
		break;
	case 'G':
		rc = gdb_option_parse(arg, &e);
		break;
	case 'k':
		rc = config_file_parse(arg, &e);
		break;
	case 'l':
		if (is_help(arg)) {
			lpc_print_supported_devices(stdout);
			free_config();
			exit(0);
		}
		rc = lpc_device_parse(arg, &e);
		break;
	case 'o':
		rc = config_option_parse(arg, &e);
		break;
	case 'p':
		rc = pincpu_parse(arg, host_ncpus(), &e);
		break;
	case 's':
		if (is_help(arg)) {
			pci_print_supported_devices(stdout);
			free_config();
			exit(0);
		}
		rc = pci_parse_slot(arg, &e);
		break;
	}
	if (rc != 0)
		die(&e);
}

/* One flag; returns the -r file when c is 'r', else NULL. */
static const char *
apply_flag(int c, const char *arg)
{
	switch (c) {
	case 'A':	/* ACPI tables are always built, as in bhyve */
	case 'I':	/* the I/O APIC is always there */
		break;
	case 'a': set_bool("x86.x2apic", false); break;
	case 'C': set_bool("memory.guest_in_core", true); break;
	case 'D': set_bool("destroy_on_poweroff", true); break;
	case 'e': set_bool("x86.strictio", true); break;
	case 'H': set_bool("x86.vmexit_on_hlt", true); break;
	case 'K': set_value("keyboard.layout", arg); break;
	case 'm': set_value("memory.size", arg); break;
	case 'P': set_bool("x86.vmexit_on_pause", true); break;
	case 'S': set_bool("memory.wired", true); break;
	case 'U': set_value("uuid", arg); break;
	case 'u': set_bool("rtc.use_localtime", false); break;
	case 'W': set_bool("virtio_msix", false); break;
	case 'w': set_bool("x86.strictmsr", false); break;
	case 'x': set_bool("x86.x2apic", true); break;
	case 'Y': set_bool("x86.mptable", false); break;
	case 'r': return (arg);
	case 'h': usage(0); break;
	case 'B': case 'c': case 'f': case 'G': case 'k': case 'l': case 'o':
	case 'p': case 's':
		parse_flag(c, arg);
		break;
	case ':':
		warnx("option requires an argument -- %c", optopt);
		usage(1);
		break;
	default:
		warnx("illegal option -- %c", optopt);
		usage(1);
	}
	return (NULL);
}

/* Reads back what the machine needs before it starts; exits on error. */
static void
check_config(struct run_params *p, struct topology *t)
{
	struct opt_error e = { 0, "" };
	const char *value;
	bool dump;

	if (get_config_bool_checked("config.dump", false, &dump) != 0) {
		e.status = EX_STATUS_FAIL;
		snprintf(e.msg, sizeof(e.msg), "%s", config_error());
		die(&e);
	}
	/* Before the dump, so that it shows the bridge khyve adds. */
	if (pci_lpc_default(&e) != 0)
		die(&e);
	if (dump) {
		dump_config(stdout);
		free_config();
		exit(1);
	}
	if (calc_topology(t, &e) != 0 ||
	    build_vcpumaps(t->ncpus, host_ncpus(), &p->vcpumap, &e) != 0)
		die(&e);
	p->ncpus = t->ncpus;
	p->sockets = t->sockets;
	p->cores = t->cores;
	p->threads = t->threads;

	value = get_config_value("memory.size");
	if (value == NULL || parse_memsize(value, &p->memsize) != 0) {
		free_vcpumaps(p->ncpus, p->vcpumap);
		e.status = EX_STATUS_USAGE;
		snprintf(e.msg, sizeof(e.msg), "invalid memsize '%s'",
		    value ? value : "");
		die(&e);
	}
}

int
main(int argc, char *argv[])
{
	struct run_params p = { 0 };
	struct topology t;
	const char *restore = NULL, *r;
	char *name;
	int c, status;

	progname = basename(argv[0]);
	init_config();
	opterr = 0;	/* our own messages, named like errx()'s */
	/* ':' reports a missing argument apart; '+': stop at the VM name, as BSD getopt does. */
	while ((c = getopt(argc, argv,
	    "+:aehuwxACDHIPSWYB:k:f:o:p:G:c:s:m:l:K:U:r:")) != -1) {
		if ((r = apply_flag(c, optarg)) != NULL)
			restore = r;
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage(1);
	if (restore != NULL) {
		free_config();
		errx(EX_STATUS_FAIL, "restoring from checkpoint '%s' is not "
		    "supported yet", restore);
	}
	if (argc == 1)
		set_value("name", argv[0]);
	if ((r = get_config_value("name")) == NULL)
		usage(1);
	/* The name becomes a directory under the runtime dir. */
	if (*r == '\0' || strchr(r, '/') != NULL || strcmp(r, ".") == 0 ||
	    strcmp(r, "..") == 0)
		errx(EX_STATUS_FAIL, "invalid VM name '%s'", r);
	if ((name = strdup(r)) == NULL)
		err(EX_STATUS_FAIL, "strdup");
	p.name = name;

	check_config(&p, &t);
	status = khyve_run(&p);
	free_vcpumaps(p.ncpus, p.vcpumap);
	free(name);
	free_config();
	return (status);
}
