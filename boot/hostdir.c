/*
 * boot/hostdir.c: khyveload -h: a host directory as the guest's file
 * system (bhyveload's host callbacks).  Every path is opened with
 * openat2(2) RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS below the directory,
 * so "..", absolute symlinks and symlinks that lead out of it are refused
 * by the kernel, not by string checks that could be fooled.
 */
#include "boot/bootsrc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
hostdir_open(struct bootsrc *s, const char *path, struct boot_file *f,
    struct boot_err *e)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	const char *rel = path;
	struct stat st;
	int fd;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->path = path;
	/* Paths are absolute in the guest's view: its root is the dir. */
	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
	fd = (int)syscall(SYS_openat2, s->rootfd, rel, &how, sizeof(how));
	if (fd < 0) {
		if (errno == ENOENT) {
			boot_fail(e, "%s: %s: No such file or directory",
			    s->what, path);
			return (1);
		}
		return (boot_fail(e, "%s: %s: %s", s->what, path,
		    errno == EXDEV ? "leads out of the host directory" :
		    strerror(errno)));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return (boot_fail(e, "%s: %s: not a regular file", s->what,
		    path));
	}
	f->fd = fd;
	f->size = (uint64_t)st.st_size;
	return (0);
}

static void
hostdir_close(struct bootsrc *s, struct boot_file *f)
{
	(void)s;
	boot_file_close(f);
}

static void
hostdir_fini(struct bootsrc *s)
{
	if (s->rootfd >= 0)
		close(s->rootfd);
	s->rootfd = -1;
}

int
hostdir_init(struct bootsrc *s, const char *dir, struct boot_err *e)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->what, sizeof(s->what), "%s", dir);
	s->open = hostdir_open;
	s->close = hostdir_close;
	s->fini = hostdir_fini;
	s->rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0)
		return (boot_fail(e, "%s: %s", dir, strerror(errno)));
	return (0);
}
