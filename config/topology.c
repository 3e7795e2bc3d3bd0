/*
 * CPU options: -c (topology_parse, calc_topology) and -p with the
 * vcpu.N.cpuset lists (pincpu_parse, parse_cpuset, build_vcpumaps).
 *
 * Follows bhyverun.c: -c only stores cpus/sockets/cores/threads; the
 * numbers are checked after all of argv (and -k/-o) has been read, so a
 * config file can set them too.  An absent "cpus" means "sockets x cores x
 * threads"; an explicit one must match that product.  Everything is held
 * to 16 bits, the width of the topology KVM and vmm.ko are given.
 *
 * Unlike bhyve, pinning to a host CPU the machine does not have is refused
 * here rather than failing later in pthread_setaffinity_np().
 */
#include <errno.h>
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/options.h"

static int
set_or_fail(const char *key, const char *value, struct opt_error *e)
{
	if (set_config_value(key, value) != 0)
		return (opt_fail(e, EX_STATUS_FAIL, "%s", config_error()));
	return (0);
}

/* Each comma-separated part is "cpus=", "sockets=", "cores=", "threads="
 * or a bare count; an empty -c means one vCPU, as bhyve's manual says. */
int
topology_parse(const char *opt, struct opt_error *e)
{
	static const char *const keys[] = { "cpus", "sockets", "cores",
	    "threads" };
	char *str, *tofree, *cp;
	size_t i, n;
	int rc = 0;

	if (*opt == '\0') {
		for (i = 0; i < 4 && rc == 0; i++)
			rc = set_or_fail(keys[i], "1", e);
		return (rc);
	}
	if ((tofree = str = strdup(opt)) == NULL)
		return (opt_fail(e, EX_STATUS_FAIL, "Failed to allocate memory"));
	while (rc == 0 && (cp = strsep(&str, ",")) != NULL) {
		for (i = 0; i < 4; i++) {
			n = strlen(keys[i]);
			if (strncmp(cp, keys[i], n) == 0 && cp[n] == '=')
				break;
		}
		if (i < 4)
			rc = set_or_fail(keys[i], cp + n + 1, e);
		else if (strchr(cp, '=') != NULL)
			rc = opt_fail(e, EX_STATUS_USAGE,
			    "invalid cpu topology '%s'", opt);
		else
			rc = set_or_fail("cpus", cp, e);
	}
	free(tofree);
	return (rc);
}

/* bhyve's parse_int_value: a whole number in [1, UINT16_MAX]. */
static int
topo_value(const char *key, long def, long *out, struct opt_error *e)
{
	if (get_config_int(key, 1, UINT16_MAX, def, out) != 0)
		return (opt_fail(e, EX_STATUS_FAIL, "%s", config_error()));
	return (0);
}

int
calc_topology(struct topology *t, struct opt_error *e)
{
	long cpus, sockets, cores, threads;
	bool explicit_cpus;
	uint64_t n;

	explicit_cpus = get_config_value("cpus") != NULL;
	if (topo_value("cpus", 1, &cpus, e) != 0 ||
	    topo_value("cores", 1, &cores, e) != 0 ||
	    topo_value("threads", 1, &threads, e) != 0 ||
	    topo_value("sockets", cpus, &sockets, e) != 0)
		return (-1);

	n = (uint64_t)sockets * (uint64_t)cores * (uint64_t)threads;
	if (n > UINT16_MAX)
		return (opt_fail(e, EX_STATUS_FAIL,
		    "Computed number of vCPUs too high: %ju", (uintmax_t)n));
	if (explicit_cpus && (uint64_t)cpus != n)
		return (opt_fail(e, EX_STATUS_FAIL, "Topology (%ld sockets, "
		    "%ld cores, %ld threads) does not match %ld vCPUs",
		    sockets, cores, threads, cpus));
	t->ncpus = (int)n;
	t->sockets = (uint16_t)sockets;
	t->cores = (uint16_t)cores;
	t->threads = (uint16_t)threads;
	return (0);
}

int
host_ncpus(void)
{
	long n;

	n = sysconf(_SC_NPROCESSORS_CONF);
	if (n < 1)
		n = 1;
	if (n > CPU_SETSIZE)
		n = CPU_SETSIZE;
	return ((int)n);
}

/* A non-negative number starting at *s (decimal, 0x hex, 0 octal, as
 * strtoul with base 0); huge values saturate at INT_MAX so that range
 * checks still fire.  Returns the end, or NULL when there is no number. */
static const char *
scan_uint(const char *s, int *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return (NULL);
	errno = 0;
	v = strtoul(s, &end, 0);
	*out = (errno != 0 || v > INT_MAX) ? INT_MAX : (int)v;
	return (end);
}

int
pincpu_parse(const char *opt, int nhost, struct opt_error *e)
{
	const char *cp, *old;
	char key[32], *val;
	int vcpu, pcpu, rc;

	/* bhyve reads "%d:%d"; we also refuse trailing junk. */
	cp = (*opt == '-') ? NULL : scan_uint(opt, &vcpu);
	if (cp == NULL || *cp != ':' || (cp = scan_uint(cp + 1, &pcpu)) ==
	    NULL || *cp != '\0' || vcpu == INT_MAX) {
		if (opt[0] == '-' && scan_uint(opt + 1, &vcpu) != NULL)
			return (opt_fail(e, EX_STATUS_USAGE, "invalid vcpu "
			    "pinning configuration '%s': invalid vcpu '-%d'",
			    opt, vcpu));
		return (opt_fail(e, EX_STATUS_USAGE, "invalid vcpu pinning "
		    "configuration '%s': invalid format", opt));
	}
	if (pcpu >= nhost)
		return (opt_fail(e, EX_STATUS_USAGE, "invalid vcpu pinning "
		    "configuration '%s': hostcpu '%d' outside valid range "
		    "from 0 to %d", opt, pcpu, nhost - 1));

	snprintf(key, sizeof(key), "vcpu.%d.cpuset", vcpu);
	old = get_config_value(key);
	if (asprintf(&val, "%s%s%d", old ? old : "", old ? "," : "",
	    pcpu) < 0)
		return (opt_fail(e, EX_STATUS_FAIL, "Failed to allocate memory"));
	rc = set_or_fail(key, val, e);
	free(val);
	return (rc);
}

int
parse_cpuset(int vcpu, const char *list, int nhost, cpu_set_t *set,
    struct opt_error *e)
{
	const char *token, *cp;
	int pcpu, start;

	CPU_ZERO(set);
	start = -1;
	for (token = list;; token = cp + 1) {
		if ((cp = scan_uint(token, &pcpu)) == NULL)
			break;
		if (pcpu >= nhost)
			return (opt_fail(e, EX_STATUS_FAIL, "hostcpu '%d' outside "
			    "valid range from 0 to %d", pcpu, nhost - 1));
		if (*cp == '-') {
			if (start >= 0)
				break;		/* "1-2-3" */
			start = pcpu;
			continue;
		}
		if (*cp != ',' && *cp != '\0')
			break;
		if (start >= 0 && start > pcpu)
			return (opt_fail(e, EX_STATUS_FAIL,
			    "Invalid hostcpu range %d-%d", start, pcpu));
		for (start = start >= 0 ? start : pcpu; start <= pcpu; start++)
			CPU_SET(start, set);
		start = -1;
		if (*cp == '\0')
			return (0);
	}
	return (opt_fail(e, EX_STATUS_FAIL, "invalid cpuset for vcpu %d: '%s'",
	    vcpu, list));
}

void
free_vcpumaps(int ncpus, cpu_set_t **map)
{
	int i;

	if (map == NULL)
		return;
	for (i = 0; i < ncpus; i++)
		free(map[i]);
	free(map);
}

int
build_vcpumaps(int ncpus, int nhost, cpu_set_t ***mapp, struct opt_error *e)
{
	cpu_set_t **map;
	const char *value;
	char key[32];
	int vcpu;

	if ((map = calloc((size_t)ncpus, sizeof(*map))) == NULL)
		return (opt_fail(e, EX_STATUS_FAIL, "Failed to allocate memory"));
	for (vcpu = 0; vcpu < ncpus; vcpu++) {
		snprintf(key, sizeof(key), "vcpu.%d.cpuset", vcpu);
		if ((value = get_config_value(key)) == NULL)
			continue;
		if ((map[vcpu] = malloc(sizeof(cpu_set_t))) == NULL) {
			free_vcpumaps(ncpus, map);
			return (opt_fail(e, EX_STATUS_FAIL, "Failed to allocate "
			    "cpuset for vcpu %d", vcpu));
		}
		if (parse_cpuset(vcpu, value, nhost, map[vcpu], e) != 0) {
			free_vcpumaps(ncpus, map);
			return (-1);
		}
	}
	*mapp = map;
	return (0);
}
