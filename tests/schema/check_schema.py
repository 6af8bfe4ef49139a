#!/usr/bin/env python3
"""Schema verdicts for the corpus: python3 check_schema.py SCHEMA CASES.

Prints one line per case of tests/schema/cases.json, in order: 1 when the
scenario is valid under the JSON Schema (Draft 2020-12, python3-jsonschema),
else 0. Exit code 3 when jsonschema is missing (the test then skips).
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    sys.exit(3)

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
for case in json.load(open(sys.argv[2])):
    print(1 if validator.is_valid(case["scenario"]) else 0)
