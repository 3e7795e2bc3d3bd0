/*
 * A tiny AML writer (see aml.h): the encodings of ACPI 6.x section 20.2
 * (names, data objects, PkgLength, ScopeOp/DeviceOp/PackageOp/BufferOp)
 * and the small and large resource descriptors of section 6.4.
 */
#include <stdlib.h>
#include <string.h>

#include "x86/aml.h"

/* Opcodes and prefixes (ACPI 6.x, 20.3 "AML Byte Stream Byte Values"). */
#define AML_ZERO	0x00
#define AML_ONE		0x01
#define AML_ONES	0xff
#define AML_NAME	0x08
#define AML_BYTE	0x0a
#define AML_WORD	0x0b
#define AML_DWORD	0x0c
#define AML_STRING	0x0d
#define AML_QWORD	0x0e
#define AML_SCOPE	0x10
#define AML_BUFFER	0x11
#define AML_PACKAGE	0x12
#define AML_EXT		0x5b
#define AML_DEVICE	0x82	/* after AML_EXT */
#define AML_ROOT	'\\'
#define AML_PARENT	'^'
#define AML_DUALNAME	0x2e
#define AML_MULTINAME	0x2f
#define AML_NULLNAME	0x00

void
aml_init(struct aml *a)
{
	memset(a, 0, sizeof(*a));
}

void
aml_free(struct aml *a)
{
	free(a->buf);
	aml_init(a);
}

int
aml_finish(const struct aml *a)
{
	return (a->failed || a->depth != 0 ? -1 : 0);
}

static bool
aml_reserve(struct aml *a, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (a->failed)
		return (false);
	if (a->len + n <= a->cap)
		return (true);
	for (cap = a->cap ? a->cap : 256; cap < a->len + n; cap *= 2)
		;
	if ((p = realloc(a->buf, cap)) == NULL) {
		a->failed = true;
		return (false);
	}
	a->buf = p;
	a->cap = cap;
	return (true);
}

void
aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (!aml_reserve(a, n))
		return;
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void
aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void
aml_le(struct aml *a, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		aml_byte(a, (v >> (8 * i)) & 0xff);
}

void
aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0)
		aml_byte(a, AML_ZERO);
	else if (v == 1)
		aml_byte(a, AML_ONE);
	else if (v <= 0xff) {
		aml_byte(a, AML_BYTE);
		aml_le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, AML_WORD);
		aml_le(a, v, 2);
	} else if (v <= 0xffffffff) {
		aml_byte(a, AML_DWORD);
		aml_le(a, v, 4);
	} else {
		aml_byte(a, AML_QWORD);
		aml_le(a, v, 8);
	}
}

void
aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING);
	aml_bytes(a, s, strlen(s) + 1);
}

/*
 * EISA ID: three letters packed five bits each (big-endian word), then four
 * hex digits as two bytes; stored as a DWordConst.
 */
void
aml_eisaid(struct aml *a, const char *id)
{
	uint8_t b[4];
	uint16_t w;
	unsigned long hex;

	if (strlen(id) != 7) {
		a->failed = true;
		return;
	}
	w = (uint16_t)(((id[0] - 0x40) & 0x1f) << 10 |
	    ((id[1] - 0x40) & 0x1f) << 5 | ((id[2] - 0x40) & 0x1f));
	hex = strtoul(id + 3, NULL, 16);
	b[0] = w >> 8;
	b[1] = w & 0xff;
	b[2] = (hex >> 8) & 0xff;
	b[3] = hex & 0xff;
	aml_byte(a, AML_DWORD);
	aml_bytes(a, b, 4);
}

/* One NameSeg: up to four characters, padded with '_'. */
static const char *
aml_nameseg(struct aml *a, const char *p)
{
	char seg[4] = { '_', '_', '_', '_' };
	int i;

	for (i = 0; *p != '\0' && *p != '.'; p++, i++) {
		if (i == 4) {
			a->failed = true;
			return (p);
		}
		seg[i] = *p;
	}
	if (i == 0)
		a->failed = true;
	aml_bytes(a, seg, 4);
	return (*p == '.' ? p + 1 : p);
}

void
aml_namestring(struct aml *a, const char *path)
{
	const char *p;
	int nseg;

	for (; *path == AML_ROOT || *path == AML_PARENT; path++)
		aml_byte(a, (uint8_t)*path);
	if (*path == '\0') {
		aml_byte(a, AML_NULLNAME);
		return;
	}
	for (nseg = 1, p = path; *p != '\0'; p++)
		if (*p == '.')
			nseg++;
	if (nseg == 2)
		aml_byte(a, AML_DUALNAME);
	else if (nseg > 2) {
		if (nseg > 255) {
			a->failed = true;
			return;
		}
		aml_byte(a, AML_MULTINAME);
		aml_byte(a, (uint8_t)nseg);
	}
	for (p = path; *p != '\0';)
		p = aml_nameseg(a, p);
}

void
aml_name(struct aml *a, const char *name)
{
	aml_byte(a, AML_NAME);
	aml_namestring(a, name);
}

void
aml_name_integer(struct aml *a, const char *name, uint64_t v)
{
	aml_name(a, name);
	aml_integer(a, v);
}

void
aml_name_string(struct aml *a, const char *name, const char *s)
{
	aml_name(a, name);
	aml_string(a, s);
}

void
aml_name_eisaid(struct aml *a, const char *name, const char *id)
{
	aml_name(a, name);
	aml_eisaid(a, id);
}

static void
aml_open(struct aml *a, bool is_buffer)
{
	if (a->depth == AML_MAX_DEPTH) {
		a->failed = true;
		return;
	}
	a->open[a->depth].start = a->len;
	a->open[a->depth].is_buffer = is_buffer;
	a->depth++;
}

void
aml_scope_begin(struct aml *a, const char *path)
{
	aml_byte(a, AML_SCOPE);
	aml_open(a, false);
	aml_namestring(a, path);
}

void
aml_device_begin(struct aml *a, const char *name)
{
	aml_byte(a, AML_EXT);
	aml_byte(a, AML_DEVICE);
	aml_open(a, false);
	aml_namestring(a, name);
}

void
aml_package_begin(struct aml *a, uint8_t nelements)
{
	aml_byte(a, AML_PACKAGE);
	aml_open(a, false);
	aml_byte(a, nelements);
}

void
aml_buffer_begin(struct aml *a)
{
	aml_byte(a, AML_BUFFER);
	aml_open(a, true);
}

/*
 * PkgLength counts its own bytes: one byte up to 63, else a lead byte
 * holding the byte count and the low nibble, then 8 bits per byte.
 */
static size_t
aml_pkglength(uint8_t out[4], size_t body)
{
	size_t n, total;

	if (body + 1 <= 0x3f) {
		out[0] = (uint8_t)(body + 1);
		return (1);
	}
	for (n = 2; n <= 4; n++) {
		total = body + n;
		if (total < (1UL << (4 + 8 * (n - 1))))
			break;
	}
	if (n > 4)
		n = 4;		/* too long: aml_end has already failed */
	total = body + n;
	out[0] = (uint8_t)((n - 1) << 6 | (total & 0x0f));
	for (size_t i = 1; i < n; i++)
		out[i] = (total >> (4 + 8 * (i - 1))) & 0xff;
	return (n);
}

/* Inserts the PkgLength (and a BufferSize for buffers) before the body. */
void
aml_end(struct aml *a)
{
	struct aml size = { 0 };
	uint8_t pkg[4];
	size_t start, body, npkg, nsize;

	if (a->failed)
		return;
	if (a->depth == 0) {
		a->failed = true;
		return;
	}
	a->depth--;
	start = a->open[a->depth].start;
	body = a->len - start;
	if (a->open[a->depth].is_buffer)
		aml_integer(&size, body);
	if (size.failed) {
		a->failed = true;
		return;
	}
	nsize = size.len;
	if (body + nsize > 0x0fffffff)
		a->failed = true;
	npkg = aml_pkglength(pkg, body + nsize);
	if (!aml_reserve(a, npkg + nsize)) {
		free(size.buf);
		return;
	}
	memmove(a->buf + start + npkg + nsize, a->buf + start, body);
	memcpy(a->buf + start, pkg, npkg);
	if (nsize != 0)
		memcpy(a->buf + start + npkg, size.buf, nsize);
	a->len += npkg + nsize;
	free(size.buf);
}

/* Small descriptors (6.4.2). */
void
aml_res_io(struct aml *a, uint16_t base, uint8_t len)
{
	/* I/O port descriptor, 16-bit decode, fixed at base. */
	aml_byte(a, 0x47);
	aml_byte(a, 0x01);
	aml_le(a, base, 2);
	aml_le(a, base, 2);
	aml_byte(a, 0x01);
	aml_byte(a, len);
}

void
aml_res_irq(struct aml *a, unsigned irq)
{
	/* IRQ descriptor without flags: edge, active high (ISA). */
	aml_byte(a, 0x22);
	aml_le(a, 1u << (irq & 15), 2);
}

void
aml_res_end(struct aml *a)
{
	/* End tag; checksum 0 means "not computed". */
	aml_byte(a, 0x79);
	aml_byte(a, 0x00);
}

/* Large descriptors (6.4.3). */
void
aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len)
{
	aml_byte(a, 0x86);
	aml_le(a, 9, 2);
	aml_byte(a, 0x01);		/* read/write */
	aml_le(a, base, 4);
	aml_le(a, len, 4);
}

/*
 * Address space descriptors: a producer (the root bridge hands these
 * windows to its children), positive decode, min and max fixed.
 */
#define ADDR_GENERAL_FLAGS	0x0c
#define ADDR_TYPE_MEM		0
#define ADDR_TYPE_IO		1
#define ADDR_TYPE_BUS		2

static void
aml_res_addr(struct aml *a, uint8_t tag, int width, uint8_t type,
    uint8_t tflags, uint64_t min, uint64_t max)
{
	aml_byte(a, tag);
	aml_le(a, 3 + 5 * width, 2);
	aml_byte(a, type);
	aml_byte(a, ADDR_GENERAL_FLAGS);
	aml_byte(a, tflags);
	aml_le(a, 0, width);			/* granularity */
	aml_le(a, min, width);
	aml_le(a, max, width);
	aml_le(a, 0, width);			/* translation */
	aml_le(a, max - min + 1, width);	/* length */
}

void
aml_res_word_bus(struct aml *a, uint16_t min, uint16_t max)
{
	aml_res_addr(a, 0x88, 2, ADDR_TYPE_BUS, 0, min, max);
}

void
aml_res_word_io(struct aml *a, uint16_t min, uint16_t max)
{
	/* Type flags 3: the window decodes the entire ISA range. */
	aml_res_addr(a, 0x88, 2, ADDR_TYPE_IO, 0x03, min, max);
}

void
aml_res_dword_mem(struct aml *a, uint32_t min, uint32_t max)
{
	/* Type flags: read/write, non-cacheable (BAR space). */
	aml_res_addr(a, 0x87, 4, ADDR_TYPE_MEM, 0x01, min, max);
}

void
aml_res_qword_mem(struct aml *a, uint64_t min, uint64_t max)
{
	aml_res_addr(a, 0x8a, 8, ADDR_TYPE_MEM, 0x01, min, max);
}
