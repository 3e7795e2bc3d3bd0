/*
 * Partition tables of a guest's disk image (pure: bytes come through a
 * read callback, so tests and fuzzers need no files): the MBR with its
 * extended-partition chain, and GPT behind a protective MBR (UEFI spec
 * 2.10, section 5 "GUID Partition Table (GPT) Disk Layout").  A disk with
 * neither is one unpartitioned volume.
 */
#ifndef KHYVE_BOOT_DISK_PART_H
#define KHYVE_BOOT_DISK_PART_H

#include <stdint.h>

#include "boot/boot.h"

#define PART_MAX	128	/* partitions reported, at most */
#define SECTOR		512ULL

struct part {
	int		number;		/* 1-based, as Linux names them */
	uint64_t	offset;		/* bytes from the start of the disk */
	uint64_t	size;		/* bytes */
};

struct part_table {
	const char	*scheme;	/* "gpt", "mbr" or "none" */
	int		n;
	struct part	p[PART_MAX];
};

/* Reads exactly len bytes at off; 0, or -1 when they are not there. */
typedef int (*part_read_fn)(void *arg, uint64_t off, void *buf, uint32_t len);

/*
 * Fills *t for a disk of disk_size bytes.  A table that contradicts
 * itself (bad checksums, partitions past the end of the disk or
 * overlapping the table, loops in the extended chain) is refused with a
 * message naming what is wrong.
 */
int part_scan(part_read_fn rd, void *arg, uint64_t disk_size,
    struct part_table *t, struct boot_err *e);

/* The CRC-32 GPT uses (IEEE 802.3, reflected, as zlib's crc32). */
uint32_t part_crc32(const void *buf, uint32_t len);

#endif
