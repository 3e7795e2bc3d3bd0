/*
 * A tiny AML (ACPI Machine Language) writer, enough for khyve's DSDT:
 * names, integers, strings, packages, buffers, scopes and devices, and the
 * resource descriptors a _CRS needs (ACPI 6.x, section 20 "ACPI Machine
 * Language Specification" and section 6.4 "Resource Data Types").
 *
 * Objects with a PkgLength (Scope, Device, Package, Buffer) are opened with
 * *_begin and closed with aml_end, which back-fills the length.  Errors
 * (allocation, nesting) are sticky: check aml_finish once at the end.
 */
#ifndef KHYVE_X86_AML_H
#define KHYVE_X86_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AML_MAX_DEPTH	16

struct aml {
	uint8_t	*buf;
	size_t	len, cap;
	struct {
		size_t	start;		/* offset just past the opcode */
		bool	is_buffer;	/* needs a BufferSize too */
	} open[AML_MAX_DEPTH];
	int	depth;
	bool	failed;
};

void aml_init(struct aml *a);
void aml_free(struct aml *a);
/* 0 when everything was closed and no error happened, else -1. */
int aml_finish(const struct aml *a);

void aml_byte(struct aml *a, uint8_t b);
void aml_bytes(struct aml *a, const void *p, size_t n);

/* Data objects. */
void aml_integer(struct aml *a, uint64_t v);	/* smallest encoding */
void aml_string(struct aml *a, const char *s);
void aml_eisaid(struct aml *a, const char *id);	/* "PNP0A03" */
/* "\_SB.PCI0", "_S5", "^FOO": segments shorter than 4 are '_'-padded. */
void aml_namestring(struct aml *a, const char *path);

/* Name (NAME, <next object>): emit the object right after. */
void aml_name(struct aml *a, const char *name);
void aml_name_integer(struct aml *a, const char *name, uint64_t v);
void aml_name_string(struct aml *a, const char *name, const char *s);
void aml_name_eisaid(struct aml *a, const char *name, const char *id);

/* Nested objects, closed by aml_end. */
void aml_scope_begin(struct aml *a, const char *path);
void aml_device_begin(struct aml *a, const char *name);
void aml_package_begin(struct aml *a, uint8_t nelements);
void aml_buffer_begin(struct aml *a);
void aml_end(struct aml *a);

/* Resource descriptors, written inside an aml_buffer_begin/aml_end. */
void aml_res_io(struct aml *a, uint16_t base, uint8_t len);
void aml_res_irq(struct aml *a, unsigned irq);		/* IRQNoFlags */
void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len);
void aml_res_word_bus(struct aml *a, uint16_t min, uint16_t max);
void aml_res_word_io(struct aml *a, uint16_t min, uint16_t max);
void aml_res_dword_mem(struct aml *a, uint32_t min, uint32_t max);
void aml_res_qword_mem(struct aml *a, uint64_t min, uint64_t max);
void aml_res_end(struct aml *a);

#endif
