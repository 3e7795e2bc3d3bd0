/*
 * Unit tests for the config tree (config/config.c): paths, the node/value
 * rule, %(name) expansion, typed getters, memsize, walking and dumping.
 */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tests/unit/t.h"

static char *
dump_string(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	dump_config(fp);
	fclose(fp);
	return (buf);
}

static void
defaults(void)
{
	init_config();
	T_STREQ(get_config_value("memory.size"), "256M");
	T_STREQ(get_config_value("x86.strictmsr"), "true");
	T_STREQ(get_config_value("acpi_tables"), "true");
	T_STREQ(get_config_value("acpi_tables_in_memory"), "true");
	T_STREQ(get_config_value("lpc.fwcfg"), "bhyve");
	/* calc_topology relies on cpus being absent. */
	T_CHECK(get_config_value("cpus") == NULL);
	T_CHECK(get_config_value("sockets") == NULL);
}

static void
set_and_get(void)
{
	init_config();
	T_CHECK(set_config_value("a.b.c", "one") == 0);
	T_STREQ(get_config_value("a.b.c"), "one");
	T_CHECK(set_config_value("a.b.c", "two") == 0);
	T_STREQ(get_config_value("a.b.c"), "two");
	T_CHECK(get_config_value("a.b") == NULL);	/* a node */
	T_CHECK(get_config_value("a.b.d") == NULL);	/* absent */
	T_CHECK(get_config_value("a.b.c.d") == NULL);	/* below a value */
	T_CHECK(set_config_value("empty", "") == 0);
	T_STREQ(get_config_value("empty"), "");
	T_CHECK(set_config_bool("flag", false) == 0);
	T_STREQ(get_config_value("flag"), "false");
	T_CHECK(set_config_value("x", NULL) == -1);
}

static void
node_value_conflicts(void)
{
	init_config();
	T_CHECK(set_config_value("memory", "1G") == -1);
	T_STREQ(config_error(), "'memory' is a node, not a value");
	T_CHECK(set_config_value("memory.size.x", "1") == -1);
	T_STREQ(config_error(), "'memory.size' is a value, not a node");
	T_CHECK(create_config_node("memory.size") == NULL);
	T_STREQ(config_error(), "'memory.size' is a value, not a node");
	T_CHECK(create_config_node("memory.size.more") == NULL);
	/* An empty node made with create_config_node is a node too. */
	T_CHECK(create_config_node("pci.0.3.0") != NULL);
	T_CHECK(set_config_value("pci.0.3.0", "x") == -1);
	T_STREQ(config_error(), "'pci.0.3.0' is a node, not a value");
	T_STREQ(get_config_value("memory.size"), "256M");
}

static void
bad_paths(void)
{
	static const char *const bad[] = { "", "a..b", ".a", "a.", "." };
	size_t i;

	init_config();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_CHECK(set_config_value(bad[i], "v") == -1);
		T_CHECK(strstr(config_error(), "invalid config path") != NULL);
	}
	T_CHECK(get_config_value("a..b") == NULL);
	T_CHECK(find_config_node("a..b") == NULL);
}

static void
nodes(void)
{
	config_node_t *n, *m;

	init_config();
	T_CHECK(find_config_node("memory") != NULL);
	T_CHECK(find_config_node("memory.size") == NULL);	/* a value */
	T_CHECK(find_config_node("nosuch") == NULL);
	n = create_config_node("pci.0.3.0");
	T_CHECK(n != NULL);
	T_CHECK(find_config_node("pci.0.3.0") == n);
	T_CHECK(create_config_node("pci.0.3.0") == n);
	T_CHECK(set_config_value_node(n, "device", "virtio-blk") == 0);
	T_STREQ(get_config_value("pci.0.3.0.device"), "virtio-blk");
	T_STREQ(get_config_value_node(n, "device"), "virtio-blk");
	T_CHECK(set_config_bool_node(n, "ro", true) == 0);
	T_STREQ(get_config_value("pci.0.3.0.ro"), "true");
	T_CHECK(get_config_bool_node_default(n, "ro", false) == true);
	T_CHECK(get_config_bool_node_default(n, "nocache", true) == true);
	m = create_relative_config_node(n, "queue.0");
	T_CHECK(m != NULL);
	T_CHECK(find_relative_config_node(n, "queue.0") == m);
	T_CHECK(set_config_value_node(m, "size", "256") == 0);
	T_STREQ(get_config_value("pci.0.3.0.queue.0.size"), "256");
	T_CHECK(set_config_value_node(n, "", "x") == -1);
	T_CHECK(config_node_is_value(n) == false);
	T_CHECK(config_node_is_value(NULL) == false);
}

static void
defaults_only_when_absent(void)
{
	init_config();
	T_CHECK(set_default_config_value("memory.size", "1G") == 0);
	T_STREQ(get_config_value("memory.size"), "256M");
	T_CHECK(set_default_config_value("rtc.use_localtime", "true") == 0);
	T_STREQ(get_config_value("rtc.use_localtime"), "true");
	T_CHECK(set_default_config_value("memory", "1G") == -1);
}

static void
expansion(void)
{
	const char *a, *b;

	init_config();
	set_config_value("name", "vm0");
	set_config_value("disk", "/vms/%(name)/disk.img");
	T_STREQ(get_config_value("disk"), "/vms/vm0/disk.img");
	set_config_value("two", "%(name)-%(name)");
	T_STREQ(get_config_value("two"), "vm0-vm0");
	/* Stored raw, expanded on read: changing name changes disk. */
	set_config_value("name", "vm1");
	T_STREQ(get_config_value("disk"), "/vms/vm1/disk.img");
	set_config_value("nested", "[%(disk)]");
	T_STREQ(get_config_value("nested"), "[/vms/vm1/disk.img]");
	set_config_value("unknown", "a%(nosuch)b");
	T_STREQ(get_config_value("unknown"), "ab");
	set_config_value("unterminated", "a%(name");
	T_STREQ(get_config_value("unterminated"), "a%(name");
	set_config_value("percent", "100%");
	T_STREQ(get_config_value("percent"), "100%");
	set_config_value("loop1", "x%(loop2)");
	set_config_value("loop2", "y%(loop1)");
	a = get_config_value("loop1");
	T_CHECK(a != NULL && strncmp(a, "xyxy", 4) == 0);
	/* A few results may be held at once. */
	a = get_config_value("disk");
	b = get_config_value("two");
	T_STREQ(a, "/vms/vm1/disk.img");
	T_STREQ(b, "vm1-vm1");
	set_config_value("pci.0.3.0.path", "%(name).img");
	T_STREQ(get_config_value_node(find_config_node("pci.0.3.0"), "path"),
	    "vm1.img");
}

static void
booleans(void)
{
	static const char *const yes[] = { "true", "TRUE", "on", "yes", "1" };
	static const char *const no[] = { "false", "Off", "no", "0" };
	bool b;
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		T_CHECK(parse_bool(yes[i], &b) == 0 && b);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		T_CHECK(parse_bool(no[i], &b) == 0 && !b);
	T_CHECK(parse_bool("maybe", &b) == -1);
	T_CHECK(parse_bool("", &b) == -1);

	init_config();
	T_CHECK(get_config_bool_checked("x86.strictmsr", false, &b) == 0 && b);
	T_CHECK(get_config_bool_checked("absent", true, &b) == 0 && b);
	set_config_value("bad", "maybe");
	T_CHECK(get_config_bool_checked("bad", false, &b) == -1);
	T_STREQ(config_error(), "invalid boolean value 'maybe' for 'bad'");
	T_CHECK(get_config_bool_default("bad", true) == true);
	T_CHECK(get_config_bool_default("x86.strictmsr", false) == true);
	set_config_value("yes", "%(x86.strictmsr)");
	T_CHECK(get_config_bool_default("yes", false) == true);
}

static void
integers(void)
{
	long l;

	init_config();
	T_CHECK(get_config_int("absent", 1, 10, 7, &l) == 0 && l == 7);
	set_config_value("n", "5");
	T_CHECK(get_config_int("n", 1, 10, 0, &l) == 0 && l == 5);
	set_config_value("n", "0x10");
	T_CHECK(get_config_int("n", 1, 100, 0, &l) == 0 && l == 16);
	set_config_value("n", "11");
	T_CHECK(get_config_int("n", 1, 10, 0, &l) == -1);
	T_STREQ(config_error(), "Invalid value for n: '11'");
	set_config_value("n", "0");
	T_CHECK(get_config_int("n", 1, 10, 0, &l) == -1);
	set_config_value("n", "5x");
	T_CHECK(get_config_int("n", 1, 10, 0, &l) == -1);
	set_config_value("n", "");
	T_CHECK(get_config_int("n", 1, 10, 0, &l) == -1);
	set_config_value("n", "99999999999999999999999");
	T_CHECK(get_config_int("n", 1, 10, 0, &l) == -1);
	set_config_value("n", "-3");
	T_CHECK(get_config_int("n", -5, 10, 0, &l) == 0 && l == -3);
}

static void
sizes(void)
{
	uint64_t v;

	init_config();
	T_CHECK(get_config_size("absent", 42, &v) == 0 && v == 42);
	set_config_value("s", "4k");
	T_CHECK(get_config_size("s", 0, &v) == 0 && v == 4096);
	set_config_value("s", "2M");
	T_CHECK(get_config_size("s", 0, &v) == 0 && v == 2ULL << 20);
	set_config_value("s", "512");	/* plain bytes here, not MiB */
	T_CHECK(get_config_size("s", 0, &v) == 0 && v == 512);
	set_config_value("s", "0x100");
	T_CHECK(get_config_size("s", 0, &v) == 0 && v == 256);
	set_config_value("s", "1q");
	T_CHECK(get_config_size("s", 0, &v) == -1);
	T_STREQ(config_error(), "invalid size for s: '1q'");
	set_config_value("s", "1kk");
	T_CHECK(get_config_size("s", 0, &v) == -1);
	set_config_value("s", "99999999999T");
	T_CHECK(get_config_size("s", 0, &v) == -1);
	set_config_value("s", "-1");
	T_CHECK(get_config_size("s", 0, &v) == -1);
}

static void
memsizes(void)
{
	static const struct { const char *s; uint64_t v; } good[] = {
		{ "512", 512ULL << 20 },	/* below 1 MiB: MiB */
		{ "1", 1ULL << 20 },
		{ "1048575", 1048575ULL << 20 },
		{ "1048576", 1048576 },		/* 1 MiB and up: bytes */
		{ "1G", 1ULL << 30 }, { "1g", 1ULL << 30 },
		{ "256M", 256ULL << 20 }, { "256m", 256ULL << 20 },
		{ "4096K", 4ULL << 20 }, { "4096k", 4ULL << 20 },
		{ "2T", 2ULL << 40 }, { "2t", 2ULL << 40 },
		{ "0x200", 512ULL << 20 },
	};
	static const char *const bad[] = { "", "G", "-1", "1.5G", "0", "0M",
	    "1GB", "12X", " 1G", "1G ", "99999999999999999999", "20000000T",
	    "abc" };
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 0;
		T_CHECK(parse_memsize(good[i].s, &v) == 0);
		T_CHECK(v == good[i].v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_CHECK(parse_memsize(bad[i], &v) == -1);
}

struct walk_log {
	char	buf[256];
	int	stop_at;
	int	n;
};

static int
log_kid(const char *name, config_node_t *child, bool is_node,
    const char *value, void *arg)
{
	struct walk_log *w = arg;
	size_t len = strlen(w->buf);

	(void)child;
	snprintf(w->buf + len, sizeof(w->buf) - len, "%s%s%s%s ", name,
	    is_node ? "/" : "=", value ? value : "", "");
	if (++w->n == w->stop_at)
		return (7);
	return (0);
}

static void
walking(void)
{
	struct walk_log w = { "", 0, 0 };

	init_config();
	set_config_value("pci.0.10.0.device", "b");
	set_config_value("pci.0.2.0.device", "a");
	set_config_value("pci.0.31.0.device", "c");
	set_config_value("pci.0.x", "1");
	T_CHECK(walk_config_nodes(find_config_node("pci.0"), log_kid, &w) == 0);
	/* Numbers in numeric order, then names. */
	T_STREQ(w.buf, "2/ 10/ 31/ x=1 ");
	memset(&w, 0, sizeof(w));
	w.stop_at = 2;
	T_CHECK(walk_config_nodes(find_config_node("pci.0"), log_kid, &w) == 7);
	T_STREQ(w.buf, "2/ 10/ ");
	memset(&w, 0, sizeof(w));
	T_CHECK(walk_config_nodes(NULL, log_kid, &w) == 0);
	T_CHECK(strncmp(w.buf, "acpi_tables=true ", 17) == 0);
}

static void
dumping(void)
{
	char *s;

	init_config();
	set_config_value("name", "vm0");
	set_config_value("pci.0.10.0.device", "virtio-net");
	set_config_value("pci.0.2.0.device", "virtio-blk");
	set_config_value("pci.0.2.0.path", "/%(name).img");
	set_config_value("B", "upper");
	s = dump_string();
	T_STREQ(s,
	    "B=upper\n"
	    "acpi_tables=true\n"
	    "acpi_tables_in_memory=true\n"
	    "lpc.fwcfg=bhyve\n"
	    "memory.size=256M\n"
	    "name=vm0\n"
	    "pci.0.2.0.device=virtio-blk\n"
	    "pci.0.2.0.path=/%(name).img\n"
	    "pci.0.10.0.device=virtio-net\n"
	    "x86.strictmsr=true\n");
	free(s);
}

static void
many_keys(void)
{
	char key[32], val[16];
	int i, ok = 1;

	init_config();
	for (i = 999; i >= 0; i--) {
		snprintf(key, sizeof(key), "vcpu.%d.cpuset", i);
		snprintf(val, sizeof(val), "%d", i % 7);
		ok &= set_config_value(key, val) == 0;
	}
	T_CHECK(ok);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "vcpu.%d.cpuset", i);
		snprintf(val, sizeof(val), "%d", i % 7);
		ok &= get_config_value(key) != NULL &&
		    strcmp(get_config_value(key), val) == 0;
	}
	T_CHECK(ok);
	free_config();
	T_CHECK(get_config_value("vcpu.3.cpuset") == NULL);
	T_CHECK(get_config_value("memory.size") == NULL);
}

int
main(void)
{
	T_RUN(defaults);
	T_RUN(set_and_get);
	T_RUN(node_value_conflicts);
	T_RUN(bad_paths);
	T_RUN(nodes);
	T_RUN(defaults_only_when_absent);
	T_RUN(expansion);
	T_RUN(booleans);
	T_RUN(integers);
	T_RUN(sizes);
	T_RUN(memsizes);
	T_RUN(walking);
	T_RUN(dumping);
	T_RUN(many_keys);
	free_config();
	return (T_DONE());
}
