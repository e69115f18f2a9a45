"""The layers of DESIGN.md, enforced rather than remembered: import-linter checks the contracts declared in
pyproject.toml ([tool.importlinter]) over the whole tree, and a copy of the tree with one deliberate violation
per contract must fail them, so a contract that stopped checking anything would fail here too."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("core", "models", "resolvers", "schema", "jobs", "server")
LINT = Path(sys.executable).with_name("lint-imports")

# One forbidden import per contract, written into a copy of the tree: (module file, import line, contract).
VIOLATIONS = [
    ("core/clock.py", "import models.tickets", "core imports none of our layers"),
    ("models/tickets.py", "import resolvers.kernel.errors", "models import only core"),
    ("resolvers/tickets/filing.py", "import strawberry", "resolvers never import the web, GraphQL or job layers"),
    ("resolvers/kernel/audit.py", "import jobs.runtime", "resolvers never import the web, GraphQL or job layers"),
    ("schema/tickets/types.py", "import tortoise", "schema never touches the ORM"),
    ("schema/accounts/auth.py", "import models.accounts", "schema never touches the ORM"),
    ("jobs/email.py", "import schema.root", "jobs call resolvers, not the GraphQL surface"),
    ("server/cli.py", "import models.tickets", "server reaches the data through resolvers"),
    ("resolvers/kernel/errors.py", "import resolvers.tickets.visibility", "the kernel imports no area"),
]


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    # --no-cache: grimp would otherwise write its cache into the tree it reads.
    return subprocess.run(
        [str(LINT), "--config", "pyproject.toml", "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120
    )


def contract_names() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [contract["name"] for contract in config["tool"]["importlinter"]["contracts"]]


def test_the_tree_keeps_every_layer_contract() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in contract_names():
        assert f"{name} KEPT" in result.stdout, result.stdout


def test_every_contract_has_a_deliberate_violation_here() -> None:
    assert sorted({contract for _, _, contract in VIOLATIONS}) == sorted(contract_names())


@pytest.mark.parametrize(("module", "line", "contract"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
def test_a_deliberate_violation_breaks_its_contract(tmp_path: Path, module: str, line: str, contract: str) -> None:
    for layer in LAYERS:
        shutil.copytree(ROOT / layer, tmp_path / layer, ignore=shutil.ignore_patterns("__pycache__", "templates"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{line}  # deliberate violation\n")
    result = lint(tmp_path)
    assert result.returncode != 0, result.stdout
    assert f"{contract} BROKEN" in result.stdout, result.stdout
