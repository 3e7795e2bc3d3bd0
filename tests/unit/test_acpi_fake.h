/*
 * Shared by the x86 table tests: a hand-made struct vm (no KVM, no RAM
 * file) with a given topology and memory size, regions backed by calloc,
 * and a walker over ACPI tables in such a region.
 */
#ifndef KHYVE_TESTS_ACPI_FAKE_H
#define KHYVE_TESTS_ACPI_FAKE_H

#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "x86/platform.h"
#include "x86/tables.h"
#include "x86/x86.h"

static inline void
fake_vm(struct vm *vm, int sockets, int cores, int threads, uint64_t mem)
{
	memset(vm, 0, sizeof(*vm));
	vm->name = "testvm";
	vm->sockets = (uint16_t)sockets;
	vm->cores = (uint16_t)cores;
	vm->threads = (uint16_t)threads;
	vm->ncpus = sockets * cores * threads;
	vm->memsize = mem;
	vm->lowmem = mem < LOWMEM_LIMIT ? mem : LOWMEM_LIMIT;
	vm->highmem = mem - vm->lowmem;
}

static inline void
fake_region(struct x86_region *r, uint64_t lo, uint64_t hi)
{
	memset(r, 0, sizeof(*r));
	r->base = calloc(1, hi - lo);
	r->gpa = lo;
	r->size = hi - lo;
}

/* Host pointer for [gpa, gpa + len) inside r, or NULL. */
static inline uint8_t *
region_ptr(const struct x86_region *r, uint64_t gpa, uint64_t len)
{
	if (gpa < r->gpa || gpa - r->gpa > r->size ||
	    len > r->size - (gpa - r->gpa))
		return (NULL);
	return (r->base + (gpa - r->gpa));
}

static inline uint8_t
sum8(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len-- > 0)
		s += *p++;
	return (s);
}

static inline uint64_t
le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return (v);
}

/* The ACPI table with signature sig reachable from the RSDP at rsdp. */
static inline uint8_t *
acpi_find(const struct x86_region *r, uint64_t rsdp, const char *sig)
{
	uint8_t *p = region_ptr(r, rsdp, 36), *xsdt, *t, *fadt = NULL;
	uint32_t n, i;

	if (p == NULL || (xsdt = region_ptr(r, le(p + 24, 8), 36)) == NULL)
		return (NULL);
	n = ((uint32_t)le(xsdt + 4, 4) - 36) / 8;
	if (strcmp(sig, "XSDT") == 0)
		return (xsdt);
	if (strcmp(sig, "RSDT") == 0)
		return (region_ptr(r, le(p + 16, 4), 36));
	for (i = 0; i < n; i++) {
		t = region_ptr(r, le(xsdt + 36 + 8 * i, 8), 36);
		if (t == NULL)
			return (NULL);
		if (memcmp(t, sig, 4) == 0)
			return (t);
		if (memcmp(t, "FACP", 4) == 0)
			fadt = t;
	}
	if (fadt == NULL)
		return (NULL);
	if (strcmp(sig, "DSDT") == 0)
		return (region_ptr(r, le(fadt + 140, 8), 36));
	if (strcmp(sig, "FACS") == 0)
		return (region_ptr(r, le(fadt + 36, 4), 64));
	return (NULL);
}

/* Builds ACPI for vm/cfg into a fresh region; returns the RSDP or 0. */
static inline uint64_t
build_acpi(const struct vm *vm, const struct x86_tables_cfg *cfg,
    struct x86_region *r)
{
	uint64_t rsdp = 0;

	fake_region(r, ACPI_BASE, ACPI_MAX + 1);
	if (x86_acpi_build(vm, cfg, r, &rsdp) != 0)
		return (0);
	return (rsdp);
}

#endif
