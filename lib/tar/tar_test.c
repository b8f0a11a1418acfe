/*
 * Host unit tests for lib/tar (run under ASan and UBSan). Reads the archives that
 * lib/tar/make-test-archives.sh made with the host's tar (directory TAR_TEST_DATA, or
 * argv[1]), and archives built here header by header for the corner cases and the
 * corruptions. One "PASS name" or "FAIL name: reason" line per case; exits 0 iff all
 * passed.
 */
#include <capix/tar.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../tests/host/check.h"

#ifndef TAR_TEST_DATA
#define TAR_TEST_DATA "build/host/tests/tar-data"
#endif

static const char *data_dir = TAR_TEST_DATA;

static struct tar_entry entry; /* 8 KiB: not on the stack */

/* ---- archives from files ---- */

struct blob {
    unsigned char *data;
    size_t len;
};

static struct blob load(const char *name)
{
    struct blob b = {NULL, 0};
    char path[1024];
    FILE *f;
    long n;
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    f = fopen(path, "rb");
    if (!f)
        return b;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        b.data = malloc((size_t)n);
        if (b.data && fread(b.data, 1, (size_t)n, f) == (size_t)n)
            b.len = (size_t)n;
    }
    fclose(f);
    return b;
}

/* Reads every member; returns the count, or the error code if tar_next failed. */
static int count_entries(const void *buf, size_t len)
{
    struct tar_iter it;
    int n = 0, rc;
    tar_iter_init(&it, buf, len);
    while ((rc = tar_next(&it, &entry)) == 1)
        n++;
    return rc < 0 ? rc : n;
}

/* Walks the raw headers (simple reading, no checks): counts typeflags and prefixes. */
static void raw_scan(const struct blob *b, int *types, int *prefixed)
{
    size_t pos = 0;
    *prefixed = 0;
    memset(types, 0, 256 * sizeof *types);
    while (pos + 512 <= b->len && b->data[pos]) {
        const unsigned char *h = b->data + pos;
        unsigned long long size = strtoull((const char *)h + 124, NULL, 8);
        types[h[156]]++;
        if (memcmp(h + 257, "ustar", 6) == 0 && h[345])
            (*prefixed)++;
        if (h[156] >= '1' && h[156] <= '6')
            size = 0;
        pos += 512 + (size + 511) / 512 * 512;
    }
}

static char deep_path[256], long_path[512], long_target[256];

static void make_names(void)
{
    int i;
    deep_path[0] = long_path[0] = long_target[0] = '\0';
    for (i = 0; i < 15; i++)
        strcat(deep_path, "aaaaaaaaaa/");
    strcat(deep_path, "file-in-deep-dir.txt");
    for (i = 0; i < 18; i++)
        strcat(long_path, "verylongname");
    memcpy(long_path + 217, long_path, 216);
    long_path[216] = '/';
    long_path[433] = '\0';
    for (i = 0; i < 21; i++)
        strcat(long_target, "target/");
    strcat(long_target, "end");
}

/* Checks the members every generated archive has; prefix is "./" or "". */
static void check_common(const struct blob *b, const char *prefix)
{
    static unsigned char big[5000];
    char want_link[64];
    size_t i;
    struct tar_iter it;
    int rc;

    CHECK(b->data);
    CHECK_INT(tar_find(b->data, b->len, "hello.txt", &entry), 0);
    CHECK_INT(entry.type, TAR_FILE);
    CHECK_INT(entry.typeflag, '0');
    CHECK_INT(entry.size, 11);
    CHECK(memcmp(entry.data, "hello, tar\n", 11) == 0);
    CHECK_INT(entry.mode, 0644);
    CHECK_INT(entry.uid, 1234);
    CHECK_INT(entry.gid, 5678);
    CHECK_INT(entry.mtime, 1600000000);
    CHECK_INT(entry.name[0], prefix[0] ? '.' : 'h');

    CHECK_INT(tar_find(b->data, b->len, "/empty", &entry), 0);
    CHECK_INT(entry.type, TAR_FILE);
    CHECK_INT(entry.size, 0);
    CHECK_INT(entry.mode, 0600);

    CHECK_INT(tar_find(b->data, b->len, "./exact512", &entry), 0);
    CHECK_INT(entry.size, 512);
    for (i = 0; i < 512; i++)
        CHECK_INT(((const unsigned char *)entry.data)[i], 'a');

    CHECK_INT(tar_find(b->data, b->len, "big.bin", &entry), 0);
    CHECK_INT(entry.size, 5000);
    CHECK_INT(entry.mode, 0755);
    for (i = 0; i < sizeof big; i++)
        big[i] = (unsigned char)(i * 7 % 251);
    CHECK(memcmp(entry.data, big, sizeof big) == 0);

    CHECK_INT(tar_find(b->data, b->len, "dir", &entry), 0);
    CHECK_INT(entry.type, TAR_DIR);
    CHECK_INT(entry.size, 0);
    CHECK_INT(entry.mode, 0755);
    CHECK_INT(tar_find(b->data, b->len, "/dir/sub/", &entry), 0);
    CHECK_INT(entry.type, TAR_DIR);
    CHECK_INT(tar_find(b->data, b->len, "dir/sub/file.txt", &entry), 0);
    CHECK_INT(entry.size, 7);
    CHECK(memcmp(entry.data, "nested\n", 7) == 0);

    CHECK_INT(tar_find(b->data, b->len, deep_path, &entry), 0);
    CHECK_INT(strlen(entry.name), strlen(prefix) + strlen(deep_path));
    CHECK_INT(entry.size, 5);
    CHECK(memcmp(entry.data, "deep\n", 5) == 0);

    CHECK_INT(tar_find(b->data, b->len, "link", &entry), 0);
    CHECK_INT(entry.type, TAR_SYMLINK);
    CHECK_INT(entry.size, 0);
    CHECK_STR(entry.link_name, "hello.txt");

    CHECK_INT(tar_find(b->data, b->len, "xhard", &entry), 0);
    CHECK_INT(entry.type, TAR_HARDLINK);
    CHECK_INT(entry.size, 0);
    snprintf(want_link, sizeof want_link, "%shello.txt", prefix);
    CHECK_STR(entry.link_name, want_link);

    CHECK_INT(tar_find(b->data, b->len, "hello", &entry), TAR_ENOENT);
    CHECK_INT(tar_find(b->data, b->len, "hello.txt/x", &entry), TAR_ENOENT);
    CHECK_INT(tar_find(b->data, b->len, "dir/sub/file", &entry), TAR_ENOENT);

    /* Every member has the owner, group and time given to tar. */
    tar_iter_init(&it, b->data, b->len);
    while ((rc = tar_next(&it, &entry)) == 1) {
        if (entry.uid != 1234 || entry.gid != 5678 || entry.mtime != 1600000000) {
            fail(__LINE__, "%s: uid %llu gid %llu mtime %lld", entry.name,
                 (unsigned long long)entry.uid, (unsigned long long)entry.gid,
                 (long long)entry.mtime);
            return;
        }
    }
    CHECK_INT(rc, 0);
    CHECK_INT(tar_next(&it, &entry), 0); /* stays at the end */
}

static void test_ustar(void)
{
    struct blob b = load("ustar.tar");
    int types[256], prefixed;
    CHECK(b.data);
    raw_scan(&b, types, &prefixed);
    CHECK(prefixed > 0); /* the deep path needs the prefix field */
    check_common(&b, "./");
    CHECK_INT(count_entries(b.data, b.len), 26);
    CHECK_INT(tar_find(b.data, b.len, "/", &entry), 0);
    CHECK_STR(entry.name, "./");
    CHECK_INT(entry.type, TAR_DIR);
    CHECK_INT(tar_find(b.data, b.len, ".", &entry), 0);
    CHECK_STR(entry.name, "./");
    free(b.data);
}

static void test_gnu(void)
{
    struct blob b = load("gnu.tar");
    int types[256], prefixed;
    CHECK(b.data);
    raw_scan(&b, types, &prefixed);
    CHECK(types['L'] >= 2);
    CHECK(types['K'] >= 1);
    check_common(&b, "./");
    CHECK_INT(count_entries(b.data, b.len), 29);
    CHECK_INT(tar_find(b.data, b.len, long_path, &entry), 0);
    CHECK_INT(strlen(entry.name), 2 + strlen(long_path));
    CHECK_INT(entry.type, TAR_FILE);
    CHECK_INT(entry.size, 5);
    CHECK(memcmp(entry.data, "long\n", 5) == 0);
    CHECK_INT(tar_find(b.data, b.len, "longlink", &entry), 0);
    CHECK_INT(entry.type, TAR_SYMLINK);
    CHECK_STR(entry.link_name, long_target);
    free(b.data);
}

static void test_pax(void)
{
    struct blob b = load("pax.tar");
    int types[256], prefixed;
    CHECK(b.data);
    raw_scan(&b, types, &prefixed);
    CHECK(types['x'] >= 20);
    check_common(&b, "");
    CHECK_INT(count_entries(b.data, b.len), 28);
    CHECK_INT(tar_find(b.data, b.len, long_path, &entry), 0);
    CHECK_STR(entry.name, long_path);
    CHECK_INT(entry.size, 5);
    CHECK_INT(tar_find(b.data, b.len, "longlink", &entry), 0);
    CHECK_STR(entry.link_name, long_target);
    CHECK_INT(tar_find(b.data, b.len, "/", &entry), TAR_ENOENT);
    free(b.data);
}

/* Every prefix of every archive reads as a clean end or a truncation, never worse. */
static void test_truncations(void)
{
    static const char *const names[] = {"ustar.tar", "gnu.tar", "pax.tar"};
    size_t k, cut;
    for (k = 0; k < 3; k++) {
        struct blob b = load(names[k]);
        int full;
        CHECK(b.data);
        full = count_entries(b.data, b.len);
        CHECK(full > 0);
        for (cut = 0; cut < b.len; cut += (cut % 512 < 8 || cut % 512 > 504) ? 1 : 61) {
            unsigned char *copy = malloc(cut ? cut : 1);
            int n;
            memcpy(copy, b.data, cut);
            n = count_entries(copy, cut);
            free(copy);
            if (!(n == TAR_ETRUNC || n == TAR_EFORMAT || (n >= 0 && n <= full))) {
                free(b.data);
                fail(__LINE__, "%s cut at %zu: %d", names[k], cut, n);
                return;
            }
        }
        free(b.data);
    }
}

/* ---- archives built here ---- */

struct tb {
    unsigned char *data;
    size_t len, cap;
};

static void tb_grow(struct tb *b, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->data = realloc(b->data, b->cap);
        if (!b->data)
            abort();
    }
    memset(b->data + b->len, 0, n);
}

static void set_octal(unsigned char *f, size_t width, unsigned long long v)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%0*llo", (int)width - 1, v);
    memcpy(f, tmp, width - 1);
    f[width - 1] = '\0';
}

static void fix_checksum(unsigned char *h)
{
    unsigned sum = 0;
    int i;
    memset(h + 148, ' ', 8);
    for (i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

/* Appends a ustar header; returns its offset. */
static size_t tb_header(struct tb *b, const char *name, char type, unsigned long long size,
                        const char *link)
{
    size_t off = b->len;
    unsigned char *h;
    tb_grow(b, 512);
    h = b->data + off;
    memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
    set_octal(h + 100, 8, 0644);
    set_octal(h + 108, 8, 1);
    set_octal(h + 116, 8, 2);
    set_octal(h + 124, 12, size);
    set_octal(h + 136, 12, 1000);
    h[156] = (unsigned char)type;
    if (link)
        memcpy(h + 157, link, strlen(link) < 100 ? strlen(link) : 100);
    memcpy(h + 257,
           "ustar\0"
           "00",
           8);
    fix_checksum(h);
    b->len += 512;
    return off;
}

static void tb_data(struct tb *b, const void *d, size_t n)
{
    size_t padded = (n + 511) / 512 * 512;
    tb_grow(b, padded);
    memcpy(b->data + b->len, d, n);
    b->len += padded;
}

static void tb_file(struct tb *b, const char *name, const char *content)
{
    tb_header(b, name, '0', strlen(content), NULL);
    tb_data(b, content, strlen(content));
}

/* Appends a long-name ('L'/'K') or extended ('x'/'g') header with its data. */
static size_t tb_meta(struct tb *b, char type, const void *d, size_t n)
{
    size_t off = tb_header(b, type == 'x' ? "PaxHeaders/f" : "././@LongLink", type, n, NULL);
    tb_data(b, d, n);
    return off;
}

/* Formats one pax record "LEN key=value\n" into out; returns its length. */
static size_t pax_record(char *out, const char *kv)
{
    size_t body = strlen(kv) + 2, len = body + 1;
    while (snprintf(NULL, 0, "%zu", len) + body != len)
        len++;
    sprintf(out, "%zu %s\n", len, kv);
    return len;
}

static void tb_end(struct tb *b)
{
    tb_grow(b, 1024);
    b->len += 1024;
}

static void tb_reset(struct tb *b)
{
    b->len = 0;
}

static struct tb tb;

static void test_builder_basic(void)
{
    struct tar_iter it;
    tb_reset(&tb);
    tb_file(&tb, "a", "alpha");
    tb_header(&tb, "d/", '5', 0, NULL);
    tb_header(&tb, "s", '2', 0, "a");
    tb_file(&tb, "b", "bravo!");
    tb_end(&tb);
    tar_iter_init(&it, tb.data, tb.len);
    CHECK_INT(tar_next(&it, &entry), 1);
    CHECK_STR(entry.name, "a");
    CHECK_INT(entry.offset, 0);
    CHECK_INT(entry.uid, 1);
    CHECK_INT(entry.gid, 2);
    CHECK_INT(entry.mtime, 1000);
    CHECK(entry.data == tb.data + 512);
    CHECK_INT(tar_next(&it, &entry), 1);
    CHECK_INT(entry.type, TAR_DIR);
    CHECK_INT(entry.offset, 1024);
    CHECK_INT(tar_next(&it, &entry), 1);
    CHECK_INT(entry.type, TAR_SYMLINK);
    CHECK_STR(entry.link_name, "a");
    CHECK_INT(tar_next(&it, &entry), 1);
    CHECK_STR(entry.name, "b");
    CHECK(memcmp(entry.data, "bravo!", 6) == 0);
    CHECK_INT(tar_next(&it, &entry), 0);
    CHECK_INT(tar_next(&it, &entry), 0);
}

static void test_end_detection(void)
{
    tb_reset(&tb);
    tb_file(&tb, "a", "x");
    /* No end blocks at all. */
    CHECK_INT(count_entries(tb.data, tb.len), 1);
    /* One zero block, then the buffer ends. */
    tb_grow(&tb, 512);
    CHECK_INT(count_entries(tb.data, tb.len + 512), 1);
    /* A partial zero block at the end. */
    CHECK_INT(count_entries(tb.data, tb.len + 100), 1);
    /* A zero block ends the archive even if something follows it. */
    tb.len += 512;
    tb_file(&tb, "b", "y");
    CHECK_INT(count_entries(tb.data, tb.len), 1);
    /* The last member's padding may be missing. */
    tb_reset(&tb);
    tb_file(&tb, "a", "xyz");
    CHECK_INT(count_entries(tb.data, 512 + 3), 1);
    CHECK_INT(count_entries(tb.data, 512 + 2), TAR_ETRUNC);
    /* Trailing non-zero bytes shorter than a header. */
    tb.data[tb.len - 1] = 1;
    CHECK_INT(count_entries(tb.data, tb.len), 1);
    tb_grow(&tb, 100);
    tb.data[tb.len + 50] = 'x';
    CHECK_INT(count_entries(tb.data, tb.len + 100), TAR_ETRUNC);
    /* Nothing at all. */
    CHECK_INT(count_entries(NULL, 0), 0);
    CHECK_INT(count_entries(NULL, 1000), 0);
    CHECK_INT(count_entries(tb.data, 0), 0);
    CHECK_INT(tar_find(NULL, 0, "a", &entry), TAR_ENOENT);
}

static void test_bad_checksum(void)
{
    struct tar_iter it;
    size_t off;
    tb_reset(&tb);
    tb_file(&tb, "a", "x");
    off = tb_header(&tb, "b", '0', 1, NULL);
    tb_data(&tb, "y", 1);
    tb_file(&tb, "c", "z");
    tb_end(&tb);
    tb.data[off + 1] = 'Q'; /* name "bQ", checksum not updated */
    tar_iter_init(&it, tb.data, tb.len);
    CHECK_INT(tar_next(&it, &entry), 1);
    CHECK_INT(tar_next(&it, &entry), TAR_ECHECKSUM);
    CHECK_INT(tar_next(&it, &entry), TAR_ECHECKSUM); /* sticky */
    CHECK_INT(tar_find(tb.data, tb.len, "a", &entry), TAR_ECHECKSUM);
    /* A checksum field that is not a number. */
    fix_checksum(tb.data + off);
    CHECK_INT(count_entries(tb.data, tb.len), 3);
    memcpy(tb.data + off + 148, "12x4567", 7);
    CHECK_INT(count_entries(tb.data, tb.len), TAR_ECHECKSUM);
    /* Historic signed sums are accepted. */
    tb.data[off + 1] = 0xff;
    tb.data[off + 2] = 0xfe;
    {
        int sum = 0, i;
        memset(tb.data + off + 148, ' ', 8);
        for (i = 0; i < 512; i++)
            sum += (signed char)tb.data[off + i];
        snprintf((char *)tb.data + off + 148, 8, "%06o", sum);
    }
    CHECK_INT(count_entries(tb.data, tb.len), 3);
}

static void test_size_beyond_end(void)
{
    size_t off;
    tb_reset(&tb);
    tb_file(&tb, "a", "x");
    off = tb_header(&tb, "b", '0', 1, NULL);
    tb_data(&tb, "y", 1);
    tb_end(&tb);
    set_octal(tb.data + off + 124, 12, tb.len); /* more than is left */
    fix_checksum(tb.data + off);
    CHECK_INT(count_entries(tb.data, tb.len), TAR_ETRUNC);
    set_octal(tb.data + off + 124, 12, 077777777777ull);
    fix_checksum(tb.data + off);
    CHECK_INT(count_entries(tb.data, tb.len), TAR_ETRUNC);
    /* Exactly what is left is fine. */
    set_octal(tb.data + off + 124, 12, tb.len - off - 512);
    fix_checksum(tb.data + off);
    CHECK_INT(count_entries(tb.data, tb.len), 2);
}

static void test_bad_numbers(void)
{
    static const struct {
        size_t field, width;
        const char *text;
        int rc;
    } cases[] = {
        {100, 8, "0000649", TAR_EBADNUM},       /* mode: 9 is not octal */
        {100, 8, "06 44", TAR_EBADNUM},         /* junk after the terminator */
        {100, 8, "  644 ", 0},                  /* leading and trailing spaces */
        {100, 8, "\0\0\0\0\0\0\0", 0},          /* empty */
        {108, 8, "-000001", TAR_EBADNUM},       /* uid with a sign */
        {116, 8, "00x0002", TAR_EBADNUM},       /* gid */
        {124, 12, "0000000000z", TAR_EBADNUM},  /* size */
        {136, 12, "12345670123 ", 0},           /* mtime ended by a space */
        {136, 12, "12345678901a", TAR_EBADNUM}, /* mtime */
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t off, n = strlen(cases[i].text);
        int rc;
        tb_reset(&tb);
        off = tb_header(&tb, "f", '0', 0, NULL);
        tb_end(&tb);
        memset(tb.data + off + cases[i].field, 0, cases[i].width);
        memcpy(tb.data + off + cases[i].field, cases[i].text,
               n ? (n < cases[i].width ? n : cases[i].width) : cases[i].width);
        fix_checksum(tb.data + off);
        rc = count_entries(tb.data, tb.len);
        if (cases[i].rc ? rc != cases[i].rc : rc != 1) {
            fail(__LINE__, "case %zu (\"%s\"): got %d", i, cases[i].text, rc);
            return;
        }
    }
}

static void put_base256(unsigned char *f, size_t width, unsigned long long v, bool negative)
{
    size_t i;
    memset(f, negative ? 0xff : 0, width);
    for (i = 0; i < 8 && i < width; i++)
        f[width - 1 - i] = (unsigned char)(v >> (8 * i));
    f[0] = negative ? 0xff : 0x80;
}

static void test_base256(void)
{
    size_t off;
    tb_reset(&tb);
    off = tb_header(&tb, "f", '0', 5, NULL);
    tb_data(&tb, "hello", 5);
    tb_end(&tb);
    put_base256(tb.data + off + 124, 12, 5, false);
    put_base256(tb.data + off + 108, 8, 1ull << 40, false);
    put_base256(tb.data + off + 136, 12, (unsigned long long)-86400, true);
    fix_checksum(tb.data + off);
    CHECK_INT(tar_find(tb.data, tb.len, "f", &entry), 0);
    CHECK_INT(entry.size, 5);
    CHECK_INT(entry.uid, 1ull << 40);
    CHECK_INT(entry.mtime, -86400);
    CHECK(memcmp(entry.data, "hello", 5) == 0);
    /* A negative size or uid is malformed. */
    put_base256(tb.data + off + 124, 12, (unsigned long long)-5, true);
    fix_checksum(tb.data + off);
    CHECK_INT(count_entries(tb.data, tb.len), TAR_EBADNUM);
    put_base256(tb.data + off + 124, 12, 5, false);
    put_base256(tb.data + off + 108, 8, (unsigned long long)-1, true);
    fix_checksum(tb.data + off);
    CHECK_INT(count_entries(tb.data, tb.len), TAR_EBADNUM);
    /* More than 64 bits. */
    put_base256(tb.data + off + 108, 8, 1, false);
    tb.data[off + 124 + 3] = 1; /* bit 64 of the size */
    fix_checksum(tb.data + off);
    CHECK_INT(count_entries(tb.data, tb.len), TAR_EBADNUM);
    /* A base-256 size larger than the archive. */
    put_base256(tb.data + off + 124, 12, 1ull << 62, false);
    fix_checksum(tb.data + off);
    CHECK_INT(count_entries(tb.data, tb.len), TAR_ETRUNC);
    /* A base-256 mtime beyond int64. */
    put_base256(tb.data + off + 124, 12, 5, false);
    put_base256(tb.data + off + 136, 12, 1ull << 63, false);
    fix_checksum(tb.data + off);
    CHECK_INT(count_entries(tb.data, tb.len), TAR_EBADNUM);
}

static void test_gnu_long_names(void)
{
    static char name[TAR_PATH_MAX + 10];
    memset(name, 'n', sizeof name);
    /* 4095 bytes is the longest name. */
    tb_reset(&tb);
    tb_meta(&tb, 'L', name, TAR_PATH_MAX - 1);
    tb_meta(&tb, 'K', "target-of-link", 15);
    tb_header(&tb, "short", '2', 0, "short-link");
    tb_end(&tb);
    CHECK_INT(count_entries(tb.data, tb.len), 1);
    CHECK_INT(strlen(entry.name), TAR_PATH_MAX - 1);
    CHECK_STR(entry.link_name, "target-of-link");
    CHECK_INT(entry.offset, 0);
    /* The data of a GNU long name usually ends in NUL: it is cut there. */
    tb_reset(&tb);
    tb_meta(&tb, 'L', "abc\0def", 8);
    tb_file(&tb, "short", "x");
    tb_end(&tb);
    CHECK_INT(count_entries(tb.data, tb.len), 1);
    CHECK_STR(entry.name, "abc");
    /* 4096 bytes is too long, for names and link names. */
    tb_reset(&tb);
    tb_meta(&tb, 'L', name, TAR_PATH_MAX);
    tb_file(&tb, "short", "x");
    tb_end(&tb);
    CHECK_INT(count_entries(tb.data, tb.len), TAR_ENAMETOOLONG);
    tb_reset(&tb);
    tb_meta(&tb, 'K', name, TAR_PATH_MAX + 5);
    tb_header(&tb, "l", '2', 0, "x");
    tb_end(&tb);
    CHECK_INT(count_entries(tb.data, tb.len), TAR_ENAMETOOLONG);
    /* A long name with no member after it. */
    tb_reset(&tb);
    tb_meta(&tb, 'L', "lonely", 7);
    tb_end(&tb);
    CHECK_INT(count_entries(tb.data, tb.len), TAR_EFORMAT);
    /* A long name whose data runs past the end. */
    tb_reset(&tb);
    tb_meta(&tb, 'L', name, 1000);
    CHECK_INT(count_entries(tb.data, 512 + 999), TAR_ETRUNC);
    /* The long name applies to the next member only. */
    tb_reset(&tb);
    tb_meta(&tb, 'L', "first-long", 11);
    tb_file(&tb, "one", "1");
    tb_file(&tb, "two", "2");
    tb_end(&tb);
    CHECK_INT(tar_find(tb.data, tb.len, "first-long", &entry), 0);
    CHECK_INT(entry.offset, 0);
    CHECK(memcmp(entry.data, "1", 1) == 0);
    CHECK_INT(tar_find(tb.data, tb.len, "two", &entry), 0);
    CHECK_INT(tar_find(tb.data, tb.len, "one", &entry), TAR_ENOENT);
}

static void test_pax_records(void)
{
    char recs[8192];
    size_t n = 0;
    struct tar_iter it;
    static char longname[5000];
    n += pax_record(recs + n, "path=from/pax/header");
    n += pax_record(recs + n, "linkpath=pax-link");
    n += pax_record(recs + n, "size=5");
    n += pax_record(recs + n, "uid=4000000000");
    n += pax_record(recs + n, "gid=7");
    n += pax_record(recs + n, "mtime=-12.75");
    n += pax_record(recs + n, "comment=has = and\nnewline");
    n += pax_record(recs + n, "atime=1.5");
    tb_reset(&tb);
    tb_meta(&tb, 'g', "9 x=ignored", 11); /* global headers are skipped */
    tb_meta(&tb, 'x', recs, n);
    tb_header(&tb, "header-name", '0', 0, NULL); /* size 0 in the header, 5 in pax */
    tb_data(&tb, "12345", 5);
    tb_file(&tb, "after", "z");
    tb_end(&tb);
    tar_iter_init(&it, tb.data, tb.len);
    CHECK_INT(tar_next(&it, &entry), 1);
    CHECK_STR(entry.name, "from/pax/header");
    CHECK_STR(entry.link_name, "pax-link");
    CHECK_INT(entry.size, 5);
    CHECK(memcmp(entry.data, "12345", 5) == 0);
    CHECK_INT(entry.uid, 4000000000ull);
    CHECK_INT(entry.gid, 7);
    CHECK_INT(entry.mtime, -12);
    CHECK_INT(entry.offset, 0);
    CHECK_INT(tar_next(&it, &entry), 1);
    CHECK_STR(entry.name, "after"); /* pax values applied to one member only */
    CHECK_INT(entry.uid, 1);
    CHECK_INT(tar_next(&it, &entry), 0);

    /* pax wins over GNU long names, in either order; an empty value undoes a path. */
    n = pax_record(recs, "path=pax-name");
    tb_reset(&tb);
    tb_meta(&tb, 'L', "gnu-name", 9);
    tb_meta(&tb, 'x', recs, n);
    tb_meta(&tb, 'L', "gnu-again", 10);
    tb_file(&tb, "h", "x");
    tb_end(&tb);
    CHECK_INT(count_entries(tb.data, tb.len), 1);
    CHECK_STR(entry.name, "pax-name");
    n += pax_record(recs + n, "path=");
    tb_reset(&tb);
    tb_meta(&tb, 'x', recs, n);
    tb_file(&tb, "header", "x");
    tb_end(&tb);
    CHECK_INT(count_entries(tb.data, tb.len), 1);
    CHECK_STR(entry.name, "header");

    /* Long paths through pax: 4095 is fine, 4096 is too long. */
    memcpy(longname, "path=", 5);
    memset(longname + 5, 'p', TAR_PATH_MAX - 1);
    longname[5 + TAR_PATH_MAX - 1] = '\0';
    n = pax_record(recs, longname);
    tb_reset(&tb);
    tb_meta(&tb, 'x', recs, n);
    tb_file(&tb, "h", "x");
    tb_end(&tb);
    CHECK_INT(count_entries(tb.data, tb.len), 1);
    CHECK_INT(strlen(entry.name), TAR_PATH_MAX - 1);
    longname[5 + TAR_PATH_MAX - 1] = 'p';
    longname[5 + TAR_PATH_MAX] = '\0';
    n = pax_record(recs, longname);
    tb_reset(&tb);
    tb_meta(&tb, 'x', recs, n);
    tb_file(&tb, "h", "x");
    tb_end(&tb);
    CHECK_INT(count_entries(tb.data, tb.len), TAR_ENAMETOOLONG);

    /* GNU sparse files are reported as "other": their data is a map, not the file. */
    n = pax_record(recs, "GNU.sparse.major=1");
    tb_reset(&tb);
    tb_meta(&tb, 'x', recs, n);
    tb_file(&tb, "sparse", "map");
    tb_end(&tb);
    CHECK_INT(count_entries(tb.data, tb.len), 1);
    CHECK_INT(entry.type, TAR_OTHER);

    /* A pax size beyond the end of the archive. */
    n = pax_record(recs, "size=999999");
    tb_reset(&tb);
    tb_meta(&tb, 'x', recs, n);
    tb_file(&tb, "f", "x");
    tb_end(&tb);
    CHECK_INT(count_entries(tb.data, tb.len), TAR_ETRUNC);
}

static void test_pax_malformed(void)
{
    static const struct {
        const char *data;
        size_t len;
    } cases[] = {
        {"13 path=abc\n", 12},                    /* length says 13, the data holds 12 */
        {"12 path=abc\n", 11},                    /* record longer than the data */
        {"12 path=abcX", 12},                     /* no newline at the end */
        {"11 pathabc\n", 11},                     /* no '=' */
        {"7 =abc\n", 7},                          /* empty key */
        {"x2 path=abc\n", 12},                    /* length not a number */
        {"12path=abc\n", 11},                     /* no space after the length */
        {" 12 path=abc\n", 13},                   /* space before the length */
        {"3 \n", 3},                              /* too short */
        {"11 size=1x\n", 11},                     /* size not a number */
        {"11 size=-1\n", 11},                     /* negative size */
        {"8 size=\n", 8},                         /* empty size */
        {"29 size=99999999999999999999\n", 29},   /* size overflows */
        {"11 uid=1.5\n", 11},                     /* fraction where none is allowed */
        {"13 mtime=1.x\n", 13},                   /* junk after the fraction */
        {"12 path=a\0c\n", 12},                   /* NUL in a path */
        {"99999999999999999999999 path=x\n", 31}, /* huge length */
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc;
        tb_reset(&tb);
        tb_meta(&tb, 'x', cases[i].data, cases[i].len);
        tb_file(&tb, "f", "x");
        tb_end(&tb);
        rc = count_entries(tb.data, tb.len);
        if (rc != TAR_EPAX) {
            fail(__LINE__, "case %zu (\"%s\"): got %d", i, cases[i].data, rc);
            return;
        }
    }
    /* NUL padding after the last record is tolerated; an 'x' with no member is not. */
    tb_reset(&tb);
    tb_meta(&tb, 'x', "11 path=ok\n\0\0\0", 14);
    tb_file(&tb, "f", "x");
    tb_end(&tb);
    CHECK_INT(count_entries(tb.data, tb.len), 1);
    CHECK_STR(entry.name, "ok");
    tb_reset(&tb);
    tb_meta(&tb, 'x', "11 path=ok\n", 11);
    tb_end(&tb);
    CHECK_INT(count_entries(tb.data, tb.len), TAR_EFORMAT);
}

static void test_types(void)
{
    static const struct {
        char flag;
        const char *name;
        enum tar_type type;
        int has_data;
    } cases[] = {
        {'0', "file", TAR_FILE, 1},     {'\0', "oldfile", TAR_FILE, 1},
        {'\0', "olddir/", TAR_DIR, 1},  {'7', "contig", TAR_FILE, 1},
        {'1', "hard", TAR_HARDLINK, 0}, {'2', "sym", TAR_SYMLINK, 0},
        {'3', "chr", TAR_OTHER, 0},     {'4', "blk", TAR_OTHER, 0},
        {'5', "dir", TAR_DIR, 0},       {'6', "fifo", TAR_OTHER, 0},
        {'D', "dumpdir", TAR_DIR, 1},   {'S', "sparse", TAR_OTHER, 1},
        {'V', "volume", TAR_OTHER, 1},  {'Z', "unknown", TAR_OTHER, 1},
    };
    size_t i;
    struct tar_iter it;
    tb_reset(&tb);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* Each header claims 600 bytes; only types that carry data have them. */
        static char data[600];
        memset(data, 'd', sizeof data);
        tb_header(&tb, cases[i].name, cases[i].flag, sizeof data, NULL);
        if (cases[i].has_data)
            tb_data(&tb, data, sizeof data);
    }
    tb_end(&tb);
    tar_iter_init(&it, tb.data, tb.len);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = tar_next(&it, &entry);
        if (rc != 1 || strcmp(entry.name, cases[i].name) != 0 || entry.type != cases[i].type ||
            entry.typeflag != cases[i].flag || entry.size != (cases[i].has_data ? 600u : 0u)) {
            fail(__LINE__, "case %zu '%c': rc %d name %s type %d size %llu", i, cases[i].flag, rc,
                 rc == 1 ? entry.name : "-", (int)entry.type, (unsigned long long)entry.size);
            return;
        }
    }
    CHECK_INT(tar_next(&it, &entry), 0);
}

static void test_header_variants(void)
{
    size_t off;
    static char name100[101], prefix155[156], link100[101];
    memset(name100, 'n', 100);
    memset(prefix155, 'p', 155);
    memset(link100, 'l', 100);
    /* Full-width name, prefix and link name fields (not NUL-terminated). */
    tb_reset(&tb);
    off = tb_header(&tb, name100, '2', 0, link100);
    memcpy(tb.data + off + 345, prefix155, 155);
    fix_checksum(tb.data + off);
    tb_end(&tb);
    CHECK_INT(count_entries(tb.data, tb.len), 1);
    CHECK_INT(strlen(entry.name), 256);
    CHECK(memcmp(entry.name, prefix155, 155) == 0);
    CHECK_INT(entry.name[155], '/');
    CHECK(memcmp(entry.name + 156, name100, 100) == 0);
    CHECK_INT(strlen(entry.link_name), 100);
    /* GNU magic: the prefix area holds other things and is not part of the name. */
    memcpy(tb.data + off + 257, "ustar  \0", 8);
    fix_checksum(tb.data + off);
    CHECK_INT(count_entries(tb.data, tb.len), 1);
    CHECK_INT(strlen(entry.name), 100);
    /* Old (v7) headers have no magic at all. */
    memset(tb.data + off + 257, 0, 8);
    fix_checksum(tb.data + off);
    CHECK_INT(count_entries(tb.data, tb.len), 1);
    CHECK_INT(strlen(entry.name), 100);
    /* Mode bits beyond 07777 are dropped. */
    tb_reset(&tb);
    off = tb_header(&tb, "m", '0', 0, NULL);
    set_octal(tb.data + off + 100, 8, 0104755);
    fix_checksum(tb.data + off);
    tb_end(&tb);
    CHECK_INT(count_entries(tb.data, tb.len), 1);
    CHECK_INT(entry.mode, 04755);
}

static void test_find(void)
{
    tb_reset(&tb);
    tb_file(&tb, "./etc/passwd", "old");
    tb_header(&tb, "etc/", '5', 0, NULL);
    tb_file(&tb, "/bin/sh", "sh");
    tb_file(&tb, "etc/passwd", "new"); /* the later copy wins */
    tb_file(&tb, ".//./x", "x");
    tb_end(&tb);
    CHECK_INT(tar_find(tb.data, tb.len, "/etc/passwd", &entry), 0);
    CHECK(memcmp(entry.data, "new", 3) == 0);
    CHECK_STR(entry.name, "etc/passwd");
    CHECK_INT(tar_find(tb.data, tb.len, "etc", &entry), 0);
    CHECK_INT(entry.type, TAR_DIR);
    CHECK_INT(tar_find(tb.data, tb.len, "./etc/", &entry), 0);
    CHECK_INT(tar_find(tb.data, tb.len, "bin/sh", &entry), 0);
    CHECK(memcmp(entry.data, "sh", 2) == 0);
    CHECK_INT(tar_find(tb.data, tb.len, "//bin/sh", &entry), 0);
    CHECK_INT(tar_find(tb.data, tb.len, "x", &entry), 0);
    CHECK_INT(tar_find(tb.data, tb.len, "././/x", &entry), 0);
    CHECK_INT(tar_find(tb.data, tb.len, "bin", &entry), TAR_ENOENT);
    CHECK_INT(tar_find(tb.data, tb.len, "", &entry), TAR_ENOENT);
    CHECK_INT(tar_find(tb.data, tb.len, "etc/passw", &entry), TAR_ENOENT);
    CHECK_INT(tar_find(tb.data, tb.len, "etc/passwd/", &entry), 0);
    /* Corruption after a match still fails the lookup. */
    tb.data[tb.len - 1024] = 'J';
    CHECK_INT(tar_find(tb.data, tb.len, "/etc/passwd", &entry), TAR_ECHECKSUM);
}

static void test_strerror(void)
{
    CHECK_STR(tar_strerror(TAR_ECHECKSUM), "header checksum mismatch");
    CHECK_STR(tar_strerror(TAR_ENOENT), "no such entry");
    CHECK_STR(tar_strerror(1234), "unknown error");
}

static const struct check_case cases[] = {
    {"ustar", test_ustar},
    {"gnu", test_gnu},
    {"pax", test_pax},
    {"truncations", test_truncations},
    {"builder_basic", test_builder_basic},
    {"end_detection", test_end_detection},
    {"bad_checksum", test_bad_checksum},
    {"size_beyond_end", test_size_beyond_end},
    {"bad_numbers", test_bad_numbers},
    {"base256", test_base256},
    {"gnu_long_names", test_gnu_long_names},
    {"pax_records", test_pax_records},
    {"pax_malformed", test_pax_malformed},
    {"types", test_types},
    {"header_variants", test_header_variants},
    {"find", test_find},
    {"strerror", test_strerror},
};

int main(int argc, char **argv)
{
    if (argc > 1)
        data_dir = argv[1];
    make_names();
    int failed = check_run("tar", cases, sizeof cases / sizeof cases[0]);
    free(tb.data);
    return failed ? 1 : 0;
}
