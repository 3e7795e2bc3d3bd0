/*
 * boot/disk_part.c: reads a disk's partition table (see disk_part.h).
 *
 * MBR: four 16-byte entries at 446, signature 55 AA at 510; types 05, 0F
 * and 85 are extended partitions whose EBR chain holds one logical
 * partition and a link each (numbered from 5, as Linux does).  GPT: a
 * protective MBR entry of type EE, the header at LBA 1 ("EFI PART",
 * header CRC32 over HeaderSize bytes with the CRC field zeroed), the
 * entry array at PartitionEntryLBA (CRC32 over NumberOfPartitionEntries x
 * SizeOfPartitionEntry bytes); an entry is used when its type GUID is not
 * zero.  Only the primary GPT is read: a damaged one is reported, not
 * repaired from the backup.
 */
#include "boot/disk_part.h"
#include "boot/le.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MBR_TABLE	446
#define MBR_SIG		510
#define EBR_MAX		64		/* logical partitions followed */
#define GPT_ENTRIES_MAX	1024
#define GPT_ENTRY_MAX	4096		/* bytes per entry, at most */

uint32_t
part_crc32(const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = 0xffffffff;

	while (len-- > 0) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320 & (0 - (crc & 1)));
	}
	return (~crc);
}

static bool
is_extended(uint8_t type)
{
	return (type == 0x05 || type == 0x0f || type == 0x85);
}

/* Adds [lba, lba+count) sectors if it fits on the disk. */
static int
add(struct part_table *t, int number, uint64_t lba, uint64_t count,
    uint64_t disk_size, struct boot_err *e)
{
	uint64_t sectors = disk_size / SECTOR;

	if (count == 0 || lba == 0 || lba >= sectors || count > sectors - lba)
		return (boot_fail(e, "partition %d (sectors %llu+%llu) does "
		    "not fit on the disk (%llu sectors)", number,
		    (unsigned long long)lba, (unsigned long long)count,
		    (unsigned long long)sectors));
	if (t->n == PART_MAX)
		return (boot_fail(e, "more than %d partitions", PART_MAX));
	t->p[t->n].number = number;
	t->p[t->n].offset = lba * SECTOR;
	t->p[t->n].size = count * SECTOR;
	t->n++;
	return (0);
}

static int
scan_ebr(part_read_fn rd, void *arg, uint64_t disk_size, uint64_t ext_lba,
    uint64_t ext_count, struct part_table *t, struct boot_err *e)
{
	uint8_t s[SECTOR];
	uint64_t ebr = ext_lba;
	int number = 5;

	for (int i = 0; i < EBR_MAX; i++) {
		if (rd(arg, ebr * SECTOR, s, SECTOR) != 0)
			return (boot_fail(e, "extended partition: cannot read "
			    "the EBR at sector %llu", (unsigned long long)ebr));
		if (s[MBR_SIG] != 0x55 || s[MBR_SIG + 1] != 0xaa)
			return (boot_fail(e, "extended partition: no EBR "
			    "signature at sector %llu", (unsigned long long)ebr));
		const uint8_t *l = s + MBR_TABLE, *next = s + MBR_TABLE + 16;
		if (l[4] != 0 && add(t, number++, ebr + rd32(l + 8),
		    rd32(l + 12), disk_size, e) != 0)
			return (-1);
		if (next[4] == 0)
			return (0);
		uint64_t rel = rd32(next + 8);
		/* Links point forward inside the extended partition. */
		if (rel == 0 || rel >= ext_count || ext_lba + rel <= ebr)
			return (boot_fail(e, "extended partition: EBR at "
			    "sector %llu links outside or backwards",
			    (unsigned long long)ebr));
		ebr = ext_lba + rel;
	}
	return (boot_fail(e, "extended partition: more than %d logical "
	    "partitions", EBR_MAX));
}

static int
scan_mbr(part_read_fn rd, void *arg, uint64_t disk_size, const uint8_t *mbr,
    struct part_table *t, struct boot_err *e)
{
	bool ext_seen = false;

	t->scheme = "mbr";
	for (int i = 0; i < 4; i++) {
		const uint8_t *p = mbr + MBR_TABLE + 16 * i;
		uint8_t type = p[4];

		if (type == 0)
			continue;
		if (p[0] != 0 && p[0] != 0x80)
			return (boot_fail(e, "MBR partition %d: bad boot flag "
			    "0x%02x", i + 1, p[0]));
		if (is_extended(type)) {
			if (ext_seen)
				return (boot_fail(e, "MBR: two extended "
				    "partitions"));
			ext_seen = true;
			if (rd32(p + 8) == 0 || rd32(p + 12) == 0 ||
			    rd32(p + 8) >= disk_size / SECTOR)
				return (boot_fail(e, "MBR partition %d: "
				    "extended partition off the disk", i + 1));
			if (scan_ebr(rd, arg, disk_size, rd32(p + 8),
			    rd32(p + 12), t, e) != 0)
				return (-1);
			continue;
		}
		if (add(t, i + 1, rd32(p + 8), rd32(p + 12), disk_size, e) != 0)
			return (-1);
	}
	return (0);
}

static int
gpt_entries(part_read_fn rd, void *arg, uint64_t disk_size,
    const uint8_t *h, struct part_table *t, struct boot_err *e)
{
	uint64_t lba = rd64(h + 72), first = rd64(h + 40), last = rd64(h + 48);
	uint32_t n = rd32(h + 80), esz = rd32(h + 84), crc = rd32(h + 88);
	uint64_t sectors = disk_size / SECTOR;
	uint8_t *buf;
	int r = -1;

	if (n == 0 || n > GPT_ENTRIES_MAX || esz < 128 || esz > GPT_ENTRY_MAX ||
	    esz % 8 != 0)
		return (boot_fail(e, "GPT: %u entries of %u bytes: not a sane "
		    "table", n, esz));
	if (lba < 2 || lba >= sectors || first > last || last >= sectors)
		return (boot_fail(e, "GPT: header places its table or "
		    "partitions off the disk"));
	if ((buf = malloc((size_t)n * esz)) == NULL)
		return (boot_fail(e, "out of memory"));
	if (rd(arg, lba * SECTOR, buf, n * esz) != 0) {
		boot_fail(e, "GPT: cannot read %u entries at sector %llu", n,
		    (unsigned long long)lba);
		goto out;
	}
	if (part_crc32(buf, n * esz) != crc) {
		boot_fail(e, "GPT: partition entry array checksum mismatch");
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *p = buf + (size_t)i * esz;
		static const uint8_t zero[16];
		uint64_t s = rd64(p + 32), l = rd64(p + 40);

		if (memcmp(p, zero, 16) == 0)
			continue;
		if (s < first || l > last || s > l) {
			boot_fail(e, "GPT partition %u: sectors %llu-%llu "
			    "outside the usable %llu-%llu", i + 1,
			    (unsigned long long)s, (unsigned long long)l,
			    (unsigned long long)first, (unsigned long long)last);
			goto out;
		}
		if (add(t, (int)i + 1, s, l - s + 1, disk_size, e) != 0)
			goto out;
	}
	r = 0;
out:
	free(buf);
	return (r);
}

static int
scan_gpt(part_read_fn rd, void *arg, uint64_t disk_size,
    struct part_table *t, struct boot_err *e)
{
	uint8_t h[SECTOR];
	uint32_t hsz, crc;

	t->scheme = "gpt";
	if (disk_size < 3 * SECTOR || rd(arg, SECTOR, h, SECTOR) != 0)
		return (boot_fail(e, "GPT: protective MBR but no header: the "
		    "disk is too short"));
	if (memcmp(h, "EFI PART", 8) != 0)
		return (boot_fail(e, "GPT: protective MBR but no \"EFI PART\" "
		    "header at sector 1"));
	hsz = rd32(h + 12);
	if (hsz < 92 || hsz > SECTOR)
		return (boot_fail(e, "GPT: header size %u out of range", hsz));
	crc = rd32(h + 16);
	memset(h + 16, 0, 4);
	if (part_crc32(h, hsz) != crc)
		return (boot_fail(e, "GPT: header checksum mismatch"));
	return (gpt_entries(rd, arg, disk_size, h, t, e));
}

int
part_scan(part_read_fn rd, void *arg, uint64_t disk_size,
    struct part_table *t, struct boot_err *e)
{
	uint8_t mbr[SECTOR];

	memset(t, 0, sizeof(*t));
	t->scheme = "none";
	if (disk_size < SECTOR || rd(arg, 0, mbr, SECTOR) != 0)
		return (boot_fail(e, "too short for a disk (%llu bytes)",
		    (unsigned long long)disk_size));
	if (mbr[MBR_SIG] != 0x55 || mbr[MBR_SIG + 1] != 0xaa) {
		/* No table: the whole disk is one volume (mkfs on a file). */
		t->n = 1;
		t->p[0].number = 0;
		t->p[0].size = disk_size;
		return (0);
	}
	for (int i = 0; i < 4; i++)
		if (mbr[MBR_TABLE + 16 * i + 4] == 0xee)
			return (scan_gpt(rd, arg, disk_size, t, e));
	/*
	 * 55 AA without any partition: a file system's boot sector (FAT, or
	 * an ext volume with a boot loader in it) — one volume, no table.
	 */
	bool any = false;
	for (int i = 0; i < 4; i++)
		any |= mbr[MBR_TABLE + 16 * i + 4] != 0;
	if (!any) {
		t->n = 1;
		t->p[0].number = 0;
		t->p[0].size = disk_size;
		return (0);
	}
	return (scan_mbr(rd, arg, disk_size, mbr, t, e));
}
