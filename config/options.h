/*
 * argv → config tree: the parsers behind khyve's flags, after bhyverun.c,
 * pci_emul.c and pci_lpc.c.  They only write keys into the tree (or read
 * them back for calc_topology and the vCPU maps); main() prints errors and
 * exits.
 *
 * Every parser returns 0, or -1 after filling *e with a one-line message
 * (no program name, no newline) and the exit status bhyve uses for it.
 */
#ifndef KHYVE_CONFIG_OPTIONS_H
#define KHYVE_CONFIG_OPTIONS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"

#define	EX_STATUS_USAGE	64	/* sysexits EX_USAGE */
#define	EX_STATUS_FAIL	4	/* bhyve's "error" status */

struct opt_error {
	int	status;
	char	msg[512];
};

struct topology {
	int		ncpus;
	uint16_t	sockets, cores, threads;
};

/* -o var=value (also one line of a -k file). */
/* Sets e's status and message (printf-style); returns -1. */
int opt_fail(struct opt_error *e, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int config_option_parse(const char *opt, struct opt_error *e);
/* -k file: key=value lines, '#' comments and blank lines; errors name file:line. */
int config_file_parse(const char *path, struct opt_error *e);
int config_file_parse_fp(FILE *fp, const char *name, struct opt_error *e);

/* -c: stores cpus/sockets/cores/threads. */
int topology_parse(const char *opt, struct opt_error *e);
/* Reads those keys back and checks them as bhyve does. */
int calc_topology(struct topology *t, struct opt_error *e);

/* Host CPUs a vCPU may be pinned to: 0 .. host_ncpus() - 1. */
int host_ncpus(void);
/* -p vcpu:hostcpu: appends hostcpu to vcpu.N.cpuset. */
int pincpu_parse(const char *opt, int nhost, struct opt_error *e);
/* "0-3,6" → set; host CPUs at or beyond nhost are refused. */
int parse_cpuset(int vcpu, const char *list, int nhost, cpu_set_t *set,
    struct opt_error *e);
/* vcpu.N.cpuset for N < ncpus → (*map)[N] (NULL when unpinned). */
int build_vcpumaps(int ncpus, int nhost, cpu_set_t ***map,
    struct opt_error *e);
void free_vcpumaps(int ncpus, cpu_set_t **map);

/* -s slot,emul[,config] → pci.B.S.F.*. */
int pci_parse_slot(const char *opt, struct opt_error *e);
/* The default legacy option parser: "a=b,c" → a=b, c=true under node. */
int pci_parse_legacy_config(config_node_t *node, const char *opt);
void pci_print_supported_devices(FILE *fp);
/*
 * When -l devices (lpc.NAME nodes) are configured and no slot holds the
 * lpc bridge, puts it at 0:31:0 (pci.0.31.0.device=lpc) so they have a
 * bridge; -1 if slot 31 is taken by something else.
 */
int pci_lpc_default(struct opt_error *e);

/* -l com1,stdio | bootrom,rom[,vars] | pc-testdev | fwcfg,TYPE | NAME,... */
int lpc_device_parse(const char *opt, struct opt_error *e);
void lpc_print_supported_devices(FILE *fp);

/* -G [w][address:]port → gdb.wait, gdb.address, gdb.port. */
int gdb_option_parse(const char *opt, struct opt_error *e);
/* -f [name=]NAME,string=STR | [name=]NAME,file=PATH → fwcfg.N.* */
int fwcfg_option_parse(const char *opt, struct opt_error *e);
/* -B type=N,key=value,... (illumos) → bios.* / system.* / uuid. */
int smbios_option_parse(const char *opt, struct opt_error *e);

#endif
