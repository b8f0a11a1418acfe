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
CAPIX_EXEC_LOG=build/posix-test-subset.log tools/capix exec --with "$tmp/with" -- \
  /mnt/host/ptrun -q -t 10 -H "host capix" /mnt/host "${areas[@]}" </dev/null \
  >"$tmp/results.tsv" 2>"$tmp/err"
cp "$tmp/results.tsv" build/posix-test-subset.tsv
python3 posix-test/results.py check posix-test/capix-pass.txt "$tmp/results.tsv" |
  sed 's/^PASS /PASS posix-test-subset /; s/^FAIL /FAIL posix-test-subset /'
exit "${PIPESTATUS[0]}"
