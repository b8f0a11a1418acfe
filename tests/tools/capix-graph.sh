#!/usr/bin/env bash
# tools/capix graph (docs/graph.md): the image and the reachability listing of the
# default config, of a config with two sandboxes, program rules, a route no policy
# accepts and a tree label no route takes, and the errors of bad configs (FILE:LINE:COL
# and a nonzero status). The listings are compared line for line with what the configs
# say, so a change of meaning in the tool or in init's reader shows here.
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rc=0
pass() { echo "PASS graph-$1"; }
fail() { echo "FAIL graph-$1: $2"; rc=1; }

# An image: a well-formed SVG naming every NAME, or a PNG of some size.
check_image() { # FILE NAME...
  local file=$1; shift
  python3 - "$file" "$@" <<'EOF'
import struct, sys, xml.etree.ElementTree as ET
path, names = sys.argv[1], sys.argv[2:]
data = open(path, "rb").read()
if path.endswith(".png"):
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        sys.exit("not a PNG")
    w, h = struct.unpack(">II", data[16:24])
    if w < 200 or h < 100 or len(data) < 5000:
        sys.exit("a PNG of %dx%d, %d bytes: too small for the system" % (w, h, len(data)))
    sys.exit(0)
root = ET.fromstring(data)
if not root.tag.endswith("svg"):
    sys.exit("the root element is %s, not svg" % root.tag)
texts = [t.text or "" for t in root.iter() if t.tag.endswith("text")]
for n in names:
    if not any(n in t for t in texts):
        sys.exit("no text of the image names %r" % n)
if len(texts) < 10:
    sys.exit("only %d texts in the image" % len(texts))
EOF
}

image_ok() { # CASE FILE NAME...: PASS or FAIL line
  local case=$1 file=$2; shift 2
  local out
  if [[ ! -s $file ]]; then
    fail "$case" "no image at $file"
  elif out=$(check_image "$file" "$@" 2>&1); then
    pass "$case ($(wc -c <"$file") bytes)"
  else
    fail "$case" "$out"
  fi
}

# Lines that must be in a listing, exactly (leading spaces included).
has_lines() { # CASE LISTING LINE...
  local case=$1 listing=$2 missing=(); shift 2
  for l in "$@"; do grep -Fxq -- "$l" "$listing" || missing+=("$l"); done
  if ((${#missing[@]})); then
    fail "$case" "missing from the listing: $(printf '[%s] ' "${missing[@]}")"
  else
    pass "$case (${#} lines)"
  fi
}

# ---- the default config
if tools/capix graph -o "$tmp/default.svg" >"$tmp/default.txt" 2>"$tmp/default.err"; then
  pass "default-runs"
else
  fail "default-runs" "exit status $?: $(head -3 "$tmp/default.err")"
fi
image_ok default-svg "$tmp/default.svg" terminal rootfs tmp home shell "sandbox shell"
has_lines default-listing "$tmp/default.txt" \
  "shell: sandbox (binary posix-spawn), quota 160M" \
  "  route Terminal (any label) -> terminal" \
  "  route File_system label=rootfs -> rootfs: 'shell -> rootfs' read-only, root /" \
  "  route File_system label=tmp -> tmp: 'shell -> tmp' writable, root /" \
  "  route File_system label=home -> home: 'shell -> home' writable, root /" \
  "  tree /: File_system label=rootfs -> rootfs, read-only, root /" \
  "  tree /dev/tty: Terminal label=console -> terminal" \
  "  tree /tmp: File_system label=tmp -> tmp, writable, root /" \
  "  tree /root: File_system label=home -> home, writable, root /" \
  "  tree /proc: proc (in the process)" \
  "terminal: component (binary terminal), quota 1M, provides Terminal" \
  "tmp: component (binary ram_fs), quota 64M, provides File_system" \
  "  policy label=\"shell -> tmp\" root=/ writeable"
# nothing the config does not grant: no denied session in the default system
if grep -q denied "$tmp/default.txt"; then
  fail default-nothing-denied "$(grep denied "$tmp/default.txt" | head -2)"
else
  pass default-nothing-denied
fi
if tools/capix graph config/default.config -o "$tmp/default.png" >/dev/null 2>&1; then
  image_ok default-png "$tmp/default.png"
else
  fail default-png "exit status $?"
fi

# ---- two sandboxes sharing a server, program rules, a denied route and a denied mount;
# beta: a prefix route takes whole elements only (not bx), init refuses a label with ->
cat >"$tmp/two.config" <<'EOF'
# two sandboxes share one file server; alpha has two program rules
component files {
    binary ram_fs
    provides File_system
    quota 8M
    config {
        ram
        policy label="alpha -> data" root=/ writeable
        policy label-prefix="beta" root=/beta
    }
}
component term {
    binary terminal
    provides Terminal
    io 0x2f8 8 uart
    irq 3
}
component alpha {
    binary posix-spawn
    boot-archive
    quota 64M
    route Terminal to=term
    route File_system label=data to=files
    route File_system label=secret to=files
    config {
        vfs {
            tar @boot
            dir /dev { terminal tty label=console; null }
            dir /data { fs label=data }
            dir /secret { fs label=secret }
            dir /tmp { ram }
        }
        program /bin/vi {
            vfs { dir /data { fs label=data }; dir /tmp { ram } }
        }
        program /bin/mail {
            vfs { dir /net { fs label=net } }
        }
    }
}
component beta {
    binary posix-spawn
    boot-archive
    route File_system label-prefix=b to=files
    route File_system label=bhome to=files
    config {
        vfs {
            tar @boot
            dir /home { fs label=bhome }
            dir /b { fs label=b }
            dir /bx { fs label=bx }
            dir /inj { fs label="x -> b" }
        }
    }
}
EOF
cat >"$tmp/two.expected" <<'EOF'
files: component (binary ram_fs), quota 8M, provides File_system
  serves ram
  policy label="alpha -> data" root=/ writeable
  policy label-prefix=beta root=/beta
  no routes: reaches no service
term: component (binary terminal), quota 4M, provides Terminal
  no routes: reaches no service
alpha: sandbox (binary posix-spawn), quota 64M
  route Terminal (any label) -> term
  route File_system label=data -> files: 'alpha -> data' writable, root /
  route File_system label=secret -> files: 'alpha -> secret' denied (no policy of files takes 'alpha -> secret')
  tree /: tar @boot (in the process, read-only)
  tree /dev/tty: Terminal label=console -> term
  tree /data: File_system label=data -> files, writable, root /
  tree /secret: File_system label=secret -> files, denied (no policy of files takes 'alpha -> secret')
  tree /tmp: ram (in the process, writable)
  program /bin/vi:
    tree /data: File_system label=data -> files, writable, root /
    tree /tmp: ram (in the process, writable)
  program /bin/mail:
    tree /net: File_system label=net: denied (no route)
beta: sandbox (binary posix-spawn), quota 4M
  route File_system label-prefix=b -> files: each label L as 'beta -> L' by the policies of files
  route File_system label=bhome -> files: 'beta -> bhome' read-only, root /beta
  tree /: tar @boot (in the process, read-only)
  tree /home: File_system label=bhome -> files, read-only, root /beta
  tree /b: File_system label=b -> files, read-only, root /beta
  tree /bx: File_system label=bx: denied (no route)
  tree /inj: File_system label="x -> b": denied (init refuses a label with '->' or a control character)
EOF
if tools/capix graph "$tmp/two.config" -o "$tmp/two.svg" >"$tmp/two.txt" 2>"$tmp/two.err"; then
  if diff -u "$tmp/two.expected" "$tmp/two.txt" >"$tmp/two.diff"; then
    pass "two-sandboxes-listing ($(wc -l <"$tmp/two.txt") lines)"
  else
    fail two-sandboxes-listing "differs: $(tail -n +3 "$tmp/two.diff" | grep '^[-+]' | head -4 | tr '\n' '|')"
  fi
  image_ok two-sandboxes-svg "$tmp/two.svg" "sandbox alpha" "sandbox beta" "program /bin/vi" \
    "program /bin/mail" "denied" files term
else
  fail two-sandboxes-listing "exit status $?: $(head -3 "$tmp/two.err")"
fi

# ---- errors: FILE:LINE:COL: what was expected, a nonzero status, no image
err_case() { # CASE CONFIG-TEXT EXPECTED-STDERR-LINE
  local case=$1 text=$2 want=$3 got st
  printf '%s' "$text" >"$tmp/$case.config"
  tools/capix graph "$tmp/$case.config" -o "$tmp/$case.svg" >"$tmp/$case.out" 2>"$tmp/$case.err"
  st=$?
  got=$(grep -v '^image:' "$tmp/$case.err")
  want=${want//@F@/$tmp/$case.config}
  if ((st == 0)); then
    fail "$case" "exit status 0 for a bad config"
  elif [[ $got != "$want" ]]; then
    fail "$case" "stderr [$got], expected [$want]"
  elif [[ -e $tmp/$case.svg || -s $tmp/$case.out ]]; then
    fail "$case" "an image or a listing for a bad config"
  else
    pass "$case (status $st)"
  fi
}
err_case error-syntax $'component a {\n    binary ram_fs\n    route File_system to=b\n' \
  "@F@:4:1: expected '}' to close 'component' opened at line 1, found end of file"
err_case error-no-provider $'component a {\n    binary posix-spawn\n    route File_system label=x to=b\n}\ncomponent b {\n    provides Terminal\n}\n' \
  "@F@:3:5: route to 'b': it does not provide File_system"
err_case error-policy $'component fs {\n    binary ram_fs\n    provides File_system\n    config {\n        policy label=x root=/ readonly\n    }\n}\n' \
  "@F@:5:9: as in: policy [label=L | label-prefix=L | label-suffix=L] root=/PATH [writeable]"
err_case error-program $'component s {\n    binary posix-spawn\n    config {\n        program vi { vfs { ram } }\n    }\n}\n' \
  "@F@:4:9: as in: program /usr/bin/vim { vfs { ... } }"
err_case error-name $'component "shell -> tmp" {\n    binary ram_fs\n}\n' \
  "@F@:1:1: 'component' takes a name of 1 to 31 letters, digits, '_', '-' and '.'"

# a suffix the tool cannot draw
if tools/capix graph -o "$tmp/x.gif" >/dev/null 2>&1; then
  fail bad-suffix "exit status 0 for -o x.gif"
else
  pass bad-suffix
fi
exit $rc
