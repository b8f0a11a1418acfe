#!/usr/bin/env bash
# Crash consistency of the fat server (issue 17): one FAT image, and QEMU killed at
# FAT_CRASH_RUNS (20) random moments while a workload in capix creates, writes, renames,
# fsyncs and deletes files on it (tools/capix exec --disk; the kill is a power cut for
# the guest: what the server had not written is lost). After each kill, on the host:
# fsck.fat -n finds nothing but what a cut may leave (the dirty flag, lost clusters, a
# stale free count, FAT copies that differ while each is intact: the cut fell between
# writing the first and the second; never a cross-link or a broken directory), and every file whose
# fsync had returned (the workload says so on stdout) is there with its exact content;
# one deleted afterwards may be there too, but then intact. Then fsck.fat -a tidies the
# image, as a boot would, and the next run mounts it again.
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export MTOOLS_SKIP_CHECK=1 CAPIX_EXEC_LOG=$tmp/log
runs=${FAT_CRASH_RUNS:-20}
img=$tmp/disk.img
mkfs.fat -C "$img" 16384 >/dev/null || { echo "FAIL fat-crash: mkfs.fat"; exit 1; }
# the workload: file R.N holds "R.N line K" for K = 1..(N*37 % 300 + 1), written under
# a temporary name, renamed, fsynced; every fourth one deletes an older one
cat >"$tmp/work.sh" <<'WORK'
cd /data || exit 1
r=$1 n=0
while :; do
  n=$((n + 1)); f=$r.$n; lines=$((n * 37 % 300 + 1))
  mkdir -p "d$((n % 3))"
  for ((k = 1; k <= lines; k++)); do echo "$f line $k"; done > "d$((n % 3))/tmp.$f"
  mv "d$((n % 3))/tmp.$f" "d$((n % 3))/$f"
  sync "d$((n % 3))/$f" "d$((n % 3))" && echo "SYNCED d$((n % 3))/$f $lines"
  if ((n % 4 == 0)); then
    old=$r.$((n - 2)); rm -f "d$(((n - 2) % 3))/$old" && echo "RM d$(((n - 2) % 3))/$old"
  fi
done
WORK
mkdir -p "$tmp/with"; cp "$tmp/work.sh" "$tmp/with/"
declare -A want=() gone=() hash=()
failed=0
# the content file R.N must have, by hash, into $exp (computed once a name: no subshell,
# so that the table keeps it)
expected() {
  local name=${1#d?/} lines=$2
  [[ -n ${hash[$name]:-} ]] || hash[$name]=$(for ((k = 1; k <= lines; k++)); do echo "$name line $k"; done | sha256sum)
  exp=${hash[$name]}
}
for ((run = 1; run <= runs; run++)); do
  after=$((15 + RANDOM % 30)) # tenths of a second after QEMU starts: 1.5 to 4.5 s
  CAPIX_EXEC_TIMEOUT=$((after / 10)).$((after % 10)) tools/capix exec --disk "$img:/data" \
    --with "$tmp/with" -- /bin/bash /mnt/host/work.sh "r$run" >"$tmp/out" 2>"$tmp/err"
  while read -r what name lines; do
    if [[ $what == SYNCED ]]; then want[$name]=$lines; unset "gone[$name]"; fi
    if [[ $what == RM ]]; then gone[$name]=${want[$name]:-}; unset "want[$name]"; fi
  done <"$tmp/out"
  out=$(fsck.fat -n "$img" 2>&1)
  [[ -n ${FAT_CRASH_SHOW:-} ]] && grep -vE "^fsck.fat|^/" <<<"$out" | sed "s/^/    fsck: /"
  bad=$(grep -vE '^fsck\.fat|^/|Dirty bit|not properly unmounted|remove dirty bit|^[[:space:]]*$|^ *[1-4]\) |^\[12\?q\]|Leaving filesystem|files, .* clusters|Automatically|[Ff]ree cluster summary|FATs differ but appear to be intact|Using first FAT|Reclaimed [0-9]+ unused clusters?' <<<"$out")
  problem=""
  [[ -z $bad ]] || problem="fsck.fat: $(head -5 <<<"$bad")"
  # the whole tree out in one mtools call, then compared here
  rm -rf "$tmp/tree"; mkdir "$tmp/tree"
  mcopy -s -n -i "$img" "::/*" "$tmp/tree/" 2>/dev/null
  for name in "${!want[@]}"; do
    [[ -n $problem ]] && break
    expected "$name" "${want[$name]}"
    [[ -f $tmp/tree/$name && $(sha256sum <"$tmp/tree/$name") == "$exp" ]] ||
      problem="$name (fsynced, ${want[$name]} lines) is missing or damaged"
  done
  for name in "${!gone[@]}"; do
    [[ -n $problem || -z ${gone[$name]} || ! -f $tmp/tree/$name ]] && continue
    expected "$name" "${gone[$name]}"
    [[ $(sha256sum <"$tmp/tree/$name") == "$exp" ]] ||
      problem="$name (deleted just before the cut) is there but damaged"
  done
  synced=$(grep -c ^SYNCED "$tmp/out")
  if [[ -n $problem ]]; then
    echo "FAIL fat-crash run $run (cut after $((after / 10)).$((after % 10)) s, $synced files fsynced): $problem"
    failed=1
    cp "$img" "${FAT_CRASH_KEEP:-$tmp}/fat-crash-run$run.img" 2>/dev/null
    break
  fi
  echo "PASS fat-crash run $run (cut after $((after / 10)).$((after % 10)) s, $synced files fsynced, ${#want[@]} checked)"
  fsck.fat -a "$img" >/dev/null 2>&1
done
exit $failed
