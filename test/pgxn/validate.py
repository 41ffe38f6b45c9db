#!/usr/bin/python3
"""Validate a PGXN META.json against the PGXN Meta Spec v1 JSON schema vendored beside this file.

    validate.py META.json [DIST_ROOT]

The schema (schema/v1/*.schema.json, from pgxn/meta; see README.md here) is JSON Schema 2020-12
and writes its patterns in the Rust regex dialect (\\p{Space}, [[:digit:]]), which Python's `re`
cannot read; `pattern` is therefore checked with the `regex` module (python3-regex), which reads
both. Formats are asserted: `path` (the schema's own format: relative, no `.` or `..` component)
is checked here, `uri`/`email`/`date-time` by jsonschema's format checker where it can.
With DIST_ROOT, every provides.*.file and docfile must also exist under it.
Prints each violation with its JSON path; exits 1 on any, 0 when valid.
"""
import json
import pathlib
import sys

import jsonschema
import regex
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

SCHEMA_DIR = pathlib.Path(__file__).resolve().parent / "schema" / "v1"
ROOT_ID = "https://pgxn.org/meta/v1/distribution.schema.json"


def rust_pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not regex.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


checker = FormatChecker()


@checker.checks("path")
def is_path(value):
    if not isinstance(value, str):
        return True
    if value.startswith("/") or "\\" in value:
        return False
    value = value[2:] if value.startswith("./") else value
    return all(part not in (".", "..") for part in value.split("/"))


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    store = {}
    for f in sorted(SCHEMA_DIR.glob("*.schema.json")):
        s = json.loads(f.read_text(encoding="utf-8"))
        # every file names draft 2020-12; dropped so that jsonschema, which picks the validator
        # class of a subschema from its $schema, keeps the class with the regex `pattern` below
        s.pop("$schema", None)
        store[s["$id"]] = s
    root = store[ROOT_ID]
    cls = validators.extend(Draft202012Validator, {"pattern": rust_pattern})
    try:  # jsonschema >= 4.18 resolves $ref through `referencing`
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012
        registry = Registry().with_resources(
            (uri, DRAFT202012.create_resource(s)) for uri, s in store.items())
        v = cls(root, registry=registry, format_checker=checker)
    except ImportError:  # Debian 12's jsonschema 4.10
        resolver = jsonschema.RefResolver(ROOT_ID, root, store=store)
        v = cls(root, resolver=resolver, format_checker=checker)

    meta_path = pathlib.Path(argv[1])
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        print(f"{meta_path}: not readable JSON: {e}")
        return 1
    problems = []
    for e in sorted(v.iter_errors(meta), key=lambda e: list(e.absolute_path)):
        where = "/" + "/".join(str(p) for p in e.absolute_path)
        problems.append(f"{where}: {e.message}")
        for sub in e.context or []:
            problems.append(f"    {'/'.join(str(p) for p in sub.absolute_path) or '.'}: {sub.message}")
    if len(argv) == 3 and isinstance(meta.get("provides"), dict):
        dist = pathlib.Path(argv[2])
        for ext, spec in meta["provides"].items():
            for key in ("file", "docfile"):
                if isinstance(spec, dict) and isinstance(spec.get(key), str) \
                        and not (dist / spec[key]).is_file():
                    problems.append(f"/provides/{ext}/{key}: {spec[key]} is not in the distribution")
    for p in problems:
        print(p)
    if problems:
        print(f"{meta_path}: INVALID against the PGXN Meta Spec v1 ({len(problems)} problem lines)")
        return 1
    print(f"{meta_path}: valid against the PGXN Meta Spec v1")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
