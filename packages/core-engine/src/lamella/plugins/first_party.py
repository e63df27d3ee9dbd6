"""Which first-party distribution provides which name (generated; do not edit by hand).

Regenerate with ``tools/gen-first-party-index`` after adding or renaming a component in a
first-party package; a test fails while this table and the live registry disagree. The core
uses it only to say which distribution to ``pip install`` when a name is missing.
"""

FIRST_PARTY = {}
