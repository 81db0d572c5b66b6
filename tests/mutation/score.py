"""Print the score of the last `mutmut run`, module by module: `make mutation` calls it.

A mutant counts as killed when a test failed or timed out on it; survivors and mutants no test
reached count against the score. Equivalent mutants, which can't change behaviour, are listed in
equivalents.txt with the reason and count neither way: a listed name that is no mutant of a
module the run mutated, or that a test killed, is warned about. Run from the project's root,
where mutmut leaves `mutants/`.
"""

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

KILLED = {"killed", "timeout", "caught by type check", "segfault"}
UNCHECKED = {"not checked", "skipped"}
EQUIVALENTS = Path(__file__).with_name("equivalents.txt")
COLUMNS = "mutants", "killed", "survived", "equivalent"


def main():
    metas = sorted(Path("mutants").rglob("*.py.meta"))
    if not metas:
        sys.exit('No results: run "make mutation" first.')
    equivalents = read_equivalents()
    print(f"{'module':34}", *(f"{column:>10}" for column in COLUMNS), " score")
    totals = Counter()
    for meta in metas:
        module = str(meta.relative_to("mutants")).removesuffix(".meta")
        statuses = {
            name: status_by_exit_code[code]
            for name, code in json.loads(meta.read_text())["exit_code_by_key"].items()
        }
        prefix = module.removesuffix(".py").replace("/", ".") + "."
        listed = {name: why for name, why in equivalents.items() if name.startswith(prefix)}
        for name in listed:
            if name not in statuses:
                warn(f"{name} is listed as equivalent but is no mutant")
            elif statuses[name] in KILLED:
                warn(f"{name} is listed as equivalent but a test killed it")
        counted = Counter(status for name, status in statuses.items() if name not in listed)
        row = Counter(
            mutants=counted.total() - sum(counted[status] for status in UNCHECKED),
            killed=sum(counted[status] for status in KILLED),
            equivalent=len(listed.keys() & statuses.keys()),
        )
        totals += row
        print_row(module, row)
        for name in sorted(listed.keys() & statuses.keys()):
            print(f"    equivalent: {name}  # {listed[name]}")
    print_row("all", totals)


def read_equivalents():
    """{mutant name: why it can't change behaviour}, from the lines `name  # why`."""
    equivalents = {}
    for line in EQUIVALENTS.read_text().splitlines():
        name, _, why = line.partition("#")
        if name.strip():
            equivalents[name.strip()] = why.strip()
    return equivalents


def print_row(module, row):
    mutants, killed = row["mutants"], row["killed"]
    score = f"{100 * killed / mutants:5.1f}%" if mutants else "    -"
    counts = mutants, killed, mutants - killed, row["equivalent"]
    print(f"{module:34}", *(f"{count:10}" for count in counts), score)


def warn(message):
    print(f"Warning: {message} ({EQUIVALENTS.name}).", file=sys.stderr)


if __name__ == "__main__":
    main()
