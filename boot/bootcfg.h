/*
 * A guest's own boot configuration, read the way its boot loader would
 * pick an entry (pure parsers: text in, choice out; unit-tested and
 * fuzzed).  GRUB 2's grub.cfg as grub-mkconfig writes it (menuentry and
 * submenu blocks, `set default=`, `linux`/`initrd` lines, everything else
 * — load_video, insmod, search, echo, if/fi — skipped) and SYSLINUX /
 * extlinux.conf (DEFAULT, LABEL, KERNEL/LINUX, APPEND, INITRD).
 */
#ifndef KHYVE_BOOT_BOOTCFG_H
#define KHYVE_BOOT_BOOTCFG_H

#include <stddef.h>

#include "boot/boot.h"

#define BOOTCFG_MAX_SIZE	(1u << 20)	/* bigger configs are refused */

/* The chosen entry; strings are malloc'd, NULL when absent. */
struct bootcfg {
	char	*title;
	char	*kernel;	/* a path on the guest's file system */
	char	*initrd;	/* the first initrd named, or NULL */
	char	*cmdline;	/* the kernel's arguments, or "" */
};

/* 0 with *out filled, or -1 with a message in *e. */
int bootcfg_grub(const char *text, size_t len, struct bootcfg *out,
    struct boot_err *e);
/* dir: the config file's directory, for relative paths. */
int bootcfg_extlinux(const char *text, size_t len, const char *dir,
    struct bootcfg *out, struct boot_err *e);
void bootcfg_free(struct bootcfg *c);

#endif
