/*
 * The configuration tree of bhyve_config(5) (see config/config.h).
 *
 * Every node has a name and either a string value (a leaf) or a sorted
 * array of children.  A name can never be both: setting "memory" when
 * "memory.size" exists, or "memory.size.x" when "memory.size" is a value,
 * is refused with a message in config_error().
 *
 * Children are kept sorted so that walks and config.dump are stable:
 * all-digit names (PCI buses, slots, vCPU numbers) come first in numeric
 * order, then the other names in byte order.
 *
 * %(name) references are expanded when a value is read.  An expanded
 * string is kept in a small ring of buffers so that a caller may hold a
 * few results at once; the header promises less (until the next call).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"

struct config_node {
	char			*name;
	char			*value;		/* NULL for an inner node */
	bool			inner;		/* has been used as a node */
	struct config_node	**kids;
	size_t			nkids, cap;
};

#define	EXPAND_RING	16
#define	EXPAND_DEPTH	16	/* %(a) -> %(b) -> ...: stops reference loops */

static struct config_node	root;
static char			errbuf[512];
/* Guards the ring: devices may read values from their own threads once
 * the tree is frozen.  The tree itself is only written during setup. */
static pthread_mutex_t		expanded_lock = PTHREAD_MUTEX_INITIALIZER;
static char			*expanded[EXPAND_RING];
static unsigned			expanded_next;

static void
set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
}

const char *
config_error(void)
{
	return (errbuf);
}

/* ---- nodes ---------------------------------------------------------- */

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return (false);
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return (false);
	return (true);
}

/* Numeric names first, by value; then the rest by strcmp.  Total order. */
static int
name_cmp(const char *a, const char *b)
{
	bool na = all_digits(a), nb = all_digits(b);
	size_t la, lb;

	if (na != nb)
		return (na ? -1 : 1);
	if (na) {
		while (a[0] == '0' && a[1] != '\0')
			a++;
		while (b[0] == '0' && b[1] != '\0')
			b++;
		la = strlen(a);
		lb = strlen(b);
		if (la != lb)
			return (la < lb ? -1 : 1);
	}
	return (strcmp(a, b));
}

/* Index of name in node's children, or of where it would be inserted. */
static size_t
kid_slot(const struct config_node *node, const char *name, bool *found)
{
	size_t lo = 0, hi = node->nkids, mid;
	int c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = name_cmp(name, node->kids[mid]->name);
		if (c == 0) {
			*found = true;
			return (mid);
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (lo);
}

static struct config_node *
kid_find(const struct config_node *node, const char *name)
{
	bool found;
	size_t i;

	i = kid_slot(node, name, &found);
	return (found ? node->kids[i] : NULL);
}

static struct config_node *
kid_add(struct config_node *node, const char *name)
{
	struct config_node *kid, **nk;
	bool found;
	size_t i, ncap;

	i = kid_slot(node, name, &found);
	if (found)
		return (node->kids[i]);
	if (node->nkids == node->cap) {
		ncap = node->cap ? node->cap * 2 : 4;
		nk = realloc(node->kids, ncap * sizeof(*nk));
		if (nk == NULL)
			return (NULL);
		node->kids = nk;
		node->cap = ncap;
	}
	kid = calloc(1, sizeof(*kid));
	if (kid == NULL || (kid->name = strdup(name)) == NULL) {
		free(kid);
		return (NULL);
	}
	memmove(&node->kids[i + 1], &node->kids[i],
	    (node->nkids - i) * sizeof(*nk));
	node->kids[i] = kid;
	node->nkids++;
	return (kid);
}

static void
node_free_contents(struct config_node *node)
{
	size_t i;

	for (i = 0; i < node->nkids; i++) {
		node_free_contents(node->kids[i]);
		free(node->kids[i]->name);
		free(node->kids[i]);
	}
	free(node->kids);
	free(node->value);
	node->kids = NULL;
	node->nkids = node->cap = 0;
	node->value = NULL;
}

static void
forget_expansions(void)
{
	unsigned i;

	pthread_mutex_lock(&expanded_lock);
	for (i = 0; i < EXPAND_RING; i++) {
		free(expanded[i]);
		expanded[i] = NULL;
	}
	pthread_mutex_unlock(&expanded_lock);
}

/*
 * Walks (create = false) or builds (create = true) the path below parent.
 * An empty path names parent itself.  Each component must be non-empty;
 * a component that is a value cannot have children.
 */
static struct config_node *
walk_path(struct config_node *parent, const char *path, bool create)
{
	struct config_node *node = parent, *kid;
	const char *cp, *dot;
	char part[256];
	size_t len;

	if (parent == NULL)
		node = &root;
	root.inner = true;
	if (*path == '\0')
		return (node);
	for (cp = path;; cp = dot + 1) {
		dot = strchr(cp, '.');
		len = dot ? (size_t)(dot - cp) : strlen(cp);
		if (len == 0 || len >= sizeof(part)) {
			set_error("invalid config path '%s'", path);
			return (NULL);
		}
		memcpy(part, cp, len);
		part[len] = '\0';
		if (node->value != NULL) {
			set_error("'%.*s' is a value, not a node",
			    (int)(cp - path - 1), path);
			return (NULL);
		}
		kid = create ? kid_add(node, part) : kid_find(node, part);
		if (kid == NULL) {
			if (create)
				set_error("out of memory");
			else
				set_error("'%s' is not set", path);
			return (NULL);
		}
		if (dot == NULL)
			return (kid);
		if (kid->value == NULL)
			kid->inner = true;
		node = kid;
	}
}

void
free_config(void)
{
	node_free_contents(&root);
	forget_expansions();
}

void
init_config(void)
{
	free_config();
	errbuf[0] = '\0';
	/* What bhyve sets before parsing argv; "cpus" stays unset on purpose. */
	set_config_bool("acpi_tables", true);
	set_config_bool("acpi_tables_in_memory", true);
	set_config_value("memory.size", "256M");
	set_config_bool("x86.strictmsr", true);
	set_config_value("lpc.fwcfg", "bhyve");
}

config_node_t *
find_config_node(const char *path)
{
	return (find_relative_config_node(NULL, path));
}

config_node_t *
find_relative_config_node(config_node_t *parent, const char *path)
{
	struct config_node *node;

	node = walk_path(parent, path, false);
	if (node == NULL || node->value != NULL || !node->inner)
		return (NULL);
	return (node);
}

config_node_t *
create_config_node(const char *path)
{
	return (create_relative_config_node(NULL, path));
}

config_node_t *
create_relative_config_node(config_node_t *parent, const char *path)
{
	struct config_node *node;

	node = walk_path(parent, path, true);
	if (node == NULL)
		return (NULL);
	if (node->value != NULL) {
		set_error("'%s' is a value, not a node", path);
		return (NULL);
	}
	node->inner = true;
	return (node);
}

/* ---- setters -------------------------------------------------------- */

int
set_config_value_node(config_node_t *parent, const char *name,
    const char *value)
{
	struct config_node *node;
	char *copy;

	if (value == NULL) {
		set_error("no value given for '%s'", name);
		return (-1);
	}
	if (*name == '\0') {
		set_error("invalid config path ''");
		return (-1);
	}
	node = walk_path(parent, name, true);
	if (node == NULL)
		return (-1);
	if (node->inner) {
		set_error("'%s' is a node, not a value", name);
		return (-1);
	}
	if ((copy = strdup(value)) == NULL) {
		set_error("out of memory");
		return (-1);
	}
	free(node->value);
	node->value = copy;
	return (0);
}

int
set_config_value(const char *path, const char *value)
{
	return (set_config_value_node(NULL, path, value));
}

int
set_config_bool(const char *path, bool value)
{
	return (set_config_value(path, value ? "true" : "false"));
}

int
set_config_bool_node(config_node_t *parent, const char *name, bool value)
{
	return (set_config_value_node(parent, name, value ? "true" : "false"));
}

int
set_default_config_value(const char *path, const char *value)
{
	struct config_node *node;

	node = walk_path(NULL, path, false);
	if (node != NULL && node->value != NULL)
		return (0);
	return (set_config_value(path, value));
}

/* ---- getters -------------------------------------------------------- */

static const char *
raw_value(const struct config_node *parent, const char *path)
{
	struct config_node *node;
	char saved[sizeof(errbuf)];

	/* A miss is not an error for readers: keep the last real message. */
	memcpy(saved, errbuf, sizeof(saved));
	node = walk_path((struct config_node *)parent, path, false);
	memcpy(errbuf, saved, sizeof(saved));
	if (node == NULL || node->value == NULL)
		return (NULL);
	return (node->value);
}

/* Appends value to fp with every %(name) replaced by the root's name. */
static void
expand_into(FILE *fp, const char *value, int depth)
{
	const char *cp, *end, *ref;
	char *name;

	for (cp = value; *cp != '\0'; cp++) {
		if (cp[0] != '%' || cp[1] != '(' ||
		    (end = strchr(cp + 2, ')')) == NULL) {
			fputc(*cp, fp);
			continue;
		}
		name = strndup(cp + 2, (size_t)(end - cp - 2));
		ref = name ? raw_value(NULL, name) : NULL;
		/* Unknown names and reference loops expand to nothing. */
		if (ref != NULL && depth < EXPAND_DEPTH)
			expand_into(fp, ref, depth + 1);
		free(name);
		cp = end;
	}
}

static const char *
expand(const char *value)
{
	FILE *fp;
	char *buf = NULL;
	size_t len = 0;

	if (strstr(value, "%(") == NULL)
		return (value);
	fp = open_memstream(&buf, &len);
	if (fp == NULL)
		return (value);
	expand_into(fp, value, 0);
	if (fclose(fp) != 0) {
		free(buf);
		return (value);
	}
	pthread_mutex_lock(&expanded_lock);
	free(expanded[expanded_next]);
	expanded[expanded_next] = buf;
	expanded_next = (expanded_next + 1) % EXPAND_RING;
	pthread_mutex_unlock(&expanded_lock);
	return (buf);
}

const char *
get_config_value_node(const config_node_t *parent, const char *name)
{
	const char *v;

	v = raw_value(parent, name);
	return (v != NULL ? expand(v) : NULL);
}

const char *
get_config_value(const char *path)
{
	return (get_config_value_node(NULL, path));
}

int
parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "on", "yes", "1" };
	static const char *const no[] = { "false", "off", "no", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return (0);
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return (0);
		}
	}
	return (-1);
}

static int
bool_of(const config_node_t *parent, const char *name, bool def, bool *out)
{
	const char *v;

	v = get_config_value_node(parent, name);
	if (v == NULL) {
		*out = def;
		return (0);
	}
	if (parse_bool(v, out) != 0) {
		set_error("invalid boolean value '%s' for '%s'", v, name);
		return (-1);
	}
	return (0);
}

int
get_config_bool_checked(const char *path, bool def, bool *out)
{
	return (bool_of(NULL, path, def, out));
}

bool
get_config_bool_default(const char *path, bool def)
{
	return (get_config_bool_node_default(NULL, path, def));
}

bool
get_config_bool_node_default(const config_node_t *parent, const char *name,
    bool def)
{
	bool b;

	if (bool_of(parent, name, def, &b) != 0)
		return (def);
	return (b);
}

int
get_config_int(const char *path, long min, long max, long def, long *out)
{
	const char *v;
	char *end;
	long l;

	v = get_config_value(path);
	if (v == NULL) {
		*out = def;
		return (0);
	}
	errno = 0;
	l = strtol(v, &end, 0);
	if (errno != 0 || end == v || *end != '\0' || l < min || l > max) {
		/* bhyve's wording for a bad integer (parse_int_value). */
		set_error("Invalid value for %s: '%s'", path, v);
		return (-1);
	}
	*out = l;
	return (0);
}

/*
 * A number (decimal, 0x hex or 0 octal) with an optional one-letter binary
 * suffix: k, m, g, t, p, e in either case.  Like FreeBSD's expand_number().
 */
static int
expand_number(const char *s, uint64_t *out)
{
	static const char units[] = "kmgtpe";
	const char *u;
	uintmax_t n;
	char *end;
	int shift;

	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	n = strtoumax(s, &end, 0);
	if (errno != 0 || end == s)
		return (-1);
	shift = 0;
	if (*end != '\0') {
		u = strchr(units, tolower((unsigned char)*end));
		if (u == NULL || end[1] != '\0')
			return (-1);
		shift = 10 * (int)(u - units + 1);
	}
	if (shift != 0 && n > (UINT64_MAX >> shift))
		return (-1);
	*out = (uint64_t)n << shift;
	return (0);
}

int
get_config_size(const char *path, uint64_t def, uint64_t *out)
{
	const char *v;

	v = get_config_value(path);
	if (v == NULL) {
		*out = def;
		return (0);
	}
	if (expand_number(v, out) != 0) {
		set_error("invalid size for %s: '%s'", path, v);
		return (-1);
	}
	return (0);
}

int
parse_memsize(const char *s, uint64_t *out)
{
	const uint64_t mb = 1024 * 1024;
	uint64_t n;
	char *end;

	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno == 0 && *end == '\0') {
		/* bhyve's backward compatibility: small bare numbers are MiB. */
		if (n < mb)
			n *= mb;
	} else if (expand_number(s, &n) != 0)
		return (-1);
	if (n == 0)
		return (-1);
	*out = n;
	return (0);
}

/* ---- walking and dumping ------------------------------------------- */

bool
config_node_is_value(const config_node_t *node)
{
	return (node != NULL && node->value != NULL);
}

int
walk_config_nodes(config_node_t *node, config_walk_fn cb, void *arg)
{
	struct config_node *kid;
	size_t i;
	int r;

	if (node == NULL)
		node = &root;
	for (i = 0; i < node->nkids; i++) {
		kid = node->kids[i];
		r = cb(kid->name, kid, kid->value == NULL, kid->value, arg);
		if (r != 0)
			return (r);
	}
	return (0);
}

static void
dump_node(FILE *fp, const struct config_node *node, const char *prefix)
{
	const struct config_node *kid;
	char *path;
	size_t i;

	for (i = 0; i < node->nkids; i++) {
		kid = node->kids[i];
		if (asprintf(&path, "%s%s%s", prefix, *prefix ? "." : "",
		    kid->name) < 0)
			return;
		if (kid->value != NULL)
			fprintf(fp, "%s=%s\n", path, kid->value);
		else
			dump_node(fp, kid, path);
		free(path);
	}
}

void
dump_config(FILE *fp)
{
	dump_node(fp, &root, "");
}
