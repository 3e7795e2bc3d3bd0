/*
 * boot/file.c: the loaders' view of their inputs (see boot.h): a regular
 * file read with pread — straight into guest memory, no staging copy — or a
 * memory buffer for tests and fuzzers.  Every read is bounds-checked
 * against the size, and a file that shrinks under us reads as an error.
 */
#include "boot/boot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
boot_fail(struct boot_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return (-1);
}

int
boot_file_open(struct boot_file *f, const char *path, struct boot_err *e)
{
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->path = path;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return (boot_fail(e, "%s: %s", path, strerror(errno)));
	if (fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		boot_file_close(f);
		return (boot_fail(e, "%s: not a regular file", path));
	}
	f->size = (uint64_t)st.st_size;
	return (0);
}

void
boot_file_close(struct boot_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

void
boot_file_from_buf(struct boot_file *f, const char *name, const void *buf,
    uint64_t size)
{
	f->path = name;
	f->fd = -1;
	f->buf = buf;
	f->size = size;
}

int
boot_file_read(const struct boot_file *f, uint64_t off, void *dst,
    uint64_t len)
{
	uint8_t *p = dst;
	ssize_t r;

	if (off > f->size || len > f->size - off)
		return (-1);
	if (f->fd < 0) {
		if (len != 0)
			memcpy(dst, f->buf + off, len);
		return (0);
	}
	while (len > 0) {
		r = pread(f->fd, p, len > (1u << 30) ? (1u << 30) : len,
		    (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return (-1);
		p += r;
		off += (uint64_t)r;
		len -= (uint64_t)r;
	}
	return (0);
}
