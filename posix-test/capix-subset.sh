#!/usr/bin/env bash
# The part of the Open POSIX Test Suite that `make test` runs inside capix (the whole
# suite takes `make posix-test`, about 15 minutes under TCG): the interface areas of
# posix-test/capix-areas.txt, run by ptrun in capix, and every test listed in
# posix-test/capix-pass.txt (the ones that passed when the list was made) must pass
# again. A test that newly passes is noted, to be added to the list.
cd "$(dirname "$0")/.." || exit 1
tree=build/posixtests
ptrun=build/posix-test/ptrun
if [[ ! -f $tree/tests.tsv ]]; then
  echo "FAIL posix-test-subset: $tree is not built (make ports)"; exit 1
fi
mapfile -t areas < <(sed 's/#.*//; /^[[:space:]]*$/d' posix-test/capix-areas.txt)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# only the subset travels into capix: its directories and tests.tsv
mkdir -p "$tmp/with"
cp "$ptrun" "$tmp/with/ptrun"
cp "$tree/tests.tsv" "$tmp/with/tests.tsv"
for a in "${areas[@]}"; do
  mkdir -p "$tmp/with/$(dirname "$a")"
  cp -a "$tree/$a" "$tmp/with/$a"
done
# the output of every test that did not pass goes to stderr as "== TEST.log" sections
# (ptrun -L), so that a failure shows what the test printed
CAPIX_EXEC_LOG=build/posix-test-subset.log tools/capix exec --with "$tmp/with" -- \
  /bin/bash -c 'l=/tmp/ptrun-logs; /mnt/host/ptrun -q -t 10 -L $l "$@"; rc=$?
    for f in $l/*.log; do [[ -f $f ]] && echo "== ${f#$l/}" && head -c 4000 "$f"; done >&2
    exit $rc' ptrun -H "host capix" /mnt/host "${areas[@]}" </dev/null \
  >"$tmp/results.tsv" 2>"$tmp/err"
cp "$tmp/results.tsv" build/posix-test-subset.tsv
cp "$tmp/err" build/posix-test-subset.err
python3 posix-test/results.py check posix-test/capix-pass.txt "$tmp/results.tsv" >"$tmp/check"
rc=$?
sed 's/^PASS /PASS posix-test-subset /; s/^FAIL /FAIL posix-test-subset /' "$tmp/check"
# what each failing test printed (its log is named after it, slashes made underscores)
while read -r _ test _; do
  test=${test%:}
  log="== ${test//\//_}.log"
  if grep -qxF -- "$log" "$tmp/err"; then
    echo "    output of $test:"
    awk -v h="$log" '$0 == h { p = 1; next } /^== / { p = 0 } p' "$tmp/err" | head -40 |
      sed 's/^/      /'
  fi
done < <(grep '^FAIL ' "$tmp/check")
exit "$rc"
