/*
 * Host test of the label matcher (lib/capix/label.c, docs/sessions.md "Labels"): whole
 * elements only (issue 16: `label-prefix=writer` matched `writers`), separators at the
 * open end of a pattern, and the requester-label check that keeps " -> " and control
 * characters out of what a requester asks for.
 */
#include <stdio.h>
#include <capix/capix.h>

static int failed, passed;

static void expect(int match, const char *pattern, const char *label, int want)
{
    static const char *const kinds[] = {"any", "label", "label-prefix", "label-suffix"};
    int got = cx_label_matches(match, pattern, label) != 0;
    if (got == want) {
        passed++;
        printf("PASS %s=\"%s\" %s \"%s\"\n", kinds[match], pattern ? pattern : "",
               want ? "takes" : "refuses", label);
    } else {
        failed++;
        printf("FAIL %s=\"%s\" on \"%s\": %d, expected %d\n", kinds[match], pattern ? pattern : "",
               label, got, want);
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    expect(0, NULL, "anything -> at all", 1);
    expect(1, "shell -> tmp", "shell -> tmp", 1);
    expect(1, "shell", "shell -> tmp", 0);
    expect(2, "writer", "writer", 1);
    expect(2, "writer", "writer -> tmp", 1);
    expect(2, "writer", "writers", 0);
    expect(2, "writer", "writers -> tmp", 0);
    expect(2, "writer -> tmp", "writer -> tmp -> x", 1);
    expect(2, "writer -> tm", "writer -> tmp", 0);
    expect(2, "writer ->", "writer -> tmp", 1);
    expect(2, "writer -> ", "writer -> tmp", 1);
    expect(2, "", "whatever", 1);
    expect(3, "docs", "shell -> docs", 1);
    expect(3, "-> docs", "shell -> docs", 1);
    expect(3, " -> docs", "shell -> docs", 1);
    expect(3, "docs", "shell -> mydocs", 0);
    expect(3, "docs", "docs", 1);
    expect(3, "shell -> docs", "x -> shell -> docs", 1);
    expect(3, "shell -> docs", "xshell -> docs", 0);
    int ok = cx_label_part_ok("tmp") && cx_label_part_ok("a-b >c") &&
             !cx_label_part_ok("x -> docs") && !cx_label_part_ok("x->docs");
    if (ok)
        passed++, printf("PASS a requester's label with '->' is refused\n");
    else
        failed++, printf("FAIL cx_label_part_ok\n");
    /* a label init prints must not make lines of its log (or move a terminal's cursor) */
    ok = cx_label_part_ok("caf\xc3\xa9 tmp") &&
         !cx_label_part_ok("tmp\n[init] component x exited") && !cx_label_part_ok("tmp\r") &&
         !cx_label_part_ok("\x1b[2Jtmp") && !cx_label_part_ok("tmp\x7f") &&
         !cx_label_part_ok("\ttmp");
    if (ok)
        passed++, printf("PASS a requester's label with a control character is refused\n");
    else
        failed++, printf("FAIL cx_label_part_ok on control characters\n");
    printf("label_test: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
