#!/usr/bin/env bash
# Host test of the POSIX benchmark: it runs every case briefly and prints one well-formed
# BENCH line for each (median between p10 and p90, all positive), and cleans up its
# files. Behaviour only: no figure is judged. One PASS/FAIL line per case.
# POSIXBENCH overrides the binary (default build/bench/posixbench).
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${POSIXBENCH:-build/bench/posixbench}
cases="null_call clock_gettime open_close stat read_4k read_4k_root write_4k seq_write_16m
       seq_read_16m seq_write_64m seq_read_64m rand_read_4k files_1000
       fork_wait fork_1m fork_16m fork_64m spawn_wait
       fork_exec_wait execve spawn_bash pipe_roundtrip signal_self
       tcp_roundtrip tcp_stream_128k unix_roundtrip unix_stream_128k"
if [[ ! -x $bin ]]; then echo "FAIL posixbench_built: $bin missing"; exit 1; fi
bin=$(realpath "$bin")
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-test.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fails=0
ok() { echo "PASS $1"; }
bad() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

out=$("$bin" -t 0.01 "$dir" 2>&1)
rc=$?
[[ $rc == 0 ]] && ok bench_exit_status || bad bench_exit_status "exit $rc: $out"
for c in $cases; do
  line=$(grep "^BENCH $c " <<<"$out")
  if [[ -z $line ]]; then bad "case_$c" "no BENCH line"; continue; fi
  read -r _ name unit med p10 p90 n per <<<"$line"
  if [[ $unit == ns ]] && awk -v m="$med" -v a="$p10" -v b="$p90" -v n="$n" -v p="$per" \
      'BEGIN { exit !(a > 0 && a <= m && m <= b && n >= 11 && p >= 1) }'; then
    ok "case_$c"
  else
    bad "case_$c" "malformed: $line"
  fi
done
[[ $(grep -c '^BENCH ' <<<"$out") == $(wc -w <<<"$cases") ]] && ok bench_no_extra_cases ||
  bad bench_no_extra_cases "$(grep '^BENCH ' <<<"$out" | cut -d' ' -f2 | tr '\n' ' ')"
[[ -z $(ls -A "$dir") ]] && ok bench_removes_its_files || bad bench_removes_its_files "$(ls "$dir")"

one=$("$bin" -t 0.01 -c stat,null_call "$dir" | grep -c '^BENCH ')
[[ $one == 2 ]] && ok bench_selects_cases || bad bench_selects_cases "$one lines"
grep -q '^# bench 1 .*, pinned to CPU [0-9]*$' <<<"$out" && ok bench_pins_to_one_cpu ||
  bad bench_pins_to_one_cpu "$(head -1 <<<"$out")"
unpinned=$("$bin" -a -t 0.01 -c null_call "$dir")
grep -q '^# bench 1 .*, not pinned (-a)$' <<<"$unpinned" &&
  ok bench_unpinned_with_a || bad bench_unpinned_with_a "no 'not pinned' header"
kg=$("$bin" -k -t 0.01 -c null_call,stat "$dir/missing/dir" 2>&1)
[[ $? == 0 ]] && grep -q '^BENCH null_call ' <<<"$kg" &&
  grep -q '^SKIP stat: .*/missing/dir/bench.dat: No such file or directory$' <<<"$kg" &&
  ok bench_keep_going_skips || bad bench_keep_going_skips "$kg"
"$bin" --exit && ok bench_trivial_child || bad bench_trivial_child "status $?"
"$bin" -t 0.01 "$dir/missing/dir" >/dev/null 2>&1
[[ $? == 1 ]] && ok bench_bad_dir_fails || bad bench_bad_dir_fails "status $?"
exit $((fails > 0))
