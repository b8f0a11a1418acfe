/*
 * Parser for the capix configuration format (docs/config.md).
 *
 * One pass over the text with one token of lookahead and no recursion: open blocks
 * are followed through parent pointers, and the last child of each open block sits in
 * a stack bounded by CFG_MAX_DEPTH. Everything the tree holds is copied into the
 * caller's arena. For each node the node struct is allocated first, then one value
 * struct per value (so the values form one array, since nothing else is allocated in
 * between), and only when the node's values are complete are its name, keys and
 * values copied or decoded into the arena; until then a value's key and text point
 * at the token in the source and are lexed again for the copy. On any error
 * arena->used is restored and *err says where and what was expected.
 */
#include <capix/config.h>
#include <stdbool.h>
#include <string.h>

enum tok_kind {
    TOK_EOF,
    TOK_NEWLINE,
    TOK_SEMI,
    TOK_LBRACE,
    TOK_RBRACE,
    TOK_EQUALS,
    TOK_WORD,
    TOK_STRING,
};

struct token {
    enum tok_kind kind;
    size_t start, end; /* bytes of the token in the source; strings include the quotes */
    unsigned line, col;
};

struct parser {
    const char *text;
    size_t len, pos;
    unsigned line, col; /* position of text[pos] */
    const char *file;   /* the copy in the arena, or the caller's name before it exists */
    struct cfg_arena *arena;
    struct cfg_error *err;
    struct token pending;
    bool have_pending;
};

#define DESCRIBE_MAX 48 /* room for "'" + a word cut to 32 bytes + "...'" */

/* ---- formatting (shared by parse errors, cfg_error_at and cfg_format_error) ---- */

struct out {
    char *buf;
    size_t size, len; /* len counts what fitted; buf[len] is kept NUL */
    bool truncated;
};

static void out_char(struct out *o, char c)
{
    if (o->len + 1 < o->size) {
        o->buf[o->len++] = c;
        o->buf[o->len] = '\0';
    } else {
        o->truncated = true;
    }
}

static void out_str(struct out *o, const char *s)
{
    if (!s)
        s = "(null)";
    while (*s)
        out_char(o, *s++);
}

static void out_unsigned(struct out *o, unsigned long long v, unsigned base)
{
    char digits[24];
    unsigned n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n)
        out_char(o, digits[--n]);
}

static void out_vformat(struct out *o, const char *fmt, va_list ap)
{
    while (*fmt) {
        const char *start = fmt;
        int size = 0; /* 0 int, 1 long, 2 long long, 3 size_t */
        if (*fmt != '%') {
            out_char(o, *fmt++);
            continue;
        }
        fmt++;
        if (*fmt == 'l') {
            size = 1;
            fmt++;
            if (*fmt == 'l') {
                size = 2;
                fmt++;
            }
        } else if (*fmt == 'z') {
            size = 3;
            fmt++;
        }
        switch (*fmt) {
        case 's':
            out_str(o, va_arg(ap, const char *));
            break;
        case 'c':
            out_char(o, (char)va_arg(ap, int));
            break;
        case '%':
            out_char(o, '%');
            break;
        case 'd':
        case 'i': {
            long long v;
            if (size == 1)
                v = va_arg(ap, long);
            else if (size == 2)
                v = va_arg(ap, long long);
            else if (size == 3)
                v = (long long)va_arg(ap, size_t);
            else
                v = va_arg(ap, int);
            if (v < 0) {
                out_char(o, '-');
                out_unsigned(o, (unsigned long long)-(v + 1) + 1, 10);
            } else {
                out_unsigned(o, (unsigned long long)v, 10);
            }
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long v;
            if (size == 1)
                v = va_arg(ap, unsigned long);
            else if (size == 2)
                v = va_arg(ap, unsigned long long);
            else if (size == 3)
                v = va_arg(ap, size_t);
            else
                v = va_arg(ap, unsigned);
            out_unsigned(o, v, *fmt == 'x' ? 16 : 10);
            break;
        }
        default:
            /* Unknown directive: copy it as written and stop interpreting it. */
            while (start < fmt)
                out_char(o, *start++);
            if (!*fmt)
                return;
            out_char(o, *fmt);
            break;
        }
        fmt++;
    }
}

static void out_init(struct out *o, char *buf, size_t size)
{
    o->buf = buf;
    o->size = size;
    o->len = 0;
    o->truncated = false;
    if (size)
        buf[0] = '\0';
}

static void set_error(struct cfg_error *err, const char *file, unsigned line, unsigned col,
                      const char *fmt, va_list ap)
{
    struct out o;
    err->file = file;
    err->line = line;
    err->col = col;
    out_init(&o, err->msg, sizeof err->msg);
    out_vformat(&o, fmt, ap);
}

static int syntax_error(struct parser *p, unsigned line, unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error(p->err, p->file, line, col, fmt, ap);
    va_end(ap);
    return CFG_ESYNTAX;
}

static int arena_full(struct parser *p, unsigned line, unsigned col)
{
    syntax_error(p, line, col, "arena full: the configuration needs more than %zu bytes",
                 p->arena->size);
    return CFG_ENOMEM;
}

/* ---- characters and tokens ---- */

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool is_control(unsigned char c)
{
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

static bool is_word_char(unsigned char c)
{
    return !is_space(c) && !is_control(c) && c != '\n' && c != '{' && c != '}' && c != ';' &&
           c != '"' && c != '#' && c != '=';
}

static int hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Consumes one byte, keeping line and column (columns count UTF-8 characters). */
static void advance(struct parser *p)
{
    unsigned char c = (unsigned char)p->text[p->pos++];
    if (c == '\n') {
        p->line++;
        p->col = 1;
    } else if ((c & 0xc0) != 0x80) {
        p->col++;
    }
}

static size_t word_end(const struct parser *p, size_t pos)
{
    while (pos < p->len && is_word_char((unsigned char)p->text[pos]))
        pos++;
    return pos;
}

static int lex_string(struct parser *p, struct token *t)
{
    advance(p); /* the opening quote */
    for (;;) {
        unsigned line = p->line, col = p->col;
        unsigned char c;
        if (p->pos == p->len)
            return syntax_error(p, t->line, t->col,
                                "unterminated string: expected '\"', found end of file");
        c = (unsigned char)p->text[p->pos];
        if (c == '\n')
            return syntax_error(p, t->line, t->col,
                                "unterminated string: expected '\"' before the end of the line");
        if (c == '"') {
            advance(p);
            return 0;
        }
        if (is_control(c))
            return syntax_error(p, line, col, "unexpected control character (byte 0x%x) in string",
                                c);
        advance(p);
        if (c != '\\')
            continue;
        if (p->pos == p->len)
            return syntax_error(p, t->line, t->col,
                                "unterminated string: expected '\"', found end of file");
        c = (unsigned char)p->text[p->pos];
        if (c == '\\' || c == '"' || c == 'n' || c == 't') {
            advance(p);
        } else if (c == 'x') {
            int hi, lo;
            advance(p);
            hi = p->pos < p->len ? hex_digit((unsigned char)p->text[p->pos]) : -1;
            lo = p->pos + 1 < p->len ? hex_digit((unsigned char)p->text[p->pos + 1]) : -1;
            if (hi < 0 || lo < 0)
                return syntax_error(p, line, col, "expected two hex digits after '\\x' in string");
            if (hi == 0 && lo == 0)
                return syntax_error(p, line, col, "'\\x00' is not allowed in strings");
            advance(p);
            advance(p);
        } else if (c == '\n' || is_control(c)) {
            return syntax_error(p, line, col,
                                "expected an escape after '\\' in string, found the end of "
                                "the line or a control character");
        } else {
            return syntax_error(p, line, col,
                                "unknown escape '\\%c' in string; known are \\\\ \\\" \\n \\t "
                                "\\xHH",
                                (char)c);
        }
    }
}

static int lex(struct parser *p, struct token *t)
{
    unsigned char c;
    for (;;) {
        while (p->pos < p->len && is_space((unsigned char)p->text[p->pos]))
            advance(p);
        if (p->pos < p->len && p->text[p->pos] == '#') {
            while (p->pos < p->len && p->text[p->pos] != '\n')
                advance(p);
            continue;
        }
        break;
    }
    t->line = p->line;
    t->col = p->col;
    t->start = p->pos;
    if (p->pos == p->len) {
        t->kind = TOK_EOF;
        t->end = p->pos;
        return 0;
    }
    c = (unsigned char)p->text[p->pos];
    switch (c) {
    case '\n':
        t->kind = TOK_NEWLINE;
        break;
    case ';':
        t->kind = TOK_SEMI;
        break;
    case '{':
        t->kind = TOK_LBRACE;
        break;
    case '}':
        t->kind = TOK_RBRACE;
        break;
    case '=':
        t->kind = TOK_EQUALS;
        break;
    case '"': {
        int rc;
        t->kind = TOK_STRING;
        rc = lex_string(p, t);
        t->end = p->pos;
        return rc;
    }
    default:
        if (is_control(c))
            return syntax_error(p, t->line, t->col, "unexpected control character (byte 0x%x)", c);
        t->kind = TOK_WORD;
        while (p->pos < p->len && is_word_char((unsigned char)p->text[p->pos]))
            advance(p);
        t->end = p->pos;
        return 0;
    }
    advance(p);
    t->end = p->pos;
    return 0;
}

static int next_token(struct parser *p, struct token *t)
{
    if (p->have_pending) {
        *t = p->pending;
        p->have_pending = false;
        return 0;
    }
    return lex(p, t);
}

static void push_back(struct parser *p, const struct token *t)
{
    p->pending = *t;
    p->have_pending = true;
}

/* Copies t's text into buf from o on, cut to 32 bytes plus "..."; returns the new end. */
static size_t put_clipped(const struct parser *p, const struct token *t, char *buf, size_t o)
{
    size_t i, n = t->end - t->start;
    for (i = 0; i < n && i < 32; i++)
        buf[o++] = p->text[t->start + i];
    if (i < n) {
        buf[o++] = '.';
        buf[o++] = '.';
        buf[o++] = '.';
    }
    buf[o] = '\0';
    return o;
}

/* Writes a short description of t for "found ..." into buf[DESCRIBE_MAX]. */
static const char *describe(const struct parser *p, const struct token *t, char *buf)
{
    static const char *const fixed[] = {
        [TOK_EOF] = "end of file", [TOK_NEWLINE] = "end of line", [TOK_SEMI] = "';'",
        [TOK_LBRACE] = "'{'",      [TOK_RBRACE] = "'}'",          [TOK_EQUALS] = "'='",
    };
    size_t o;
    if (t->kind == TOK_STRING) {
        memcpy(buf, "string ", 7);
        put_clipped(p, t, buf, 7);
        return buf;
    }
    if (t->kind != TOK_WORD)
        return fixed[t->kind];
    buf[0] = '\'';
    o = put_clipped(p, t, buf, 1);
    buf[o++] = '\'';
    buf[o] = '\0';
    return buf;
}

/* ---- the arena ---- */

static void *arena_alloc(struct cfg_arena *a, size_t size, size_t align)
{
    uintptr_t at;
    size_t pad;
    if (!a->base || a->used > a->size)
        return NULL;
    at = (uintptr_t)a->base + a->used;
    pad = (align - (at & (align - 1))) & (align - 1);
    if (pad > a->size - a->used || size > a->size - a->used - pad)
        return NULL;
    at = a->used + pad;
    a->used = at + size;
    return a->base + at;
}

static char *copy_bytes(struct parser *p, const char *s, size_t n)
{
    char *d = arena_alloc(p->arena, n + 1, 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *copy_word(struct parser *p, const char *s)
{
    size_t start = (size_t)(s - p->text);
    return copy_bytes(p, s, word_end(p, start) - start);
}

/* Decodes the string token starting at s (already validated by lex_string). */
static char *copy_string(struct parser *p, const char *s)
{
    const char *end = p->text + p->len;
    const char *q = s + 1;
    size_t raw = 0, n = 0;
    char *d;
    /* The decoded text is never longer than the bytes between the quotes. */
    while (q + raw < end && q[raw] != '"')
        raw += q[raw] == '\\' ? 2 : 1;
    d = arena_alloc(p->arena, raw + 1, 1);
    if (!d)
        return NULL;
    while (*q != '"') {
        char c = *q++;
        if (c == '\\') {
            c = *q++;
            if (c == 'n') {
                c = '\n';
            } else if (c == 't') {
                c = '\t';
            } else if (c == 'x') {
                c = (char)(hex_digit((unsigned char)q[0]) << 4 | hex_digit((unsigned char)q[1]));
                q += 2;
            }
        }
        d[n++] = c;
    }
    d[n] = '\0';
    p->arena->used -= raw - n; /* give back what the escapes saved */
    return d;
}

/* ---- nodes ---- */

static int copy_node_strings(struct parser *p, struct cfg_node *node)
{
    unsigned i, j;
    node->name = copy_word(p, node->name);
    if (!node->name)
        return arena_full(p, node->line, node->col);
    for (i = 0; i < node->nvalues; i++) {
        struct cfg_value *v = &node->values[i];
        if (v->key) {
            v->key = copy_word(p, v->key);
            if (!v->key)
                return arena_full(p, v->line, v->col);
        }
        v->text = *v->text == '"' ? copy_string(p, v->text) : copy_word(p, v->text);
        if (!v->text)
            return arena_full(p, v->line, v->col);
        if (!v->key)
            continue;
        for (j = 0; j < i; j++) {
            if (node->values[j].key && strcmp(node->values[j].key, v->key) == 0)
                return syntax_error(p, v->line, v->col,
                                    "property '%s' given twice in '%s' (first at column %u)",
                                    v->key, node->name, node->values[j].col);
        }
    }
    return 0;
}

static int add_value(struct parser *p, struct cfg_node *node, const struct token *key,
                     const struct token *text)
{
    const struct token *at = key ? key : text;
    struct cfg_value *v = arena_alloc(p->arena, sizeof *v, _Alignof(struct cfg_value));
    if (!v)
        return arena_full(p, at->line, at->col);
    if (!node->values)
        node->values = v;
    v->key = key ? p->text + key->start : NULL;
    v->text = p->text + text->start;
    v->line = at->line;
    v->col = at->col;
    node->nvalues++;
    return 0;
}

/*
 * Parses one node from its name token to its terminator and links it under parent
 * (after *tail). Sets *opened if the node opens a block, in which case its children
 * follow. depth is the number of blocks open around the node.
 */
static int parse_node(struct parser *p, const struct token *name, struct cfg_node *parent,
                      struct cfg_node **tail, unsigned depth, bool *opened)
{
    char buf[DESCRIBE_MAX];
    struct cfg_node *node = arena_alloc(p->arena, sizeof *node, _Alignof(struct cfg_node));
    struct token t, u, v;
    int rc;
    if (!node)
        return arena_full(p, name->line, name->col);
    memset(node, 0, sizeof *node);
    node->name = p->text + name->start;
    node->file = p->file;
    node->line = name->line;
    node->col = name->col;
    node->parent = parent;
    if (*tail)
        (*tail)->next = node;
    else
        parent->children = node;
    *tail = node;
    *opened = false;

    for (;;) {
        rc = next_token(p, &t);
        if (rc)
            return rc;
        if (t.kind == TOK_WORD) {
            rc = next_token(p, &u);
            if (rc)
                return rc;
            if (u.kind != TOK_EQUALS) {
                push_back(p, &u);
                rc = add_value(p, node, NULL, &t);
            } else {
                rc = next_token(p, &v);
                if (rc)
                    return rc;
                if (v.kind != TOK_WORD && v.kind != TOK_STRING) {
                    char key[DESCRIBE_MAX];
                    put_clipped(p, &t, key, 0);
                    return syntax_error(p, v.line, v.col, "expected a value after '%s=', found %s",
                                        key, describe(p, &v, buf));
                }
                rc = add_value(p, node, &t, &v);
            }
        } else if (t.kind == TOK_STRING) {
            rc = add_value(p, node, NULL, &t);
        } else if (t.kind == TOK_EQUALS) {
            if (node->nvalues == 0)
                return syntax_error(p, t.line, t.col,
                                    "expected a value after node name %s, found '='; a property "
                                    "needs a node name before it, as in 'option key=value'",
                                    describe(p, name, buf));
            return syntax_error(p, t.line, t.col,
                                "expected a value, found '='; a property is KEY=VALUE where KEY "
                                "is a word");
        } else if (t.kind == TOK_LBRACE) {
            if (depth >= CFG_MAX_DEPTH)
                return syntax_error(p, t.line, t.col, "blocks nested deeper than %u levels",
                                    (unsigned)CFG_MAX_DEPTH);
            *opened = true;
            break;
        } else if (t.kind == TOK_NEWLINE || t.kind == TOK_SEMI) {
            break;
        } else { /* '}' or end of file: the enclosing loop deals with it */
            push_back(p, &t);
            break;
        }
        if (rc)
            return rc;
    }
    return copy_node_strings(p, node);
}

/* After a '}': the node it closes ends there, so only a separator or '}' may follow. */
static int after_block(struct parser *p, const struct cfg_node *closed)
{
    char buf[DESCRIBE_MAX];
    struct token t;
    int rc = next_token(p, &t);
    if (rc)
        return rc;
    if (t.kind == TOK_WORD || t.kind == TOK_STRING || t.kind == TOK_LBRACE || t.kind == TOK_EQUALS)
        return syntax_error(p, t.line, t.col,
                            "expected end of line or ';' after the '}' closing '%s', found %s",
                            closed->name, describe(p, &t, buf));
    push_back(p, &t);
    return 0;
}

int cfg_parse(const char *file, const char *text, size_t len, struct cfg_arena *arena,
              struct cfg_node **root, struct cfg_error *err)
{
    struct cfg_node *tails[CFG_MAX_DEPTH + 1]; /* last child of each open block */
    struct cfg_node *parent, *top;
    struct parser p;
    struct token t;
    size_t saved = arena->used;
    unsigned depth = 0;
    char buf[DESCRIBE_MAX];
    int rc;

    memset(&p, 0, sizeof p);
    p.text = text;
    p.len = text ? len : 0;
    p.line = 1;
    p.col = 1;
    p.file = file ? file : "<input>";
    p.arena = arena;
    p.err = err;
    err->file = p.file;
    err->line = 0;
    err->col = 0;
    err->msg[0] = '\0';

    if (p.len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        p.pos = 3; /* a UTF-8 byte-order mark is not part of the first name */

    p.file = copy_bytes(&p, p.file, strlen(p.file));
    if (!p.file) {
        p.file = err->file;
        rc = arena_full(&p, 0, 0);
        goto fail;
    }
    top = arena_alloc(arena, sizeof *top, _Alignof(struct cfg_node));
    if (!top) {
        rc = arena_full(&p, 0, 0);
        goto fail;
    }
    memset(top, 0, sizeof *top);
    top->name = "";
    top->file = p.file;
    parent = top;
    tails[0] = NULL;

    for (;;) {
        bool opened;
        rc = next_token(&p, &t);
        if (rc)
            goto fail;
        switch (t.kind) {
        case TOK_NEWLINE:
        case TOK_SEMI:
            continue;
        case TOK_EOF:
            if (depth == 0) {
                *root = top;
                return 0;
            }
            rc = syntax_error(&p, t.line, t.col,
                              "expected '}' to close '%s' opened at line %u, found end of file",
                              parent->name, parent->line);
            goto fail;
        case TOK_RBRACE:
            if (depth == 0) {
                rc = syntax_error(&p, t.line, t.col,
                                  "expected a node name, found '}' that closes no block");
                goto fail;
            }
            rc = after_block(&p, parent);
            if (rc)
                goto fail;
            parent = parent->parent;
            depth--;
            continue;
        case TOK_WORD:
            rc = parse_node(&p, &t, parent, &tails[depth], depth, &opened);
            if (rc)
                goto fail;
            if (opened) {
                parent = tails[depth];
                tails[++depth] = NULL;
            }
            continue;
        case TOK_LBRACE:
            rc = syntax_error(&p, t.line, t.col,
                              "expected a node name, found '{'; a block must open on the same "
                              "line as its node's name");
            goto fail;
        default:
            rc = syntax_error(&p, t.line, t.col, "expected a node name, found %s",
                              describe(&p, &t, buf));
            goto fail;
        }
    }

fail:
    arena->used = saved;
    /* The copied file name went with the arena: point back at the caller's. */
    err->file = file ? file : "<input>";
    return rc;
}

/* ---- reading the tree ---- */

static bool name_matches(const struct cfg_node *n, const char *name)
{
    return !name || strcmp(n->name, name) == 0;
}

const struct cfg_node *cfg_first(const struct cfg_node *parent, const char *name)
{
    const struct cfg_node *n;
    if (!parent)
        return NULL;
    for (n = parent->children; n; n = n->next) {
        if (name_matches(n, name))
            return n;
    }
    return NULL;
}

const struct cfg_node *cfg_next(const struct cfg_node *node, const char *name)
{
    const struct cfg_node *n;
    if (!node)
        return NULL;
    for (n = node->next; n; n = n->next) {
        if (name_matches(n, name))
            return n;
    }
    return NULL;
}

const struct cfg_node *cfg_component_config(const struct cfg_node *root, const char *name)
{
    const struct cfg_node *cfg = NULL;
    for (const struct cfg_node *c = cfg_first(root, "component"); c; c = cfg_next(c, "component"))
        if (cfg_nargs(c) == 1 && !strcmp(cfg_arg(c, 0), name))
            cfg = cfg_first(c, "config");
    return cfg;
}

unsigned cfg_label_selector(const struct cfg_node *node, const char **label, int *match)
{
    static const char *const kinds[] = {"label", "label-prefix", "label-suffix"};
    unsigned found = 0;
    for (int k = 0; k < 3; k++)
        if (cfg_prop(node, kinds[k]))
            *label = cfg_prop(node, kinds[k]), *match = k + 1, found++;
    return found;
}

unsigned cfg_nargs(const struct cfg_node *node)
{
    unsigned i, n = 0;
    if (!node)
        return 0;
    for (i = 0; i < node->nvalues; i++)
        n += node->values[i].key == NULL;
    return n;
}

const struct cfg_value *cfg_arg_value(const struct cfg_node *node, unsigned index)
{
    unsigned i;
    if (!node)
        return NULL;
    for (i = 0; i < node->nvalues; i++) {
        if (node->values[i].key)
            continue;
        if (index-- == 0)
            return &node->values[i];
    }
    return NULL;
}

const char *cfg_arg(const struct cfg_node *node, unsigned index)
{
    const struct cfg_value *v = cfg_arg_value(node, index);
    return v ? v->text : NULL;
}

const struct cfg_value *cfg_prop_value(const struct cfg_node *node, const char *key)
{
    unsigned i;
    if (!node || !key)
        return NULL;
    for (i = 0; i < node->nvalues; i++) {
        if (node->values[i].key && strcmp(node->values[i].key, key) == 0)
            return &node->values[i];
    }
    return NULL;
}

const char *cfg_prop(const struct cfg_node *node, const char *key)
{
    const struct cfg_value *v = cfg_prop_value(node, key);
    return v ? v->text : NULL;
}

int cfg_parse_u64(const char *text, uint64_t *out)
{
    const char *s = text;
    unsigned base = 10, shift = 0, ndigits = 0;
    bool overflow = false;
    uint64_t v = 0;
    if (!s)
        return CFG_EINVAL;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    for (;; s++, ndigits++) {
        int d = hex_digit((unsigned char)*s);
        if (d < 0 || (unsigned)d >= base)
            break;
        if (v > (UINT64_MAX - (unsigned)d) / base)
            overflow = true;
        v = v * base + (unsigned)d;
    }
    if (ndigits == 0)
        return CFG_EINVAL;
    if (*s == 'K' || *s == 'k')
        shift = 10;
    else if (*s == 'M' || *s == 'm')
        shift = 20;
    else if (*s == 'G' || *s == 'g')
        shift = 30;
    if (shift)
        s++;
    if (*s != '\0')
        return CFG_EINVAL;
    if (overflow || v > (UINT64_MAX >> shift))
        return CFG_ERANGE;
    *out = v << shift;
    return 0;
}

int cfg_verror_at(struct cfg_error *err, const struct cfg_node *node, const struct cfg_value *value,
                  const char *fmt, va_list ap)
{
    unsigned line = 0, col = 0;
    if (value) {
        line = value->line;
        col = value->col;
    } else if (node) {
        line = node->line;
        col = node->col;
    }
    set_error(err, node ? node->file : NULL, line, col, fmt, ap);
    return CFG_EINVAL;
}

int cfg_error_at(struct cfg_error *err, const struct cfg_node *node, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cfg_verror_at(err, node, NULL, fmt, ap);
    va_end(ap);
    return CFG_EINVAL;
}

int cfg_error_at_value(struct cfg_error *err, const struct cfg_node *node,
                       const struct cfg_value *value, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cfg_verror_at(err, node, value, fmt, ap);
    va_end(ap);
    return CFG_EINVAL;
}

static void out_format(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    out_vformat(o, fmt, ap);
    va_end(ap);
}

int cfg_format_error(const struct cfg_error *err, char *buf, size_t size)
{
    struct out o;
    const char *file = err->file ? err->file : "<input>";
    out_init(&o, buf, size);
    if (err->line)
        out_format(&o, "%s:%u:%u: %s", file, err->line, err->col, err->msg);
    else
        out_format(&o, "%s: %s", file, err->msg);
    return o.truncated || size == 0 ? CFG_ETRUNC : 0;
}

const char *cfg_strerror(int code)
{
    switch (code) {
    case 0:
        return "success";
    case CFG_ESYNTAX:
        return "syntax error";
    case CFG_ENOMEM:
        return "arena full";
    case CFG_EINVAL:
        return "invalid value";
    case CFG_ERANGE:
        return "number out of range";
    case CFG_ETRUNC:
        return "output truncated";
    default:
        return "unknown error";
    }
}
