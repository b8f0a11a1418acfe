/*
 * capix system configuration: a small tree-structured text format (docs/config.md).
 * cfg_parse turns a text into a tree of nodes whose names, values and strings all live
 * in a caller-provided arena; nothing is allocated elsewhere and nothing points into
 * the source text, so the text may be freed after parsing. The tree is read-only for
 * its users and lives as long as the arena.
 *
 * Freestanding: usable in native capix programs and in host tests alike.
 */
#ifndef CAPIX_CONFIG_H
#define CAPIX_CONFIG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes (negative return values). */
#define CFG_ESYNTAX -1 /* the text does not follow the grammar; details in cfg_error */
#define CFG_ENOMEM -2  /* the arena is too small for the tree */
#define CFG_EINVAL -3  /* a value is not what was asked for (number, node, ...) */
#define CFG_ERANGE -4  /* a number does not fit */
#define CFG_ETRUNC -5  /* cfg_format_error: the buffer was too small, output truncated */

#define CFG_MAX_DEPTH 32 /* blocks may nest this deep, no deeper */

/* Where an error was found and what it is. line/col count from 1; line 0 = whole file. */
struct cfg_error {
    const char *file;
    unsigned line, col;
    char msg[160];
};

/* One value of a node: positional (key NULL) or a property KEY=VALUE. */
struct cfg_value {
    const char *key;
    const char *text; /* NUL-terminated, escapes decoded */
    unsigned line, col;
};

/*
 * A node: NAME value* [{ children }]. values is an array of nvalues entries in
 * source order (NULL when there are none); children is the first child and next the
 * next sibling, both in source order; parent is NULL only for the root.
 */
struct cfg_node {
    const char *name;
    const char *file;
    unsigned line, col;
    struct cfg_value *values;
    unsigned nvalues;
    struct cfg_node *parent, *children, *next;
};

/* Caller-provided memory for a parsed tree: cfg_parse takes bytes from base + used. */
struct cfg_arena {
    char *base;
    size_t size, used;
};

/*
 * Parses text[0..len) (named file in errors; file is copied into the arena) into a tree
 * allocated from arena. On success returns 0 and sets *root to a synthetic node named
 * "" whose children are the top-level nodes. On failure returns CFG_ESYNTAX or
 * CFG_ENOMEM, fills *err and leaves arena->used as it was.
 */
int cfg_parse(const char *file, const char *text, size_t len, struct cfg_arena *arena,
              struct cfg_node **root, struct cfg_error *err);

/* Returns parent's first child called name (any child if name is NULL), or NULL. */
const struct cfg_node *cfg_first(const struct cfg_node *parent, const char *name);

/* Returns the next sibling after node called name (any if name is NULL), or NULL. */
const struct cfg_node *cfg_next(const struct cfg_node *node, const char *name);

/* Returns the `config` block of the entry `component NAME` in a system config's root, or
 * NULL when it has none (names are unique: init refuses a second). */
const struct cfg_node *cfg_component_config(const struct cfg_node *root, const char *name);

/* A policy's or route's session-label selector, one of label=, label-prefix= and
 * label-suffix= (docs/sessions.md): returns how many of the three node has; the last
 * one's pattern goes to *label and its match for cx_label_matches to *match (1 exact,
 * 2 prefix, 3 suffix), both left as they are when it has none. */
unsigned cfg_label_selector(const struct cfg_node *node, const char **label, int *match);

/* Returns the number of positional values of node (properties not counted). */
unsigned cfg_nargs(const struct cfg_node *node);

/* Returns the index-th positional value of node (from 0), or NULL if there is none. */
const char *cfg_arg(const struct cfg_node *node, unsigned index);

/* Returns the index-th positional value of node as a struct (for its position), or NULL. */
const struct cfg_value *cfg_arg_value(const struct cfg_node *node, unsigned index);

/* Returns the value of node's first property called key, or NULL if it has none. */
const char *cfg_prop(const struct cfg_node *node, const char *key);

/* Returns node's first property called key as a struct (for its position), or NULL. */
const struct cfg_value *cfg_prop_value(const struct cfg_node *node, const char *key);

/*
 * Parses a whole unsigned number: decimal or 0x-prefixed hex, optionally followed by
 * one of K, M, G (also k, m, g) for 2^10, 2^20, 2^30. Returns 0 and sets *out, or
 * CFG_EINVAL for anything else (empty, sign, junk) or CFG_ERANGE on overflow.
 */
int cfg_parse_u64(const char *text, uint64_t *out);

/*
 * Records a semantic error at node's file and line (column of its name) with a message
 * formatted from fmt, which understands %s %c %d %u %x %% with optional l/ll/z size
 * modifiers (nothing else; unknown directives are copied). Returns CFG_EINVAL, so that
 * callers can write `return cfg_error_at(err, node, "...", ...);`.
 */
int cfg_error_at(struct cfg_error *err, const struct cfg_node *node, const char *fmt, ...);

/* As cfg_error_at, but pointing at one of node's values (value may be NULL: the node). */
int cfg_error_at_value(struct cfg_error *err, const struct cfg_node *node,
                       const struct cfg_value *value, const char *fmt, ...);

/* As cfg_error_at, with a va_list. Returns CFG_EINVAL. */
int cfg_verror_at(struct cfg_error *err, const struct cfg_node *node, const struct cfg_value *value,
                  const char *fmt, va_list ap);

/*
 * Writes "FILE:LINE:COL: MSG" (or "FILE: MSG" when line is 0) into buf, always
 * NUL-terminated when size > 0. Returns 0, or CFG_ETRUNC if it had to cut the text.
 */
int cfg_format_error(const struct cfg_error *err, char *buf, size_t size);

/* Returns a short constant description of a CFG_E* code. */
const char *cfg_strerror(int code);

#endif
