/*
 * Config-writing options of khyve's command line, after bhyverun.c:
 *   -o var=value, -k file (bhyve's "simple config file"), -G gdb,
 *   -f fw_cfg items, and illumos's -B SMBIOS strings.
 *
 * A -k file has one var=value per line; lines starting with '#' and blank
 * lines are skipped.  Errors name the file and line as "file:line: ...".
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/options.h"

#define	FWCFG_MAX_NAME	56	/* fw_cfg file names, NUL included */

/* Fills e and returns -1: every parser's way out. */
int
opt_fail(struct opt_error *e, int status, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return (-1);
}

/* 0 = set, 1 = not "var=value" (empty value included, as bhyve), -1 = the
 * tree refused it (config_error()). */
static int
set_option(const char *opt)
{
	const char *eq;
	char *path;
	int rc;

	eq = strchr(opt, '=');
	if (eq == NULL || eq == opt || eq[1] == '\0')
		return (1);
	if ((path = strndup(opt, (size_t)(eq - opt))) == NULL)
		return (-1);
	rc = set_config_value(path, eq + 1);
	free(path);
	return (rc);
}

int
config_option_parse(const char *opt, struct opt_error *e)
{
	switch (set_option(opt)) {
	case 0:
		return (0);
	case 1:
		return (opt_fail(e, EX_STATUS_USAGE,
		    "invalid configuration option '%s'", opt));
	default:
		return (opt_fail(e, EX_STATUS_FAIL, "%s", config_error()));
	}
}

static bool
blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return (*s == '\0');
}

int
config_file_parse_fp(FILE *fp, const char *name, struct opt_error *e)
{
	char *line = NULL;
	size_t cap = 0, len;
	unsigned lineno;
	int rc = 0;

	for (lineno = 1; rc == 0 && getline(&line, &cap, fp) > 0; lineno++) {
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (line[0] == '#' || blank(line))
			continue;
		switch (set_option(line)) {
		case 0:
			break;
		case 1:
			rc = opt_fail(e, EX_STATUS_FAIL, "%s:%u: invalid config "
			    "option '%s'", name, lineno, line);
			break;
		default:
			rc = opt_fail(e, EX_STATUS_FAIL, "%s:%u: %s", name, lineno,
			    config_error());
		}
	}
	free(line);
	if (rc == 0 && ferror(fp))
		rc = opt_fail(e, EX_STATUS_FAIL, "%s: %s", name, strerror(errno));
	return (rc);
}

int
config_file_parse(const char *path, struct opt_error *e)
{
	FILE *fp;
	int rc;

	if ((fp = fopen(path, "r")) == NULL)
		return (opt_fail(e, EX_STATUS_FAIL, "Failed to open configuration "
		    "file %s: %s", path, strerror(errno)));
	rc = config_file_parse_fp(fp, path, e);
	fclose(fp);
	return (rc);
}

/* [w][address:]port; the address may itself hold colons (IPv6). */
int
gdb_option_parse(const char *opt, struct opt_error *e)
{
	char *str, *colon, *port;
	int rc = 0;

	if (opt[0] == 'w') {
		if (set_config_bool("gdb.wait", true) != 0)
			return (opt_fail(e, EX_STATUS_FAIL, "%s", config_error()));
		opt++;
	}
	if ((str = strdup(opt)) == NULL)
		return (opt_fail(e, EX_STATUS_FAIL, "Failed to allocate memory"));
	port = str;
	if ((colon = strrchr(str, ':')) != NULL) {
		*colon = '\0';
		port = colon + 1;
		if (set_config_value("gdb.address", str) != 0)
			rc = -1;
	}
	if (rc == 0 && set_config_value("gdb.port", port) != 0)
		rc = -1;
	free(str);
	if (rc != 0)
		return (opt_fail(e, EX_STATUS_FAIL, "%s", config_error()));
	return (0);
}

static int
fwcfg_count(const char *name, config_node_t *child, bool is_node,
    const char *value, void *arg)
{
	(void)name; (void)child; (void)is_node; (void)value;
	(*(int *)arg)++;
	return (0);
}

/* [name=]NAME,string=STR or [name=]NAME,file=PATH → fwcfg.N.{name,string|file}
 * (the name holds '/' and '.', so it cannot be part of a key). */
int
fwcfg_option_parse(const char *opt, struct opt_error *e)
{
	const char *name, *comma, *kind, *val;
	config_node_t *fw;
	char path[48], *nm;
	int n = 0, rc;

	name = strncmp(opt, "name=", 5) == 0 ? opt + 5 : opt;
	comma = strchr(name, ',');
	if (comma == NULL || comma == name ||
	    comma - name >= FWCFG_MAX_NAME)
		return (opt_fail(e, EX_STATUS_USAGE, "invalid fwcfg item '%s'", opt));
	if (strncmp(comma + 1, "string=", 7) == 0) {
		kind = "string";
		val = comma + 8;
	} else if (strncmp(comma + 1, "file=", 5) == 0 && comma[6] != '\0') {
		kind = "file";
		val = comma + 6;
	} else
		return (opt_fail(e, EX_STATUS_USAGE, "invalid fwcfg item '%s'", opt));

	if ((fw = find_config_node("fwcfg")) != NULL)
		walk_config_nodes(fw, fwcfg_count, &n);
	if ((nm = strndup(name, (size_t)(comma - name))) == NULL)
		return (opt_fail(e, EX_STATUS_FAIL, "Failed to allocate memory"));
	snprintf(path, sizeof(path), "fwcfg.%d.name", n);
	rc = set_config_value(path, nm);
	snprintf(path, sizeof(path), "fwcfg.%d.%s", n, kind);
	if (rc == 0)
		rc = set_config_value(path, val);
	free(nm);
	if (rc != 0)
		return (opt_fail(e, EX_STATUS_FAIL, "%s", config_error()));
	return (0);
}

/* illumos -B field names → bhyve_config(5) keys. */
static const struct smbios_field {
	int		type;
	const char	*field, *key;
} smbios_fields[] = {
	{ 0, "vendor",		"bios.vendor" },
	{ 0, "version",		"bios.version" },
	{ 0, "release_date",	"bios.release_date" },
	{ 1, "manufacturer",	"system.manufacturer" },
	{ 1, "product",		"system.product_name" },
	{ 1, "version",		"system.version" },
	{ 1, "serial",		"system.serial_number" },
	{ 1, "sku",		"system.sku" },
	{ 1, "family",		"system.family_name" },
	{ 1, "uuid",		"uuid" },
};

static const char *
smbios_key(int type, const char *field)
{
	size_t i;

	for (i = 0; i < sizeof(smbios_fields) / sizeof(smbios_fields[0]); i++)
		if (smbios_fields[i].type == type &&
		    strcmp(smbios_fields[i].field, field) == 0)
			return (smbios_fields[i].key);
	return (NULL);
}

static int
smbios_fields_parse(int type, char *str)
{
	char *tok, *eq;
	const char *key;

	while ((tok = strsep(&str, ",")) != NULL) {
		if ((eq = strchr(tok, '=')) == NULL)
			return (-1);
		*eq++ = '\0';
		if ((key = smbios_key(type, tok)) == NULL ||
		    set_config_value(key, eq) != 0)
			return (-1);
	}
	return (0);
}

int
smbios_option_parse(const char *opt, struct opt_error *e)
{
	char *str, *rest, *end;
	long type;
	int rc = -1;

	if ((str = strdup(opt)) == NULL)
		return (opt_fail(e, EX_STATUS_FAIL, "Failed to allocate memory"));
	rest = str;
	if (strncmp(str, "type=", 5) == 0) {
		type = strtol(str + 5, &end, 10);
		if (end != str + 5 && (*end == ',' || *end == '\0') &&
		    (type == 0 || type == 1)) {
			rest = *end == ',' ? end + 1 : NULL;
			rc = rest ? smbios_fields_parse((int)type, rest) : 0;
		}
	}
	free(str);
	if (rc != 0)
		return (opt_fail(e, EX_STATUS_USAGE,
		    "invalid SMBIOS configuration '%s'", opt));
	return (0);
}
