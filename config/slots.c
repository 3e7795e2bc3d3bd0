/*
 * Device options: -s (PCI slots, after bhyve's pci_emul.c) and -l (LPC
 * devices, after bhyve's pci_lpc.c).  They only create config nodes; the
 * devices read them when the machine is built.
 *
 *   -s slot,emul[,config]        slot is "S", "S:F" or "B:S:F"
 *        → pci.B.S.F.device=emul, then the device's legacy_config (or the
 *          default below) turns config into keys under pci.B.S.F.
 *   -l com1,path       → lpc.com1.path        (com1..com4, any case)
 *   -l bootrom,rom[,vars][,k=v...] → lpc.bootrom, lpc.bootvars, lpc.k
 *   -l pc-testdev      → lpc.pc-testdev=true
 *   -l fwcfg,bhyve|qemu → lpc.fwcfg
 *   -l NAME[,config]   → lpc.NAME.* for a registered LPC device
 *
 * The slot parser is stricter than bhyve's sscanf(): "3x" is refused with
 * the same message instead of being read as 3.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"
#include "config/options.h"
#include "devices/device.h"

#define	PCI_NBUS	256
#define	PCI_NSLOT	32
#define	PCI_NFUNC	8

static const char *const lpc_uarts[] = { "com1", "com2", "com3", "com4" };
#define	LPC_NUART	(sizeof(lpc_uarts) / sizeof(lpc_uarts[0]))

int
pci_parse_legacy_config(config_node_t *node, const char *opt)
{
	char *str, *tofree, *name, *value;
	int rc = 0;

	if (opt == NULL)
		return (0);
	if ((tofree = str = strdup(opt)) == NULL)
		return (-1);
	while (rc == 0 && (name = strsep(&str, ",")) != NULL) {
		if (*name == '\0')
			continue;	/* "a,,b" */
		if ((value = strchr(name, '=')) != NULL) {
			*value++ = '\0';
			rc = set_config_value_node(node, name, value);
		} else
			rc = set_config_bool_node(node, name, true);
	}
	free(tofree);
	return (rc);
}

/* One slot number: decimal digits only, at most 3 of them. */
static const char *
slot_number(const char *s, int *out)
{
	int n = 0, len = 0;

	while (isdigit((unsigned char)*s) && len < 4) {
		n = n * 10 + (*s++ - '0');
		len++;
	}
	if (len == 0 || len > 3)
		return (NULL);
	*out = n;
	return (s);
}

/* "S", "S:F" or "B:S:F" → bus, slot, func; -1 when malformed. */
static int
parse_bsf(const char *s, int *b, int *sl, int *f)
{
	int v[3], n = 0;

	for (;;) {
		if ((s = slot_number(s, &v[n])) == NULL)
			return (-1);
		n++;
		if (*s == '\0')
			break;
		if (*s != ':' || n == 3)
			return (-1);
		s++;
	}
	*b = n == 3 ? v[0] : 0;
	*sl = n == 3 ? v[1] : v[0];
	*f = n == 1 ? 0 : v[n - 1];
	if (*b >= PCI_NBUS || *sl >= PCI_NSLOT || *f >= PCI_NFUNC)
		return (-1);
	return (0);
}

static int
pci_add_device(const struct device_emu *d, int b, int s, int f,
    const char *config, struct opt_error *e)
{
	config_node_t *node;
	char path[48];
	int rc;

	snprintf(path, sizeof(path), "pci.%d.%d.%d", b, s, f);
	if (find_config_node(path) != NULL)
		return (opt_fail(e, EX_STATUS_FAIL,
		    "pci slot %d:%d:%d already occupied!", b, s, f));
	if ((node = create_config_node(path)) == NULL ||
	    set_config_value_node(node, "device", d->name) != 0)
		return (opt_fail(e, EX_STATUS_FAIL, "%s", config_error()));
	if (d->legacy_config != NULL)
		rc = d->legacy_config(node, config);
	else
		rc = pci_parse_legacy_config(node, config);
	/* Only the default parser leaves its reason in config_error(). */
	if (rc != 0)
		return (opt_fail(e, EX_STATUS_FAIL, "pci slot %d:%d:%d: invalid "
		    "%s configuration '%s'%s%s", b, s, f, d->name,
		    config ? config : "", d->legacy_config ? "" : ": ",
		    d->legacy_config ? "" : config_error()));
	return (0);
}

int
pci_parse_slot(const char *opt, struct opt_error *e)
{
	const struct device_emu *d;
	char *str, *emul, *config, *cp;
	int b, s, f, rc;

	if ((str = strdup(opt)) == NULL)
		return (opt_fail(e, EX_STATUS_FAIL, "Failed to allocate memory"));
	config = NULL;
	if ((emul = strchr(str, ',')) == NULL) {
		free(str);
		return (opt_fail(e, EX_STATUS_FAIL,
		    "Invalid PCI slot info field \"%s\"", opt));
	}
	*emul++ = '\0';
	if ((cp = strchr(emul, ',')) != NULL) {
		*cp = '\0';
		config = cp + 1;
	}
	if (parse_bsf(str, &b, &s, &f) != 0)
		rc = opt_fail(e, EX_STATUS_FAIL,
		    "Invalid PCI slot info field \"%s\"", opt);
	else if ((d = device_find(emul, DEV_PCI)) == NULL)
		rc = opt_fail(e, EX_STATUS_FAIL,
		    "pci slot %d:%d:%d: unknown device \"%s\"", b, s, f, emul);
	else
		rc = pci_add_device(d, b, s, f, config, e);
	free(str);
	return (rc);
}

/* walk_config_nodes callbacks for pci_lpc_default. */
static int
has_node(const char *name, config_node_t *child, bool is_node,
    const char *value, void *arg)
{
	(void)name, (void)child, (void)value, (void)arg;
	return (is_node ? 1 : 0);
}

static int
holds_lpc(const char *name, config_node_t *child, bool is_node,
    const char *value, void *arg)
{
	const char *dev;

	(void)name, (void)value, (void)arg;
	if (!is_node)
		return (0);
	dev = get_config_value_node(child, "device");
	if (dev != NULL)
		return (strcmp(dev, "lpc") == 0 ? 1 : 0);
	return (walk_config_nodes(child, holds_lpc, NULL));
}

int
pci_lpc_default(struct opt_error *e)
{
	config_node_t *lpc = find_config_node("lpc"), *pci;

	if (lpc == NULL || walk_config_nodes(lpc, has_node, NULL) != 1)
		return (0);
	pci = find_config_node("pci");
	if (pci != NULL && walk_config_nodes(pci, holds_lpc, NULL) == 1)
		return (0);
	if (find_config_node("pci.0.31.0") != NULL)
		return (opt_fail(e, EX_STATUS_FAIL, "pci slot 0:31:0 is taken: "
		    "the lpc devices need the lpc bridge there or in a "
		    "slot of its own"));
	if (set_config_value("pci.0.31.0.device", "lpc") != 0)
		return (opt_fail(e, EX_STATUS_FAIL, "%s", config_error()));
	return (0);
}

static void
print_name(const struct device_emu *d, void *arg)
{
	fprintf(arg, "%s\n", d->name);
}

void
pci_print_supported_devices(FILE *fp)
{
	device_foreach(DEV_PCI, print_name, fp);
}

/* ---- LPC ------------------------------------------------------------- */

static int
lpc_bootrom(const char *opt, char *rest, struct opt_error *e)
{
	config_node_t *lpc;
	char *rom, *vars;

	rom = strsep(&rest, ",");
	if (rom == NULL || *rom == '\0')
		return (opt_fail(e, EX_STATUS_FAIL, "invalid bootrom option \"%s\"",
		    opt));
	if (set_config_value("lpc.bootrom", rom) != 0)
		return (opt_fail(e, EX_STATUS_FAIL, "%s", config_error()));
	if ((vars = strsep(&rest, ",")) == NULL)
		return (0);
	lpc = create_config_node("lpc");
	/* The second field is the variables file unless it is k=v already. */
	if (lpc == NULL || (strchr(vars, '=') == NULL ?
	    set_config_value("lpc.bootvars", vars) :
	    pci_parse_legacy_config(lpc, vars)) != 0 ||
	    pci_parse_legacy_config(lpc, rest) != 0)
		return (opt_fail(e, EX_STATUS_FAIL, "%s", config_error()));
	return (0);
}

static int
lpc_registered(const struct device_emu *d, const char *opt, const char *rest,
    struct opt_error *e)
{
	config_node_t *node;
	char path[128];
	int rc;

	snprintf(path, sizeof(path), "lpc.%s", d->name);
	if ((node = create_config_node(path)) == NULL)
		return (opt_fail(e, EX_STATUS_FAIL, "%s", config_error()));
	if (d->legacy_config != NULL)
		rc = d->legacy_config(node, rest);
	else
		rc = pci_parse_legacy_config(node, rest);
	if (rc != 0)
		return (opt_fail(e, EX_STATUS_USAGE,
		    "invalid lpc device configuration '%s'", opt));
	return (0);
}

static int
lpc_dispatch(const char *opt, char *name, char *rest, struct opt_error *e)
{
	const struct device_emu *d;
	char key[32];
	size_t i;

	if (strcasecmp(name, "bootrom") == 0)
		return (lpc_bootrom(opt, rest, e));
	for (i = 0; i < LPC_NUART; i++) {
		if (strcasecmp(name, lpc_uarts[i]) != 0)
			continue;
		if (rest == NULL || *rest == '\0')
			break;
		snprintf(key, sizeof(key), "lpc.%s.path", lpc_uarts[i]);
		if (set_config_value(key, rest) != 0)
			return (opt_fail(e, EX_STATUS_FAIL, "%s", config_error()));
		return (0);
	}
	if (i == LPC_NUART && strcasecmp(name, "pc-testdev") == 0) {
		if (set_config_bool("lpc.pc-testdev", true) != 0)
			return (opt_fail(e, EX_STATUS_FAIL, "%s", config_error()));
		return (0);
	}
	if (i == LPC_NUART && strcasecmp(name, "fwcfg") == 0 && rest != NULL &&
	    (strcmp(rest, "bhyve") == 0 || strcmp(rest, "qemu") == 0)) {
		if (set_config_value("lpc.fwcfg", rest) != 0)
			return (opt_fail(e, EX_STATUS_FAIL, "%s", config_error()));
		return (0);
	}
	if (i == LPC_NUART && (d = device_find(name, DEV_LPC)) != NULL)
		return (lpc_registered(d, opt, rest, e));
	return (opt_fail(e, EX_STATUS_USAGE, "invalid lpc device configuration "
	    "'%s'", opt));
}

int
lpc_device_parse(const char *opt, struct opt_error *e)
{
	char *str, *rest, *name;
	int rc;

	if ((str = rest = strdup(opt)) == NULL)
		return (opt_fail(e, EX_STATUS_FAIL, "Failed to allocate memory"));
	name = strsep(&rest, ",");
	rc = lpc_dispatch(opt, name, rest, e);
	free(str);
	return (rc);
}

static bool
lpc_builtin(const char *name)
{
	size_t i;

	for (i = 0; i < LPC_NUART; i++)
		if (strcasecmp(name, lpc_uarts[i]) == 0)
			return (true);
	return (strcasecmp(name, "bootrom") == 0 ||
	    strcasecmp(name, "pc-testdev") == 0 ||
	    strcasecmp(name, "fwcfg") == 0);
}

static void
print_lpc_name(const struct device_emu *d, void *arg)
{
	if (!lpc_builtin(d->name))
		fprintf(arg, "%s\n", d->name);
}

void
lpc_print_supported_devices(FILE *fp)
{
	size_t i;

	fprintf(fp, "bootrom\n");
	for (i = 0; i < LPC_NUART; i++)
		fprintf(fp, "%s\n", lpc_uarts[i]);
	fprintf(fp, "fwcfg\npc-testdev\n");
	device_foreach(DEV_LPC, print_lpc_name, fp);
}
