#!/usr/bin/env bash
# The docs check (docs-check.sh) on a small tree of its own: it passes when everything is
# named, and fails, naming the entry, when a top-level folder, a doc or a source file
# is not; then on this checkout.
# shellcheck disable=SC2016 # the README texts hold backquotes, not expansions
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
check() { # NAME WANT(0|1) PATTERN: run the check on $tmp/t, want its status and a line
  local out rc
  out=$(bash "$here/docs-check.sh" "$tmp/t" 2>&1)
  rc=$?
  if [[ $rc == "$2" ]] && grep -qF -- "$3" <<<"$out"; then echo "PASS docs-check-test $1"; else
    echo "FAIL docs-check-test $1: status $rc, output: $(head -3 <<<"$out")"; failed=1; fi
}
mkdir -p "$tmp/t/src/sub" "$tmp/t/docs"
cd "$tmp/t" || exit 1
git init -q .
printf '# t\n\n- `src/`: the sources\n- `docs/`: the docs\n' >README.md
printf '# docs\n\n- `a.md`: a\n' >docs/README.md
printf '# a\n' >docs/a.md
printf '# src\n\n- `main.c`, `sub/util.h`\n' >src/README.md
: >src/main.c
: >src/sub/util.h
git add -A
check complete 0 "PASS docs-check"
: >src/extra.c && git add src/extra.c
check source-file 1 "src/extra.c is not named in src/README.md"
printf -- '- `extra.c`\n' >>src/README.md
check source-file-named 0 "PASS docs-check"
printf '# b\n' >docs/b.md && git add docs/b.md
check doc 1 "docs/b.md is not named in docs/README.md"
printf -- '- `b.md`: b\n' >>docs/README.md
mkdir tools && : >tools/x && git add tools/x
check top-level 1 "top-level folder tools/ is not named in README.md"
cd "$here/../.." || exit 1
bash "$here/docs-check.sh" . || failed=1
exit $failed
