"""Ask this machine's platform server whether it is alive or ready, as a load balancer does:
``python scripts/probe.py [/healthz|/readyz]``; exit status 0 for a 200, 1 otherwise.

It asks http://127.0.0.1:<port of BIND, 8000> with the Host of SITE_URL (the platform refuses
requests for other hosts). For a container's health check (Dockerfile, compose.yaml).
"""

import os
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "/readyz"
    port = os.environ.get("BIND", "0.0.0.0:8000").split(",")[0].rsplit(":", 1)[-1]
    host = urlsplit(os.environ.get("SITE_URL", "http://localhost")).netloc
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # nosec B310 # loopback
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as e:
        print(f"probe: {path}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
