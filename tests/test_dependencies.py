"""The lock files: every package pinned and hashed, production without the test tools, and the
make targets installing them with hash checking."""

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
TEST_TOOLS = {
    "pytest",
    "pytest-xdist",
    "openapi-spec-validator",
    "playwright",
    "hypothesis",
    "schemathesis",
    "ruff",
    "bandit",
    "pip-audit",
}
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def requirements(name: str) -> dict[str, tuple[Requirement, list[str]]]:
    """Each requirement of a requirements file, by its normalised name, with its hashes."""
    text = (ROOT / name).read_text().replace("\\\n", " ")
    found = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        spec, *options = line.split()
        requirement = Requirement(spec)
        hashes = [o.removeprefix("--hash=") for o in options if o.startswith("--hash=")]
        found[canonicalize_name(requirement.name)] = (requirement, hashes)
    return found


def pinned_version(requirement: Requirement) -> str:
    (spec,) = requirement.specifier
    assert spec.operator == "==", f"{requirement} is not pinned with =="
    return spec.version


def test_production_installs_none_of_the_test_tools():
    production = set(requirements("requirements.txt"))
    assert production, "requirements.txt is empty"
    assert production.isdisjoint(TEST_TOOLS), production & TEST_TOOLS
    assert {"flask", "gunicorn", "psycopg", "psycopg-binary"} <= production
    # what the application's libraries pull in is locked too, not only what it names
    assert {"werkzeug", "jinja2", "markupsafe", "greenlet"} <= production
    assert TEST_TOOLS <= set(requirements("requirements-dev.txt"))


@pytest.mark.parametrize("lock_file", ["requirements.txt", "requirements-dev.txt"])
def test_every_locked_package_is_pinned_with_sha256_hashes(lock_file):
    locked = requirements(lock_file)
    for name, (requirement, hashes) in locked.items():
        pinned_version(requirement)
        assert hashes, f"{lock_file}: {name} has no hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), (name, hashes)


def declared(extra: str | None = None) -> dict[str, Requirement]:
    """pyproject.toml's dependencies (or one extra's), by normalised name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return {canonicalize_name(Requirement(s).name): Requirement(s) for s in specs}


@pytest.mark.parametrize(
    "extra, lock_file", [(None, "requirements.txt"), ("dev", "requirements-dev.txt")]
)
def test_lock_files_hold_the_versions_pyproject_declares(extra, lock_file):
    asked = declared(extra)
    locked = requirements(lock_file)
    assert asked
    for name, requirement in asked.items():
        assert name in locked, f"{name} of pyproject.toml is missing from {lock_file}"
        assert pinned_version(locked[name][0]) == pinned_version(requirement), name


def test_pyproject_declares_the_application_without_the_test_tools():
    assert {"flask", "gunicorn", "psycopg", "sqlalchemy"} <= set(declared())
    assert set(declared()).isdisjoint(TEST_TOOLS)
    assert TEST_TOOLS == set(declared("dev"))


def test_test_tools_share_the_applications_versions():
    production = requirements("requirements.txt")
    development = requirements("requirements-dev.txt")
    assert production.keys() <= development.keys()
    for name in production:
        assert pinned_version(production[name][0]) == pinned_version(development[name][0]), name
        assert sorted(production[name][1]) == sorted(development[name][1]), name


def make_commands(target: str) -> str:
    """What ``make TARGET`` would run from scratch (``-n``: nothing is run)."""
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@needs_make
def test_make_run_installs_the_application_lock_alone_with_hash_checking():
    commands = make_commands("run")
    assert "pip install --quiet --require-hashes -r requirements.txt\n" in commands
    assert "requirements-dev.txt" not in commands
    assert "flask --app eukz_platform run" in commands


@needs_make
def test_make_test_installs_both_locks_with_hash_checking_and_lints_before_the_tests():
    commands = make_commands("test")
    assert "pip install --quiet --require-hashes -r requirements.txt\n" in commands
    assert "pip install --quiet --require-hashes -r requirements-dev.txt\n" in commands
    assert "pip install --quiet -r" not in commands
    order = [
        commands.index(step)
        for step in (
            "ruff check .",
            "ruff format --check .",
            "bandit -q -r eukz_platform -c pyproject.toml",
            "python -m pytest -n 2",
        )
    ]
    assert order == sorted(order), commands
