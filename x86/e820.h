/*
 * The guest's physical memory map as firmware would report it (BIOS INT 15h
 * E820, ACPI spec "System Address Map Interfaces"), shared by the Linux
 * bzImage loader (boot_params.e820_table) and the PVH loader
 * (hvm_start_info memmap), so both describe the same machine.
 */
#ifndef KHYVE_X86_E820_H
#define KHYVE_X86_E820_H

#include <stdint.h>

struct vm;

enum e820_type {
	E820_RAM	= 1,
	E820_RESERVED	= 2,
	E820_ACPI	= 3,
	E820_NVS	= 4,
};

struct e820_entry {
	uint64_t	addr;
	uint64_t	size;
	uint32_t	type;
};

#define E820_MAX_ENTRIES	8

/*
 * Fills out[] (E820_MAX_ENTRIES entries at most) in address order and
 * returns how many were written.
 */
int e820_build(const struct vm *vm, struct e820_entry *out);

#endif
