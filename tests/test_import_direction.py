"""Imports run one way: core <- articles <- claims, and newsarchive (the project: settings, root
URLs, WSGI, the database bootstrap) above them all, importing apps only from its root URLconf.

Every import in every module is read, those inside functions too, so a lazy import can't hide
a dependency that runs the wrong way.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What each package may import of the project's packages.
ALLOWED = {
    "core": set(),
    "articles": {"core"},
    "claims": {"core", "articles"},
    "reconciliation": {"core", "articles", "claims"},
    "watches": {"core", "articles"},
    "alerts": {"core", "articles", "claims"},
    "newsarchive": set(),
}
ROOT_URLCONF = ROOT / "newsarchive" / "urls.py"
PROJECT_PACKAGES = set(ALLOWED)


def modules(package):
    return sorted((ROOT / package).rglob("*.py"))


def imported_packages(path):
    """(line, package) for each import of one of the project's packages in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, name.split(".")[0]) for name in names]
    return [(line, package) for line, package in found if package in PROJECT_PACKAGES]


def wrong_way_imports(package):
    allowed = ALLOWED[package] | {package}
    return [
        f"{path.relative_to(ROOT)}:{line} imports {imported}"
        for path in modules(package)
        if path != ROOT_URLCONF
        for line, imported in imported_packages(path)
        if imported not in allowed
    ]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_run_one_way(package):
    assert wrong_way_imports(package) == []


def test_the_root_urlconf_is_where_the_project_imports_apps():
    imported = {package for _, package in imported_packages(ROOT_URLCONF)}
    assert imported <= {"articles", "claims", "core"}


def test_a_wrong_way_import_is_caught(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def lazy():\n    from claims.models import Claim\n")
    assert imported_packages(module) == [(2, "claims")]
