#!/usr/bin/env bash
# Builds the executables that lib/elf/elf_test.c reads, and for each one an .expect
# file written from readelf's view of it, which the test compares elf_parse with:
#   static      musl-gcc -static      ET_EXEC, PT_TLS, no PT_PHDR, .symtab
#   static-pie  gcc -static-pie       ET_DYN, no PT_INTERP
#   dynamic     gcc (PIE)             ET_DYN, PT_INTERP, PT_PHDR
#   stripped    strip of static       no .symtab
#   ls          copy of /bin/ls       a stripped distribution binary
# .expect lines: TYPE EXEC|DYN; ENTRY a; PHOFF n; PHDR vaddr; LOAD off vaddr filesz
# memsz flags align; INTERP path; TLS off vaddr filesz memsz align; STACK flags;
# SYMTAB yes|no; SYM value size name (FUNC and IFUNC symbols of .symtab).
# Usage: make-test-binaries.sh OUTDIR
set -euo pipefail
out=$(realpath -m "$1")
src=$(dirname "$0")/test_program.c
mkdir -p "$out"
musl-gcc -static -O1 -o "$out/static" "$src"
gcc -static-pie -O1 -o "$out/static-pie" "$src"
gcc -O1 -o "$out/dynamic" "$src"
strip -o "$out/stripped" "$out/static"
cp /bin/ls "$out/ls"
for f in static static-pie dynamic stripped ls; do
  b=$out/$f
  {
    readelf -hW "$b" | awk '
      /^  Type:/ { print "TYPE", $2 }
      /Entry point address:/ { print "ENTRY", $4 }
      /Start of program headers:/ { print "PHOFF", $5 }'
    readelf -lW "$b" | awk '
      function flags(   s, i) { s = ""; for (i = 7; i < NF; i++) s = s $i; return s }
      $1 == "PHDR" { print "PHDR", $3 }
      $1 == "LOAD" { print "LOAD", $2, $3, $5, $6, flags(), $NF }
      $1 == "TLS" { print "TLS", $2, $3, $5, $6, $NF }
      $1 == "GNU_STACK" { print "STACK", flags() }
      /Requesting program interpreter:/ { sub(/.*interpreter: /, ""); sub(/\]$/, ""); print "INTERP", $0 }'
    if readelf -SW "$b" | grep -q '\.symtab'; then echo "SYMTAB yes"; else echo "SYMTAB no"; fi
    readelf -sW "$b" | awk '
      /^Symbol table/ { in_symtab = ($0 ~ /\.symtab/) ; next }
      in_symtab && ($4 == "FUNC" || $4 == "IFUNC") && $7 != "UND" && NF >= 8 {
        print "SYM", "0x" $2, $3, $8 }'
  } >"$b.expect"
done
