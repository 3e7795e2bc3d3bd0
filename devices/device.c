/*
 * The device table: every DEVICE_REGISTER() lands in the "khyve_devices"
 * section; the linker provides its bounds.
 */
#include <string.h>

#include "devices/device.h"

extern const struct device_emu *const __start_khyve_devices[] __attribute__((weak));
extern const struct device_emu *const __stop_khyve_devices[] __attribute__((weak));

const struct device_emu *
device_find(const char *name, enum device_kind kind)
{
	const struct device_emu *const *p;

	for (p = __start_khyve_devices; p < __stop_khyve_devices; p++)
		if ((*p)->kind == kind && strcmp((*p)->name, name) == 0)
			return (*p);
	return (NULL);
}

void
device_foreach(enum device_kind kind,
    void (*fn)(const struct device_emu *d, void *arg), void *arg)
{
	const struct device_emu *const *p;

	for (p = __start_khyve_devices; p < __stop_khyve_devices; p++)
		if ((*p)->kind == kind)
			fn(*p, arg);
}
