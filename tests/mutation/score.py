"""Print the score of the last `mutmut run`, module by module: `make mutation` calls it.

A mutant counts as killed when a test failed or timed out on it; survivors and mutants no test
reached count against the score. Run from the project's root, where mutmut leaves `mutants/`.
"""

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

KILLED = {"killed", "timeout", "caught by type check", "segfault"}


def main():
    metas = sorted(Path("mutants").rglob("*.py.meta"))
    if not metas:
        sys.exit('No results: run "make mutation" first.')
    totals = Counter()
    print(f"{'module':34} {'mutants':>8} {'killed':>7} {'survived':>9} {'score':>6}")
    for meta in metas:
        exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
        statuses = Counter(status_by_exit_code[code] for code in exit_codes.values())
        killed = sum(statuses[status] for status in KILLED)
        checked = sum(statuses.values()) - statuses["not checked"] - statuses["skipped"]
        totals.update(checked=checked, killed=killed)
        module = str(meta.relative_to("mutants")).removesuffix(".meta")
        print(f"{module:34} {checked:8} {killed:7} {checked - killed:9} {score(killed, checked)}")
    print(
        f"{'all':34} {totals['checked']:8} {totals['killed']:7} "
        f"{totals['checked'] - totals['killed']:9} {score(totals['killed'], totals['checked'])}"
    )


def score(killed, checked):
    return f"{100 * killed / checked:5.1f}%" if checked else "    -"


if __name__ == "__main__":
    main()
