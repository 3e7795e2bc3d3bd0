/*
 * core/vmname.c: named VMs as directories under the runtime dir (see
 * core/vmname.h for the layout).  Every file is reached through the VM's
 * directory fd (openat and friends), so a name never travels through a
 * path that another process could swap; the run lock is an OFD lock
 * (fcntl F_OFD_SETLK), held as long as the running process lives and
 * released by the kernel when it dies, so a crashed runner never leaves a
 * VM marked as running.
 */
#include "core/vmname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VF_MEM		"mem"
#define VF_BOOT		"boot"
#define VF_BOOT_TMP	"boot.tmp"
#define VF_LOCK		"lock"
#define VF_CTL		"ctl"

static int
fail(struct vmname_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return (-1);
}

int
vmname_check(const char *name, struct vmname_err *e)
{
	size_t len = strlen(name);

	if (len == 0)
		return (fail(e, "invalid VM name '': empty"));
	if (len > VMNAME_MAX)
		return (fail(e, "invalid VM name '%.*s...': longer than %d "
		    "bytes", 16, name, VMNAME_MAX));
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return (fail(e, "invalid VM name '%s'", name));
	for (const char *p = name; *p != '\0'; p++) {
		/* Control bytes would garble --list and messages. */
		if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return (fail(e, "invalid VM name '%s': no '/' or "
			    "control characters", name));
	}
	return (0);
}

int
vmname_rundir(char *buf, size_t len, struct vmname_err *e)
{
	const char *env = getenv("KHYVE_RUNDIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (env != NULL && *env != '\0')
		n = snprintf(buf, len, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/run/khyve");
	else if (xdg != NULL && *xdg != '\0')
		n = snprintf(buf, len, "%s/khyve", xdg);
	else {
		/* No runtime dir: no named VM can exist (callers see ENOENT). */
		fail(e, "no runtime dir: not root, and neither KHYVE_RUNDIR "
		    "nor XDG_RUNTIME_DIR is set");
		errno = ENOENT;
		return (-1);
	}
	if (n < 0 || (size_t)n >= len)
		return (fail(e, "runtime dir path too long"));
	return (0);
}

static int
dir_path(struct vmdir *d, const char *name, struct vmname_err *e)
{
	char rundir[PATH_MAX - VMNAME_MAX - 2];

	memset(d, 0, sizeof(*d));
	d->dirfd = d->lockfd = -1;
	if (vmname_check(name, e) != 0) {
		errno = EINVAL;
		return (-1);
	}
	if (vmname_rundir(rundir, sizeof(rundir), e) != 0)
		return (-1);
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->path, sizeof(d->path), "%s/%s", rundir, name);
	return (0);
}

/* mkdir -p for the runtime dir: owner-only, as it holds guest RAM. */
static int
make_rundir(const char *path, struct vmname_err *e)
{
	char buf[PATH_MAX];
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return (fail(e, "cannot create %s: %s", buf,
			    strerror(errno)));
		if (c == '\0')
			return (0);
		*p = c;
	}
}

int
vmdir_open(struct vmdir *d, const char *name, struct vmname_err *e)
{
	if (dir_path(d, name, e) != 0)
		return (-1);
	d->dirfd = open(d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (d->dirfd < 0) {
		int saved = errno;

		fail(e, "%s: %s", name, errno == ENOENT ?
		    "no such virtual machine" : strerror(errno));
		errno = saved;
		return (-1);
	}
	return (0);
}

int
vmdir_create(struct vmdir *d, const char *name, struct vmname_err *e)
{
	char *slash;

	if (dir_path(d, name, e) != 0)
		return (-1);
	slash = strrchr(d->path, '/');
	*slash = '\0';
	if (make_rundir(d->path, e) != 0)
		return (-1);
	*slash = '/';
	if (mkdir(d->path, 0700) != 0) {
		int saved = errno;

		fail(e, "%s: %s", name, errno == EEXIST ?
		    "virtual machine already exists" : strerror(errno));
		errno = saved;
		return (-1);
	}
	return (vmdir_open(d, name, e));
}

void
vmdir_close(struct vmdir *d)
{
	if (d->lockfd >= 0)
		close(d->lockfd);
	if (d->dirfd >= 0)
		close(d->dirfd);
	d->lockfd = d->dirfd = -1;
}

static pid_t
read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;

	if (n <= 0)
		return (0);
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return (pid > 0 && pid <= INT32_MAX ? (pid_t)pid : 0);
}

int
vmdir_lock(struct vmdir *d, struct vmname_err *e)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char buf[32];
	int fd, n;

	fd = openat(d->dirfd, VF_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		return (fail(e, "%s: cannot open its lock: %s", d->name,
		    strerror(errno)));
	if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
		pid_t pid = read_pid(fd);

		close(fd);
		if (errno == EAGAIN || errno == EACCES)
			return (fail(e, "%s: virtual machine is already "
			    "running (pid %d)", d->name, (int)pid));
		return (fail(e, "%s: cannot lock: %s", d->name,
		    strerror(errno)));
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		close(fd);
		return (fail(e, "%s: cannot write its lock: %s", d->name,
		    strerror(errno)));
	}
	d->lockfd = fd;
	return (0);
}

pid_t
vmdir_owner(const struct vmdir *d)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	pid_t pid;
	int fd;

	if (d->lockfd >= 0)
		return (getpid());
	fd = openat(d->dirfd, VF_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return (0);
	pid = 0;
	/* F_OFD_GETLK reports the lock without taking it; l_pid is -1. */
	if (fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
		pid = read_pid(fd);
		if (pid == 0)
			pid = -1;	/* locked, pid not yet written */
	}
	close(fd);
	return (pid);
}

int
vmdir_open_mem(struct vmdir *d, uint64_t *size, struct vmname_err *e)
{
	struct stat st;
	int fd;

	fd = openat(d->dirfd, VF_MEM, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return (fail(e, "%s: cannot open its memory: %s", d->name,
		    strerror(errno)));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return (fail(e, "%s: its memory is not a regular file",
		    d->name));
	}
	*size = (uint64_t)st.st_size;
	return (fd);
}

int
vmdir_reinit(struct vmdir *d, uint64_t memsize, struct vmname_err *e)
{
	int fd;

	vmdir_forget_boot(d);
	fd = openat(d->dirfd, VF_MEM, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		return (fail(e, "%s: cannot create its memory: %s", d->name,
		    strerror(errno)));
	/* Down to nothing and back: the old guest's pages are gone. */
	if (ftruncate(fd, 0) != 0 || ftruncate(fd, (off_t)memsize) != 0) {
		close(fd);
		return (fail(e, "%s: cannot size its memory to %" PRIu64
		    " bytes: %s", d->name, memsize, strerror(errno)));
	}
	return (fd);
}

int
vm_bootstate_format(const struct vm_bootstate *bs, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len,
	    "khyve-boot 1\n"
	    "memsize %" PRIu64 "\n"
	    "mode %s\n"
	    "rip 0x%" PRIx64 "\n"
	    "rsp 0x%" PRIx64 "\n"
	    "rsi 0x%" PRIx64 "\n"
	    "rbx 0x%" PRIx64 "\n",
	    bs->memsize, bs->cpu.mode == BOOT_CPU_LONG64 ? "long64" : "prot32",
	    bs->cpu.rip, bs->cpu.rsp, bs->cpu.rsi, bs->cpu.rbx);
	return (n < 0 || (size_t)n >= len ? -1 : n);
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return (-1);
	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno != 0 || *end != '\0' ? -1 : 0);
}

/* Every key exactly once, nothing else: a damaged file is refused. */
int
vm_bootstate_parse(const char *text, struct vm_bootstate *bs)
{
	static const char *const keys[] = { "memsize", "mode", "rip", "rsp",
	    "rsi", "rbx" };
	unsigned seen = 0;
	char line[128], *sp;
	const char *p = text, *nl;
	size_t n;

	memset(bs, 0, sizeof(*bs));
	if (strncmp(p, "khyve-boot 1\n", 13) != 0)
		return (-1);
	for (p += 13; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL || (n = (size_t)(nl - p)) >= sizeof(line))
			return (-1);
		memcpy(line, p, n);
		line[n] = '\0';
		if ((sp = strchr(line, ' ')) == NULL)
			return (-1);
		*sp++ = '\0';
		unsigned i;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(line, keys[i]) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0]) || (seen & (1u << i)))
			return (-1);
		seen |= 1u << i;
		uint64_t *dst[] = { &bs->memsize, NULL, &bs->cpu.rip,
		    &bs->cpu.rsp, &bs->cpu.rsi, &bs->cpu.rbx };
		if (i == 1) {
			if (strcmp(sp, "long64") == 0)
				bs->cpu.mode = BOOT_CPU_LONG64;
			else if (strcmp(sp, "prot32") == 0)
				bs->cpu.mode = BOOT_CPU_PROT32;
			else
				return (-1);
		} else if (parse_u64(sp, dst[i]) != 0)
			return (-1);
	}
	return (seen == (1u << 6) - 1 && bs->memsize != 0 ? 0 : -1);
}

int
vmdir_save_boot(struct vmdir *d, const struct vm_bootstate *bs,
    struct vmname_err *e)
{
	char buf[512];
	int fd, n;

	n = vm_bootstate_format(bs, buf, sizeof(buf));
	fd = openat(d->dirfd, VF_BOOT_TMP, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (n < 0 || fd < 0 || write(fd, buf, (size_t)n) != n ||
	    fsync(fd) != 0 || close(fd) != 0 ||
	    renameat(d->dirfd, VF_BOOT_TMP, d->dirfd, VF_BOOT) != 0) {
		int saved = errno;

		if (fd >= 0)
			close(fd);
		return (fail(e, "%s: cannot write its boot state: %s",
		    d->name, strerror(saved)));
	}
	return (0);
}

int
vmdir_load_boot(struct vmdir *d, struct vm_bootstate *bs,
    struct vmname_err *e)
{
	char buf[513];
	ssize_t n;
	int fd;

	fd = openat(d->dirfd, VF_BOOT, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return (1);
	if (fd < 0)
		return (fail(e, "%s: cannot open its boot state: %s", d->name,
		    strerror(errno)));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return (fail(e, "%s: cannot read its boot state: %s", d->name,
		    strerror(errno)));
	buf[n] = '\0';
	if ((size_t)n == strlen(buf) && vm_bootstate_parse(buf, bs) == 0)
		return (0);
	return (fail(e, "%s: its boot state (%s/%s) is damaged; load it "
	    "again", d->name, d->path, VF_BOOT));
}

void
vmdir_forget_boot(struct vmdir *d)
{
	(void)unlinkat(d->dirfd, VF_BOOT, 0);
	(void)unlinkat(d->dirfd, VF_BOOT_TMP, 0);
}

enum vm_state
vmdir_state(const struct vmdir *d, pid_t *pid)
{
	*pid = vmdir_owner(d);
	if (*pid != 0)
		return (VMSTATE_RUNNING);
	if (faccessat(d->dirfd, VF_BOOT, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return (VMSTATE_PREPARED);
	return (VMSTATE_CREATED);
}

int
vmdir_destroy(struct vmdir *d, struct vmname_err *e)
{
	static const char *const files[] = { VF_MEM, VF_BOOT, VF_BOOT_TMP,
	    VF_CTL, VF_LOCK };
	pid_t pid = d->lockfd >= 0 ? 0 : vmdir_owner(d);

	if (pid != 0) {
		errno = EBUSY;
		return (fail(e, "%s: virtual machine is running (pid %d)",
		    d->name, (int)pid));
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (unlinkat(d->dirfd, files[i], 0) != 0 && errno != ENOENT)
			return (fail(e, "%s: cannot remove %s/%s: %s", d->name,
			    d->path, files[i], strerror(errno)));
	}
	if (rmdir(d->path) != 0)
		return (fail(e, "%s: cannot remove %s: %s", d->name, d->path,
		    strerror(errno)));
	return (0);
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return (strcmp((*a)->d_name, (*b)->d_name));
}

int
vmdir_foreach(void (*fn)(struct vmdir *d, void *arg), void *arg,
    struct vmname_err *e)
{
	char rundir[PATH_MAX];
	struct dirent **list;
	struct vmname_err ignored;
	struct vmdir d;
	int n;

	if (vmname_rundir(rundir, sizeof(rundir), e) != 0)
		return (-1);
	n = scandir(rundir, &list, NULL, by_name);
	if (n < 0)
		return (errno == ENOENT ? 0 :
		    fail(e, "%s: %s", rundir, strerror(errno)));
	for (int i = 0; i < n; i++) {
		/* Anything not a valid VM directory is not ours to show. */
		if (vmdir_open(&d, list[i]->d_name, &ignored) == 0) {
			fn(&d, arg);
			vmdir_close(&d);
		}
		free(list[i]);
	}
	free(list);
	return (0);
}
