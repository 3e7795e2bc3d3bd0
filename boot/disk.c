/*
 * boot/disk.c: khyveload -d: a guest's disk image as the source of its
 * kernel (bhyveload's disk callbacks).
 */
#include "boot/bootsrc.h"

int
disk_source_init(struct bootsrc *s, const char *const *disks, int n,
    struct boot_err *e)
{
	(void)s;
	(void)n;
	return (boot_fail(e, "%s: loading from disk images is not "
	    "implemented yet", disks[0]));
}
