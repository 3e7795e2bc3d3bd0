/*
 * x86/e820.c: the guest memory map (see e820.h).
 *
 *   [0, EBDA_BASE)            RAM (conventional memory)
 *   [EBDA_BASE, 1 MiB)        reserved: EBDA, VGA hole, BIOS area with the
 *                             MP table, SMBIOS and ACPI tables
 *   [1 MiB, lowmem)           RAM
 *   [PCI_ECAM_BASE, +size)    reserved: PCI ECAM, so Linux trusts MMCONFIG
 *   [IOAPIC_BASE, 4 GiB)      reserved: IOAPIC, HPET, LAPIC, flash
 *   [4 GiB, 4 GiB + highmem)  RAM
 *
 * The 32-bit BAR window of the hole stays unlisted: the PCI host bridge
 * (ACPI _CRS) describes it, as on real machines.
 */
#include "x86/e820.h"

#include "core/vm.h"
#include "x86/platform.h"

static int
e820_add(struct e820_entry *out, int n, uint64_t addr, uint64_t size,
    uint32_t type)
{
	if (size == 0 || n >= E820_MAX_ENTRIES)
		return (n);
	out[n].addr = addr;
	out[n].size = size;
	out[n].type = type;
	return (n + 1);
}

int
e820_build(const struct vm *vm, struct e820_entry *out)
{
	uint64_t low = vm->lowmem;
	int n = 0;

	if (low > EBDA_BASE) {
		n = e820_add(out, n, 0, EBDA_BASE, E820_RAM);
		n = e820_add(out, n, EBDA_BASE, MiB - EBDA_BASE, E820_RESERVED);
	} else {
		n = e820_add(out, n, 0, low, E820_RAM);
	}
	if (low > MiB)
		n = e820_add(out, n, MiB, low - MiB, E820_RAM);
	n = e820_add(out, n, PCI_ECAM_BASE, PCI_ECAM_SIZE, E820_RESERVED);
	n = e820_add(out, n, IOAPIC_BASE, HIGHMEM_BASE - IOAPIC_BASE,
	    E820_RESERVED);
	n = e820_add(out, n, HIGHMEM_BASE, vm->highmem, E820_RAM);
	return (n);
}
