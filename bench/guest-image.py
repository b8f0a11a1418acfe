#!/usr/bin/env python3
"""Images for the Linux guest of the benchmark.

  guest-image.py vmlinux BZIMAGE OUT     the ELF vmlinux inside a bzImage (x86 boot
                                         protocol: payload_offset/payload_length of the
                                         setup header; gzip, xz or zstd payload)
  guest-image.py initramfs OUT INIT [MODULE.ko | DEST=FILE ...]
                                         a newc cpio archive with INIT as /init, empty
                                         /dev, /proc and /tmp, and the kernel modules
                                         given in /modules (their names, in that order,
                                         in /modules/order: the benchmark loads them);
                                         DEST=FILE puts FILE at DEST (bin/bash=...),
                                         executable, its directory made
"""
import gzip
import lzma
import os
import struct
import subprocess
import sys


def extract_vmlinux(bzimage):
    data = open(bzimage, "rb").read()
    if data[0x202:0x206] != b"HdrS":
        raise ValueError("not a bzImage (no HdrS setup header)")
    setup_sects = data[0x1F1] or 4
    payload_offset, payload_length = struct.unpack_from("<II", data, 0x248)
    start = (setup_sects + 1) * 512 + payload_offset
    payload = data[start:start + payload_length]
    if payload.startswith(b"\xfd7zXZ"):
        # The kernel's xz stream is followed by the decompressed size; decompress the
        # first stream only.
        out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
    elif payload.startswith(b"\x1f\x8b"):
        out = gzip.GzipFile(fileobj=__import__("io").BytesIO(payload)).read()
    elif payload.startswith(b"\x28\xb5\x2f\xfd"):
        out = subprocess.run(["zstd", "-dc"], input=payload, stdout=subprocess.PIPE,
                             check=True).stdout
    else:
        raise ValueError(f"unknown payload compression {payload[:4].hex()}")
    if not out.startswith(b"\x7fELF"):
        raise ValueError("the payload is not an ELF file")
    return out


def cpio_entry(name, mode, data=b"", ino=1):
    name_b = name.encode() + b"\0"
    hdr = "070701" + "".join(f"{v:08x}" for v in (
        ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0))
    out = hdr.encode() + name_b
    out += b"\0" * (-len(out) % 4)
    out += data + b"\0" * (-len(data) % 4)
    return out


def make_initramfs(init_path, args=()):
    modules = [a for a in args if "=" not in a]
    files = [a.split("=", 1) for a in args if "=" in a]
    out = b""
    ino = 1
    dirs = ["dev", "proc", "tmp"] + (["modules"] if modules else [])
    for dest, _ in files:
        parts = dest.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in dirs:
                dirs.append(d)
    for d in dirs:
        out += cpio_entry(d, 0o40755, ino=ino)
        ino += 1
    for dest, src in files:
        out += cpio_entry(dest, 0o100755, open(src, "rb").read(), ino=ino)
        ino += 1
    names = []
    for m in modules:
        names.append(os.path.basename(m))
        out += cpio_entry("modules/" + names[-1], 0o100644, open(m, "rb").read(), ino=ino)
        ino += 1
    if modules:
        out += cpio_entry("modules/order", 0o100644, "".join(n + "\n" for n in names).encode(),
                          ino=ino)
        ino += 1
    out += cpio_entry("init", 0o100755, open(init_path, "rb").read(), ino=ino)
    out += cpio_entry("TRAILER!!!", 0, ino=0)
    return out + b"\0" * (-len(out) % 512)


def main(argv):
    if len(argv) == 4 and argv[1] == "vmlinux":
        data = extract_vmlinux(argv[2])
    elif len(argv) >= 4 and argv[1] == "initramfs":
        data = make_initramfs(argv[3], argv[4:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    tmp = argv[2 if argv[1] == "initramfs" else 3] + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, argv[2 if argv[1] == "initramfs" else 3])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
