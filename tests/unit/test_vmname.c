/*
 * Named VMs (core/vmname.c): name rules, the runtime dir's choice, the
 * boot state's text form (round trip, every damaged form refused), and a
 * VM's life in a scratch runtime dir: create, exists, lock held once,
 * owner pid, reinit, prepared state, destroy refused while locked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/vmname.h"
#include "t.h"

static void
names(void)
{
	struct vmname_err e;
	char big[VMNAME_MAX + 2];

	T_CHECK(vmname_check("vm1", &e) == 0);
	T_CHECK(vmname_check("a.b-c_d", &e) == 0);
	T_CHECK(vmname_check("", &e) != 0);
	T_CHECK(vmname_check(".", &e) != 0);
	T_CHECK(vmname_check("..", &e) != 0);
	T_CHECK(vmname_check("a/b", &e) != 0);
	T_CHECK(vmname_check("../x", &e) != 0);
	T_CHECK(vmname_check("a\nb", &e) != 0);
	T_CHECK(strstr(e.msg, "control") != NULL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	T_CHECK(vmname_check(big, &e) != 0);
	big[VMNAME_MAX] = '\0';
	T_CHECK(vmname_check(big, &e) == 0);
}

static void
rundir(void)
{
	struct vmname_err e;
	char buf[256];

	setenv("KHYVE_RUNDIR", "/x/y", 1);
	T_CHECK(vmname_rundir(buf, sizeof(buf), &e) == 0);
	T_STREQ(buf, "/x/y");
	unsetenv("KHYVE_RUNDIR");
	T_CHECK(vmname_rundir(buf, sizeof(buf), &e) == 0 ||
	    geteuid() != 0);
	if (geteuid() == 0)
		T_STREQ(buf, "/run/khyve");
}

static void
bootstate(void)
{
	struct vm_bootstate a = { 512ULL << 20, { BOOT_CPU_LONG64, 0x1000200,
	    0x8000, 0x8000, 0 } }, b;
	char buf[512], bad[600];
	static const char *const broken[] = {
		"",
		"khyve-boot 2\nmemsize 1\n",
		"khyve-boot 1\nmemsize 536870912\nmode long64\nrip 0x1\n"
		    "rsp 0x1\nrsi 0x1\n",				/* no rbx */
		"khyve-boot 1\nmemsize 536870912\nmode long64\nrip 0x1\n"
		    "rsp 0x1\nrsi 0x1\nrbx 0\nrbx 0\n",			/* twice */
		"khyve-boot 1\nmemsize 536870912\nmode real\nrip 0x1\n"
		    "rsp 0x1\nrsi 0x1\nrbx 0\n",
		"khyve-boot 1\nmemsize 0\nmode long64\nrip 0x1\n"
		    "rsp 0x1\nrsi 0x1\nrbx 0\n",
		"khyve-boot 1\nmemsize 99999999999999999999999\nmode long64\n"
		    "rip 0x1\nrsp 0x1\nrsi 0x1\nrbx 0\n",
		"khyve-boot 1\nmemsize -1\nmode long64\nrip 0x1\n"
		    "rsp 0x1\nrsi 0x1\nrbx 0\n",
		"khyve-boot 1\nmemsize 5\nmode long64\nrip 0x1\n"
		    "rsp 0x1\nrsi 0x1\nrbx 0",				/* no \n */
		"khyve-boot 1\nmemsize 5\nmode long64\nrip 0x1z\n"
		    "rsp 0x1\nrsi 0x1\nrbx 0\n",
		"khyve-boot 1\nmemsize 5\nmode long64\nrip 0x1\n"
		    "rsp 0x1\nrsi 0x1\nrbx 0\nextra 1\n",
	};

	T_CHECK(vm_bootstate_format(&a, buf, sizeof(buf)) > 0);
	T_CHECK(vm_bootstate_parse(buf, &b) == 0);
	T_CHECK(memcmp(&a.cpu, &b.cpu, sizeof(a.cpu)) == 0 &&
	    a.memsize == b.memsize);
	a.cpu.mode = BOOT_CPU_PROT32;
	a.cpu.rbx = 0x8000;
	T_CHECK(vm_bootstate_format(&a, buf, sizeof(buf)) > 0);
	T_CHECK(vm_bootstate_parse(buf, &b) == 0 && b.cpu.mode ==
	    BOOT_CPU_PROT32 && b.cpu.rbx == 0x8000);
	T_CHECK(vm_bootstate_format(&a, buf, 10) < 0);
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++)
		T_CHECK(vm_bootstate_parse(broken[i], &b) != 0);
	/* Every truncation of a good one is refused, none crashes. */
	vm_bootstate_format(&a, buf, sizeof(buf));
	for (size_t n = 0; n < strlen(buf); n++) {
		memcpy(bad, buf, n);
		bad[n] = '\0';
		T_CHECK(vm_bootstate_parse(bad, &b) != 0);
	}
}

static void
lifecycle(void)
{
	char tmpl[] = "/tmp/khyve-vmname-XXXXXX", path[PATH_MAX + 16];
	struct vmname_err e;
	struct vmdir d, d2;
	struct vm_bootstate bs = { 1 << 20, { BOOT_CPU_LONG64, 1, 2, 3, 4 } };
	struct vm_bootstate got;
	struct stat st;
	uint64_t size;
	pid_t pid;
	int fd;

	T_CHECK(mkdtemp(tmpl) != NULL);
	snprintf(path, sizeof(path), "%s/run/sub", tmpl);
	setenv("KHYVE_RUNDIR", path, 1);
	T_CHECK(vmdir_open(&d, "vm", &e) != 0 && errno == ENOENT);
	T_CHECK(vmdir_create(&d, "vm", &e) == 0);
	T_CHECK(stat(d.path, &st) == 0 && (st.st_mode & 0777) == 0700);
	T_CHECK(vmdir_create(&d2, "vm", &e) != 0 && errno == EEXIST);
	T_CHECK(vmdir_state(&d, &pid) == VMSTATE_CREATED && pid == 0);

	fd = vmdir_reinit(&d, 1 << 20, &e);
	T_CHECK(fd >= 0);
	T_CHECK(write(fd, "x", 1) == 1);
	close(fd);
	T_CHECK(vmdir_load_boot(&d, &got, &e) == 1);
	T_CHECK(vmdir_save_boot(&d, &bs, &e) == 0);
	T_CHECK(vmdir_state(&d, &pid) == VMSTATE_PREPARED);
	T_CHECK(vmdir_load_boot(&d, &got, &e) == 0 && got.cpu.rbx == 4);
	/* Reinit: zeroed RAM, no boot state. */
	fd = vmdir_reinit(&d, 2 << 20, &e);
	T_CHECK(fd >= 0);
	char c = 1;
	T_CHECK(pread(fd, &c, 1, 0) == 1 && c == 0);
	close(fd);
	T_CHECK(vmdir_load_boot(&d, &got, &e) == 1);
	fd = vmdir_open_mem(&d, &size, &e);
	T_CHECK(fd >= 0 && size == 2 << 20);
	close(fd);

	/* The lock: once per VM, even within one process (OFD locks). */
	T_CHECK(vmdir_open(&d2, "vm", &e) == 0);
	T_CHECK(vmdir_lock(&d, &e) == 0);
	T_CHECK(vmdir_lock(&d2, &e) != 0);
	T_CHECK(strstr(e.msg, "already running") != NULL);
	T_CHECK(vmdir_owner(&d2) == getpid());
	T_CHECK(vmdir_state(&d2, &pid) == VMSTATE_RUNNING && pid == getpid());
	T_CHECK(vmdir_destroy(&d2, &e) != 0 && errno == EBUSY);
	vmdir_close(&d);
	T_CHECK(vmdir_owner(&d2) == 0);

	/* A damaged boot state is named, not trusted. */
	T_CHECK(vmdir_save_boot(&d2, &bs, &e) == 0);
	snprintf(path, sizeof(path), "%s/boot", d2.path);
	FILE *f = fopen(path, "w");
	fputs("khyve-boot 1\nmemsize x\n", f);
	fclose(f);
	T_CHECK(vmdir_load_boot(&d2, &got, &e) < 0);
	T_CHECK(strstr(e.msg, "damaged") != NULL);

	T_CHECK(vmdir_destroy(&d2, &e) == 0);
	T_CHECK(stat(d2.path, &st) != 0);
	vmdir_close(&d2);
	snprintf(path, sizeof(path), "rm -rf %s", tmpl);
	T_CHECK(system(path) == 0);
	unsetenv("KHYVE_RUNDIR");
}

int
main(void)
{
	T_RUN(names);
	T_RUN(rundir);
	T_RUN(bootstate);
	T_RUN(lifecycle);
	return (T_DONE());
}
