/*
 * Unit tests for SMBIOS (x86/smbios.c, uuid helpers in x86/tables.c):
 * entry point checksums and counts, the structure walk (types, strings,
 * handles), type 1 strings and UUID from the config (-U, -B keys),
 * one type 4 per socket, memory sizes in types 16/17/19.
 */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tests/unit/t.h"
#include "tests/unit/test_acpi_fake.h"

struct smb_walk {
	const uint8_t	*s[64];		/* each structure's start */
	int		n;
};

/* Walks the table the entry point describes; checks the framing. */
static void
walk(const struct x86_region *r, struct smb_walk *w)
{
	const uint8_t *ep = r->base, *p, *end;
	size_t len;

	w->n = 0;
	T_CHECK(memcmp(ep, "_SM_", 4) == 0 && ep[5] == 0x1f);
	T_CHECK(sum8(ep, 0x1f) == 0);
	T_CHECK(memcmp(ep + 0x10, "_DMI_", 5) == 0 && sum8(ep + 0x10, 15) == 0);
	p = region_ptr(r, le(ep + 0x18, 4), le(ep + 0x16, 2));
	T_CHECK(p != NULL);
	if (p == NULL)
		return;
	end = p + le(ep + 0x16, 2);
	while (p < end && w->n < 64) {
		w->s[w->n++] = p;
		len = p[1];
		T_CHECK(le(p + 2, 2) == (uint64_t)(w->n - 1));	/* handles */
		for (p += len; p + 1 < end && (p[0] != 0 || p[1] != 0); p++)
			;
		p += 2;
		T_CHECK((size_t)(p - w->s[w->n - 1]) <= le(ep + 8, 2));
	}
	T_CHECK(p == end);
	T_CHECK(w->n == (int)le(ep + 0x1c, 2));
	T_CHECK(w->n > 0 && w->s[w->n - 1][0] == 127);
}

/* String number idx (1-based) of structure s, or NULL. */
static const char *
smb_string(const uint8_t *s, int idx)
{
	const char *p = (const char *)s + s[1];

	if (idx == 0)
		return (NULL);
	while (--idx > 0)
		p += strlen(p) + 1;
	return (p);
}

static const uint8_t *
find_type(const struct smb_walk *w, int type, int nth)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (w->s[i][0] == type && nth-- == 0)
			return (w->s[i]);
	return (NULL);
}

static void
structures(void)
{
	struct x86_tables_cfg cfg;
	struct x86_region r;
	struct smb_walk w;
	struct vm vm;
	const uint8_t *s;

	fake_vm(&vm, 2, 4, 2, 6 * GiB);
	x86_tables_cfg_default(&cfg, "testvm");
	fake_region(&r, SMBIOS_BASE, TABLES_END);
	T_CHECK(x86_smbios_build(&vm, &cfg, &r) == 0);
	walk(&r, &w);
	T_CHECK(w.n == 11);	/* 0 1 3 4 4 16 17 19 19 32 127 */
	s = find_type(&w, 0, 0);
	T_STREQ(smb_string(s, s[4]), "khyve");
	T_CHECK(le(s + 6, 2) == 0xf000 && (s[0x13] & 0x10) != 0);
	s = find_type(&w, 1, 0);
	T_STREQ(smb_string(s, s[4]), "khyve");
	T_STREQ(smb_string(s, s[0x1a]), "Virtual Machine");
	T_CHECK(find_type(&w, 4, 1) != NULL && find_type(&w, 4, 2) == NULL);
	s = find_type(&w, 4, 1);
	T_STREQ(smb_string(s, s[4]), "CPU 1");
	T_CHECK(s[0x23] == 4 && s[0x24] == 4 && s[0x25] == 8);
	s = find_type(&w, 16, 0);
	T_CHECK(le(s + 7, 4) == 6 * GiB / 1024);
	s = find_type(&w, 17, 0);
	T_CHECK(le(s + 4, 2) == le(find_type(&w, 16, 0) + 2, 2));
	T_CHECK(le(s + 0x0c, 2) == 6 * 1024);
	s = find_type(&w, 19, 0);
	T_CHECK(le(s + 4, 4) == 0 && le(s + 8, 4) == 3 * GiB / 1024 - 1);
	s = find_type(&w, 19, 1);
	T_CHECK(le(s + 4, 4) == 4 * GiB / 1024);
	T_CHECK(le(s + 8, 4) == 7 * GiB / 1024 - 1);
	free(r.base);
}

static void
config_strings_and_uuid(void)
{
	static const uint8_t want[16] = {
		0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
	};
	struct x86_tables_cfg cfg;
	struct x86_region r;
	struct smb_walk w;
	struct vm vm;
	const uint8_t *s;

	init_config();
	T_CHECK(set_config_value("uuid",
	    "12345678-9abc-def0-0123-456789abcdef") == 0);
	T_CHECK(set_config_value("system.manufacturer", "ACME") == 0);
	T_CHECK(set_config_value("system.product_name", "Road Runner") == 0);
	T_CHECK(set_config_value("system.serial_number", "") == 0);
	T_CHECK(set_config_value("bios.vendor", "BHYVE") == 0);
	T_CHECK(x86_tables_cfg_read(&cfg, "vm") == 0);
	fake_vm(&vm, 1, 1, 1, 128 * MiB);
	fake_region(&r, SMBIOS_BASE, TABLES_END);
	T_CHECK(x86_smbios_build(&vm, &cfg, &r) == 0);
	walk(&r, &w);
	s = find_type(&w, 1, 0);
	T_STREQ(smb_string(s, s[4]), "ACME");
	T_STREQ(smb_string(s, s[5]), "Road Runner");
	T_CHECK(s[7] == 0);			/* empty string: none */
	T_CHECK(memcmp(s + 8, want, 16) == 0);
	s = find_type(&w, 0, 0);
	T_STREQ(smb_string(s, s[4]), "BHYVE");
	T_CHECK(find_type(&w, 19, 1) == NULL);	/* no high RAM */
	free(r.base);
	free_config();
}

static void
uuids(void)
{
	uint8_t a[16], b[16], c[16];

	x86_uuid_from_name("alpha", a);
	x86_uuid_from_name("alpha", b);
	x86_uuid_from_name("beta", c);
	T_CHECK(memcmp(a, b, 16) == 0 && memcmp(a, c, 16) != 0);
	T_CHECK((a[6] >> 4) == 8 && (a[8] >> 6) == 2);
	T_CHECK(x86_uuid_parse("12345678-9abc-def0-0123-456789ABCDEF", a) == 0);
	T_CHECK(a[0] == 0x12 && a[15] == 0xef);
	T_CHECK(x86_uuid_parse("12345678-9abc-def0-0123-456789abcde", a) != 0);
	T_CHECK(x86_uuid_parse("12345678-9abc-def0-0123-456789abcdef0", a) != 0);
	T_CHECK(x86_uuid_parse("123456789abcdef00123456789abcdef", a) != 0);
	T_CHECK(x86_uuid_parse("1234567g-9abc-def0-0123-456789abcdef", a) != 0);
}

/* -c 1024 means 1024 sockets (bhyve's default): type 4 stops, the rest stays. */
static void
many_sockets(void)
{
	struct x86_tables_cfg cfg;
	struct x86_region r;
	struct vm vm;
	const uint8_t *ep, *p, *end;
	int n4 = 0, n17 = 0, n127 = 0;

	fake_vm(&vm, 1024, 1, 1, 128 * MiB);
	x86_tables_cfg_default(&cfg, "vm");
	fake_region(&r, SMBIOS_BASE, TABLES_END);
	T_CHECK(x86_smbios_build(&vm, &cfg, &r) == 0);
	ep = r.base;
	T_CHECK(sum8(ep, 0x1f) == 0 && sum8(ep + 0x10, 15) == 0);
	p = region_ptr(&r, le(ep + 0x18, 4), le(ep + 0x16, 2));
	T_CHECK(p != NULL);
	for (end = p + le(ep + 0x16, 2); p != NULL && p < end;) {
		n4 += p[0] == 4;
		n17 += p[0] == 17;
		n127 += p[0] == 127;
		for (p += p[1]; p + 1 < end && (p[0] != 0 || p[1] != 0); p++)
			;
		p += 2;
	}
	T_CHECK(n4 > 200 && n4 < 1024);
	T_CHECK(n17 == 1 && n127 == 1);
	free(r.base);
}

int
main(void)
{
	T_RUN(structures);
	T_RUN(config_strings_and_uuid);
	T_RUN(uuids);
	T_RUN(many_sockets);
	return (T_DONE());
}
