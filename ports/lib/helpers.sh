# Helpers for port recipes, sourced by ports/build-port before the recipe.
# Each recipe step runs in a subshell in the unpacked source tree ($SRC) with `set -e`,
# after musl_env. Variables a recipe can use:
#   SRC            the unpacked, patched source tree (the current directory)
#   PORTDIR        ports/NAME (absolute), for files that come with the recipe
#   SYSROOT        build/ports-sysroot: headers and static libraries of built ports
#   ROOTFS         build/rootfs (read it, never write it: install into DEST_ROOTFS)
#   DEST_ROOTFS    stage for build/rootfs        (port_install writes here)
#   DEST_SYSROOT   stage for build/ports-sysroot (port_install writes here)
#   DEST_POSIXTESTS stage for build/posixtests   (port_install writes here)

# The toolchain every port uses: Debian's stock musl-gcc, static, no debug info.
musl_env() {
  export CC=musl-gcc AR=ar RANLIB=ranlib STRIP=strip
  export CFLAGS="-O2 -pipe"
  export CPPFLAGS="-I$SYSROOT/usr/include"
  export LDFLAGS="-static -L$SYSROOT/usr/lib"
  # coreutils and tar refuse to configure as root without it; we never run them as root
  # in a way that matters (they are built, not installed, by root).
  export FORCE_UNSAFE_CONFIGURE=1
  # Builds run as root here; keep them from asking a terminal anything.
  export DEBIAN_FRONTEND=noninteractive
}

# make with the job server of the calling make, or with one job per core when run alone.
pmake() {
  if [[ ${MAKEFLAGS:-} == *jobserver* ]]; then
    make "$@"
  else
    make -j"$(nproc)" "$@"
  fi
}

# Configure for /usr without translations or dependency tracking; extra flags follow.
gnu_configure() {
  ./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
    --disable-nls --disable-dependency-tracking "$@"
}

# Debian's patches touch autotools inputs (configure.ac, Makefile.am, m4/*.m4, gnulib.mk)
# in ways that do not matter for our build, but their new mtimes would make `make` rerun
# automake/autoconf, which fails unless the exact versions upstream used are installed.
# So: give every file one old mtime, then make aclocal.m4 newer, then the files generated
# from it (configure, Makefile.in, config.h.in) newer still.
autotools_freeze() {
  local t
  t=$(($(date +%s) - 600))
  find . -type f -exec touch -h -d "@$t" {} +
  find . -name aclocal.m4 -type f -exec touch -d "@$((t + 10))" {} +
  find . \( -name configure -o -name Makefile.in -o -name config.h.in -o -name config.hin \
    -o -name stamp-h.in \) -type f -exec touch -d "@$((t + 20))" {} +
}

# Copies programs into DEST_ROOTFS/bin: bin_install FILE...
bin_install() {
  install -d "$DEST_ROOTFS/bin"
  install -m 0755 "$@" "$DEST_ROOTFS/bin/"
}

# Writes a small shell wrapper DEST_ROOTFS/bin/NAME that runs "PROGRAM ARGS... $@".
bin_wrapper() {
  local name=$1
  shift
  install -d "$DEST_ROOTFS/bin"
  printf '#!/bin/sh\nexec %s "$@"\n' "$*" >"$DEST_ROOTFS/bin/$name"
  chmod 0755 "$DEST_ROOTFS/bin/$name"
}

# Strips every ELF file under DIR (programs run in capix need no symbols; the unstripped
# ones stay in the build tree for debugging).
strip_elves() {
  local f
  find "$1" -type f -print0 | while IFS= read -r -d '' f; do
    if [[ $(head -c 4 "$f" | od -An -c | tr -d ' ') == '177ELF' ]]; then
      strip --strip-all "$f"
    fi
  done
}
