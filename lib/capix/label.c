/*
 * Session labels (docs/sessions.md): the one matcher that init's routes and the
 * file-system servers' policies share. Pure string work, so that host fuzzers
 * (init/route_fuzz.c) can call it as the native programs do.
 */
#include <capix/capix.h>
#include <string.h>

int cx_label_matches(int match, const char *pattern, const char *label)
{
    size_t pl = pattern ? strlen(pattern) : 0, ll = strlen(label);
    switch (match) {
    case 0:
        return 1;
    case 1:
        return !strcmp(pattern, label);
    case 2:
        return pl <= ll && !memcmp(pattern, label, pl);
    default:
        return pl <= ll && !memcmp(pattern, label + ll - pl, pl);
    }
}
