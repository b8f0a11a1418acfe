/*
 * Names on a FAT volume: long names are UCS-2 (UTF-16 with surrogate pairs) on disk
 * and UTF-8 in the VFS; short names are 8.3 upper-case ASCII with the NT lower-case
 * flags (bits 3 and 4 of byte 12), as Windows and Linux write them. Lookups compare
 * ASCII letters without case and everything else exactly. Short names of long names
 * follow the specification's basis-name rules: upper case, characters that a short
 * name cannot hold become '_' (lossy), spaces and leading periods go, up to 8 + 3
 * characters from around the last period, then a ~N tail (dir.c picks N).
 */
#include "fat_internal.h"

#include <string.h>

static bool forbidden(uint32_t c)
{
    return c < 0x20 || c == '"' || c == '*' || c == '/' || c == ':' || c == '<' || c == '>' ||
           c == '?' || c == '\\' || c == '|';
}

/* Decodes one UTF-8 character; returns its length or 0 if malformed. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *c)
{
    size_t n, i;
    uint32_t v, min;
    if (s[0] < 0x80) {
        *c = s[0];
        return 1;
    }
    if ((s[0] & 0xe0) == 0xc0)
        n = 2, v = s[0] & 0x1f, min = 0x80;
    else if ((s[0] & 0xf0) == 0xe0)
        n = 3, v = s[0] & 0x0f, min = 0x800;
    else if ((s[0] & 0xf8) == 0xf0)
        n = 4, v = s[0] & 0x07, min = 0x10000;
    else
        return 0;
    if (n > len)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v < 0xe000))
        return 0;
    *c = v;
    return n;
}

/* UTF-8 -> UCS-2 with Linux vfat's rules for trailing dots. */
int fat_name_to_ucs2(const char *name, size_t len, uint16_t *u, size_t *ulen)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t i = 0, n = 0, k;
    uint32_t c;
    while (len && s[len - 1] == '.')
        len--;
    if (len == 0)
        return -EINVAL;
    while (i < len) {
        k = utf8_decode(s + i, len - i, &c);
        if (k == 0 || forbidden(c))
            return -EINVAL;
        i += k;
        if (n + (c >= 0x10000 ? 2 : 1) > FAT_MAX_LFN)
            return -ENAMETOOLONG;
        if (c >= 0x10000) {
            c -= 0x10000;
            u[n++] = (uint16_t)(0xd800 | c >> 10);
            u[n++] = (uint16_t)(0xdc00 | (c & 0x3ff));
        } else {
            u[n++] = (uint16_t)c;
        }
    }
    *ulen = n;
    return 0;
}

static size_t put_utf8(uint32_t c, char *o)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xc0 | c >> 6);
        o[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xe0 | c >> 12);
        o[1] = (char)(0x80 | (c >> 6 & 0x3f));
        o[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | c >> 18);
    o[1] = (char)(0x80 | (c >> 12 & 0x3f));
    o[2] = (char)(0x80 | (c >> 6 & 0x3f));
    o[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

/* UCS-2 -> UTF-8; a lone surrogate becomes '?'. out has room for 3 * n + 1. */
size_t fat_ucs2_to_utf8(const uint16_t *u, size_t n, char *out)
{
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        uint32_t c = u[i];
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && u[i + 1] >= 0xdc00 && u[i + 1] < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (u[i + 1] - 0xdc00u);
            i++;
        } else if (c >= 0xd800 && c < 0xe000) {
            c = '?';
        }
        o += put_utf8(c, out + o);
    }
    out[o] = '\0';
    return o;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* ASCII case-insensitive equality. */
bool fat_name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i;
    if (alen != blen)
        return false;
    for (i = 0; i < alen; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

/* Appends the short-name bytes [from, to) of raw (trailing spaces dropped). */
static size_t short_part(const uint8_t *raw, size_t from, size_t to, bool low, char *out)
{
    size_t o = 0, i;
    while (to > from && raw[to - 1] == ' ')
        to--;
    for (i = from; i < to; i++) {
        uint32_t c = raw[i];
        if (i == 0 && c == 0x05)
            c = 0xe5;
        if (c < 0x20)
            c = '_';
        if (low && c < 0x80)
            c = (uint32_t)lower((char)c);
        o += put_utf8(c, out + o); /* bytes above 0x7f shown as Latin-1 */
    }
    return o;
}

/* The display name of a short entry. */
size_t fat_short_display(const uint8_t *raw, char *out)
{
    size_t o = short_part(raw, 0, 8, raw[12] & FAT_NTRES_LOWER_BASE, out);
    size_t e;
    char ext[8];
    e = short_part(raw, 8, 11, raw[12] & FAT_NTRES_LOWER_EXT, ext);
    if (e) {
        out[o++] = '.';
        memcpy(out + o, ext, e);
        o += e;
    }
    out[o] = '\0';
    return o;
}

/* The checksum of an 8.3 name that long-name slots carry. */
uint8_t fat_lfn_checksum(const uint8_t *short11)
{
    uint8_t sum = 0;
    int i;
    for (i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + short11[i]);
    return sum;
}

/* Maps one character to a short-name byte; sets *lossy when it changes meaning. */
static uint8_t short_char(uint16_t c, bool *lossy)
{
    if (c >= 'a' && c <= 'z')
        return (uint8_t)(c - 32);
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return (uint8_t)c;
    if (c < 0x80 && c > 0x20 && strchr("$%'-_@~`!(){}^#&", (char)c))
        return (uint8_t)c;
    *lossy = true;
    return '_';
}

/* Case of a part: bit 0 upper seen, bit 1 lower seen. */
static unsigned part_case(const uint16_t *u, size_t from, size_t to)
{
    unsigned m = 0;
    size_t i;
    for (i = from; i < to; i++) {
        if (u[i] >= 'A' && u[i] <= 'Z')
            m |= 1;
        else if (u[i] >= 'a' && u[i] <= 'z')
            m |= 2;
    }
    return m;
}

/* Fills out[0..max) from u[from, to) skipping spaces and periods; returns the count. */
static size_t fill_part(const uint16_t *u, size_t from, size_t to, uint8_t *out, size_t max,
                        bool *lossy)
{
    size_t i, o = 0;
    for (i = from; i < to; i++) {
        if (u[i] == ' ' || u[i] == '.') {
            *lossy = true;
            continue;
        }
        if (o == max) {
            *lossy = true;
            break;
        }
        out[o++] = short_char(u[i], lossy);
    }
    return o;
}

/* The 8.3 basis of a long name; 1 when the name fits 8.3 as it is. */
int fat_short_basis(const uint16_t *u, size_t n, uint8_t out[11], uint8_t *ntres)
{
    size_t start = 0, dot = n, i, nb;
    bool lossy = false;
    unsigned bc, ec;
    memset(out, ' ', 11);
    *ntres = 0;
    while (start < n && (u[start] == '.' || u[start] == ' '))
        start++;
    if (start > 0)
        lossy = true;
    for (i = n; i > start; i--)
        if (u[i - 1] == '.') {
            dot = i - 1;
            break;
        }
    nb = fill_part(u, start, dot, out, 8, &lossy);
    if (dot < n)
        fill_part(u, dot + 1, n, out + 8, 3, &lossy);
    if (nb == 0) {
        out[0] = '_';
        lossy = true;
    }
    if (lossy)
        return 0;
    bc = part_case(u, 0, dot);
    ec = dot < n ? part_case(u, dot + 1, n) : 0;
    if (bc == 3 || ec == 3)
        return 0;
    *ntres = (uint8_t)((bc == 2 ? FAT_NTRES_LOWER_BASE : 0) | (ec == 2 ? FAT_NTRES_LOWER_EXT : 0));
    return 1;
}

/* Puts ~n into the basis (the base shortened so that it fits in 8). */
void fat_short_tail(const uint8_t basis[11], uint32_t n, uint8_t out[11])
{
    char digits[12];
    size_t nd = 0, base = 0, i;
    memcpy(out, basis, 11);
    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (base < 8 && basis[base] != ' ')
        base++;
    if (base + 1 + nd > 8)
        base = 8 - 1 - nd;
    out[base] = '~';
    for (i = 0; i < nd; i++)
        out[base + 1 + i] = (uint8_t)digits[nd - 1 - i];
    for (i = base + 1 + nd; i < 8; i++)
        out[i] = ' ';
}
