/*
 * Unit tests for the argv parsers (config/options.c, topology.c, slots.c):
 * -c and calc_topology, -p and cpusets, -s slot syntax, -l, -o, -k, -G,
 * -f and -B, with the error messages and statuses bhyve uses.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/options.h"
#include "devices/device.h"
#include "tests/unit/t.h"

/* Fake devices: one with the default legacy parser, one with its own. */
static int
tblk_legacy(config_node_t *node, const char *opts)
{
	if (opts != NULL && strcmp(opts, "FAIL") == 0)
		return (-1);
	return (opts ? set_config_value_node(node, "path", opts) : 0);
}

static const struct device_emu tnet = { .name = "t-net", .kind = DEV_PCI };
static const struct device_emu tblk = { .name = "t-blk", .kind = DEV_PCI,
    .legacy_config = tblk_legacy };
static const struct device_emu tlpc = { .name = "t-lpc", .kind = DEV_LPC };
DEVICE_REGISTER(tnet);
DEVICE_REGISTER(tblk);
DEVICE_REGISTER(tlpc);

static struct opt_error e;

/* Runs a parser expected to fail; checks status and message. */
#define T_FAILS(call, st, text) do {					\
	memset(&e, 0, sizeof(e));					\
	T_CHECK((call) == -1);						\
	T_CHECK(e.status == (st));					\
	T_STREQ(e.msg, (text));						\
} while (0)

static int
topo(const char *opt, struct topology *t)
{
	init_config();
	memset(t, 0, sizeof(*t));
	if (topology_parse(opt, &e) != 0)
		return (-2);
	return (calc_topology(t, &e));
}

#define T_TOPO(opt, n, s, c, th) do {					\
	struct topology t_t;						\
	T_CHECK(topo(opt, &t_t) == 0);					\
	T_CHECK(t_t.ncpus == (n) && t_t.sockets == (s) &&		\
	    t_t.cores == (c) && t_t.threads == (th));			\
} while (0)

static void
topology_good(void)
{
	T_TOPO("4", 4, 4, 1, 1);
	T_TOPO("cpus=4", 4, 4, 1, 1);
	T_TOPO("", 1, 1, 1, 1);
	T_TOPO("sockets=2,cores=2", 4, 2, 2, 1);
	T_TOPO("4,sockets=2,cores=2", 4, 2, 2, 1);
	T_TOPO("cpus=8,sockets=2,cores=2,threads=2", 8, 2, 2, 2);
	T_TOPO("threads=2", 2, 1, 1, 2);
	T_TOPO("0x10", 16, 16, 1, 1);
	T_TOPO("65535", 65535, 65535, 1, 1);
	T_TOPO("2,4", 4, 4, 1, 1);		/* the last count wins */
	init_config();
	T_CHECK(topology_parse("", &e) == 0);
	T_STREQ(get_config_value("cpus"), "1");
	T_STREQ(get_config_value("sockets"), "1");
	T_STREQ(get_config_value("cores"), "1");
	T_STREQ(get_config_value("threads"), "1");
	init_config();
	T_CHECK(topology_parse("sockets=2,cores=2", &e) == 0);
	T_CHECK(get_config_value("cpus") == NULL);
}

static void
topology_bad(void)
{
	struct topology t;

	T_FAILS(topo("3,sockets=2,cores=2", &t), 4,
	    "Topology (2 sockets, 2 cores, 1 threads) does not match 3 vCPUs");
	T_FAILS(topo("foo=1", &t) == -2 ? -1 : 0, 64,
	    "invalid cpu topology 'foo=1'");
	T_FAILS(topo("4,maxcpus=8", &t) == -2 ? -1 : 0, 64,
	    "invalid cpu topology '4,maxcpus=8'");
	T_FAILS(topo("x", &t), 4, "Invalid value for cpus: 'x'");
	T_FAILS(topo("0", &t), 4, "Invalid value for cpus: '0'");
	T_FAILS(topo("-1", &t), 4, "Invalid value for cpus: '-1'");
	T_FAILS(topo("65536", &t), 4, "Invalid value for cpus: '65536'");
	T_FAILS(topo("4x", &t), 4, "Invalid value for cpus: '4x'");
	T_FAILS(topo(",,", &t), 4, "Invalid value for cpus: ''");
	T_FAILS(topo("sockets=0", &t), 4, "Invalid value for sockets: '0'");
	T_FAILS(topo("cores=70000", &t), 4,
	    "Invalid value for cores: '70000'");
	T_FAILS(topo("threads=", &t), 4, "Invalid value for threads: ''");
	T_FAILS(topo("sockets=256,cores=256,threads=2", &t), 4,
	    "Computed number of vCPUs too high: 131072");
	/* Values from -o are checked the same way. */
	init_config();
	set_config_value("cpus", "2");
	set_config_value("sockets", "4");
	T_FAILS(calc_topology(&t, &e), 4,
	    "Topology (4 sockets, 1 cores, 1 threads) does not match 2 vCPUs");
}

static void
pinning(void)
{
	init_config();
	T_CHECK(pincpu_parse("0:1", 4, &e) == 0);
	T_STREQ(get_config_value("vcpu.0.cpuset"), "1");
	T_CHECK(pincpu_parse("0:3", 4, &e) == 0);
	T_STREQ(get_config_value("vcpu.0.cpuset"), "1,3");
	T_CHECK(pincpu_parse("12:0", 4, &e) == 0);
	T_STREQ(get_config_value("vcpu.12.cpuset"), "0");
	T_FAILS(pincpu_parse("0:4", 4, &e), 64, "invalid vcpu pinning "
	    "configuration '0:4': hostcpu '4' outside valid range from 0 to 3");
	T_FAILS(pincpu_parse("0:99999999999", 4, &e), 64, "invalid vcpu "
	    "pinning configuration '0:99999999999': hostcpu '2147483647' "
	    "outside valid range from 0 to 3");
	T_FAILS(pincpu_parse("-1:0", 4, &e), 64, "invalid vcpu pinning "
	    "configuration '-1:0': invalid vcpu '-1'");
	T_FAILS(pincpu_parse("x", 4, &e), 64, "invalid vcpu pinning "
	    "configuration 'x': invalid format");
	T_FAILS(pincpu_parse("1", 4, &e), 64, "invalid vcpu pinning "
	    "configuration '1': invalid format");
	T_FAILS(pincpu_parse("1:", 4, &e), 64, "invalid vcpu pinning "
	    "configuration '1:': invalid format");
	T_FAILS(pincpu_parse("1:2x", 4, &e), 64, "invalid vcpu pinning "
	    "configuration '1:2x': invalid format");
	T_FAILS(pincpu_parse("0:-1", 4, &e), 64, "invalid vcpu pinning "
	    "configuration '0:-1': invalid format");
	T_CHECK(host_ncpus() >= 1 && host_ncpus() <= CPU_SETSIZE);
	T_CHECK(host_ncpus() == sysconf(_SC_NPROCESSORS_CONF) ||
	    sysconf(_SC_NPROCESSORS_CONF) > CPU_SETSIZE);
}

static void
cpusets(void)
{
	cpu_set_t s;
	int i;

	T_CHECK(parse_cpuset(0, "0-3,6", 8, &s, &e) == 0);
	for (i = 0; i < 8; i++)
		T_CHECK(CPU_ISSET(i, &s) == (i <= 3 || i == 6));
	T_CHECK(CPU_COUNT(&s) == 5);
	T_CHECK(parse_cpuset(0, "5", 8, &s, &e) == 0 && CPU_COUNT(&s) == 1 &&
	    CPU_ISSET(5, &s));
	T_CHECK(parse_cpuset(0, "2-2", 8, &s, &e) == 0 && CPU_COUNT(&s) == 1);
	T_CHECK(parse_cpuset(0, "0x3", 8, &s, &e) == 0 && CPU_ISSET(3, &s));
	T_CHECK(parse_cpuset(0, "7,1-2,1", 8, &s, &e) == 0 &&
	    CPU_COUNT(&s) == 3);
	T_FAILS(parse_cpuset(1, "3-1", 8, &s, &e), 4,
	    "Invalid hostcpu range 3-1");
	T_FAILS(parse_cpuset(1, "1-2-3", 8, &s, &e), 4,
	    "invalid cpuset for vcpu 1: '1-2-3'");
	T_FAILS(parse_cpuset(2, "a", 8, &s, &e), 4,
	    "invalid cpuset for vcpu 2: 'a'");
	T_FAILS(parse_cpuset(2, "", 8, &s, &e), 4,
	    "invalid cpuset for vcpu 2: ''");
	T_FAILS(parse_cpuset(2, "1,", 8, &s, &e), 4,
	    "invalid cpuset for vcpu 2: '1,'");
	T_FAILS(parse_cpuset(2, "1-", 8, &s, &e), 4,
	    "invalid cpuset for vcpu 2: '1-'");
	T_FAILS(parse_cpuset(2, "1;2", 8, &s, &e), 4,
	    "invalid cpuset for vcpu 2: '1;2'");
	T_FAILS(parse_cpuset(2, "-1", 8, &s, &e), 4,
	    "invalid cpuset for vcpu 2: '-1'");
	T_FAILS(parse_cpuset(0, "8", 8, &s, &e), 4,
	    "hostcpu '8' outside valid range from 0 to 7");
	T_FAILS(parse_cpuset(0, "0-9", 8, &s, &e), 4,
	    "hostcpu '9' outside valid range from 0 to 7");
	T_FAILS(parse_cpuset(0, "4000000000", 8, &s, &e), 4,
	    "hostcpu '2147483647' outside valid range from 0 to 7");
}

static void
vcpumaps(void)
{
	cpu_set_t **map = NULL;

	init_config();
	set_config_value("vcpu.0.cpuset", "1-2");
	set_config_value("vcpu.9.cpuset", "junk");	/* beyond ncpus: unused */
	T_CHECK(build_vcpumaps(2, 4, &map, &e) == 0);
	T_CHECK(map != NULL && map[0] != NULL && map[1] == NULL);
	if (map != NULL && map[0] != NULL)
		T_CHECK(CPU_COUNT(map[0]) == 2 && CPU_ISSET(1, map[0]));
	free_vcpumaps(2, map);
	set_config_value("vcpu.1.cpuset", "7");
	map = NULL;
	T_FAILS(build_vcpumaps(2, 4, &map, &e), 4,
	    "hostcpu '7' outside valid range from 0 to 3");
	T_CHECK(map == NULL);
	free_vcpumaps(0, NULL);
}

static void
pci_slots(void)
{
	init_config();
	T_CHECK(pci_parse_slot("3,t-net", &e) == 0);
	T_STREQ(get_config_value("pci.0.3.0.device"), "t-net");
	T_CHECK(pci_parse_slot("3:1,t-net,mac=00:a0:98:00:00:01,ro", &e) == 0);
	T_STREQ(get_config_value("pci.0.3.1.mac"), "00:a0:98:00:00:01");
	T_STREQ(get_config_value("pci.0.3.1.ro"), "true");
	T_CHECK(pci_parse_slot("1:31:7,t-net,,a=b=c", &e) == 0);
	T_STREQ(get_config_value("pci.1.31.7.device"), "t-net");
	T_STREQ(get_config_value("pci.1.31.7.a"), "b=c");
	T_CHECK(pci_parse_slot("255:0:0,t-net", &e) == 0);
	T_CHECK(pci_parse_slot("4,t-blk,/disk.img", &e) == 0);
	T_STREQ(get_config_value("pci.0.4.0.device"), "t-blk");
	T_STREQ(get_config_value("pci.0.4.0.path"), "/disk.img");
	T_CHECK(pci_parse_slot("5,t-net,", &e) == 0);

	T_FAILS(pci_parse_slot("3,t-net", &e), 4,
	    "pci slot 0:3:0 already occupied!");
	T_FAILS(pci_parse_slot("0:3:0,t-blk", &e), 4,
	    "pci slot 0:3:0 already occupied!");
	T_FAILS(pci_parse_slot("6,nosuch", &e), 4,
	    "pci slot 0:6:0: unknown device \"nosuch\"");
	T_FAILS(pci_parse_slot("6,", &e), 4,
	    "pci slot 0:6:0: unknown device \"\"");
	T_FAILS(pci_parse_slot("6,t-blk,FAIL", &e), 4,
	    "pci slot 0:6:0: invalid t-blk configuration 'FAIL'");
	T_FAILS(pci_parse_slot("7,t-net,a=1,a.b=2", &e), 4,
	    "pci slot 0:7:0: invalid t-net configuration 'a=1,a.b=2': "
	    "'a' is a value, not a node");
	T_FAILS(pci_parse_slot("3", &e), 4, "Invalid PCI slot info field \"3\"");
	T_FAILS(pci_parse_slot("", &e), 4, "Invalid PCI slot info field \"\"");
	T_FAILS(pci_parse_slot("32,t-net", &e), 4,
	    "Invalid PCI slot info field \"32,t-net\"");
	T_FAILS(pci_parse_slot("0:8,t-net", &e), 4,
	    "Invalid PCI slot info field \"0:8,t-net\"");
	T_FAILS(pci_parse_slot("256:0:0,t-net", &e), 4,
	    "Invalid PCI slot info field \"256:0:0,t-net\"");
	T_FAILS(pci_parse_slot("3x,t-net", &e), 4,
	    "Invalid PCI slot info field \"3x,t-net\"");
	T_FAILS(pci_parse_slot("1:2:3:4,t-net", &e), 4,
	    "Invalid PCI slot info field \"1:2:3:4,t-net\"");
	T_FAILS(pci_parse_slot(":3,t-net", &e), 4,
	    "Invalid PCI slot info field \":3,t-net\"");
	T_FAILS(pci_parse_slot("-1,t-net", &e), 4,
	    "Invalid PCI slot info field \"-1,t-net\"");
	T_FAILS(pci_parse_slot(",t-net", &e), 4,
	    "Invalid PCI slot info field \",t-net\"");
	T_FAILS(pci_parse_slot("00003,t-net", &e), 4,
	    "Invalid PCI slot info field \"00003,t-net\"");
}

static char *
print_to_string(void (*fn)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	fn(fp);
	fclose(fp);
	return (buf);
}

static void
device_lists(void)
{
	char *s;

	s = print_to_string(pci_print_supported_devices);
	T_CHECK(strstr(s, "t-net\n") != NULL && strstr(s, "t-blk\n") != NULL);
	T_CHECK(strstr(s, "t-lpc") == NULL);
	free(s);
	s = print_to_string(lpc_print_supported_devices);
	T_CHECK(strncmp(s, "bootrom\ncom1\ncom2\ncom3\ncom4\nfwcfg\npc-testdev\n",
	    45) == 0);
	T_CHECK(strstr(s, "t-lpc\n") != NULL);
	free(s);
}

static void
lpc_devices(void)
{
	init_config();
	T_CHECK(lpc_device_parse("com1,stdio", &e) == 0);
	T_STREQ(get_config_value("lpc.com1.path"), "stdio");
	T_CHECK(lpc_device_parse("COM4,/dev/pts/3,x", &e) == 0);
	T_STREQ(get_config_value("lpc.com4.path"), "/dev/pts/3,x");
	T_CHECK(lpc_device_parse("bootrom,/fw/CODE.fd", &e) == 0);
	T_STREQ(get_config_value("lpc.bootrom"), "/fw/CODE.fd");
	T_CHECK(get_config_value("lpc.bootvars") == NULL);
	T_CHECK(lpc_device_parse("BootRom,/c.fd,/v.fd,fwcfg=qemu", &e) == 0);
	T_STREQ(get_config_value("lpc.bootrom"), "/c.fd");
	T_STREQ(get_config_value("lpc.bootvars"), "/v.fd");
	T_STREQ(get_config_value("lpc.fwcfg"), "qemu");
	init_config();
	T_CHECK(lpc_device_parse("bootrom,/c.fd,fwcfg=qemu", &e) == 0);
	T_CHECK(get_config_value("lpc.bootvars") == NULL);
	T_STREQ(get_config_value("lpc.fwcfg"), "qemu");
	T_CHECK(lpc_device_parse("pc-testdev", &e) == 0);
	T_STREQ(get_config_value("lpc.pc-testdev"), "true");
	T_CHECK(lpc_device_parse("fwcfg,bhyve", &e) == 0);
	T_STREQ(get_config_value("lpc.fwcfg"), "bhyve");
	T_CHECK(lpc_device_parse("t-lpc,speed=3,on", &e) == 0);
	T_STREQ(get_config_value("lpc.t-lpc.speed"), "3");
	T_STREQ(get_config_value("lpc.t-lpc.on"), "true");

	T_FAILS(lpc_device_parse("com1", &e), 64,
	    "invalid lpc device configuration 'com1'");
	T_FAILS(lpc_device_parse("com5,stdio", &e), 64,
	    "invalid lpc device configuration 'com5,stdio'");
	T_FAILS(lpc_device_parse("fwcfg,nope", &e), 64,
	    "invalid lpc device configuration 'fwcfg,nope'");
	T_FAILS(lpc_device_parse("fwcfg", &e), 64,
	    "invalid lpc device configuration 'fwcfg'");
	T_FAILS(lpc_device_parse("", &e), 64,
	    "invalid lpc device configuration ''");
	T_FAILS(lpc_device_parse("bootrom", &e), 4,
	    "invalid bootrom option \"bootrom\"");
	T_FAILS(lpc_device_parse("bootrom,", &e), 4,
	    "invalid bootrom option \"bootrom,\"");
}

static void
config_options(void)
{
	init_config();
	T_CHECK(config_option_parse("a.b=c", &e) == 0);
	T_STREQ(get_config_value("a.b"), "c");
	T_CHECK(config_option_parse("x=y=z", &e) == 0);
	T_STREQ(get_config_value("x"), "y=z");
	T_CHECK(config_option_parse("memory.size=1G", &e) == 0);
	T_STREQ(get_config_value("memory.size"), "1G");
	T_FAILS(config_option_parse("a=", &e), 64,
	    "invalid configuration option 'a='");
	T_FAILS(config_option_parse("=b", &e), 64,
	    "invalid configuration option '=b'");
	T_FAILS(config_option_parse("ab", &e), 64,
	    "invalid configuration option 'ab'");
	T_FAILS(config_option_parse("a=d", &e), 4,
	    "'a' is a node, not a value");
	T_FAILS(config_option_parse("a.b.c=d", &e), 4,
	    "'a.b' is a value, not a node");
	T_FAILS(config_option_parse("a..b=d", &e), 4,
	    "invalid config path 'a..b'");
}

static int
parse_text(const char *text, const char *name)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	int rc;

	rc = config_file_parse_fp(fp, name, &e);
	fclose(fp);
	return (rc);
}

static void
config_files(void)
{
	char path[] = "/tmp/khyve-test-XXXXXX";
	int fd;

	init_config();
	T_CHECK(parse_text("# comment\n\nname=vm1\n  \n"
	    "pci.0.3.0.device=virtio-blk\r\nmemory.size=%(x)G\nlast=1", "f") == 0);
	T_STREQ(get_config_value("name"), "vm1");
	T_STREQ(get_config_value("pci.0.3.0.device"), "virtio-blk");
	T_STREQ(get_config_value("last"), "1");
	T_CHECK(parse_text("", "empty") == 0);
	T_FAILS(parse_text("a=1\n# c\njunk\nb=2\n", "my.conf"), 4,
	    "my.conf:3: invalid config option 'junk'");
	T_CHECK(get_config_value("b") == NULL);	/* stops at the error */
	T_FAILS(parse_text("k=\n", "c"), 4, "c:1: invalid config option 'k='");
	T_FAILS(parse_text("\n\npci=1\n", "c"), 4,
	    "c:3: 'pci' is a node, not a value");
	T_FAILS(config_file_parse("/nonexistent/khyve.conf", &e), 4,
	    "Failed to open configuration file /nonexistent/khyve.conf: "
	    "No such file or directory");

	fd = mkstemp(path);
	T_CHECK(fd >= 0);
	T_CHECK(write(fd, "cpus=2\n", 7) == 7);
	close(fd);
	init_config();
	T_CHECK(config_file_parse(path, &e) == 0);
	T_STREQ(get_config_value("cpus"), "2");
	unlink(path);
}

static void
gdb_options(void)
{
	init_config();
	T_CHECK(gdb_option_parse("1234", &e) == 0);
	T_STREQ(get_config_value("gdb.port"), "1234");
	T_CHECK(get_config_value("gdb.address") == NULL);
	T_CHECK(get_config_value("gdb.wait") == NULL);
	init_config();
	T_CHECK(gdb_option_parse("w127.0.0.1:4321", &e) == 0);
	T_STREQ(get_config_value("gdb.wait"), "true");
	T_STREQ(get_config_value("gdb.address"), "127.0.0.1");
	T_STREQ(get_config_value("gdb.port"), "4321");
	init_config();
	T_CHECK(gdb_option_parse("::1:99", &e) == 0);
	T_STREQ(get_config_value("gdb.address"), "::1");
	T_STREQ(get_config_value("gdb.port"), "99");
}

static void
fwcfg_options(void)
{
	init_config();
	T_CHECK(fwcfg_option_parse("name=opt/a.b,string=hello", &e) == 0);
	T_CHECK(fwcfg_option_parse("opt/c,file=/etc/hostname", &e) == 0);
	T_STREQ(get_config_value("fwcfg.0.name"), "opt/a.b");
	T_STREQ(get_config_value("fwcfg.0.string"), "hello");
	T_STREQ(get_config_value("fwcfg.1.name"), "opt/c");
	T_STREQ(get_config_value("fwcfg.1.file"), "/etc/hostname");
	T_CHECK(fwcfg_option_parse("opt/e,string=", &e) == 0);
	T_FAILS(fwcfg_option_parse("opt/d", &e), 64, "invalid fwcfg item 'opt/d'");
	T_FAILS(fwcfg_option_parse("opt/d,data=1", &e), 64,
	    "invalid fwcfg item 'opt/d,data=1'");
	T_FAILS(fwcfg_option_parse(",string=x", &e), 64,
	    "invalid fwcfg item ',string=x'");
	T_FAILS(fwcfg_option_parse("opt/d,file=", &e), 64,
	    "invalid fwcfg item 'opt/d,file='");
	T_FAILS(fwcfg_option_parse("opt/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ",string=x", &e), 64, "invalid fwcfg item 'opt/aaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,string=x'");
}

static void
smbios_options(void)
{
	init_config();
	T_CHECK(smbios_option_parse("type=1,manufacturer=Acme,product=P,"
	    "version=2,serial=S1,sku=K,family=F,uuid=U", &e) == 0);
	T_STREQ(get_config_value("system.manufacturer"), "Acme");
	T_STREQ(get_config_value("system.product_name"), "P");
	T_STREQ(get_config_value("system.version"), "2");
	T_STREQ(get_config_value("system.serial_number"), "S1");
	T_STREQ(get_config_value("system.sku"), "K");
	T_STREQ(get_config_value("system.family_name"), "F");
	T_STREQ(get_config_value("uuid"), "U");
	T_CHECK(smbios_option_parse("type=0,vendor=V,version=1.0,"
	    "release_date=01/01/2025", &e) == 0);
	T_STREQ(get_config_value("bios.vendor"), "V");
	T_STREQ(get_config_value("bios.version"), "1.0");
	T_STREQ(get_config_value("bios.release_date"), "01/01/2025");
	T_CHECK(smbios_option_parse("type=1", &e) == 0);
	T_FAILS(smbios_option_parse("type=2,x=1", &e), 64,
	    "invalid SMBIOS configuration 'type=2,x=1'");
	T_FAILS(smbios_option_parse("manufacturer=A", &e), 64,
	    "invalid SMBIOS configuration 'manufacturer=A'");
	T_FAILS(smbios_option_parse("type=1,bogus=1", &e), 64,
	    "invalid SMBIOS configuration 'type=1,bogus=1'");
	T_FAILS(smbios_option_parse("type=1,serial", &e), 64,
	    "invalid SMBIOS configuration 'type=1,serial'");
	T_FAILS(smbios_option_parse("type=0,product=x", &e), 64,
	    "invalid SMBIOS configuration 'type=0,product=x'");
	T_FAILS(smbios_option_parse("type=x", &e), 64,
	    "invalid SMBIOS configuration 'type=x'");
	T_FAILS(smbios_option_parse("", &e), 64,
	    "invalid SMBIOS configuration ''");
}

/*
 * Random strings over the parsers' alphabet: nothing may crash or leak
 * (ASan/UBSan watch), and every failure must come with a message.
 */
static unsigned long fuzz_state = 12345;

static void
fuzz_string(char *buf, size_t cap)
{
	static const char alphabet[] = "0123456789,:=-.%()abcxwgsGKMTkm "
	    "cpus=sockets=cores=threads=t-net,t-lpc,com1,bootrom,fwcfg,type=";
	size_t i, len;

	fuzz_state = fuzz_state * 6364136223846793005UL + 1442695040888963407UL;
	len = (fuzz_state >> 33) % (cap - 1);
	for (i = 0; i < len; i++) {
		fuzz_state = fuzz_state * 6364136223846793005UL + 1UL;
		buf[i] = alphabet[(fuzz_state >> 33) % (sizeof(alphabet) - 1)];
	}
	buf[len] = '\0';
}

static void
fuzz_parsers(void)
{
	struct topology t;
	cpu_set_t set;
	uint64_t v;
	char buf[48];
	int i, bad = 0;

	init_config();
	for (i = 0; i < 20000; i++) {
		fuzz_string(buf, sizeof(buf));
		memset(&e, 0, sizeof(e));
		switch (i % 10) {
		case 0: if (topology_parse(buf, &e) == 0)
				(void)calc_topology(&t, &e);
			break;
		case 1: (void)pincpu_parse(buf, 4, &e); break;
		case 2: (void)parse_cpuset(0, buf, 4, &set, &e); break;
		case 3: (void)pci_parse_slot(buf, &e); break;
		case 4: (void)lpc_device_parse(buf, &e); break;
		case 5: (void)config_option_parse(buf, &e); break;
		case 6: (void)smbios_option_parse(buf, &e); break;
		case 7: (void)fwcfg_option_parse(buf, &e); break;
		case 8: (void)gdb_option_parse(buf, &e); break;
		case 9: (void)parse_memsize(buf, &v);
			(void)get_config_value(buf);
			e.status = 0;
			break;
		}
		if (e.status != 0 && e.msg[0] == '\0')
			bad++;
		if (i % 1000 == 999)
			init_config();
	}
	T_CHECK(bad == 0);
}

int
main(void)
{
	T_RUN(topology_good);
	T_RUN(topology_bad);
	T_RUN(pinning);
	T_RUN(cpusets);
	T_RUN(vcpumaps);
	T_RUN(pci_slots);
	T_RUN(device_lists);
	T_RUN(lpc_devices);
	T_RUN(config_options);
	T_RUN(config_files);
	T_RUN(gdb_options);
	T_RUN(fwcfg_options);
	T_RUN(smbios_options);
	T_RUN(fuzz_parsers);
	free_config();
	return (T_DONE());
}
