/*
 * boot/disk.c: khyveload -d: a guest's own disk image as the source of its
 * kernel (bhyveload's disk callbacks, which read FreeBSD's UFS/ZFS; here
 * Linux's ext2/3/4).  The image's partition table (boot/disk_part.c) is
 * read, and each partition in order is opened with libext2fs (e2fsprogs,
 * read-only: the image is opened O_RDONLY and the journal is not
 * replayed); the first one holding a boot configuration is the source,
 * else, when the kernel is named with -e, the first ext file system.
 * Paths are looked up from that file system's root, symlinks followed
 * inside it; a file is read whole into memory.
 */
#include "boot/bootsrc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ext2fs/ext2fs.h>

#include "boot/disk_part.h"

#define FILE_MAX	(2ULL << 30)	/* kernels and initrds above: refused */

/* The partition scanner's reader: the image as a boot_file (boot/file.c). */
static int
disk_read(void *arg, uint64_t off, void *buf, uint32_t len)
{
	return (boot_file_read(arg, off, buf, len));
}

static int
ext_open(struct bootsrc *s, const char *path, struct boot_file *f,
    struct boot_err *e)
{
	ext2_filsys fs = s->priv;
	struct ext2_inode inode;
	ext2_file_t file;
	ext2_ino_t ino;
	uint64_t size;
	__u64 lsize;
	unsigned int got;
	uint8_t *buf;
	errcode_t err;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->path = path;
	err = ext2fs_namei_follow(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, &ino);
	if (err == EXT2_ET_FILE_NOT_FOUND) {
		boot_fail(e, "%s: %s: No such file or directory", s->what, path);
		return (1);
	}
	if (err != 0)
		return (boot_fail(e, "%s: %s: %s", s->what, path,
		    error_message(err)));
	if ((err = ext2fs_read_inode(fs, ino, &inode)) != 0)
		return (boot_fail(e, "%s: %s: %s", s->what, path,
		    error_message(err)));
	if (!LINUX_S_ISREG(inode.i_mode))
		return (boot_fail(e, "%s: %s: not a regular file", s->what,
		    path));
	if ((err = ext2fs_file_open(fs, ino, 0, &file)) != 0)
		return (boot_fail(e, "%s: %s: %s", s->what, path,
		    error_message(err)));
	if ((err = ext2fs_file_get_lsize(file, &lsize)) != 0) {
		ext2fs_file_close(file);
		return (boot_fail(e, "%s: %s: %s", s->what, path,
		    error_message(err)));
	}
	size = lsize;
	if (size > FILE_MAX || (buf = malloc(size ? size : 1)) == NULL) {
		ext2fs_file_close(file);
		return (boot_fail(e, "%s: %s: %llu bytes is too big", s->what,
		    path, (unsigned long long)size));
	}
	for (uint64_t off = 0; off < size; off += got) {
		uint64_t want = size - off > (1u << 30) ? (1u << 30) : size - off;

		err = ext2fs_file_read(file, buf + off, (unsigned int)want, &got);
		if (err != 0 || got == 0) {
			free(buf);
			ext2fs_file_close(file);
			return (boot_fail(e, "%s: %s: cannot read it: %s", s->what,
			    path, err ? error_message(err) : "file ends early"));
		}
	}
	ext2fs_file_close(file);
	f->buf = buf;
	f->size = size;
	return (0);
}

static void
ext_close(struct bootsrc *s, struct boot_file *f)
{
	(void)s;
	free((void *)f->buf);
	f->buf = NULL;
}

static void
ext_fini(struct bootsrc *s)
{
	if (s->priv != NULL)
		ext2fs_close_free((ext2_filsys *)&s->priv);
	s->priv = NULL;
}

/* An ext file system at byte offset off, or NULL. */
static ext2_filsys
ext_at(const char *image, uint64_t off)
{
	ext2_filsys fs = NULL;
	char opts[64];

	snprintf(opts, sizeof(opts), "offset=%llu", (unsigned long long)off);
	/* No EXT2_FLAG_RW: libext2fs opens the image O_RDONLY. */
	if (ext2fs_open2(image, opts, EXT2_FLAG_64BITS, 0, 0, unix_io_manager,
	    &fs) != 0)
		return (NULL);
	return (fs);
}

static bool
has_config(struct bootsrc *s)
{
	static const char *const paths[] = { "/boot/grub/grub.cfg",
	    "/grub/grub.cfg", "/boot/grub2/grub.cfg", "/grub2/grub.cfg",
	    "/boot/extlinux/extlinux.conf", "/extlinux/extlinux.conf",
	    "/boot/extlinux.conf", "/extlinux.conf" };
	ext2_ino_t ino;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (ext2fs_namei_follow(s->priv, EXT2_ROOT_INO, EXT2_ROOT_INO,
		    paths[i], &ino) == 0)
			return (true);
	return (false);
}

static int
table_of(const char *image, struct boot_file *d, struct part_table *t,
    struct boot_err *e)
{
	struct stat st;
	char msg[sizeof(e->msg)];

	d->path = image;
	d->buf = NULL;
	d->fd = open(image, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0)
		return (boot_fail(e, "%s: %s", image, strerror(errno)));
	if (fstat(d->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(d->fd);
		return (boot_fail(e, "%s: not a regular file", image));
	}
	d->size = (uint64_t)st.st_size;
	if (part_scan(disk_read, d, d->size, t, e) != 0) {
		snprintf(msg, sizeof(msg), "%s", e->msg);
		close(d->fd);
		return (boot_fail(e, "%s: %s", image, msg));
	}
	close(d->fd);
	return (0);
}

/* Looks at one image; 0 with s->priv set when a partition will do. */
static int
try_image(struct bootsrc *s, const char *image, bool want_config,
    struct boot_err *e)
{
	struct part_table t;
	struct boot_file d;
	int found_ext = 0;

	if (table_of(image, &d, &t, e) != 0)
		return (-1);
	for (int i = 0; i < t.n; i++) {
		ext2_filsys fs = ext_at(image, t.p[i].offset);

		if (fs == NULL)
			continue;
		found_ext++;
		s->priv = fs;
		if (!want_config || has_config(s)) {
			if (t.p[i].number == 0)
				snprintf(s->what, sizeof(s->what), "%s", image);
			else
				snprintf(s->what, sizeof(s->what), "%s "
				    "partition %d", image, t.p[i].number);
			return (0);
		}
		ext_fini(s);
	}
	if (found_ext == 0)
		return (boot_fail(e, "%s: no ext2/3/4 file system in its %d "
		    "%s partition(s)", image, t.n, t.scheme));
	return (boot_fail(e, "%s: no boot configuration (/boot/grub/grub.cfg, "
	    "/boot/extlinux/extlinux.conf, ...) on its ext2/3/4 file "
	    "system(s); name the kernel with -e kernel=PATH", image));
}

int
disk_source_init(struct bootsrc *s, const char *const *disks, int n,
    bool want_config, struct boot_err *e)
{
	memset(s, 0, sizeof(*s));
	s->rootfd = -1;
	s->open = ext_open;
	s->close = ext_close;
	s->fini = ext_fini;
	/* Two passes: a disk with a config wins over a first bare one. */
	for (int pass = want_config ? 0 : 1; pass < 2; pass++) {
		for (int i = 0; i < n; i++) {
			if (try_image(s, disks[i], pass == 0, e) == 0)
				return (0);
			/* A broken image is an error, not a reason to go on. */
			if (strstr(e->msg, "no ext2/3/4") == NULL &&
			    strstr(e->msg, "no boot configuration") == NULL)
				return (-1);
		}
	}
	return (-1);
}
