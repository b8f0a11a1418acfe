/*
 * Reader for tar archives in memory (see lib/include/capix/tar.h for the formats).
 *
 * An archive is a sequence of 512-byte header blocks, each followed by its data padded
 * to a whole block. tar_next reads headers from it->pos: extended headers ('x'), GNU
 * long names ('L', 'K') and global headers ('g') only change the member that follows,
 * so it keeps reading until a member header and returns that member with everything
 * applied. Invariants: it->pos is a multiple of 512 or len, and never above len; no byte is
 * read outside buf[0..len); a field that is not NUL-terminated is read only to its
 * width; an error is remembered in it->error and returned from then on.
 */
#include <capix/tar.h>
#include <stdbool.h>
#include <string.h>

#define BLOCK 512

/* ustar header layout: offset and width of each field. */
#define H_NAME 0
#define H_NAME_LEN 100
#define H_MODE 100
#define H_UID 108
#define H_GID 116
#define H_SIZE 124
#define H_MTIME 136
#define H_CHKSUM 148
#define H_TYPEFLAG 156
#define H_LINKNAME 157
#define H_LINKNAME_LEN 100
#define H_MAGIC 257
#define H_PREFIX 345
#define H_PREFIX_LEN 155

/* What extended headers and long names said about the member that follows. */
struct pending {
    bool any;
    bool gnu_name, gnu_link; /* e->name / e->link_name hold a GNU long name */
    bool pax_name, pax_link; /* ... or a pax path / linkpath, which wins */
    bool pax_size, pax_uid, pax_gid, pax_mtime, pax_sparse;
    uint64_t size, uid, gid;
    int64_t mtime;
};

void tar_iter_init(struct tar_iter *it, const void *buf, size_t len)
{
    it->buf = buf;
    it->len = buf ? len : 0;
    it->pos = 0;
    it->error = 0;
    it->done = 0;
}

static bool all_zero(const unsigned char *p, size_t n)
{
    while (n--) {
        if (*p++)
            return false;
    }
    return true;
}

/*
 * Parses a numeric header field: octal digits (after optional spaces, ended by NUL or
 * space, nothing but NULs and spaces after), or base-256 when the first byte has its
 * top bit set (bit 6 of the first byte is then the sign of a two's-complement number).
 * An empty field is 0. Sets *out to the value as a two's-complement 64-bit number and
 * *negative for negative base-256 values.
 */
static int parse_number(const unsigned char *f, size_t n, uint64_t *out, bool *negative)
{
    uint64_t v = 0;
    size_t i = 0;
    *negative = false;
    if (f[0] & 0x80) {
        *negative = (f[0] & 0x40) != 0;
        v = *negative ? ~(uint64_t)0x3f | (f[0] & 0x3f) : (uint64_t)(f[0] & 0x3f);
        for (i = 1; i < n; i++) {
            if (*negative ? (v >> 55) != 0x1ff : (v >> 55) != 0)
                return TAR_EBADNUM;
            v = v << 8 | f[i];
        }
        *out = v;
        return 0;
    }
    while (i < n && f[i] == ' ')
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 61)
            return TAR_EBADNUM;
        v = v << 3 | (uint64_t)(f[i] - '0');
    }
    for (; i < n; i++) {
        if (f[i] != ' ' && f[i] != '\0')
            return TAR_EBADNUM;
    }
    *out = v;
    return 0;
}

static int parse_unsigned(const unsigned char *f, size_t n, uint64_t *out)
{
    bool negative;
    int rc = parse_number(f, n, out, &negative);
    if (rc == 0 && (negative || *out > INT64_MAX))
        rc = TAR_EBADNUM;
    return rc;
}

static int check_header(const unsigned char *h)
{
    uint64_t want, usum = 0;
    int64_t ssum = 0;
    bool negative;
    size_t i;
    if (parse_number(h + H_CHKSUM, 8, &want, &negative) || negative)
        return TAR_ECHECKSUM;
    /* The checksum counts its own field as spaces. Some old tars summed signed chars. */
    for (i = 0; i < BLOCK; i++) {
        unsigned char c = (i >= H_CHKSUM && i < H_CHKSUM + 8) ? ' ' : h[i];
        usum += c;
        ssum += (signed char)c;
    }
    if (want == usum || (ssum >= 0 && want == (uint64_t)ssum))
        return 0;
    return TAR_ECHECKSUM;
}

/* Returns the length of a field of width n that is NUL-terminated unless full. */
static size_t field_len(const unsigned char *f, size_t n)
{
    const unsigned char *nul = memchr(f, '\0', n);
    return nul ? (size_t)(nul - f) : n;
}

/* Copies a name of n bytes (cut at the first NUL) into dst[TAR_PATH_MAX]. */
static int set_name(char *dst, const unsigned char *src, size_t n)
{
    n = field_len(src, n);
    if (n >= TAR_PATH_MAX)
        return TAR_ENAMETOOLONG;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

/* Parses a pax decimal value ("123", or for mtime "-12.5"); fractions are dropped. */
static int pax_number(const unsigned char *s, size_t n, bool allow_sign_fraction, uint64_t *out,
                      bool *negative)
{
    uint64_t v = 0;
    size_t i = 0, digits = 0;
    *negative = false;
    if (allow_sign_fraction && n > 0 && s[0] == '-') {
        *negative = true;
        i++;
    }
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        if (v > (UINT64_MAX - 9) / 10)
            return TAR_EPAX;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (allow_sign_fraction && i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ;
    }
    if (digits == 0 || i != n || v > INT64_MAX)
        return TAR_EPAX;
    *out = v;
    return 0;
}

static bool key_is(const unsigned char *key, size_t n, const char *want)
{
    return strlen(want) == n && memcmp(key, want, n) == 0;
}

/* Applies one pax record's key and value. */
static int pax_apply(struct tar_entry *e, struct pending *pd, const unsigned char *key, size_t klen,
                     const unsigned char *val, size_t vlen)
{
    uint64_t v;
    bool negative;
    int rc;
    if (key_is(key, klen, "path") || key_is(key, klen, "linkpath")) {
        bool is_path = klen == 4;
        if (memchr(val, '\0', vlen))
            return TAR_EPAX;
        if (vlen == 0) { /* an empty value undoes an earlier one */
            if (is_path)
                pd->pax_name = false;
            else
                pd->pax_link = false;
            return 0;
        }
        rc = set_name(is_path ? e->name : e->link_name, val, vlen);
        if (rc)
            return rc;
        if (is_path)
            pd->pax_name = true;
        else
            pd->pax_link = true;
        return 0;
    }
    if (key_is(key, klen, "size") || key_is(key, klen, "uid") || key_is(key, klen, "gid")) {
        rc = pax_number(val, vlen, false, &v, &negative);
        if (rc)
            return rc;
        if (key[0] == 's') {
            pd->size = v;
            pd->pax_size = true;
        } else if (key[0] == 'u') {
            pd->uid = v;
            pd->pax_uid = true;
        } else {
            pd->gid = v;
            pd->pax_gid = true;
        }
        return 0;
    }
    if (key_is(key, klen, "mtime")) {
        rc = pax_number(val, vlen, true, &v, &negative);
        if (rc)
            return rc;
        pd->mtime = negative ? -(int64_t)v : (int64_t)v;
        pd->pax_mtime = true;
        return 0;
    }
    if (klen >= 11 && memcmp(key, "GNU.sparse.", 11) == 0)
        pd->pax_sparse = true;
    return 0; /* other keywords do not matter here */
}

/* Parses the records "LEN KEY=VALUE\n" of a pax extended header. */
static int pax_parse(struct tar_entry *e, struct pending *pd, const unsigned char *d, size_t n)
{
    size_t off = 0;
    while (off < n) {
        const unsigned char *rec = d + off, *eq;
        size_t left = n - off, len = 0, i = 0;
        int rc;
        /* GNU tar pads the header's data with NULs after the last record. */
        if (rec[0] == '\0' && all_zero(rec, left))
            return 0;
        for (; i < left && rec[i] >= '0' && rec[i] <= '9'; i++) {
            len = len * 10 + (size_t)(rec[i] - '0');
            if (len > left)
                return TAR_EPAX;
        }
        if (i == 0 || i >= left || rec[i] != ' ' || len < i + 3 || rec[len - 1] != '\n')
            return TAR_EPAX;
        eq = memchr(rec + i + 1, '=', len - i - 2);
        if (!eq || eq == rec + i + 1)
            return TAR_EPAX;
        rc = pax_apply(e, pd, rec + i + 1, (size_t)(eq - rec) - i - 1, eq + 1,
                       (size_t)(rec + len - 1 - eq - 1));
        if (rc)
            return rc;
        off += len;
    }
    return 0;
}

static bool header_only_type(char t)
{
    return t == '1' || t == '2' || t == '3' || t == '4' || t == '5' || t == '6';
}

/* Fills e from the member header h (with pending overrides applied). */
static int read_member(struct tar_entry *e, const struct pending *pd, const unsigned char *h)
{
    uint64_t mode, uid, gid, mtime;
    bool negative;
    int rc;
    size_t n;

    if ((rc = parse_unsigned(h + H_MODE, 8, &mode)) || (rc = parse_unsigned(h + H_UID, 8, &uid)) ||
        (rc = parse_unsigned(h + H_GID, 8, &gid)) ||
        (rc = parse_number(h + H_MTIME, 12, &mtime, &negative)))
        return rc;
    if (!negative && mtime > INT64_MAX)
        return TAR_EBADNUM;
    e->typeflag = (char)h[H_TYPEFLAG];
    e->mode = (uint32_t)(mode & 07777);
    e->uid = pd->pax_uid ? pd->uid : uid;
    e->gid = pd->pax_gid ? pd->gid : gid;
    e->mtime = pd->pax_mtime ? pd->mtime : (int64_t)mtime;

    if (!pd->pax_name && !pd->gnu_name) {
        char *d = e->name;
        /* POSIX ustar (also pax) splits long names into prefix "/" name; GNU does not. */
        if (memcmp(h + H_MAGIC, "ustar", 6) == 0 && h[H_PREFIX]) {
            n = field_len(h + H_PREFIX, H_PREFIX_LEN);
            memcpy(d, h + H_PREFIX, n);
            d += n;
            *d++ = '/';
        }
        n = field_len(h + H_NAME, H_NAME_LEN);
        memcpy(d, h + H_NAME, n);
        d[n] = '\0';
    }
    if (!pd->pax_link && !pd->gnu_link) {
        n = field_len(h + H_LINKNAME, H_LINKNAME_LEN);
        memcpy(e->link_name, h + H_LINKNAME, n);
        e->link_name[n] = '\0';
    }

    switch (e->typeflag) {
    case '0':
    case '\0':
        n = strlen(e->name);
        e->type = n > 0 && e->name[n - 1] == '/' ? TAR_DIR : TAR_FILE;
        break;
    case '7':
        e->type = TAR_FILE;
        break;
    case '1':
        e->type = TAR_HARDLINK;
        break;
    case '2':
        e->type = TAR_SYMLINK;
        break;
    case '5':
    case 'D':
        e->type = TAR_DIR;
        break;
    default:
        e->type = TAR_OTHER;
        break;
    }
    if (pd->pax_sparse)
        e->type = TAR_OTHER; /* the data is a sparse map, not the file */
    return 0;
}

/* Moves it->pos past a header at data_off - BLOCK and its size bytes of data. */
static void skip_data(struct tar_iter *it, size_t data_off, uint64_t size)
{
    size_t end = data_off + (size_t)size;
    size_t pad = (BLOCK - (size_t)size % BLOCK) % BLOCK;
    /* The last member's padding may be missing at the end of the buffer. */
    it->pos = pad <= it->len - end ? end + pad : it->len;
}

static int next_entry(struct tar_iter *it, struct tar_entry *e)
{
    struct pending pd;
    size_t start = it->pos;
    memset(&pd, 0, sizeof pd);
    for (;;) {
        size_t left = it->len - it->pos, data_off;
        const unsigned char *h = it->buf + it->pos;
        uint64_t size;
        char type;
        int rc;

        if (left == 0 || all_zero(h, left < BLOCK ? left : BLOCK)) {
            if (pd.any)
                return TAR_EFORMAT; /* an extended header or long name with no member */
            it->done = 1;
            return 0;
        }
        if (left < BLOCK)
            return TAR_ETRUNC;
        rc = check_header(h);
        if (rc)
            return rc;
        rc = parse_unsigned(h + H_SIZE, 12, &size);
        if (rc)
            return rc;
        type = (char)h[H_TYPEFLAG];
        data_off = it->pos + BLOCK;

        if (type == 'L' || type == 'K' || type == 'x' || type == 'g') {
            const unsigned char *d = it->buf + data_off;
            if (size > it->len - data_off)
                return TAR_ETRUNC;
            if (type == 'L' && !pd.pax_name) {
                rc = set_name(e->name, d, (size_t)size);
                pd.gnu_name = true;
            } else if (type == 'K' && !pd.pax_link) {
                rc = set_name(e->link_name, d, (size_t)size);
                pd.gnu_link = true;
            } else if (type == 'x') {
                rc = pax_parse(e, &pd, d, (size_t)size);
            }
            if (rc)
                return rc;
            pd.any = pd.any || type != 'g';
            skip_data(it, data_off, size);
            continue;
        }

        if (pd.pax_size)
            size = pd.size;
        if (header_only_type(type))
            size = 0;
        if (size > it->len - data_off)
            return TAR_ETRUNC;
        rc = read_member(e, &pd, h);
        if (rc)
            return rc;
        e->size = size;
        e->data = it->buf + data_off;
        e->offset = start;
        skip_data(it, data_off, size);
        return 1;
    }
}

int tar_next(struct tar_iter *it, struct tar_entry *e)
{
    int rc;
    if (it->error)
        return it->error;
    if (it->done)
        return 0;
    rc = next_entry(it, e);
    if (rc < 0)
        it->error = rc;
    return rc;
}

/* Finds the part of path that names a member: no leading "/" or "./", no trailing "/". */
static const char *normalize(const char *path, size_t *len)
{
    size_t n;
    for (;;) {
        if (path[0] == '/')
            path++;
        else if (path[0] == '.' && path[1] == '/')
            path += 2;
        else
            break;
    }
    n = strlen(path);
    if (n == 1 && path[0] == '.')
        n = 0;
    while (n > 0 && path[n - 1] == '/')
        n--;
    *len = n;
    return path;
}

int tar_find(const void *buf, size_t len, const char *path, struct tar_entry *e)
{
    struct tar_iter it, before, found;
    size_t want_len;
    const char *want = normalize(path, &want_len);
    bool have = false;
    int rc;

    tar_iter_init(&it, buf, len);
    for (;;) {
        const char *name;
        size_t name_len;
        before = it;
        rc = tar_next(&it, e);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        name = normalize(e->name, &name_len);
        if (name_len == want_len && memcmp(name, want, want_len) == 0) {
            found = before;
            have = true;
        }
    }
    if (!have)
        return TAR_ENOENT;
    rc = tar_next(&found, e);
    return rc == 1 ? 0 : (rc < 0 ? rc : TAR_EFORMAT);
}

const char *tar_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
    case TAR_ECHECKSUM:
        return "header checksum mismatch";
    case TAR_ETRUNC:
        return "archive truncated: header or data beyond the end";
    case TAR_EBADNUM:
        return "bad numeric field in header";
    case TAR_ENAMETOOLONG:
        return "name too long";
    case TAR_EPAX:
        return "malformed pax extended header";
    case TAR_EFORMAT:
        return "malformed archive";
    case TAR_ENOENT:
        return "no such entry";
    default:
        return "unknown error";
    }
}
