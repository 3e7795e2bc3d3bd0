/*
 * libFuzzer target for what khyveload reads from a guest's disk before
 * any file system code runs: the partition tables (boot/disk_part.c) and
 * the boot configurations (boot/bootcfg.c).  The first input byte picks
 * the parser (0: grub.cfg, 1: extlinux.conf, else: the rest is a disk
 * image); the rest is its input.  Built and run by `make fuzz` (clang).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bootcfg.h"
#include "boot/disk_part.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct image {
	const uint8_t	*p;
	size_t		n;
};

static int
rd(void *arg, uint64_t off, void *buf, uint32_t len)
{
	struct image *im = arg;

	if (off > im->n || len > im->n - off)
		return (-1);
	memcpy(buf, im->p + off, len);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boot_err e;
	struct bootcfg c;
	struct part_table t;
	struct image im;

	if (size < 1)
		return (0);
	im.p = data + 1;
	im.n = size - 1;
	switch (data[0] % 3) {
	case 0:
		if (bootcfg_grub((const char *)im.p, im.n, &c, &e) == 0)
			bootcfg_free(&c);
		break;
	case 1:
		if (bootcfg_extlinux((const char *)im.p, im.n, "/boot", &c,
		    &e) == 0)
			bootcfg_free(&c);
		break;
	default:
		/* A small image stands for a big disk: reads past it fail. */
		if (part_scan(rd, &im, (uint64_t)im.n << 12, &t, &e) == 0) {
			for (int i = 0; i < t.n; i++)
				if (t.p[i].size == 0)
					abort();
		}
		break;
	}
	return (0);
}
