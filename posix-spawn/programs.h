/* Per-program trees: the launcher's rules (programs.c, docs/sandboxes.md). */
#ifndef POSIX_SPAWN_PROGRAMS_H
#define POSIX_SPAWN_PROGRAMS_H

#include <stdbool.h>
#include <stdint.h>

#define PROGRAMS_MAX 32
#define PROGRAMS_MAX_LABELS 64
#define PROGRAMS_PATH_MAX 256

struct program_rule {
    const char *path; /* the executable's absolute path in the sandbox's tree */
    uint64_t labels;  /* the session labels its tree names (bits of programs_label_index) */
    bool archive;     /* its tree mounts the boot archive (`tar @boot`) */
    unsigned line;    /* in the config */
};

/* Reads the `program` rules of component's config; 0, or -1 after logging the error
 * with file, line and what was expected. */
int programs_load(const char *component);

/* Rule number (from 1, in config order, as the runtime counts them), or NULL. */
const struct program_rule *programs_rule(uint64_t number);

/* The index of a session label named in some rule, or -1 (a label no rule names). */
int programs_label_index(const char *label);
const char *programs_label(unsigned index);

/* creds.c: the config's `uid` and `gid`, which the first process starts with, and
 * `nosuid`. */
struct cfg_node;
void creds_config(const struct cfg_node *config);

#endif
