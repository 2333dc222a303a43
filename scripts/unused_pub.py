#!/usr/bin/env python3
"""List the `pub` items of knobs-core that no other crate names.

Why: issue 11 asks that the core make public only what other crates use. Rust's `dead_code`
lint is silent about `pub` items, so this script does the outside half of the check: for every
`pub` item in `crates/knobs-core/src` (fns and methods, structs, enums, traits, types, consts,
statics, modules, `pub use` re-exports and named fields) it looks for the item's name as a
word in the code of every other crate that links the core: the app (`src/`, `tests/`,
`examples/`, `benches/`) and the core's own integration tests and examples (each of those is
a separate crate too). A name that appears nowhere there cannot be used there.

It is a textual check, so it errs on the side of "used": a name that also belongs to some
other item outside counts as used. It does not see signatures either: a type no other crate
names but that a public function takes or returns must stay `pub` (rustc's
`private_interfaces` lint says so), so a few such types are always listed. Names too common to judge (`new`, `len`, `name`, ...) are
skipped. Trait-impl methods never carry `pub`, so they are never listed. Comments are ignored.

Usage:
    scripts/unused_pub.py              # summary and the unused items, one per line
    scripts/unused_pub.py --core-only  # the items only the core's own tests/examples name
    scripts/unused_pub.py --count      # just the number of unused items

Exit status is 0 whatever it finds; it reports, the compiler enforces (`unreachable_pub`).
"""

import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORE_SRC = os.path.join(ROOT, "crates", "knobs-core", "src")
APP_DIRS = ["src", "tests", "examples", "benches"]
CORE_OUTSIDE_DIRS = ["crates/knobs-core/tests", "crates/knobs-core/examples", "crates/knobs-core/benches"]

# Names so common that finding them outside says nothing about *this* item.
COMMON = {
    "new", "len", "name", "is_empty", "default", "get", "iter", "id", "value", "from", "into",
    "clone", "build", "run", "fit", "predict", "kind", "label", "index", "values", "data", "apply",
    "value_mut", "as_str", "parse", "with", "set", "reset", "seed", "state", "next", "tests",
}

ITEM = re.compile(
    r"^\s*pub\s+(?:(?:async|unsafe|const|extern\s+\"[^\"]*\")\s+)*"
    r"(fn|struct|enum|trait|type|const|static|mod|union)\s+([A-Za-z_][A-Za-z0-9_]*)"
)
FIELD = re.compile(r"^\s*pub\s+([a-z_][A-Za-z0-9_]*)\s*:")
USE = re.compile(r"^\s*pub\s+use\s+(.*?);?\s*$")
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
LINE_COMMENT = re.compile(r"//.*$")


def rust_files(dirs):
    """Every `.rs` file under the given folders of the repository."""
    for d in dirs:
        base = os.path.join(ROOT, d)
        for dirpath, _, files in os.walk(base):
            for f in files:
                if f.endswith(".rs"):
                    yield os.path.join(dirpath, f)


def words(paths):
    """The set of identifiers the files use, comments left out."""
    found = set()
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            text = fh.read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        for line in text.splitlines():
            found.update(IDENT.findall(LINE_COMMENT.sub("", line)))
    return found


def use_names(spec):
    """The names a `pub use` line brings in (the last segment, or the `as` alias)."""
    names = []
    inner = spec
    if "{" in spec:
        inner = spec[spec.index("{") + 1 : spec.rindex("}") if "}" in spec else len(spec)]
    for part in inner.split(","):
        part = part.strip()
        if not part or part.endswith("*") or part == "self":
            continue
        m = re.search(r"\bas\s+([A-Za-z_][A-Za-z0-9_]*)$", part)
        if m:
            names.append(m.group(1))
        else:
            names.append(part.split("::")[-1].strip())
    return names


def core_items():
    """Every `pub` item of the core: (path relative to the repo, line number, kind, name)."""
    items = []
    for p in sorted(rust_files(["crates/knobs-core/src"])):
        rel = os.path.relpath(p, ROOT)
        in_test_support = False
        with open(p, encoding="utf-8") as fh:
            for no, line in enumerate(fh, 1):
                # The feature-gated re-exports for the core's own tests are meant for them only.
                if re.match(r"^pub mod test_support\b", line):
                    in_test_support = not line.rstrip().endswith(";")
                    continue
                if in_test_support:
                    in_test_support = not line.startswith("}")
                    continue
                m = ITEM.match(line)
                if m:
                    items.append((rel, no, m.group(1), m.group(2)))
                    continue
                m = USE.match(line)
                if m:
                    for n in use_names(m.group(1)):
                        items.append((rel, no, "use", n))
                    continue
                m = FIELD.match(line)
                if m:
                    items.append((rel, no, "field", m.group(1)))
    return items


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", action="store_true", help="print only the number of unused items")
    ap.add_argument("--core-only", action="store_true",
                    help="list the items only the core's own tests/examples name")
    args = ap.parse_args()

    app = words(rust_files(APP_DIRS))
    core_outside = words(rust_files(CORE_OUTSIDE_DIRS))
    items = core_items()
    skipped = [i for i in items if i[3] in COMMON]
    judged = [i for i in items if i[3] not in COMMON]
    unused = [i for i in judged if i[3] not in app and i[3] not in core_outside]
    core_only = [i for i in judged if i[3] not in app and i[3] in core_outside]

    if args.count:
        print(len(unused))
        return 0
    chosen = core_only if args.core_only else unused
    for rel, no, kind, name in chosen:
        print(f"{rel}:{no}: {kind} {name}")
    print(
        f"# {len(items)} pub items in knobs-core ({len(skipped)} with names too common to judge); "
        f"{len(unused)} named by no other crate; {len(core_only)} named only by the core's own "
        f"tests/examples",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
