#!/usr/bin/env python3
"""Checks that #include dependencies point one way (docs/architecture.md).

    common <- schemas <- events <- aggregates <- projections <- consumers <- api <- tools

A file in one of these top-level folders may include headers of its own
folder and of the folders to its left, never of a folder to its right.
bench/ and tests/ may include anything.

Inside aggregates/ and projections/, each sub-folder is a context (cases,
identity, status, ...):
  - a context folder (e.g. aggregates/cases/) must not include another
    context's folder, in either aggregates/ or projections/;
  - the generic files of aggregates/ and projections/ (those directly in the
    folder) must not include any context folder: the shared machinery knows
    no context by name.

Only quoted includes whose first path segment is a project folder are
checked ("events/codec.h"); system and library includes (<...>) are not.

Usage: check_layering.py [ROOT]   (default: the repository this file is in)
Exit 0 when clean, 1 listing every violation as file:line: message.
Python 3 standard library only.
"""

import os
import re
import sys

LAYERS = ["common", "schemas", "events", "aggregates", "projections",
          "consumers", "api", "tools"]
UNCHECKED = {"bench", "tests"}
CONTEXT_PARENTS = {"aggregates", "projections"}
SOURCE_SUFFIXES = (".h", ".hh", ".hpp", ".cc", ".cpp", ".cxx", ".inc")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def context_of(parts):
    """The context of a path split into parts ("aggregates", "cases", ...):
    its sub-folder under aggregates/ or projections/, or None for a generic
    file (directly in the folder) or a path outside those folders."""
    if len(parts) >= 3 and parts[0] in CONTEXT_PARENTS:
        return parts[1]
    return None


def check_include(rel, target):
    """A message when file `rel` may not include `target`, else None."""
    src = rel.split("/")
    dst = target.split("/")
    if dst[0] not in LAYERS or src[0] in UNCHECKED:
        return None
    if LAYERS.index(dst[0]) > LAYERS.index(src[0]):
        return ('includes "%s": %s/ is above %s/ (%s)'
                % (target, dst[0], src[0], " <- ".join(LAYERS)))
    src_ctx, dst_ctx = context_of(src), context_of(dst)
    if dst_ctx is None:
        return None
    if src[0] in CONTEXT_PARENTS and src_ctx is None:
        return ('includes "%s": generic %s/ files must not include a context '
                "folder (%s/%s/)" % (target, src[0], dst[0], dst_ctx))
    if src_ctx is not None and src_ctx != dst_ctx:
        return ('includes "%s": context folder %s/%s/ must not include '
                "another context's folder (%s/%s/)"
                % (target, src[0], src_ctx, dst[0], dst_ctx))
    return None


def source_files(root):
    for top in LAYERS:
        base = os.path.join(root, top)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames
                                 if not d.startswith((".", "build"))
                                 and d != "node_modules")
            for name in sorted(filenames):
                if name.endswith(SOURCE_SUFFIXES):
                    path = os.path.join(dirpath, name)
                    yield os.path.relpath(path, root).replace(os.sep, "/")


def violations(root):
    for rel in source_files(root):
        with open(os.path.join(root, rel), encoding="utf-8",
                  errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                message = check_include(rel, m.group(1))
                if message:
                    yield "%s:%d: %s" % (rel, lineno, message)


def main(argv):
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    root = os.path.abspath(argv[1] if len(argv) > 1 else default)
    if not os.path.isdir(os.path.join(root, "common")):
        print("check_layering: %s is not the repository root" % root,
              file=sys.stderr)
        return 2
    found = list(violations(root))
    for v in found:
        print(v)
    if found:
        print("check_layering: %d include(s) break the layering"
              % len(found), file=sys.stderr)
        return 1
    print("check_layering: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
