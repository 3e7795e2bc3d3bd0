/*
 * boot/disk_part.c over in-memory disks: MBR primaries, an extended chain
 * of logical partitions (numbered from 5), GPT with correct checksums,
 * no table at all; and refusals: CRC mismatches, partitions past the end,
 * EBR loops, absurd entry counts; then random damage to both kinds (no
 * crash, under ASan/UBSan).
 */
#include <stdlib.h>
#include <string.h>

#include "boot/disk_part.h"
#include "t.h"

#define DISK	(4ULL << 20)	/* 8192 sectors */

static uint8_t disk[DISK];
static uint64_t disk_len = DISK;

static int
rd(void *arg, uint64_t off, void *buf, uint32_t len)
{
	(void)arg;
	if (off > disk_len || len > disk_len - off)
		return (-1);
	memcpy(buf, disk + off, len);
	return (0);
}

static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void
mbr_entry(uint8_t *sector, int i, uint8_t type, uint32_t lba, uint32_t n)
{
	uint8_t *p = sector + 446 + 16 * i;

	memset(p, 0, 16);
	p[4] = type;
	put32(p + 8, lba);
	put32(p + 12, n);
	sector[510] = 0x55;
	sector[511] = 0xaa;
}

static int
scan(struct part_table *t, struct boot_err *e)
{
	return (part_scan(rd, NULL, disk_len, t, e));
}

static void
mbr(void)
{
	struct part_table t;
	struct boot_err e = { "" };

	memset(disk, 0, sizeof(disk));
	mbr_entry(disk, 0, 0x83, 2048, 1000);
	mbr_entry(disk, 1, 0x05, 4096, 4000);
	/* EBR 1 at 4096: logical at +63, link to +2000. */
	mbr_entry(disk + 4096 * 512, 0, 0x83, 63, 500);
	mbr_entry(disk + 4096 * 512, 1, 0x05, 2000, 1000);
	mbr_entry(disk + 6096 * 512, 0, 0x83, 63, 900);
	T_CHECK(scan(&t, &e) == 0);
	T_STREQ(t.scheme, "mbr");
	T_CHECK(t.n == 3);
	T_CHECK(t.p[0].number == 1 && t.p[0].offset == 2048 * 512 &&
	    t.p[0].size == 1000 * 512);
	T_CHECK(t.p[1].number == 5 && t.p[1].offset == (4096 + 63) * 512);
	T_CHECK(t.p[2].number == 6 && t.p[2].offset == (6096 + 63) * 512);

	/* A link back to itself: refused, not followed forever. */
	mbr_entry(disk + 6096 * 512, 1, 0x05, 0, 10);
	put32(disk + 6096 * 512 + 446 + 16 + 8, 2000);
	T_CHECK(scan(&t, &e) != 0);
	T_CHECK(strstr(e.msg, "backwards") != NULL);

	memset(disk, 0, sizeof(disk));
	mbr_entry(disk, 0, 0x83, 2048, 100000);
	T_CHECK(scan(&t, &e) != 0);
	T_CHECK(strstr(e.msg, "does not fit") != NULL);
	mbr_entry(disk, 0, 0x83, 0xffffffff, 0xffffffff);
	T_CHECK(scan(&t, &e) != 0);
	mbr_entry(disk, 0, 0x83, 2048, 10);
	disk[446] = 0x12;
	T_CHECK(scan(&t, &e) != 0);
	T_CHECK(strstr(e.msg, "boot flag") != NULL);
}

/* A GPT with n entries, partition i at 100 + 100 i, 50 sectors each. */
static void
make_gpt(int n)
{
	uint8_t *h = disk + 512, *ent = disk + 1024;

	memset(disk, 0, sizeof(disk));
	mbr_entry(disk, 0, 0xee, 1, DISK / 512 - 1);
	memcpy(h, "EFI PART", 8);
	put32(h + 8, 0x10000);
	put32(h + 12, 92);
	put64(h + 24, 1);
	put64(h + 32, DISK / 512 - 1);
	put64(h + 40, 34);
	put64(h + 48, DISK / 512 - 34);
	put64(h + 72, 2);
	put32(h + 80, 128);
	put32(h + 84, 128);
	for (int i = 0; i < n; i++) {
		uint8_t *p = ent + 128 * i;

		memset(p, 0xaf, 16);		/* some type GUID */
		put64(p + 32, 100 + 100 * (uint64_t)i);
		put64(p + 40, 149 + 100 * (uint64_t)i);
	}
	put32(h + 88, part_crc32(ent, 128 * 128));
	put32(h + 16, part_crc32(h, 92));
}

static void
gpt(void)
{
	struct part_table t;
	struct boot_err e = { "" };

	make_gpt(3);
	T_CHECK(scan(&t, &e) == 0);
	T_STREQ(t.scheme, "gpt");
	T_CHECK(t.n == 3);
	T_CHECK(t.p[2].number == 3 && t.p[2].offset == 300 * 512 &&
	    t.p[2].size == 50 * 512);

	disk[512 + 40] ^= 1;
	T_CHECK(scan(&t, &e) != 0);
	T_STREQ(e.msg, "GPT: header checksum mismatch");
	make_gpt(3);
	disk[1024 + 40] ^= 1;
	T_CHECK(scan(&t, &e) != 0);
	T_STREQ(e.msg, "GPT: partition entry array checksum mismatch");
	make_gpt(3);
	memcpy(disk + 512, "EFI FART", 8);
	T_CHECK(scan(&t, &e) != 0);
	T_CHECK(strstr(e.msg, "EFI PART") != NULL);
	/* A sane CRC over an insane count is still refused. */
	make_gpt(1);
	put32(disk + 512 + 80, 0x7fffffff);
	put32(disk + 512 + 16, 0);
	put32(disk + 512 + 16, part_crc32(disk + 512, 92));
	T_CHECK(scan(&t, &e) != 0);
	T_CHECK(strstr(e.msg, "not a sane table") != NULL);
	/* A partition beyond the usable range. */
	make_gpt(0);
	memset(disk + 1024, 0xaf, 16);
	put64(disk + 1024 + 32, 100);
	put64(disk + 1024 + 40, DISK / 512 + 5);
	put32(disk + 512 + 88, part_crc32(disk + 1024, 128 * 128));
	put32(disk + 512 + 16, 0);
	put32(disk + 512 + 16, part_crc32(disk + 512, 92));
	T_CHECK(scan(&t, &e) != 0);
	T_CHECK(strstr(e.msg, "outside the usable") != NULL);
	/* The disk ends inside the table. */
	make_gpt(2);
	disk_len = 3 * 512;
	T_CHECK(scan(&t, &e) != 0);
	disk_len = DISK;
}

static void
none(void)
{
	struct part_table t;
	struct boot_err e = { "" };

	memset(disk, 0, sizeof(disk));
	T_CHECK(scan(&t, &e) == 0);
	T_STREQ(t.scheme, "none");
	T_CHECK(t.n == 1 && t.p[0].offset == 0 && t.p[0].size == DISK);
	disk_len = 100;
	T_CHECK(scan(&t, &e) != 0);
	T_CHECK(strstr(e.msg, "too short") != NULL);
	disk_len = DISK;
	T_CHECK(part_crc32("123456789", 9) == 0xcbf43926);
}

static void
random_damage(void)
{
	struct part_table t;
	struct boot_err e;
	unsigned seed = 7;

	for (int round = 0; round < 3000; round++) {
		if (round % 2 == 0)
			make_gpt(4);
		else {
			memset(disk, 0, 8192 * 2);
			mbr_entry(disk, 0, 0x83, 2048, 1000);
			mbr_entry(disk, 1, 0x0f, 4096, 4000);
			mbr_entry(disk + 4096 * 512, 0, 0x83, 63, 500);
			mbr_entry(disk + 4096 * 512, 1, 0x05, 2000, 1000);
		}
		for (int k = 0; k < 1 + round % 5; k++) {
			seed = seed * 1103515245 + 12345;
			uint32_t at = (seed >> 4) % (round % 2 ? 1024 : 2048);
			if (round % 2 && at >= 512)
				at += 4096 * 512 - 512;
			disk[at] = (uint8_t)(seed >> 24);
		}
		if (scan(&t, &e) == 0)
			for (int i = 0; i < t.n; i++)
				T_CHECK(t.p[i].offset < disk_len &&
				    t.p[i].size <= disk_len - t.p[i].offset);
	}
}

int
main(void)
{
	T_RUN(mbr);
	T_RUN(gpt);
	T_RUN(none);
	T_RUN(random_damage);
	return (T_DONE());
}
