# The harness of the coreutils comparisons (sourced by coreutils-compare.sh, fixture on
# capix's /tmp, and coreutils-fat.sh, fixture on a FAT disk): masks, filters, run_case
# and report. The sourcing script sets work, fixture (a directory, also packed as
# $work/fixture.tar), bindir, failed, cases and progs, and defines capix_case
# [--trace] -- PROGRAM [ARGS...], which runs PROGRAM in capix with a fresh copy of the
# fixture as its working directory.
# Each case's line is "PASS LABEL CASE" or "FAIL LABEL CASE: why" (label, default
# coreutils). run_case keeps what each capix run named unimplemented; census_report
# checks it against the syscall census.
# shellcheck shell=bash disable=SC2154,SC2034 # the sourcing script sets and uses the variables
label=${label:-coreutils}

# Masks: sed -E scripts, each applied to both sides' stdout and stderr.
# The parent of the fixture root lies outside it (capix: the rootfs's /, host: the
# scratch directory): the first ".." line of a listing of "." describes it.
M_PARENT='0,/ \.\.$/s/^.* \.\.$/[parent of the fixture root]/'
# stat: the device and inode numbers are each system's own; the access and change
# times record when the fixture copy was made and read ("now"): GNU tar sets atime to
# the time of extraction, capix's tar loader to the archive's mtime; a birth time,
# where one is kept, is "now" too. Modify times come from the fixture and are compared.
M_STAT='s/^Device: .*Inode: +[0-9]+ +/Device: [dev] Inode: [ino] /;
s/^(Access|Change|Birth): [0-9]{4}-.*/\1: [now]/;
s/^ Birth: [0-9]{4}-.*/ Birth: [now]/'
# dd's last line holds the time taken and the rate
M_DD='s/^([0-9]+ bytes.*copied), .* s, .*/\1, [time], [rate]/'
# df: the file system's name, sizes and mount point are each system's own (capix: a
# ram instance of 157 MiB at /tmp, host: the host's big tmpfs at /dev/shm); only the
# shape is compared: the header (column widths follow the numbers) and one row of
# name, four numbers (a percentage last) and a mount point
# shellcheck disable=SC2016 # a sed script, $ is its own
M_DF='1s/ +/ /g;
2,$s/^[^ ]+ +[0-9.]+[KMGT]? +[0-9.]+[KMGT]? +[0-9.]+[KMGT]? +[0-9]+% \/.*/[fs] [n] [n] [n] [n%] [mount]/'

# The order of a directory's entries (readdir) is left open by POSIX and differs: the
# host's tmpfs lists the newest entry first, capix's ram in creation order (both
# create the fixture in archive order). The case ls -f compares it as it is; cases
# whose output follows it otherwise (du, rm -r, cp -r, chmod -R) compare sorted lines.
sort_lines() {
  LC_ALL=C sort
}

# Inode numbers differ between systems; their equalities (hard links) must not: each
# number becomes I1, I2, ... in the order of first appearance (in the first field).
map_inodes() {
  awk '{ if (!($1 in m)) m[$1] = "I" ++n; $1 = m[$1]; print }'
}

# run_case [-i STDIN] [-m SED]... [-f FILTER]... [-l REGEX] PROG [ARGS...]
# Runs PROG ARGS in capix and on the host (STDIN: a fixture file, else empty) and
# compares; SED masks and FILTER functions apply to both sides. With -l, capix traces
# the system calls and its log must have a line matching REGEX (grep -E).
run_case() {
  local stdin=/dev/null masks=() filters=() logre="" trace=() prog name hdir hbin hrc crc f side
  while (($#)); do
    case $1 in
      -i) stdin=$fixture/$2; shift 2 ;;
      -m) masks+=(-e "$2"); shift 2 ;;
      -f) filters+=("$2"); shift 2 ;;
      -l) logre=$2 trace=(--trace); shift 2 ;;
      *) break ;;
    esac
  done
  prog=$1; shift
  progs["$prog"]=1
  name="$prog${*:+ $*}"
  [[ $stdin != /dev/null ]] && name+=" <${stdin#"$fixture"/}"
  cases=$((cases + 1))
  hdir=$work/host.$cases hbin=$bindir/$prog
  # GNU tar without -P makes a symlink whose target has ".." a placeholder file first,
  # replaced at the end: -P creates all in archive order, as capix's tar loader does
  if ! mkdir "$hdir" || ! tar -xpPf "$work/fixture.tar" -C "$hdir"; then
    echo "FAIL $label $name: cannot copy the fixture on the host"; failed=$((failed + 1)); return
  fi
  (cd "$hdir" && exec env -i PATH=/bin:/usr/bin HOME=/tmp TERM=dumb LANG=C.UTF-8 TZ=UTC "$hbin" "$@") \
    <"$stdin" >"$work/h.out" 2>"$work/h.err"
  hrc=$?
  rm -rf "$hdir"
  capix_case "${trace[@]}" -- "/bin/$prog" "$@" <"$stdin" >"$work/c.out" 2>"$work/c.err"
  crc=$?
  census_keep
  # the host runs the program by its path in build/rootfs: messages may name it
  sed -i "s|$hbin|/bin/$prog|g" "$work/h.out" "$work/h.err"
  for side in h c; do
    for f in out err; do
      ((${#masks[@]})) && sed -i -E "${masks[@]}" "$work/$side.$f"
      for filter in "${filters[@]}"; do
        "$filter" <"$work/$side.$f" >"$work/filtered" && mv "$work/filtered" "$work/$side.$f"
      done
    done
  done
  if [[ -n $logre ]] && ! tr -d '\r' <"$CAPIX_EXEC_LOG" | grep -Eq -- "$logre"; then
    failed=$((failed + 1))
    echo "FAIL $label $name: no line matching '$logre' in capix's trace"
  elif [[ $hrc == "$crc" ]] && cmp -s "$work/h.out" "$work/c.out" && cmp -s "$work/h.err" "$work/c.err"; then
    echo "PASS $label $name"
  else
    failed=$((failed + 1))
    echo "FAIL $label $name: exit host $hrc capix $crc; diff stdout, stderr (< host, > capix):"
    diff -a "$work/h.out" "$work/c.out" | head -8 | sed 's/^/    /'
    diff -a "$work/h.err" "$work/c.err" | head -8 | sed 's/^/    /'
  fi
}

# census_keep: keeps the lines of the last capix run's log that name an unimplemented
# call (census_report checks them all at the end).
census_keep() {
  [[ -f $CAPIX_EXEC_LOG ]] && tr -d '\r' <"$CAPIX_EXEC_LOG" | grep -a 'unimplemented Linux call' >>"$work/census.log"
  return 0
}

# census_report: a case: no call of the syscall census (tests/posix/census-calls.txt) was
# unimplemented in any run (capix_enosys_check); the calls outside it that were are
# listed on a line of their own.
census_report() {
  local enosys others
  touch "$work/census.log"
  enosys=$(bash -c 'source tools/qemu-common.sh && capix_enosys_check "$1" census' _ "$work/census.log")
  report "no call of the census is ENOSYS" "$([[ -z $enosys ]] && echo 1 || echo 0)" "${enosys#FAIL census: }"
  others=$(grep -oE 'unimplemented Linux call [a-z0-9_]+' "$work/census.log" | awk '{print $4}' |
    sort -u | grep -vxF -f tests/posix/census-calls.txt | tr '\n' ' ')
  [[ -z $others ]] || echo "$label: ENOSYS (calls outside the census): $others"
}

# report NAME OK DETAIL: a case checked by hand
report() {
  cases=$((cases + 1))
  if [[ $2 == 1 ]]; then echo "PASS $label $1"; else
    failed=$((failed + 1)); echo "FAIL $label $1: $3"; fi
}

