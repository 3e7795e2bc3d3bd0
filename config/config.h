/*
 * The configuration tree (bhyve_config(5)): nodes named by dotted paths,
 * leaves holding strings.  The command line only writes into this tree;
 * devices and the machine read typed values back out of it.
 *
 * Values may contain %(name) references, expanded against the root of the
 * tree when a value is read (get_config_value*), not when it is stored.
 *
 * The tree is process-wide, as in bhyve: it is configuration, not machine
 * state, and it is frozen before the first device starts.
 *
 * Setters return 0, or -1 with a message for the user in config_error()
 * (e.g. "'memory' is a node, not a value").
 */
#ifndef KHYVE_CONFIG_H
#define KHYVE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct config_node config_node_t;

/* Empties the tree and sets the defaults bhyve sets before parsing argv. */
void init_config(void);
void free_config(void);

const char *config_error(void);

config_node_t *find_config_node(const char *path);
config_node_t *find_relative_config_node(config_node_t *parent, const char *path);
/* Creates every missing node on the way; -1 if a part is already a value. */
config_node_t *create_config_node(const char *path);
config_node_t *create_relative_config_node(config_node_t *parent, const char *path);

int set_config_value(const char *path, const char *value);
int set_config_value_node(config_node_t *parent, const char *name, const char *value);
int set_config_bool(const char *path, bool value);
int set_config_bool_node(config_node_t *parent, const char *name, bool value);
/* Sets the value only if the key is absent (used for defaults). */
int set_default_config_value(const char *path, const char *value);

/* Expanded value, or NULL when absent or a node.  The string lives until the
 * next call that reads or changes the tree. */
const char *get_config_value(const char *path);
const char *get_config_value_node(const config_node_t *parent, const char *name);

/* Typed reads.  Return 0 on success, -1 with config_error() set when the value
 * is present but malformed or out of range; when absent *out = def, return 0. */
int get_config_bool_checked(const char *path, bool def, bool *out);
int get_config_int(const char *path, long min, long max, long def, long *out);
int get_config_size(const char *path, uint64_t def, uint64_t *out);
/* Convenience for well-formed defaults: a malformed value reads as def. */
bool get_config_bool_default(const char *path, bool def);
bool get_config_bool_node_default(const config_node_t *parent, const char *name, bool def);

/* Value strings as the -o parser understands them. */
int parse_bool(const char *s, bool *out);
/* bhyve's vm_parse_memsize: K/M/G/T suffix (any case); a bare number below
 * 1 MiB counts as MiB. */
int parse_memsize(const char *s, uint64_t *out);

/* Calls cb for every direct child of node, in sorted order; a nonzero return stops
 * the walk and is returned. */
typedef int (*config_walk_fn)(const char *name, config_node_t *child, bool is_node,
                              const char *value, void *arg);
int walk_config_nodes(config_node_t *node, config_walk_fn cb, void *arg);
bool config_node_is_value(const config_node_t *node);

/* Every leaf as "a.b.c=value", sorted, one per line. */
void dump_config(FILE *fp);

#endif
