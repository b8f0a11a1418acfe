#!/usr/bin/env bash
# Maps that stay true (issue 22): in the git tree at ROOT (default: this checkout)
#   - every top-level folder is named ("folder/") in the top-level README.md;
#   - every docs/*.md is named in docs/README.md;
#   - every source file (.c .h .S .py .sh) is named, by its file name, in the README.md
#     of the nearest folder above it that has one (the top-level README does not count).
# One "FAIL docs-check: ..." line per entry that is missing, then a PASS or FAIL line;
# exits 1 when anything is missing. tests/tools/docs-check-test.sh shows it failing.
set -uo pipefail
root=${1:-$(dirname "$0")/../..}
cd "$root" || exit 2
missing=0
miss() { echo "FAIL docs-check: $*"; missing=$((missing + 1)); }
mapfile -t files < <(git ls-files)
declare -A tops=()
for f in "${files[@]}"; do [[ $f == */* ]] && tops[${f%%/*}]=1; done
for d in "${!tops[@]}"; do
  grep -qF -- "$d/" README.md || miss "top-level folder $d/ is not named in README.md"
done
for f in docs/*.md; do
  [[ -e $f && $f != docs/README.md ]] || continue
  grep -qF -- "${f#docs/}" docs/README.md || miss "$f is not named in docs/README.md"
done
for f in "${files[@]}"; do
  case $f in *.c | *.h | *.S | *.py | *.sh) ;; *) continue ;; esac
  d=$(dirname "$f")
  while [[ $d != . && ! -f $d/README.md ]]; do d=$(dirname "$d"); done
  [[ $d == . ]] && continue
  grep -qF -- "$(basename "$f")" "$d/README.md" || miss "$f is not named in $d/README.md"
done
if ((missing)); then
  echo "FAIL docs-check: $missing entries missing"
  exit 1
fi
echo "PASS docs-check: ${#tops[@]} folders, every doc and source file named where it should be"
