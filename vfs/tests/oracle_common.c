/*
 * What both sides of the differential test print for an operation's result, written
 * once so that equal results print equally.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle_common.h"

void oracle_fmt_stat(char *out, size_t size, unsigned mode, unsigned long nlink, long long len,
                     long long blocks, unsigned uid, unsigned gid)
{
    snprintf(out, size, "mode=%o nlink=%lu size=%lld blocks=%lld uid=%u gid=%u", mode, nlink, len,
             blocks, uid, gid);
}

void oracle_fmt_times(char *out, size_t size, long long as, long an, long long ms, long mn)
{
    snprintf(out, size, "atime=%lld.%09ld mtime=%lld.%09ld", as, an, ms, mn);
}

void oracle_fmt_data(char *out, size_t size, const char *data, long len)
{
    size_t used = 0;
    long i;
    out[0] = '\0';
    for (i = 0; i < len && used + 5 < size; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            out[used++] = (char)c;
        else
            used += (size_t)snprintf(out + used, size - used, "\\x%02x", c);
    }
    out[used] = '\0';
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void oracle_list_begin(struct oracle_list *l)
{
    l->n = 0;
}

void oracle_list_add(struct oracle_list *l, const char *name, unsigned type)
{
    if (!strcmp(name, ".") || !strcmp(name, "..") || l->n >= ORACLE_LIST_MAX)
        return;
    snprintf(l->names[l->n], sizeof l->names[l->n], "%s/%u", name, type);
    l->n++;
}

void oracle_list_format(struct oracle_list *l, char *out, size_t size)
{
    char *p[ORACLE_LIST_MAX];
    size_t used = 0;
    unsigned i;
    for (i = 0; i < l->n; i++)
        p[i] = l->names[i];
    qsort(p, l->n, sizeof p[0], cmp);
    out[0] = '\0';
    for (i = 0; i < l->n && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "", p[i]);
}
