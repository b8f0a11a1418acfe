#!/usr/bin/env python3
"""tools/capix-graph.py: what a capix system config grants, as a listing and a picture.

    tools/capix-graph.py --dump build/host/config-dump CONFIG [-o OUT.svg|OUT.png|OUT.dot]

The config is read by build/host/config-dump (lib/config and init's own reader, so its
errors are init's: FILE:LINE:COL: MESSAGE, exit status 1). This script then works out,
for each component, what it can reach (docs/graph.md):

  - each route: service, label condition, provider; for a File_system session of an
    exact label, the provider's first `policy` that matches the full label
    "CLIENT -> LABEL" (fs-servers/lib/fs_native.c): its root and whether it is
    writeable; no policy matching means the session is denied;
  - for a sandbox (binary posix-spawn): every mount of its `vfs { }` tree and the
    session behind it (`dir /tmp { fs label=tmp }`: /tmp is the session 'tmp', routed
    by the sandbox's routes), and the same for each per-program tree
    (`program PATH { vfs { ... } }` in the launcher's config).

It prints that listing on stdout and draws the system with Graphviz `dot`.
Only the standard library is used.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

FS_SERVERS = ("ram_fs", "vfs", "fat")  # the binaries whose policies fs_native.c reads
MAX_POLICIES = 16  # fs_native.c
FULL_LABEL_BYTES = 128  # CX_SESSION_FULL_WORDS * 8, NUL included
TREE_PLUGINS = ("ram", "tar", "proc", "fs")  # vfs tree plugins: a directory's content
MATCH_WORDS = {"label": "label", "label-prefix": "label-prefix",
               "label-suffix": "label-suffix"}


class ConfigError(Exception):
    """A config error, already formatted as FILE:LINE:COL: MESSAGE."""


def size_text(n):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return "%d%s" % (n >> shift, unit)
    return str(n)


SEP = b" -> "  # between the elements of a label (docs/sessions.md, "Labels")


def label_matches(match, pattern, label):
    """lib/capix/label.c: cx_label_matches, on bytes: prefixes and suffixes of whole
    elements; a separator at a pattern's open end is the same as none."""
    p = pattern.encode("utf-8", "surrogateescape") if pattern is not None else b""
    lab = label.encode("utf-8", "surrogateescape")
    if match == "any":
        return True
    if match == "label":
        return p == lab
    if match == "label-prefix":
        if p.endswith(b" ->"):
            p = p[:-3]
        elif p.endswith(SEP):
            p = p[:-4]
        return not p or lab == p or lab.startswith(p + SEP)
    if p.startswith(SEP):
        p = p[4:]
    elif p.startswith(b"-> "):
        p = p[3:]
    return not p or lab == p or lab.endswith(SEP + p)


def label_refused(client, label):
    """init/route.c route_label_check: why init refuses a label a component asks for
    (one element, no control character, whole after the name), or None."""
    raw = label.encode("utf-8", "surrogateescape")
    if b"->" in raw or any(b < 0x20 or b == 0x7f for b in raw):
        return "init refuses a label with '->' or a control character"
    if len(client.encode("utf-8", "surrogateescape")) + (4 + len(raw) if raw else 0) \
            >= FULL_LABEL_BYTES:
        return "init refuses a label that does not fit after the name"
    return None


def full_label(client, label):
    """init/route.c: route_full_label, cut to what a provider sees."""
    full = client if not label else client + " -> " + label
    raw = full.encode("utf-8", "surrogateescape")[:FULL_LABEL_BYTES - 1]
    return raw.decode("utf-8", "surrogateescape")


def condition_text(match, label):
    return "(any label)" if match == "any" else '%s=%s' % (match, quote_word(label))


def quote_word(s):
    """A value as the config would write it: a word when it can be one."""
    if s and not any(c in s for c in ' \t{};"#=\\') and s.isprintable():
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Policy:
    def __init__(self, match, label, root, writeable, line):
        self.match, self.label, self.root = match, label, root
        self.writeable, self.line = writeable, line

    def text(self):
        cond = "" if self.match == "any" else " %s=%s" % (self.match, quote_word(self.label))
        return "policy%s root=%s%s" % (cond, self.root, " writeable" if self.writeable else "")


class Component:
    def __init__(self, data, path):
        self.name = data["name"]
        self.binary = data["binary"]
        self.quota = data["quota"]
        self.provides = data["provides"]
        self.routes = data["routes"]
        self.config = data["config"]
        self.path = path
        self.policies = []
        self.serves = []  # what a file-system server serves, as config text
        self.tree = None  # a sandbox's mounts
        self.programs = []  # (path, mounts)
        self.sandbox = self.binary == "posix-spawn"
        if self.binary in FS_SERVERS:
            self.read_fs_server()
        if self.sandbox:
            self.read_sandbox()

    def error(self, node, msg):
        return ConfigError("%s:%d:%d: %s" % (self.path, node["line"], node["col"], msg))

    def children(self):
        return self.config["children"] if self.config else []

    def read_fs_server(self):
        """fs_native.c read_config: policies, and the file system served."""
        for n in self.children():
            if n["name"] == "policy":
                if len(self.policies) == MAX_POLICIES:
                    raise self.error(n, "too many policies (at most %d)" % MAX_POLICIES)
                match, label = "any", None
                for kind in ("label", "label-prefix", "label-suffix"):
                    if kind in n["props"]:
                        match, label = kind, n["props"][kind]
                root = n["props"].get("root", "/")
                args = n["args"]
                writeable = args == ["writeable"]
                if len(args) > 1 or (len(args) == 1 and not writeable) or not root.startswith("/"):
                    raise self.error(n, "as in: policy [label=L | label-prefix=L | "
                                        "label-suffix=L] root=/PATH [writeable]")
                self.policies.append(Policy(match, label, root, writeable, n["line"]))
            else:
                self.serves.append(node_text(n))
        if not self.serves and self.binary == "ram_fs":
            self.serves.append("ram")

    def policy_for(self, label):
        """The first policy that matches the full label, or None (denied)."""
        for p in self.policies:
            if label_matches(p.match, p.label, label):
                return p
        return None

    def read_sandbox(self):
        vfs = [n for n in self.children() if n["name"] == "vfs"]
        self.tree = mounts_of(vfs[0], self) if vfs else default_tree()
        for n in self.children():
            if n["name"] != "program":
                continue
            if len(n["args"]) != 1 or n["props"] or not n["args"][0].startswith("/"):
                raise self.error(n, "as in: program /usr/bin/vim { vfs { ... } }")
            pv = [c for c in n["children"] if c["name"] == "vfs"]
            other = [c for c in n["children"] if c["name"] != "vfs"]
            if len(pv) != 1 or other:
                bad = other[0] if other else n
                raise self.error(bad, "a program rule holds one vfs { ... } block")
            self.programs.append((n["args"][0], mounts_of(pv[0], self)))


def node_text(n):
    parts = [n["name"]] + [quote_word(a) for a in n["args"]]
    parts += ["%s=%s" % (k, quote_word(v)) for k, v in n["props"].items()]
    text = " ".join(parts)
    if n["children"]:
        text += " { " + "; ".join(node_text(c) for c in n["children"]) + " }"
    return text


def join(base, rel):
    rel = "/".join(p for p in rel.split("/") if p)
    if not rel:
        return base
    return (base.rstrip("/") + "/" + rel) if base != "/" else "/" + rel


def mounts_of(vfs, comp):
    """The mounts of a vfs block: (path, plugin, service, label, text), in order."""
    out = []

    def walk(block, here, top):
        for n in block["children"]:
            name = n["name"]
            if name == "dir":
                if len(n["args"]) != 1:
                    raise comp.error(n, "'dir' takes one path")
                p = n["args"][0]
                if p.startswith("/") and not top:
                    raise comp.error(n, "a path inside a dir block is relative")
                walk(n, join(here, p), False)
            elif name == "fs":
                out.append((here, "fs", "File_system", n["props"].get("label", ""), None))
            elif name == "terminal":
                dev = n["args"][0] if n["args"] else "tty"
                out.append((join(here, dev), "terminal", "Terminal",
                            n["props"].get("label", ""), None))
            elif name in TREE_PLUGINS:
                out.append((here, name, None, None, node_text(n)))
            elif name == "uart":
                dev = n["args"][0] if n["args"] else "uart"
                out.append((join(here, dev), "uart", None, None, node_text(n)))
    walk(vfs, "/", True)
    return out


def default_tree():
    """libc/start.c's tree when the launcher's config has no vfs block."""
    return [("/", "tar", None, None, "tar @boot"), ("/proc", "proc", None, None, "proc"),
            ("/tmp", "ram", None, None, "ram")]


class System:
    def __init__(self, data):
        self.path = data["file"]
        self.components = [Component(c, self.path) for c in data["components"]]
        self.by_name = {c.name: c for c in self.components}

    def route(self, comp, service, label):
        """init/route.c route_find: (route, provider) or (None, None)."""
        for r in comp.routes:
            if r["service"] == service and label_matches(r["match"], r["label"], label):
                return r, self.by_name.get(r["to"])
        return None, None

    def grant(self, comp, service, label, provider):
        """What provider grants comp's session of label: (text, kind) where kind is
        'rw', 'ro', 'denied' or 'session'."""
        if service != "File_system" or provider.binary not in FS_SERVERS:
            return "", "session"
        full = full_label(comp.name, label)
        p = provider.policy_for(full)
        if p is None:
            return "denied (no policy of %s takes '%s')" % (provider.name, full), "denied"
        if p.writeable:
            return "writable, root %s" % p.root, "rw"
        return "read-only, root %s" % p.root, "ro"

    def reach(self, comp, service, label):
        """A session comp asks for: (text, provider or None, kind)."""
        why = label_refused(comp.name, label)
        if why:
            return "%s label=%s: denied (%s)" % (service, quote_word(label), why), None, "denied"
        r, prov = self.route(comp, service, label)
        if r is None:
            return "%s label=%s: denied (no route)" % (service, quote_word(label)), None, "denied"
        g, kind = self.grant(comp, service, label, prov)
        text = "%s label=%s -> %s" % (service, quote_word(label), prov.name)
        return (text + ", " + g if g else text), prov, kind

    def mount_lines(self, comp, mounts, indent):
        lines = []
        for path, plugin, service, label, text in mounts:
            if service:
                lines.append("%stree %s: %s" % (indent, path, self.reach(comp, service, label)[0]))
            else:
                what = {"ram": "in the process, writable", "tar": "in the process, read-only",
                        "proc": "in the process", "uart": "a serial port of the sandbox"}
                lines.append("%stree %s: %s (%s)" % (indent, path, text, what[plugin]))
        return lines

    def listing(self):
        out = []
        for c in self.components:
            head = "%s: %s (binary %s), quota %s" % (
                c.name, "sandbox" if c.sandbox else "component", c.binary, size_text(c.quota))
            if c.provides:
                head += ", provides " + " ".join(c.provides)
            out.append(head)
            for s in c.serves:
                out.append("  serves " + s)
            for p in c.policies:
                out.append("  " + p.text())
            if not c.routes:
                out.append("  no routes: reaches no service")
            for r in c.routes:
                prov = self.by_name[r["to"]]
                line = "  route %s %s -> %s" % (r["service"], condition_text(r["match"], r["label"]),
                                                 prov.name)
                if r["match"] == "label":
                    g, _ = self.grant(c, r["service"], r["label"], prov)
                    if g:
                        line += ": '%s' %s" % (full_label(c.name, r["label"]), g)
                elif r["service"] == "File_system" and prov.binary in FS_SERVERS:
                    line += ": each label L as '%s -> L' by the policies of %s" % (c.name, prov.name)
                out.append(line)
            if c.sandbox:
                out += self.mount_lines(c, c.tree, "  ")
                for path, mounts in c.programs:
                    out.append("  program %s:" % path)
                    out += self.mount_lines(c, mounts, "    ")
        return out

    def dot(self):
        d = ['digraph capix {', '  graph [rankdir=LR, compound=true, fontname="Helvetica", '
             'label=%s, labelloc=t];' % dq(
                 "capix system: %s\nedges: routes and program sessions; green writable, blue "
                 "dashed read-only, red dotted denied" % display_path(self.path)),
             '  node [fontname="Helvetica", fontsize=11];',
             '  edge [fontname="Helvetica", fontsize=9];']
        style = {"rw": 'color="darkgreen"', "ro": 'color="blue", style=dashed',
                 "denied": 'color="red", style=dotted', "session": 'color="black"'}
        for c in self.components:
            lines = [c.name, "binary %s, quota %s" % (c.binary, size_text(c.quota))]
            if c.provides:
                lines.append("provides " + " ".join(c.provides))
            lines += ["serves " + s for s in c.serves]
            lines += [p.text() for p in c.policies]
            if c.sandbox:
                d.append('  subgraph %s {' % dq("cluster_" + c.name))
                d.append('    label=%s; style="rounded,filled"; fillcolor="#f3f3ff";' % dq(
                    "sandbox %s (posix-spawn, quota %s)" % (c.name, size_text(c.quota))))
                d.append('    %s [shape=box, style=filled, fillcolor=white, label=%s];' % (
                    dq(c.name), dq_lines(lines)))
                tree = ["file tree"] + ["%s  %s" % (m[0], mount_short(m[1:])) for m in c.tree]
                d.append('    %s [shape=folder, style=filled, fillcolor=white, label=%s];' % (
                    dq(c.name + "/tree"), dq_lines(tree)))
                d.append('    %s -> %s [style=invis];' % (dq(c.name), dq(c.name + "/tree")))
                for i, (path, mounts) in enumerate(c.programs):
                    pl = ["program " + path] + ["%s  %s" % (m[0], mount_short(m[1:]))
                                                for m in mounts]
                    d.append('    %s [shape=tab, style=filled, fillcolor="#fff8e0", label=%s];' % (
                        dq("%s/program%d" % (c.name, i)), dq_lines(pl)))
                d.append('  }')
            else:
                d.append('  %s [shape=box, style="rounded,filled", fillcolor="#eef7ee", '
                         'label=%s];' % (dq(c.name), dq_lines(lines)))
        for c in self.components:
            for r in c.routes:
                prov = self.by_name[r["to"]]
                kind = "session"
                text = "%s %s" % (r["service"], condition_text(r["match"], r["label"]))
                if r["match"] == "label":
                    kind = self.grant(c, r["service"], r["label"], prov)[1]
                text += {"rw": "\nwritable", "ro": "\nread-only", "denied": "\ndenied"}.get(kind, "")
                d.append('  %s -> %s [label=%s, %s];' % (dq(c.name), dq(prov.name), dq(text),
                                                         style[kind]))
            # the sandbox's tree: mounts whose session has no route or no policy
            for i, mounts in enumerate([c.tree or []] + [m for _, m in c.programs]):
                src = c.name + "/tree" if i == 0 else "%s/program%d" % (c.name, i - 1)
                seen = set()
                for path, plugin, service, label, text in mounts:
                    if not service or (service, label) in seen:
                        continue
                    seen.add((service, label))
                    _, prov, kind = self.reach(c, service, label)
                    r, _ = self.route(c, service, label)
                    if i == 0 and kind != "denied" and r["match"] == "label":
                        continue  # the launcher's route edge says it already
                    tgt = prov.name if prov else None
                    if tgt is None:
                        tgt = "%s/denied" % c.name
                        d.append('  %s [shape=octagon, color=red, fontcolor=red, label="denied"];'
                                 % dq(tgt))
                    d.append('  %s -> %s [label=%s, %s];' % (
                        dq(src), dq(tgt), dq("%s label=%s" % (service, quote_word(label))),
                        style[kind]))
        d.append("}")
        return "\n".join(d) + "\n"


def display_path(path):
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def mount_short(m):
    plugin, service, label, text = m
    if service:
        return "%s label=%s" % (plugin, quote_word(label))
    return text


def dq(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dq_lines(lines):
    """A dot label of left-justified lines."""
    esc = [x.replace("\\", "\\\\").replace('"', '\\"') for x in lines]
    return '"' + "\\l".join(esc) + '\\l"'


def main():
    ap = argparse.ArgumentParser(description="draw a capix system config and list what "
                                             "each component can reach")
    ap.add_argument("--dump", required=True, help="the config-dump host tool")
    ap.add_argument("config")
    ap.add_argument("-o", dest="out", default="build/graph.svg",
                    help="image to write: .svg (default), .png, or .dot for the dot source")
    a = ap.parse_args()
    # config strings are bytes: what is not UTF-8 goes out as it came in
    sys.stdout.reconfigure(errors="surrogateescape")
    sys.stderr.reconfigure(errors="surrogateescape")
    p = subprocess.run([a.dump, a.config], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode("utf-8", "replace"))
        return 1
    try:
        system = System(json.loads(p.stdout.decode("utf-8", "surrogateescape")))
    except ConfigError as e:
        print(e, file=sys.stderr)
        return 1
    for line in system.listing():
        print(line)
    source = system.dot()
    ext = os.path.splitext(a.out)[1].lower()
    if ext not in (".svg", ".png", ".dot"):
        print("capix graph: -o takes a .svg, .png or .dot file", file=sys.stderr)
        return 2
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    if ext == ".dot":
        with open(a.out, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(source)
        return 0
    if not shutil.which("dot"):
        print("capix graph: Graphviz's dot is missing (Debian: apt-get install graphviz; "
              "tools/ensure-deps installs it)", file=sys.stderr)
        return 1
    r = subprocess.run(["dot", "-T" + ext[1:], "-o", a.out],
                       input=source.encode("utf-8", "surrogateescape"))
    if r.returncode != 0:
        print("capix graph: dot failed (status %d)" % r.returncode, file=sys.stderr)
        return 1
    print("image: %s" % a.out, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
