"""``make audit``: known vulnerabilities in the locked packages, by pip-audit.

Audits requirements.txt and requirements-dev.txt exactly as they are pinned (``--disable-pip``:
nothing is resolved or installed) against pip-audit's advisory service, and says what it found:
- a known vulnerability: each one, with the versions that fix it; exits 1;
- none: how many packages were audited (and which could not be, if any); exits 0;
- the service cannot be reached, or answers for none of the packages: that nothing was
  audited; exits 0, since that says nothing about the packages (CI does not run this).
Arguments go to pip-audit, e.g. ``-s osv`` (another service) or ``--ignore-vuln ID``:
``make audit AUDIT_ARGS="-s osv"``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK_FILES = ("requirements.txt", "requirements-dev.txt")

# How pip-audit fails when its service does not answer: its own message, or the exception of
# the HTTP library it uses (refused, name not resolved, proxy, TLS, time-out, an HTTP error).
UNREACHABLE = re.compile(
    r"Could not connect to|network may be blocking|not redirecting properly"
    r"|requests\.exceptions\.(ConnectionError|ProxyError|SSLError|ConnectTimeout|ReadTimeout"
    r"|Timeout|RetryError|TooManyRedirects|HTTPError)"
)


def run_pip_audit(args: list[str], report: Path) -> subprocess.CompletedProcess:
    """pip-audit on the lock files, its JSON report written to ``report``."""
    command = [sys.executable, "-m", "pip_audit", "--disable-pip", "--progress-spinner", "off"]
    for name in LOCK_FILES:
        command += ["--requirement", str(ROOT / name)]
    command += ["--format", "json", "--output", str(report), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)  # nosec B603 # our own arguments


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    files = " and ".join(LOCK_FILES)
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp, "report.json")
        done = run_pip_audit(args, report)
        text = report.read_text() if report.exists() else ""
    if not text.strip():
        if UNREACHABLE.search(done.stderr):
            last = done.stderr.strip().splitlines()[-1]
            print(f"The advisory service could not be reached: {files} were NOT audited.")
            print(f"(pip-audit: {last[:300]})")
            return 0
        sys.stderr.write(done.stderr)
        print("pip-audit failed: see above.", file=sys.stderr)
        return done.returncode or 1

    dependencies = json.loads(text)["dependencies"]
    skipped = [dep for dep in dependencies if "skip_reason" in dep]
    audited = len(dependencies) - len(skipped)
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    if vulnerable:
        count = 0
        for dep in vulnerable:
            for vuln in dep["vulns"]:
                count += 1
                fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
                print(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixed})")
        print(
            f"{count} known vulnerabilit{'y' if count == 1 else 'ies'} in "
            f"{len(vulnerable)} of the {audited} packages audited in {files}."
        )
        return 1
    if not audited:
        print(
            f"The advisory service answered for none of the {len(dependencies)} packages: "
            f"{files} were NOT audited."
        )
        if skipped:
            print(f"(pip-audit: {skipped[0]['skip_reason']})")
        return 0
    if skipped:
        names = ", ".join(dep["name"] for dep in skipped)
        print(f"Not audited ({len(skipped)}): {names}.")
    print(f"No known vulnerabilities in the {audited} packages audited in {files}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
