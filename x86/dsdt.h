/*
 * The DSDT's AML body (dsdt.c), written by x86_acpi_build after the table
 * header.  Internal to x86/.
 */
#ifndef KHYVE_X86_DSDT_H
#define KHYVE_X86_DSDT_H

struct aml;
struct vm;
struct x86_tables_cfg;

/* Errors are left in the aml writer (aml_finish). */
void x86_dsdt_build(const struct vm *vm, const struct x86_tables_cfg *cfg,
    struct aml *a);

#endif
