/*
 * Session labels (docs/sessions.md): the one matcher that init's routes and the
 * file-system servers' policies share. Pure string work, so that host fuzzers
 * (init/route_fuzz.c) can call it as the native programs do.
 *
 * A label is a sequence of elements joined by " -> " ("shell -> tmp"). A prefix or a
 * suffix matches whole elements only: `label-prefix=writer` matches "writer" and
 * "writer -> tmp", never "writers -> tmp". A separator written at the open end of a
 * pattern ("shell ->", "-> docs") is the same as none.
 */
#include <capix/capix.h>
#include <string.h>

#define SEP " -> "
#define SEP_LEN 4

/* The pattern without a separator (or its "->" half) at the end that meets the rest. */
static void trim_pattern(const char **p, size_t *pl, int match)
{
    if (match == 2) { /* prefix: "a ->" or "a -> " */
        if (*pl >= 3 && !memcmp(*p + *pl - 3, " ->", 3))
            *pl -= 3;
        else if (*pl >= SEP_LEN && !memcmp(*p + *pl - SEP_LEN, SEP, SEP_LEN))
            *pl -= SEP_LEN;
    } else { /* suffix: "-> a" or " -> a" */
        if (*pl >= SEP_LEN && !memcmp(*p, SEP, SEP_LEN)) {
            *p += SEP_LEN;
            *pl -= SEP_LEN;
        } else if (*pl >= 3 && !memcmp(*p, "-> ", 3)) {
            *p += 3;
            *pl -= 3;
        }
    }
}

int cx_label_matches(int match, const char *pattern, const char *label)
{
    size_t pl = pattern ? strlen(pattern) : 0, ll = strlen(label);
    switch (match) {
    case 0:
        return 1;
    case 1:
        return !strcmp(pattern, label);
    case 2:
        trim_pattern(&pattern, &pl, match);
        if (!pl)
            return 1;
        return pl <= ll && !memcmp(pattern, label, pl) &&
               (pl == ll || (ll - pl >= SEP_LEN && !memcmp(label + pl, SEP, SEP_LEN)));
    default:
        trim_pattern(&pattern, &pl, match);
        if (!pl)
            return 1;
        return pl <= ll && !memcmp(pattern, label + ll - pl, pl) &&
               (pl == ll ||
                (ll - pl >= SEP_LEN && !memcmp(label + ll - pl - SEP_LEN, SEP, SEP_LEN)));
    }
}

int cx_label_part_ok(const char *label)
{
    for (; *label; label++) {
        unsigned char ch = (unsigned char)label[0];
        if ((label[0] == '-' && label[1] == '>') || ch < 0x20 || ch == 0x7f)
            return 0;
    }
    return 1;
}
