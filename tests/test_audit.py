"""``make audit`` (scripts/audit.py): what it says, and how it exits, for each answer of
pip-audit. The service itself is never asked: a closed local proxy stands for no network, and
reports in pip-audit's JSON format stand for its answers."""

import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "audit.py"


@pytest.fixture
def audit():
    spec = importlib.util.spec_from_file_location("audit_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answering(monkeypatch, audit, report: dict | None, returncode: int, stderr: str = ""):
    """pip-audit answers with this JSON report (None: it writes none) and exit status."""
    calls = []

    def run_pip_audit(args, path):
        calls.append(args)
        if report is not None:
            path.write_text(json.dumps(report))
        return subprocess.CompletedProcess(["pip-audit"], returncode, "", stderr)

    monkeypatch.setattr(audit, "run_pip_audit", run_pip_audit)
    return calls


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_network_says_nothing_was_audited_and_exits_0(tmp_path):
    proxy = f"http://127.0.0.1:{closed_port()}"
    env = {**os.environ, "HTTPS_PROXY": proxy, "https_proxy": proxy, "NO_PROXY": "", "no_proxy": ""}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--cache-dir", str(tmp_path), "--timeout", "5"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "could not be reached" in done.stdout
    assert "were NOT audited" in done.stdout


def test_a_known_vulnerability_is_listed_and_exits_1(monkeypatch, capsys, audit):
    report = {
        "dependencies": [
            {"name": "flask", "version": "3.1.3", "vulns": []},
            {
                "name": "jinja2",
                "version": "3.1.6",
                "vulns": [{"id": "GHSA-0000-1111-2222", "fix_versions": ["3.1.7"]}],
            },
        ],
        "fixes": [],
    }
    calls = answering(monkeypatch, audit, report, 1, "Found 1 known vulnerability in 1 package")
    assert audit.main(["--ignore-vuln", "PYSEC-1"]) == 1
    out = capsys.readouterr().out
    assert "jinja2 3.1.6: GHSA-0000-1111-2222 (fixed in: 3.1.7)" in out
    assert "1 known vulnerability in 1 of the 2 packages audited" in out
    assert calls == [["--ignore-vuln", "PYSEC-1"]]


def test_a_service_that_answers_for_no_package_is_not_a_clean_audit(monkeypatch, capsys, audit):
    reason = "Dependency not found on PyPI and could not be audited: flask (3.1.3)"
    report = {"dependencies": [{"name": "flask", "skip_reason": reason}], "fixes": []}
    answering(monkeypatch, audit, report, 0, "No known vulnerabilities found, 1 skipped")
    assert audit.main([]) == 0
    out = capsys.readouterr().out
    assert "answered for none of the 1 packages" in out and "were NOT audited" in out
    assert "No known vulnerabilities" not in out


def test_a_clean_audit_says_how_many_packages_and_exits_0(monkeypatch, capsys, audit):
    report = {
        "dependencies": [
            {"name": "flask", "version": "3.1.3", "vulns": []},
            {"name": "jinja2", "version": "3.1.6", "vulns": []},
            {"name": "private-thing", "skip_reason": "Dependency not found on PyPI"},
        ],
        "fixes": [],
    }
    answering(monkeypatch, audit, report, 0)
    assert audit.main([]) == 0
    out = capsys.readouterr().out
    assert "Not audited (1): private-thing." in out
    assert "No known vulnerabilities in the 2 packages audited" in out


def test_any_other_failure_of_pip_audit_fails():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--no-such-option"], capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "unrecognized arguments: --no-such-option" in done.stderr
    assert "pip-audit failed" in done.stderr
