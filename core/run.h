/*
 * The hand-off from cmd/khyve.c to the machine: everything argv decided,
 * already checked.  The rest (devices, boot) is read from the config tree.
 */
#ifndef KHYVE_CORE_RUN_H
#define KHYVE_CORE_RUN_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stdint.h>

struct run_params {
	const char	*name;
	int		ncpus;
	uint16_t	sockets, cores, threads;
	uint64_t	memsize;
	cpu_set_t	**vcpumap;	/* ncpus entries; NULL = not pinned */
};

/* Builds and runs the VM; returns the process exit status (0–4, as bhyve). */
int khyve_run(const struct run_params *p);

#endif
