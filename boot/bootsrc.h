/*
 * Where khyveload finds a guest's kernel (bhyveload's host and disk
 * callbacks): a directory of the host (-h, boot/hostdir.c) or a file
 * system on the guest's own disk image (-d, boot/disk.c).  Either way, the
 * guest's boot configuration there chooses the kernel, initrd and command
 * line (boot/bootcfg.h) unless the user names them (-e kernel=...).
 */
#ifndef KHYVE_BOOT_BOOTSRC_H
#define KHYVE_BOOT_BOOTSRC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "boot/boot.h"
#include "boot/bootcfg.h"

struct bootsrc {
	char	what[PATH_MAX + 64];	/* names the source in messages */
	/*
	 * Opens an absolute path inside the source as a boot file: 0, 1 when
	 * there is no such file (message set), -1 on other errors.
	 */
	int	(*open)(struct bootsrc *s, const char *path, struct boot_file *f,
		    struct boot_err *e);
	void	(*close)(struct bootsrc *s, struct boot_file *f);
	void	(*fini)(struct bootsrc *s);
	int	rootfd;			/* hostdir */
	void	*priv;			/* disk */
};

int hostdir_init(struct bootsrc *s, const char *dir, struct boot_err *e);
/*
 * The first ext2/3/4 file system on the disk images that holds a boot
 * configuration; without want_config (the kernel named by -e), the first
 * ext file system.
 */
int disk_source_init(struct bootsrc *s, const char *const *disks, int n,
    bool want_config, struct boot_err *e);

/* What to boot: from -e overrides or the guest's configuration. */
struct bootsel {
	const char	*kernel;	/* -e kernel=, or NULL */
	const char	*initrd;	/* -e initrd=, or NULL */
	const char	*cmdline;	/* -e cmdline=, or NULL */
	const char	*extra;		/* other -e name=value, space separated */
};

/*
 * Fills *out with the entry to boot; *config gets the path of the
 * configuration used ("" when the -e values sufficed).
 */
int bootsrc_choose(struct bootsrc *s, const struct bootsel *sel,
    struct bootcfg *out, char *config, size_t configlen, struct boot_err *e);

#endif
