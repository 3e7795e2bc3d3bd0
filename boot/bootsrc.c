/*
 * boot/bootsrc.c: chooses what khyveload boots from a source (see
 * bootsrc.h): the -e kernel=/initrd=/cmdline= values when given, else the
 * first boot configuration found at the places GRUB 2 and extlinux keep
 * theirs, on a root file system or on a separate /boot one.  Other -e
 * values are appended to the command line.
 */
#include "boot/bootsrc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char	*path;
	const char	*dir;		/* extlinux: relative paths start here */
	bool		grub;
} configs[] = {
	{ "/boot/grub/grub.cfg",		NULL,			true },
	{ "/grub/grub.cfg",			NULL,			true },
	{ "/boot/grub2/grub.cfg",		NULL,			true },
	{ "/grub2/grub.cfg",			NULL,			true },
	{ "/boot/extlinux/extlinux.conf",	"/boot/extlinux",	false },
	{ "/extlinux/extlinux.conf",		"/extlinux",		false },
	{ "/boot/extlinux.conf",		"/boot",		false },
	{ "/extlinux.conf",			"/",			false },
};

/* A config file whole, NUL-terminated: 0, 1 when absent, -1 on error. */
static int
slurp(struct bootsrc *s, const char *path, char **text, size_t *len,
    struct boot_err *e)
{
	struct boot_file f;
	int r;

	if ((r = s->open(s, path, &f, e)) != 0)
		return (r);
	r = -1;
	if (f.size > BOOTCFG_MAX_SIZE)
		boot_fail(e, "%s: %s: larger than %u bytes", s->what, path,
		    BOOTCFG_MAX_SIZE);
	else if ((*text = malloc(f.size + 1)) == NULL)
		boot_fail(e, "out of memory");
	else if (boot_file_read(&f, 0, *text, f.size) != 0) {
		boot_fail(e, "%s: %s: cannot read it", s->what, path);
		free(*text);
	} else {
		(*text)[f.size] = '\0';
		*len = f.size;
		r = 0;
	}
	s->close(s, &f);
	return (r);
}

static int
from_config(struct bootsrc *s, struct bootcfg *out, char *config,
    size_t configlen, struct boot_err *e)
{
	char *text;
	size_t len;
	int r;

	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		r = slurp(s, configs[i].path, &text, &len, e);
		if (r == 1)
			continue;
		if (r != 0)
			return (-1);
		snprintf(config, configlen, "%s", configs[i].path);
		if (configs[i].grub)
			r = bootcfg_grub(text, len, out, e);
		else
			r = bootcfg_extlinux(text, len, configs[i].dir, out, e);
		free(text);
		if (r != 0) {
			char msg[sizeof(e->msg)];

			snprintf(msg, sizeof(msg), "%s", e->msg);
			return (boot_fail(e, "%s: %s: %s", s->what,
			    configs[i].path, msg));
		}
		return (0);
	}
	return (boot_fail(e, "%s: no boot configuration (looked for "
	    "/boot/grub/grub.cfg, /boot/extlinux/extlinux.conf and others); "
	    "name the kernel with -e kernel=PATH", s->what));
}

static int
replace(char **dst, const char *src)
{
	char *n = src != NULL ? strdup(src) : NULL;

	if (src != NULL && n == NULL)
		return (-1);
	free(*dst);
	*dst = n;
	return (0);
}

int
bootsrc_choose(struct bootsrc *s, const struct bootsel *sel,
    struct bootcfg *out, char *config, size_t configlen, struct boot_err *e)
{
	char *cmd;

	memset(out, 0, sizeof(*out));
	*config = '\0';
	if (sel->kernel == NULL) {
		if (from_config(s, out, config, configlen, e) != 0)
			return (-1);
	} else if (replace(&out->kernel, sel->kernel) != 0 ||
	    replace(&out->title, "-e kernel=") != 0 ||
	    replace(&out->initrd, NULL) != 0 || replace(&out->cmdline, "") != 0)
		goto nomem;
	if ((sel->initrd != NULL && replace(&out->initrd, sel->initrd) != 0) ||
	    (sel->cmdline != NULL && replace(&out->cmdline, sel->cmdline) != 0))
		goto nomem;
	if (sel->extra != NULL && *sel->extra != '\0') {
		if (asprintf(&cmd, "%s%s%s", out->cmdline,
		    *out->cmdline != '\0' ? " " : "", sel->extra) < 0)
			goto nomem;
		free(out->cmdline);
		out->cmdline = cmd;
	}
	return (0);
nomem:
	bootcfg_free(out);
	return (boot_fail(e, "out of memory"));
}
