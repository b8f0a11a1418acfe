#!/usr/bin/env bash
# Host test of ptrun (posix-test/runner.c) over a made-up test tree: exit statuses map as
# the suite maps them, a hung test is killed with its process group, children left
# behind are killed, each test runs from its own directory with stdin from /dev/null,
# build failures are recorded, selection by kind and prefix works.
# One PASS/FAIL line per case. PTRUN overrides the binary (default build/posix-test/ptrun).
set -uo pipefail
cd "$(dirname "$0")/.."
ptrun=${PTRUN:-build/posix-test/ptrun}
if [[ ! -x $ptrun ]]; then echo "FAIL ptrun_built: $ptrun missing (make $ptrun)"; exit 1; fi
ptrun=$(realpath "$ptrun")
tmp=$(mktemp -d /tmp/ptrun-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/tree
fails=0
ok() { echo "PASS $1"; }
bad() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

mk() { # mk PATH BODY: an executable shell script
  mkdir -p "$root/$(dirname "$1")"
  printf '#!/bin/sh\n%s\n' "$2" >"$root/$1"
  chmod +x "$root/$1"
}
mk c/i/pass/1-1.test 'exit 0'
mk c/i/fail/1-1.test 'echo something went wrong; exit 1'
mk c/i/unres/1-1.test 'exit 2'
mk c/i/unsup/1-1.test 'exit 4'
mk c/i/untested/1-1.test 'exit 5'
mk c/i/three/1-1.test 'exit 3'
mk c/i/big/1-1.test 'exit 99'
mk c/i/segv/1-1.test 'kill -SEGV $$'
mk c/i/hang/1-1.test "sleep 30 & echo \$! >$tmp/hang.pid; wait"
mk c/i/leftover/1-1.test "sleep 30 & echo \$! >$tmp/left.pid; exit 0"
mk c/i/cwd/1-1.test '[ "$(basename "$PWD")" = cwd ] && [ -e marker ]'
touch "$root/c/i/cwd/marker"
mk c/i/stdin/1-1.test 'if read x; then exit 1; fi; exit 0'
mkdir -p "$root/c/i/script"
# run through /bin/sh (no exec bit needed) from the top directory, as the suite does
printf '[ -f tests.tsv ] && [ -f c/i/script/2-1.sh ]\n' >"$root/c/i/script/2-1.sh"
mk f/func/prog 'exit 0'
{
  printf '# test\tkind\tstatus\tdetail\n'
  for t in pass fail unres unsup untested three big segv hang leftover cwd stdin; do
    printf 'c/i/%s/1-1\trun\tbuilt\t\n' "$t"
  done
  printf 'c/i/script/2-1\tscript\tcopied\t\n'
  printf 'c/i/nobin/1-1\trun\tbuilt\t\n'
  printf 'c/i/only/1-1\tbuild-only\tbuilt\tno main(), compiled only\n'
  printf 'c/i/broken/1-1\trun\tcompile-failed\tx.c:1: error: oops\n'
  printf 'c/i/nolink/1-1\trun\tlink-failed\tundefined reference to `f'"'"'\n'
  printf 'f/func/prog\tfunctional\tbuilt\t\n'
  printf 'f/func/prog.c\tfunctional\tbuilt\t\n'
  printf 's/stress/x\tstress\tbuilt\t\n'
} >"$root/tests.tsv"

start=$(date +%s%N)
"$ptrun" -q -t 1 -L "$tmp/logs" -o "$tmp/out.tsv" -H "host test" "$root" >"$tmp/stdout" 2>&1
rc=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[[ $rc == 0 ]] && ok ptrun_exit_status || bad ptrun_exit_status "exit $rc: $(cat "$tmp/stdout")"

result() { awk -F'\t' -v t="$1" '$1 == t { print $3 }' "$tmp/out.tsv"; }
detail() { awk -F'\t' -v t="$1" '$1 == t { print $4 }' "$tmp/out.tsv"; }
expect() { # expect NAME TEST RESULT [DETAIL-PATTERN]
  local r d; r=$(result "$2"); d=$(detail "$2")
  if [[ $r != "$3" ]]; then bad "$1" "$2 is '$r' ($d), expected $3"
  elif [[ -n ${4:-} && $d != *$4* ]]; then bad "$1" "$2 detail '$d' lacks '$4'"
  else ok "$1"; fi
}
expect exit_0_is_pass c/i/pass/1-1 PASS "exit 0"
expect exit_1_is_fail c/i/fail/1-1 FAIL "exit 1"
expect exit_2_is_unresolved c/i/unres/1-1 UNRESOLVED
expect exit_4_is_unsupported c/i/unsup/1-1 UNSUPPORTED
expect exit_5_is_untested c/i/untested/1-1 UNTESTED
expect exit_3_is_interrupted c/i/three/1-1 INTERRUPTED "exit 3"
expect exit_99_is_interrupted c/i/big/1-1 INTERRUPTED "exit 99"
expect signal_is_interrupted c/i/segv/1-1 INTERRUPTED "signal 11"
expect timeout_is_hung c/i/hang/1-1 HUNG "killed"
expect runs_in_own_directory c/i/cwd/1-1 PASS
expect stdin_is_dev_null c/i/stdin/1-1 PASS
expect script_runs_with_sh_from_top c/i/script/2-1 PASS
expect missing_program_recorded c/i/nobin/1-1 INTERRUPTED "could not start"
expect build_only_recorded c/i/only/1-1 BUILD-ONLY
expect compile_failure_recorded c/i/broken/1-1 BUILD-FAIL "compile-failed: x.c:1: error: oops"
expect link_failure_recorded c/i/nolink/1-1 BUILD-FAIL "link-failed"
expect functional_runs f/func/prog PASS
[[ -z $(result f/func/prog.c) ]] && ok source_file_not_run || bad source_file_not_run "ran it"
[[ -z $(result s/stress/x) ]] && ok stress_not_run_by_default || bad stress_not_run_by_default "ran"

sleep 0.2
alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
alive "$tmp/hang.pid" && bad hung_group_killed "child $(cat "$tmp/hang.pid") alive" ||
  ok hung_group_killed
alive "$tmp/left.pid" && bad leftover_child_killed "child $(cat "$tmp/left.pid") alive" ||
  ok leftover_child_killed
if ((elapsed_ms < 6000)); then ok timeout_is_per_test; else
  bad timeout_is_per_test "run took ${elapsed_ms} ms"; fi

[[ -f $tmp/logs/c_i_fail_1-1.log ]] && grep -q 'something went wrong' "$tmp/logs/c_i_fail_1-1.log" &&
  ok log_kept_for_failure || bad log_kept_for_failure "$(ls "$tmp/logs")"
[[ ! -e $tmp/logs/c_i_pass_1-1.log ]] && ok log_removed_for_pass || bad log_removed_for_pass "kept"
grep -q '^# host test$' "$tmp/out.tsv" && grep -q '^# timeout 1$' "$tmp/out.tsv" &&
  ok header_comments || bad header_comments "$(grep '^#' "$tmp/out.tsv")"
python3 posix-test/results.py table "$tmp/out.tsv" >"$tmp/table" 2>&1 &&
  ok results_parse_ptrun_output || bad results_parse_ptrun_output "$(cat "$tmp/table")"

# Selection: by prefix and by kind.
"$ptrun" -q -t 1 -k run -o "$tmp/sel.tsv" "$root" c/i/pass c/i/fail f/ >/dev/null 2>&1
got=$(grep -v '^#' "$tmp/sel.tsv" | cut -f1,3 | tr '\t\n' ': ')
[[ $got == "c/i/pass/1-1:PASS c/i/fail/1-1:FAIL " ]] && ok select_prefix_and_kind ||
  bad select_prefix_and_kind "got '$got'"

printf 's/stress/broken\tstress\tbuild-failed\tno\n' >>"$root/tests.tsv"
"$ptrun" -q -t 1 -o "$tmp/nost.tsv" "$root" s/ >/dev/null 2>&1
[[ -z $(grep -v '^#' "$tmp/nost.tsv") ]] && ok unselected_kind_build_failure_left_out ||
  bad unselected_kind_build_failure_left_out "$(cat "$tmp/nost.tsv")"
"$ptrun" -q -t 1 -k stress -o "$tmp/st.tsv" "$root" s/stress/x >/dev/null 2>&1
[[ $(grep -v '^#' "$tmp/st.tsv" | cut -f1) == s/stress/x ]] && ok select_stress_kind ||
  bad select_stress_kind "$(cat "$tmp/st.tsv")"

# Relative paths for the tree and the log directory, as tools/posix-test passes them.
(cd "$tmp" && "$ptrun" -q -t 1 -L rel-logs -o rel.tsv tree c/i/fail c/i/cwd >/dev/null 2>&1)
[[ $(grep -v '^#' "$tmp/rel.tsv" | cut -f3 | tr '\n' ' ') == "FAIL PASS " &&
  -s $tmp/rel-logs/c_i_fail_1-1.log ]] && ok relative_paths ||
  bad relative_paths "$(cat "$tmp/rel.tsv"; ls "$tmp/rel-logs")"

"$ptrun" -q "$tmp/nonexistent" >/dev/null 2>&1
[[ $? == 2 ]] && ok missing_list_is_an_error || bad missing_list_is_an_error "status $?"

exit $((fails > 0))
