/*
 * boot/bootcfg.c: picks the entry a guest's boot loader would boot, from
 * its own configuration file (see bootcfg.h).  No GRUB script is run:
 *
 * grub.cfg (GRUB 2 manual, "Shell-like scripting", "menuentry", "submenu",
 * "default"): words are split as GRUB's lexer does (quotes, backslashes,
 * `;` and newlines end commands, `#` comments, `{`/`}` blocks).  Every
 * menuentry and submenu is numbered among its siblings; `set default=`
 * with a literal value (a number, a title or an id, or a `>`-separated
 * path of them into submenus) chooses; values with variables
 * (${saved_entry}, ${next_entry}) are skipped, so GRUB's fallback, entry
 * 0, applies.  In the entry, the first linux/linux16/linuxefi line gives
 * the kernel and its arguments, the first initrd line the initrd; words
 * holding an unexpanded `$variable` are dropped.  Function bodies are
 * skipped.
 *
 * extlinux.conf (SYSLINUX wiki, "Config"): keywords are case-insensitive;
 * DEFAULT or MENU DEFAULT names the label, else the first LABEL; KERNEL or
 * LINUX, APPEND (an initrd= in it counts when there is no INITRD line),
 * INITRD (the first of a comma list).  Relative paths are relative to the
 * config file's directory.
 */
#include "boot/bootcfg.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_WORDS	256	/* per command */
#define MAX_ITEMS	1024	/* menuentries and submenus */
#define MAX_DEPTH	16	/* nested blocks */

/* ---------- GRUB ---------- */

enum tok { TOK_END, TOK_CMD, TOK_OPEN, TOK_CLOSE, TOK_ERR };

struct lexer {
	const char	*p, *end;
	char		*out;		/* word storage, as long as the text */
	int		line;
	const char	*err;
};

static bool
is_sep(const struct lexer *lx, const char *q)
{
	return (q >= lx->end || *q == ' ' || *q == '\t' || *q == '\n' ||
	    *q == '\r' || *q == ';');
}

/* One word into lx->out; NULL with lx->err on an unclosed quote. */
static char *
lex_word(struct lexer *lx)
{
	char *w = lx->out, quote = 0;

	while (lx->p < lx->end) {
		char c = *lx->p;

		if (quote == 0 && is_sep(lx, lx->p))
			break;
		lx->p++;
		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
			else
				*lx->out++ = c;
		} else if (c == '\\' && lx->p < lx->end) {
			c = *lx->p++;
			if (c == '\n')
				lx->line++;	/* a continued line */
			else if (quote == 0 || strchr("\"\\$\n", c) != NULL)
				*lx->out++ = c;
			else {
				*lx->out++ = '\\';
				*lx->out++ = c;
			}
		} else if (quote == '"' && c == '"')
			quote = 0;
		else if (quote == 0 && (c == '"' || c == '\''))
			quote = c;
		else {
			if (c == '\n')
				lx->line++;
			*lx->out++ = c;
		}
	}
	if (quote != 0) {
		lx->err = "unterminated quote";
		return (NULL);
	}
	*lx->out++ = '\0';
	return (w);
}

/* The next command's words; `{` ends a command that opens a block. */
static enum tok
lex_command(struct lexer *lx, char **words, int *n)
{
	*n = 0;
	for (;;) {
		while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' ||
		    *lx->p == '\r'))
			lx->p++;
		if (lx->p >= lx->end)
			return (*n > 0 ? TOK_CMD : TOK_END);
		char c = *lx->p;
		if (c == '\n' || c == ';') {
			lx->p++;
			if (c == '\n')
				lx->line++;
			if (*n > 0)
				return (TOK_CMD);
			continue;
		}
		if (c == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
			continue;
		}
		if ((c == '{' || c == '}') && is_sep(lx, lx->p + 1)) {
			if (c == '}' && *n > 0)
				return (TOK_CMD);	/* the } comes next */
			lx->p++;
			return (c == '{' ? TOK_OPEN : TOK_CLOSE);
		}
		if (*n == MAX_WORDS) {
			lx->err = "too many words in one command";
			return (TOK_ERR);
		}
		if ((words[(*n)++] = lex_word(lx)) == NULL)
			return (TOK_ERR);
	}
}

struct item {
	int	parent;		/* index in items[], -1 at the top */
	int	pos;		/* among its siblings */
	bool	submenu;
	char	*title, *id;
	char	*kernel, *initrd, *args;
};

struct grub {
	struct item	*items;
	int		nitems;
	char		*deflt;		/* the last literal set default= */
	int		stack[MAX_DEPTH];	/* item index, or -1: other block */
	int		depth;
	int		nkids_top;
};

static int
siblings(const struct grub *g, int parent)
{
	int n = 0;

	for (int i = 0; i < g->nitems; i++)
		if (g->items[i].parent == parent)
			n++;
	return (n);
}

/* Innermost menuentry or submenu we are in, or -1 (top or a function). */
static int
current_item(const struct grub *g)
{
	return (g->depth > 0 ? g->stack[g->depth - 1] : -1);
}

static bool
in_function(const struct grub *g)
{
	for (int d = 0; d < g->depth; d++)
		if (g->stack[d] == -1)
			return (true);
	return (false);
}

static int
open_item(struct grub *g, char **w, int n, struct boot_err *e, int line)
{
	struct item *it;
	int parent = current_item(g);

	if (g->nitems == MAX_ITEMS)
		return (boot_fail(e, "grub.cfg: more than %d menu entries",
		    MAX_ITEMS));
	if (parent >= 0 && !g->items[parent].submenu)
		return (boot_fail(e, "grub.cfg:%d: %s inside a menuentry",
		    line, w[0]));
	it = &g->items[g->nitems];
	memset(it, 0, sizeof(*it));
	it->parent = parent;
	it->pos = siblings(g, parent);
	it->submenu = strcmp(w[0], "submenu") == 0;
	it->title = n > 1 ? w[1] : "";
	for (int i = 2; i + 1 < n; i++)
		if (strcmp(w[i], "--id") == 0 ||
		    strcmp(w[i], "$menuentry_id_option") == 0)
			it->id = w[i + 1];
	g->stack[g->depth++] = g->nitems++;
	return (0);
}

/* The arguments of a linux line, joined, without $variables. */
static char *
join_args(char **w, int n)
{
	size_t len = 1;
	char *s;

	for (int i = 2; i < n; i++)
		len += strlen(w[i]) + 1;
	if ((s = malloc(len)) == NULL)
		return (NULL);
	*s = '\0';
	for (int i = 2; i < n; i++) {
		if (strchr(w[i], '$') != NULL)
			continue;
		if (*s != '\0')
			strcat(s, " ");
		strcat(s, w[i]);
	}
	return (s);
}

static bool
is_cmd(const char *w, const char *base)
{
	size_t n = strlen(base);

	return (strncmp(w, base, n) == 0 && (w[n] == '\0' ||
	    strcmp(w + n, "16") == 0 || strcmp(w + n, "efi") == 0));
}

static int
grub_command(struct grub *g, char **w, int n)
{
	int cur = current_item(g);
	struct item *it = cur >= 0 ? &g->items[cur] : NULL;

	if (in_function(g))
		return (0);
	if (it == NULL && n >= 2 && strcmp(w[0], "set") == 0 &&
	    strncmp(w[1], "default=", 8) == 0 && strchr(w[1], '$') == NULL) {
		g->deflt = w[1] + 8;
		return (0);
	}
	if (it == NULL || it->submenu || n < 2)
		return (0);
	if (is_cmd(w[0], "linux") && it->kernel == NULL) {
		it->kernel = w[1];
		if ((it->args = join_args(w, n)) == NULL)
			return (-1);
	} else if (is_cmd(w[0], "initrd") && it->initrd == NULL)
		it->initrd = w[1];
	return (0);
}

static int
grub_scan(struct grub *g, struct lexer *lx, struct boot_err *e)
{
	char *w[MAX_WORDS];
	int n;

	for (;;) {
		switch (lex_command(lx, w, &n)) {
		case TOK_END:
			if (g->depth != 0)
				return (boot_fail(e, "grub.cfg: %d block(s) "
				    "not closed at the end", g->depth));
			return (0);
		case TOK_ERR:
			return (boot_fail(e, "grub.cfg:%d: %s", lx->line,
			    lx->err));
		case TOK_CLOSE:
			if (g->depth == 0)
				return (boot_fail(e, "grub.cfg:%d: '}' "
				    "without a block", lx->line));
			g->depth--;
			break;
		case TOK_OPEN:
			if (g->depth == MAX_DEPTH)
				return (boot_fail(e, "grub.cfg:%d: blocks "
				    "nested too deep", lx->line));
			if (n > 0 && !in_function(g) &&
			    (strcmp(w[0], "menuentry") == 0 ||
			    strcmp(w[0], "submenu") == 0)) {
				if (open_item(g, w, n, e, lx->line) != 0)
					return (-1);
			} else
				g->stack[g->depth++] = -1;
			break;
		case TOK_CMD:
			if (grub_command(g, w, n) != 0)
				return (boot_fail(e, "out of memory"));
			break;
		}
	}
}

static int
find_child(const struct grub *g, int parent, const char *key)
{
	char *end;
	long pos = strtol(key, &end, 10);
	bool numeric = *key != '\0' && *end == '\0';

	for (int i = 0; i < g->nitems; i++) {
		const struct item *it = &g->items[i];

		if (it->parent != parent)
			continue;
		if (numeric ? it->pos == pos : (strcmp(it->title, key) == 0 ||
		    (it->id != NULL && strcmp(it->id, key) == 0)))
			return (i);
	}
	return (-1);
}

/* Follows "a>b>c" from the top; -1 unless it ends on a menuentry. */
static int
resolve_default(const struct grub *g, const char *path)
{
	char buf[1024], *part, *save;
	int at = -1;

	if (strlen(path) >= sizeof(buf))
		return (-1);
	strcpy(buf, path);
	for (part = strtok_r(buf, ">", &save); part != NULL;
	    part = strtok_r(NULL, ">", &save)) {
		if ((at = find_child(g, at, part)) < 0)
			return (-1);
	}
	return (at >= 0 && !g->items[at].submenu ? at : -1);
}

static int
fill(struct bootcfg *out, const char *title, const char *kernel,
    const char *initrd, const char *args)
{
	memset(out, 0, sizeof(*out));
	out->title = strdup(title);
	out->kernel = strdup(kernel);
	out->initrd = initrd != NULL ? strdup(initrd) : NULL;
	out->cmdline = strdup(args != NULL ? args : "");
	if (out->title == NULL || out->kernel == NULL || out->cmdline == NULL ||
	    (initrd != NULL && out->initrd == NULL)) {
		bootcfg_free(out);
		return (-1);
	}
	return (0);
}

int
bootcfg_grub(const char *text, size_t len, struct bootcfg *out,
    struct boot_err *e)
{
	struct lexer lx = { text, text + len, NULL, 1, NULL };
	struct grub g = { 0 };
	char *store;
	int r = -1, pick = -1;

	memset(out, 0, sizeof(*out));
	if (len > BOOTCFG_MAX_SIZE)
		return (boot_fail(e, "grub.cfg: larger than %u bytes",
		    BOOTCFG_MAX_SIZE));
	store = malloc(len * 2 + 1);	/* an escaped \x may take two bytes */
	g.items = calloc(MAX_ITEMS, sizeof(*g.items));
	if (store == NULL || g.items == NULL) {
		boot_fail(e, "out of memory");
		goto out;
	}
	lx.out = store;
	if (grub_scan(&g, &lx, e) != 0)
		goto out;
	if (g.deflt != NULL)
		pick = resolve_default(&g, g.deflt);
	for (int i = 0; pick < 0 && i < g.nitems; i++)
		if (!g.items[i].submenu)
			pick = i;	/* GRUB's fallback: the first entry */
	if (pick < 0) {
		boot_fail(e, "grub.cfg: no menuentry");
		goto out;
	}
	struct item *it = &g.items[pick];
	if (it->kernel == NULL) {
		boot_fail(e, "grub.cfg: menuentry '%s' has no linux line",
		    it->title);
		goto out;
	}
	if (fill(out, it->title, it->kernel, it->initrd, it->args) != 0) {
		boot_fail(e, "out of memory");
		goto out;
	}
	r = 0;
out:
	for (int i = 0; g.items != NULL && i < g.nitems; i++)
		free(g.items[i].args);
	free(g.items);
	free(store);
	return (r);
}

/* ---------- extlinux ---------- */

struct label {
	const char	*name, *title, *kernel, *initrd, *append;
};

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return (s);
}

/* Splits "KEYWORD rest" in place; *rest trimmed. */
static char *
keyword(char *line, char **rest)
{
	char *k = trim(line), *p = k;

	while (*p != '\0' && *p != ' ' && *p != '\t')
		p++;
	if (*p != '\0')
		*p++ = '\0';
	*rest = trim(p);
	return (k);
}

static char *
resolve_path(const char *dir, const char *p)
{
	size_t n;
	char *s;

	if (*p == '/' || dir == NULL || *dir == '\0')
		return (strdup(p));
	n = strlen(dir) + strlen(p) + 2;
	if ((s = malloc(n)) != NULL)
		snprintf(s, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ?
		    "" : "/", p);
	return (s);
}

/* The initrd= word of an APPEND line, first of its comma list. */
static const char *
append_initrd(const char *append, char *buf, size_t len)
{
	const char *p = append;

	while ((p = strstr(p, "initrd=")) != NULL) {
		if (p == append || p[-1] == ' ') {
			size_t n = strcspn(p + 7, " ,");

			if (n == 0 || n >= len)
				return (NULL);
			memcpy(buf, p + 7, n);
			buf[n] = '\0';
			return (buf);
		}
		p += 7;
	}
	return (NULL);
}

static void
extlinux_line(char *line, struct label *labels, int *n, const char **deflt)
{
	char *rest, *k = keyword(line, &rest);
	struct label *cur = *n > 0 ? &labels[*n - 1] : NULL;

	if (*k == '\0' || *k == '#')
		return;
	if (strcasecmp(k, "DEFAULT") == 0)
		*deflt = rest;
	else if (strcasecmp(k, "LABEL") == 0 && *n < MAX_ITEMS) {
		memset(&labels[*n], 0, sizeof(labels[0]));
		labels[(*n)++].name = rest;
	} else if (cur == NULL)
		return;
	else if (strcasecmp(k, "KERNEL") == 0 || strcasecmp(k, "LINUX") == 0)
		cur->kernel = rest;
	else if (strcasecmp(k, "APPEND") == 0)
		cur->append = rest;
	else if (strcasecmp(k, "INITRD") == 0) {
		rest[strcspn(rest, ",")] = '\0';
		cur->initrd = rest;
	} else if (strcasecmp(k, "MENU") == 0) {
		char *sub = keyword(rest, &rest);

		if (strcasecmp(sub, "LABEL") == 0)
			cur->title = rest;
		else if (strcasecmp(sub, "DEFAULT") == 0)
			*deflt = cur->name;
	}
}

int
bootcfg_extlinux(const char *text, size_t len, const char *dir,
    struct bootcfg *out, struct boot_err *e)
{
	struct label *labels, *l = NULL;
	const char *deflt = NULL, *initrd;
	char *copy, *line, *save, ibuf[512];
	int n = 0, r = -1;

	memset(out, 0, sizeof(*out));
	if (len > BOOTCFG_MAX_SIZE)
		return (boot_fail(e, "extlinux.conf: larger than %u bytes",
		    BOOTCFG_MAX_SIZE));
	copy = malloc(len + 1);
	labels = calloc(MAX_ITEMS, sizeof(*labels));
	if (copy == NULL || labels == NULL) {
		boot_fail(e, "out of memory");
		goto out;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (strlen(copy) != len) {
		boot_fail(e, "extlinux.conf: not a text file (NUL bytes)");
		goto out;
	}
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		extlinux_line(line, labels, &n, &deflt);
	for (int i = 0; deflt != NULL && i < n && l == NULL; i++)
		if (strcmp(labels[i].name, deflt) == 0)
			l = &labels[i];
	if (l == NULL && n > 0)
		l = &labels[0];
	if (l == NULL) {
		boot_fail(e, "extlinux.conf: no LABEL");
		goto out;
	}
	if (l->kernel == NULL || *l->kernel == '\0') {
		boot_fail(e, "extlinux.conf: label '%s' has no KERNEL or "
		    "LINUX line", l->name);
		goto out;
	}
	initrd = l->initrd;
	if (initrd == NULL && l->append != NULL)
		initrd = append_initrd(l->append, ibuf, sizeof(ibuf));
	memset(out, 0, sizeof(*out));
	out->title = strdup(l->title != NULL ? l->title : l->name);
	out->kernel = resolve_path(dir, l->kernel);
	out->initrd = initrd != NULL ? resolve_path(dir, initrd) : NULL;
	out->cmdline = strdup(l->append != NULL ? l->append : "");
	if (out->title == NULL || out->kernel == NULL || out->cmdline == NULL ||
	    (initrd != NULL && out->initrd == NULL)) {
		bootcfg_free(out);
		boot_fail(e, "out of memory");
		goto out;
	}
	r = 0;
out:
	free(labels);
	free(copy);
	return (r);
}

void
bootcfg_free(struct bootcfg *c)
{
	free(c->title);
	free(c->kernel);
	free(c->initrd);
	free(c->cmdline);
	memset(c, 0, sizeof(*c));
}
