/*
 * boot/boot.c: direct kernel boot from the config tree (keys boot.kernel,
 * boot.initrd, boot.cmdline; see khyve_config(5)): opens the files and
 * hands them to the loader their format asks for — an ELF file is booted
 * through PVH, anything else must be a bzImage.
 */
#include "boot/boot.h"

#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int
boot_load(struct vm *vm, const struct boot_args *a, struct boot_cpu *cpu,
    struct boot_err *e)
{
	if (elf_probe(a->kernel))
		return (pvh_load(vm, a, cpu, e));
	return (bzimage_load(vm, a, cpu, e));
}

bool
boot_configured(void)
{
	return (get_config_value("boot.kernel") != NULL);
}

/* Config strings live only until the next read of the tree: keep copies. */
static char *
config_dup(const char *key)
{
	const char *v = get_config_value(key);

	return (v != NULL ? strdup(v) : NULL);
}

int
boot_from_config(struct vm *vm, uint64_t rsdp, struct boot_cpu *cpu,
    struct boot_err *e)
{
	struct boot_file kernel = { .fd = -1 }, initrd = { .fd = -1 };
	struct boot_args a = { .kernel = &kernel, .rsdp = rsdp };
	char *kpath, *ipath, *cmdline;
	int r = -1;

	kpath = config_dup("boot.kernel");
	ipath = config_dup("boot.initrd");
	cmdline = config_dup("boot.cmdline");
	if (kpath == NULL) {
		boot_fail(e, "virtual machine cannot be booted");
		goto out;
	}
	a.cmdline = cmdline;
	if (boot_file_open(&kernel, kpath, e) != 0)
		goto out;
	if (ipath != NULL) {
		if (boot_file_open(&initrd, ipath, e) != 0)
			goto out;
		a.initrd = &initrd;
	}
	r = boot_load(vm, &a, cpu, e);
out:
	boot_file_close(&kernel);
	boot_file_close(&initrd);
	free(kpath);
	free(ipath);
	free(cmdline);
	return (r);
}
