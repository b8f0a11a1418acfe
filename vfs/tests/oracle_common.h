/* Result formatting shared by both sides of the differential test (oracle.h). */
#ifndef VFS_ORACLE_COMMON_H
#define VFS_ORACLE_COMMON_H

#include <stddef.h>

#define ORACLE_LIST_MAX 64

struct oracle_list {
    unsigned n;
    char names[ORACLE_LIST_MAX][272];
};

void oracle_fmt_stat(char *out, size_t size, unsigned mode, unsigned long nlink, long long len,
                     long long blocks, unsigned uid, unsigned gid);
void oracle_fmt_times(char *out, size_t size, long long as, long an, long long ms, long mn);
void oracle_fmt_data(char *out, size_t size, const char *data, long len);
void oracle_list_begin(struct oracle_list *l);
void oracle_list_add(struct oracle_list *l, const char *name, unsigned type);
void oracle_list_format(struct oracle_list *l, char *out, size_t size);

#endif
