#!/usr/bin/env bash
# Host checks of what `make ports` produced (see ports/README.md): every program in
# build/rootfs/bin is a static x86-64 ELF without an interpreter (or a script or link
# that resolves inside the rootfs); representative programs run on the Linux host; the
# terminfo set, /etc, zlib, lwIP and the Open POSIX Test Suite are in place and work.
# Prints one "PASS name" or "FAIL name: reason" line per case; exits 0 iff all passed.
set -uo pipefail
cd "$(dirname "$0")/../.."
TOP=$PWD
BUILD=${BUILD:-build}
R=$TOP/$BUILD/rootfs
SYS=$TOP/$BUILD/ports-sysroot
PT=$TOP/$BUILD/posixtests
TMP=$TOP/$BUILD/ports-check
rm -rf "$TMP"
mkdir -p "$TMP"
failures=0

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }

# check NAME COMMAND...: passes when COMMAND exits 0 (its output goes to the log).
check() {
  local name=$1
  shift
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(tail -n 3 <<<"$out" | tr '\n' ' ')"; fi
}

# expect NAME WANT COMMAND...: passes when COMMAND prints exactly WANT.
expect() {
  local name=$1 want=$2 got
  shift 2
  got=$("$@" 2>&1)
  if [[ $got == "$want" ]]; then pass "$name"; else fail "$name" "expected '$want', got '${got:0:200}'"; fi
}

if [[ ! -x $R/bin/bash ]]; then
  fail ports-built "no $R/bin/bash: run make ports"
  exit 1
fi

# ------------------------------------------------------------------ static binaries
# elf_problem FILE: prints why FILE is not a static x86-64 executable, nothing if it is.
elf_problem() {
  local h l
  h=$(readelf -h "$1" 2>&1) || { echo "readelf failed"; return; }
  grep -q 'Class:.*ELF64' <<<"$h" || echo "not ELF64"
  grep -q 'Machine:.*X86-64' <<<"$h" || echo "not x86-64"
  grep -q 'Type:.*EXEC' <<<"$h" || echo "not a fixed-address executable ($(grep Type: <<<"$h"))"
  l=$(readelf -lW "$1" 2>&1)
  ! grep -q 'INTERP' <<<"$l" || echo "has PT_INTERP"
  ! grep -q 'DYNAMIC' <<<"$l" || echo "has PT_DYNAMIC"
}

nbin=0
for f in "$R"/bin/*; do
  name=bin/$(basename "$f")
  nbin=$((nbin + 1))
  if [[ -L $f ]]; then
    t=$(readlink "$f")
    [[ $t == /* ]] && t=$R$t || t=$(dirname "$f")/$t
    if [[ -e $t ]]; then pass "link $name"; else fail "link $name" "dangling link to $(readlink "$f")"; fi
  elif [[ $(head -c 4 "$f" | od -An -c | tr -d ' ') == '177ELF' ]]; then
    why=$(elf_problem "$f")
    if [[ -z $why ]]; then pass "static-elf $name"; else fail "static-elf $name" "$(echo $why)"; fi
  elif [[ $(head -c 2 "$f") == '#!' ]]; then
    interp=$(head -n 1 "$f" | sed 's/^#![[:space:]]*//; s/[[:space:]].*//')
    if [[ -x $R$interp ]]; then pass "script $name ($interp)"; else fail "script $name" "interpreter $interp not in rootfs"; fi
  else
    fail "program $name" "neither ELF, script nor link"
  fi
done
if ((nbin >= 120)); then pass "bin-count ($nbin programs)"; else fail bin-count "only $nbin programs in bin"; fi

# ------------------------------------------------------------------ programs run on the host
export PATH=$R/bin:$PATH LC_ALL=C
unset GREP_OPTIONS POSIXLY_CORRECT
for p in ls cp mv rm mkdir cat sort uniq wc head tail cut tr dd du df date env sleep test \
    stat touch chmod ln install seq expr sha256sum base64 timeout; do
  [[ -x $R/bin/$p ]] || fail "coreutils-$p" "missing"
done
expect ls-version "ls (GNU coreutils) 9.1" bash -c "$R/bin/ls --version | head -n 1"
printf 'b\na\nb\n' >"$TMP/in.txt"
expect coreutils-pipeline "a b" bash -c "$R/bin/cat $TMP/in.txt | $R/bin/sort | $R/bin/uniq | $R/bin/tr '\n' ' ' | $R/bin/cut -c1-3"
expect coreutils-dd "4" bash -c "$R/bin/dd if=/dev/zero bs=1k count=4 status=none | $R/bin/wc -c | $R/bin/tr -d ' ' | $R/bin/cut -c1"
expect sh-is-bash "bash" readlink "$R/bin/sh"
expect bash-echo "ok" "$R/bin/bash" -c 'echo ok'
expect bash-features "5.2 builtin builtin builtin" "$R/bin/bash" -c \
  'echo ${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]} $(type -t fg) $(type -t bg) $(type -t jobs)'
expect bash-set-m "m" "$R/bin/bash" -c 'set -m; [[ $- == *m* ]] && echo m'
expect bash-script "x=3 sub=a,b here" "$R/bin/bash" -c \
  'x=$((1+2)); s=$(echo a; echo b | tr -d "\n"); read -r h <<EOF
here
EOF
  echo "x=$x sub=${s//$'"'\n'"'/,} $h"'
# Job control needs a terminal: run an interactive bash on a pseudo-terminal.
out=$(script -qec "$R/bin/bash --norc --noprofile -ic 'sleep 0.1 & jobs; wait; echo flags=\$-'" /dev/null </dev/null 2>&1)
if grep -q 'flags=.*m' <<<"$out" && grep -q 'Running' <<<"$out"; then
  pass bash-interactive-job-control
else
  fail bash-interactive-job-control "$(tr '\r\n' '  ' <<<"$out" | cut -c1-200)"
fi

ver=$(VIM=$R/usr/share/vim "$R/bin/vim" --version 2>&1)
if grep -Eq '^(Normal|Big|Huge) version without GUI' <<<"$ver" &&
  grep -q '+syntax' <<<"$ver" && grep -q -- '-X11' <<<"$ver" && grep -q -- '-python3' <<<"$ver"; then
  pass "vim-version ($(grep -Eo '^(Normal|Big|Huge) version' <<<"$ver"))"
else
  fail vim-version "$(head -n 4 <<<"$ver" | tr '\n' ' ')"
fi
printf 'int main(void) { return 0; }\nhello world\n' >"$TMP/edit.c"
# Silent ex mode has no terminal, so defaults.vim leaves syntax off: turn it on first.
check vim-edit env VIM="$R/usr/share/vim" "$R/bin/vim" -N -u DEFAULTS -i NONE -n -es \
  --cmd 'syntax on' \
  -c 'if !exists("b:current_syntax") || b:current_syntax != "c" | cquit | endif' \
  -c '%s/world/capix/' -c 'wq' "$TMP/edit.c"
expect vim-edit-result "hello capix" sed -n 2p "$TMP/edit.c"
# Every installed syntax file, with its filetype plugin and indent file, loads without
# an error (a syntax file that includes one that was left out fails here).
fts=$(cd "$R/usr/share/vim/vim90/syntax" && ls *.vim | sed 's/\.vim$//' |
  grep -vx 'syntax\|synload\|syncolor\|nosyntax\|manual')
rm -f "$TMP/vim-bad"
for ft in $fts; do
  env VIM="$R/usr/share/vim" "$R/bin/vim" -N -u DEFAULTS -i NONE -n -es --cmd 'syntax on' \
    -c "set ft=$ft" -c 'redir => g:m | silent messages | redir END' \
    -c "if g:m =~ 'E[0-9]\+:' | call writefile(['$ft: ' . substitute(g:m, '\n', ' ', 'g')], '$TMP/vim-bad', 'a') | endif" \
    -c 'qa!' </dev/null >/dev/null 2>&1
done
if [[ ! -e $TMP/vim-bad ]]; then
  pass "vim-runtime-filetypes ($(wc -w <<<"$fts") types)"
else
  fail vim-runtime-filetypes "$(head -c 300 "$TMP/vim-bad" | tr '\n' ' ')"
fi
check vim-help env VIM="$R/usr/share/vim" "$R/bin/vim" -N -u DEFAULTS -i NONE -n -es \
  -c 'help quickref' -c 'if &filetype != "help" | cquit | endif' -c 'qa!'
expect xxd "00000000: 6869 0a                                  hi." bash -c "echo hi | $R/bin/xxd"

expect grep "2" bash -c "printf 'foo\nbar\nfoo\n' | $R/bin/grep -c foo"
expect egrep "bar" bash -c "printf 'foo\nbar\n' | $R/bin/egrep 'ba(r|z)'"
expect fgrep "a.b" bash -c "printf 'a.b\naxb\n' | $R/bin/fgrep 'a.b'"
expect sed "heLLo" bash -c "echo hello | $R/bin/sed 's/l/L/g'"
mkdir -p "$TMP/tree/d"
touch "$TMP/tree/a.txt" "$TMP/tree/d/b.txt" "$TMP/tree/c.log"
expect find "a.txt b.txt" bash -c "cd $TMP/tree && $R/bin/find . -name '*.txt' | $R/bin/sort | $R/bin/xargs -n1 basename | $R/bin/tr '\n' ' ' | $R/bin/sed 's/ \$//'"
expect xargs "1 2 3" bash -c "printf '1\n2\n3\n' | $R/bin/xargs echo"
expect awk "3 b" bash -c "echo '1 2 b' | $R/bin/awk '{ print \$1 + \$2, \$3 }'"
expect gawk-version "GNU Awk 5.2.1" bash -c "$R/bin/gawk --version | head -n 1 | cut -d, -f1"
printf 'one\ntwo\n' >"$TMP/d1"
printf 'one\n2\n' >"$TMP/d2"
expect diff "-two +2" bash -c "$R/bin/diff -u $TMP/d1 $TMP/d2 | $R/bin/grep '^[-+][^-+]' | $R/bin/tr '\n' ' ' | $R/bin/sed 's/ \$//'"
check cmp-differ bash -c "! $R/bin/cmp -s $TMP/d1 $TMP/d2"
expect tar-gzip "a.txt c.log d/b.txt" bash -c "cd $TMP/tree && $R/bin/tar -czf $TMP/t.tgz a.txt c.log d && mkdir -p $TMP/x && cd $TMP/x && $R/bin/tar -xzf $TMP/t.tgz && $R/bin/find . -type f | $R/bin/sed 's|^./||' | $R/bin/sort | $R/bin/tr '\n' ' ' | $R/bin/sed 's/ \$//'"
expect gzip-roundtrip "hello gzip" bash -c "echo hello gzip | $R/bin/gzip -9 | $R/bin/gzip -dc"
expect zcat "hello zcat" bash -c "echo hello zcat | $R/bin/gzip >$TMP/z.gz && $R/bin/zcat $TMP/z.gz"
expect less "line1 line2" bash -c "printf 'line1\nline2\n' | TERM=xterm TERMINFO=$R/usr/share/terminfo $R/bin/less | $R/bin/tr '\n' ' ' | $R/bin/sed 's/ \$//'"
# procps on the host's /proc: ps finds this shell, pgrep a sleep, free and uptime read
expect ps-self "bash" bash -c "$R/bin/ps -o comm= -p \$\$; true"
expect pgrep-sleep "sleep" bash -c "sleep 5 & s=\$!; $R/bin/pgrep -x -l sleep | $R/bin/grep -w \$s | $R/bin/cut -d' ' -f2; kill \$s"
expect free-mem "Mem:" bash -c "$R/bin/free | $R/bin/sed -n 2p | $R/bin/cut -d' ' -f1"
check uptime bash -c "$R/bin/uptime | $R/bin/grep -q 'load average'"
expect ps-version "ps from procps-ng 4.0.2" "$R/bin/ps" --version
expect which "$R/bin/ls" env PATH="$R/bin" "$R/bin/which" ls
# util-linux: flock takes a lock a second flock -n cannot; setpriv drops root (as root)
expect flock "1" bash -c "$R/bin/flock $TMP/lk $R/bin/flock -n $TMP/lk true; echo \$?"
expect flock-version "flock from util-linux 2.38.1" "$R/bin/flock" --version
if [[ $(id -u) == 0 ]]; then
  expect setpriv "65534 65534" "$R/bin/setpriv" --reuid=65534 --regid=65534 --clear-groups \
    "$R/bin/bash" -c "echo \$($R/bin/id -u) \$($R/bin/id -g)"
fi
expect less-version "less 590" bash -c "$R/bin/less --version | head -n 1 | cut -d' ' -f1-2"

# ------------------------------------------------------------------ terminfo
for t in x/xterm x/xterm-256color v/vt100 l/linux s/screen x/xterm-debian; do
  if [[ -s $R/usr/share/terminfo/$t ]]; then pass "terminfo $t"; else fail "terminfo $t" missing; fi
done
expect tput-xterm-256color "256" env TERMINFO="$R/usr/share/terminfo" "$R/bin/tput" -T xterm-256color colors
expect tput-vt100-cols "80" env TERMINFO="$R/usr/share/terminfo" "$R/bin/tput" -T vt100 cols
if grep -aq '/usr/share/terminfo' "$R/bin/tput"; then pass terminfo-path-compiled-in; else fail terminfo-path-compiled-in "no /usr/share/terminfo in tput"; fi

# ------------------------------------------------------------------ /etc
expect etc-passwd "root:0 user:1000" bash -c "cut -d: -f1,3 $R/etc/passwd | head -n 2 | tr '\n' ' ' | sed 's/ \$//'"
check etc-group grep -q '^user:x:1000:' "$R/etc/group"
expect etc-hostname "capix" cat "$R/etc/hostname"
check etc-shells grep -qx /bin/bash "$R/etc/shells"
check etc-inputrc test -s "$R/etc/inputrc"
expect etc-localtime "UTC" env TZ="$R/etc/localtime" "$R/bin/date" +%Z
expect etc-profile "/bin /tmp" env -i HOME=/tmp "$R/bin/bash" -c ". $R/etc/profile; cd /tmp; echo \$PATH \$PWD"
out=$(script -qec "env -i HOME=/tmp PATH=$R/bin TERM=dumb $R/bin/bash --noprofile --norc -ic '. $R/etc/bash.bashrc; cd /usr; echo \"P=\${PS1@P}\"'" /dev/null </dev/null 2>&1)
if grep -q 'P=.*@.*:/usr[#$]' <<<"$out"; then pass etc-prompt-shows-cwd; else fail etc-prompt-shows-cwd "$(tr '\r\n' '  ' <<<"$out" | cut -c1-160)"; fi

# ------------------------------------------------------------------ libraries
for f in usr/lib/libz.a usr/include/zlib.h usr/lib/liblwip.a usr/include/lwip/lwipopts.h \
    usr/include/lwip/lwip/tcp.h usr/src/lwip/src/Filelists.mk usr/lib/libncursesw.a \
    usr/include/curses.h usr/lib/libcap-ng.a usr/include/cap-ng.h; do
  if [[ -s $SYS/$f ]]; then pass "sysroot $f"; else fail "sysroot $f" missing; fi
done
if musl-gcc -static -O2 -I"$SYS/usr/include" tests/ports/zlib_roundtrip.c "$SYS/usr/lib/libz.a" \
    -o "$TMP/zlib_roundtrip" >"$TMP/zlib.log" 2>&1; then
  out=$("$TMP/zlib_roundtrip" 2>&1) || true
  echo "$out"
  grep -q '^FAIL' <<<"$out" && failures=$((failures + 1))
else
  fail zlib-link "$(tail -n 2 "$TMP/zlib.log" | tr '\n' ' ')"
fi
if musl-gcc -static -O2 -I"$SYS/usr/include/lwip" tests/ports/lwip_loopback.c net/net_chksum.c \
    "$SYS/usr/lib/liblwip.a" -o "$TMP/lwip_loopback" >"$TMP/lwip.log" 2>&1; then
  out=$(timeout 20 "$TMP/lwip_loopback" 2>&1) || true
  echo "$out"
  grep -q '^PASS lwip-tcp-loopback' <<<"$out" || fail lwip-run "no PASS from lwip_loopback"
  grep -q '^FAIL' <<<"$out" && failures=$((failures + 1))
else
  fail lwip-link "$(tail -n 2 "$TMP/lwip.log" | tr '\n' ' ')"
fi

# ------------------------------------------------------------------ Open POSIX Test Suite
if [[ -s $PT/tests.tsv ]]; then
  pass posixtests-list
  built=$(awk -F'\t' '$1 ~ /^conformance\/interfaces\// && $2 == "run" && $3 == "built"' "$PT/tests.tsv" | wc -l)
  linkfail=$(awk -F'\t' '$1 ~ /^conformance\/interfaces\// && $3 == "link-failed"' "$PT/tests.tsv" | wc -l)
  if ((built >= 1690)); then pass "posixtests-built ($built interface tests)"; else fail posixtests-built "only $built interface tests built"; fi
  if ((linkfail <= 6)); then pass "posixtests-link-failures ($linkfail, musl lacks prioceiling)"; else fail posixtests-link-failures "$linkfail"; fi
  missing=0
  while IFS=$'\t' read -r t kind status _; do
    [[ $kind == run && $status == built ]] || continue
    [[ -x $PT/$t.test ]] || missing=$((missing + 1))
  done <"$PT/tests.tsv"
  if ((missing == 0)); then pass posixtests-binaries-present; else fail posixtests-binaries-present "$missing listed but missing"; fi
  for t in clock_gettime/1-1 sigaction/1-1 pthread_create/1-1 sem_init/1-1 fork/1-1 \
      nanosleep/1-1 kill/1-1 timer_create/1-1; do
    d=$PT/conformance/interfaces/${t%/*}
    rc=0
    (cd "$d" && timeout -k 5 30 "./${t#*/}.test" </dev/null >"$TMP/pt.log" 2>&1) || rc=$?
    if ((rc == 0)); then pass "posixtest $t"; else fail "posixtest $t" "exit $rc: $(head -c 150 "$TMP/pt.log" | tr '\n' ' ')"; fi
  done
else
  fail posixtests-list "no $PT/tests.tsv"
fi

exit $((failures > 0))
