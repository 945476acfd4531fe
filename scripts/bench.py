"""``make bench``: the directory's speed with 100,000 organisations, on SQLite and PostgreSQL.

For each engine it
1. fills a fresh database with ``demo-data --organisations 100000`` (SQLite: a temporary
   file; PostgreSQL: the database ``bench`` on 127.0.0.1, dropped and created again);
2. runs 200 queries through the search service in-process (a quarter of them very common
   words such as a big city's name, a quarter frequent ones, half specific names taken from
   the data), without and with facet counts, and reports median and 95th percentile; the
   same queries asked by 100 signed-in people of 100 organisations taking turns (one
   prepared statement for all of them: the median must stay the single visitor's); then
   the searches that match nothing as written, with facet counts: 20 texts of random letters
   as long as a search may be, and 20 misspelt words (PostgreSQL shows close names for them);
3. serves the app with gunicorn (2 workers, 127.0.0.1) and loads it with wrk (2 threads,
   16 connections, 10 s a run): a bare "hello" route, the directory page with typical queries,
   and with a very common word, and the typical queries for a signed-in person; as served
   (visitors' pages kept until the index changes; a signed-in person's page made for them
   around a results part kept for everyone who may see the same), in ROUNDS rounds whose
   shares' median is reported, and once with every page computed
   (``DIRECTORY_PAGE_CACHE=false``);
4. builds the static files as production does (``make assets-build``), serves the app with
   gunicorn.conf.py and measures, in Chromium through Playwright, the bytes a first visit to
   the home page transfers and those of a repeat visit with the browser's cache warm (which
   must fetch no static file again);
and prints one table of the figures against their targets. It needs ``wrk`` (Debian:
``apt-get install wrk``) and a PostgreSQL server on 127.0.0.1 where the ``postgres`` role may
create databases (``BENCH_POSTGRES_URL`` to change it; ``--sqlite-only`` to skip it).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ORGANISATIONS = 100_000
# Signed-in people searching in turn, each of another organisation.
IN_TURN = 100
SEED = 1
WRK_SECONDS = 10
# The runs whose shares have targets (as served) are taken this many times, each round the bare
# route then the pages: one run's figures vary by 10-20% here, so each share is the median of
# the rounds' (page / bare route of the same round), shown with the lowest and highest.
ROUNDS = 3
# Before each measured run, one as long as this through the same paths, not counted.
WARM_UP_SECONDS = 3
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
)
# Words found in a fifth to a half of all organisations (checked and printed by the run).
COMMON = [
    "Almaty",
    "Алматы",
    "Kazakhstan",
    "Қазақстан",
    "Казахстан",
    "Astana",
    "Астана",
    "energy",
    "youth",
    "education",
    "members",
    "partners",
    "training",
    "research",
    "association",
    "foundation",
    "programmes",
    "regions",
    "civil society",
    "young people",
    "Almaty partners",
    "joint projects",
    "annual report",
    "legal advice",
    "volunteers",
    "organisations",
    "communities",
    "policy",
    "summer schools",
    "national authorities",
    "international",
    "Brussels",
    "Berlin",
    "grants",
    "mentoring",
    "dialogue",
    "union",
    "network",
    "centre",
    "alliance",
    "council",
    "institute",
    "initiative",
    "forum",
    "society",
    "federation",
    "EU",
    "Kazakh",
    "Almaty energy",
    "Astana youth",
]
TYPICAL_WORDS = [
    "Karaganda",
    "Qaraghandy",
    "Караганда",
    "Shymkent",
    "Шымкент",
    "Aktobe",
    "Ақтөбе",
    "Pavlodar",
    "Oskemen",
    "Ust-Kamenogorsk",
    "Atyrau",
    "Kostanay",
    "Kyzylorda",
    "Taraz",
    "Warszawa",
    "Łódź",
    "Kraków",
    "București",
    "Cluj",
    "Praha",
    "Brno",
    "Wien",
    "Graz",
    "Θεσσαλονίκη",
    "Αθήνα",
    "София",
    "Пловдив",
    "Tallinn",
    "Vilnius",
    "Rīga",
    "Dublin",
    "Bishkek",
    "Tashkent",
    "Dushanbe",
    "Ashgabat",
    "Geneva",
    "Lisboa",
    "Porto",
    "Shanyraq",
    "Шаңырақ",
    "Bolashak",
    "Болашақ",
    "Dostyk",
    "Достық",
    "Tulpar",
    "Тұлпар",
    "Samal",
    "Kemel",
    "Umit",
    "Үміт",
    "Saryarka",
    "Zhuldyz",
    "Kazyna",
    "Aqniet",
    "hydrogen",
    "green hydrogen",
    "battery recycling",
    "raw materials",
    "mining communities",
    "legal aid",
    "judicial reform",
    "good governance",
    "human rights",
    "civil liberties",
    "women's rights",
    "climate action",
    "water",
    "rural development",
    "fair trade",
    "impact investment",
    "digital connectivity",
    "social dialogue",
    "Erasmus alumni",
    "energ",
    "hydro",
    "educa",
    "agric",
    "enviro",
    "transp",
    "connect",
    "gover",
    "Umweltschutz",
    "Energiewende",
    "Jugendarbeit",
    "l'Environnement",
    "Jeunesse",
    "Ambiente",
    "Medio Ambiente",
    "Ekologiczne",
    "Młodzieży",
    "Drepturile Omului",
    "životní prostředí",
    "околна среда",
    "Περιβάλλον",
    "Duurzame Energie",
    "Miljö",
    "экологических инициатив",
    "правовой помощи",
    "молодёжных инициатив",
    "сутегі",
    "жасыл энергия",
    "адам құқықтары",
    "еңбек одағы",
    "қоғамдық бірлестігі",
    "Aigerim",
    "Айгерим",
    "Nurlanovna",
    "Нурланова",
    "Seitkali",
    "Zhakupov",
    "Müller",
    "Kowalski",
    "Popescu",
    "Papadopoulos",
    "García",
    "Director",
    "Программа",
    "Төраға",
]


# Misspellings of words found in many names: the close-name pass meets many candidates.
MISSPELT = [
    "Almatty",
    "Initiatve",
    "asociation",
    "Kazakstn",
    "fundation",
    "Astna",
    "yuoth",
    "enrgy",
    "almt",
    "netwrok",
    "sociaty",
    "cnetre",
    "Brusels",
    "alliace",
    "cuncil",
    "forom",
    "federaton",
    "insitute",
    "dialoge",
    "Almaty Initiatve",
]


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


@contextmanager
def environment(**values):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items() if v is not None})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def flask(url: str, *args: str) -> float:
    """Run ``flask --app eukz_platform ARGS`` on the database; return its wall time."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(16),
        "SITE_URL": "http://127.0.0.1",
        "FLASK_RATELIMIT_ENABLED": "false",
    }
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "eukz_platform", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def loopback_only(url: str) -> None:
    from sqlalchemy.engine import make_url

    host = make_url(url).host or "127.0.0.1"
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"bench: runs on 127.0.0.1 only, not on {host}")


@contextmanager
def postgres_database(url: str):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    loopback_only(url)
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def queries(app) -> list[str]:
    """200 queries: 50 very common words, 50 frequent ones (cities, sectors, prefixes) and
    100 specific ones taken from the data (names of organisations and people, acronyms)."""
    from sqlalchemy import select

    from eukz_platform.contacts.models import Contact
    from eukz_platform.core.models import Organisation
    from eukz_platform.extensions import db

    rng = random.Random(SEED)
    with app.app_context():
        organisations = db.session.execute(
            select(Organisation.name, Organisation.acronym)
            .where(Organisation.id % 499 == 0)
            .order_by(Organisation.id)
        ).all()
        people = db.session.scalars(
            select(Contact.name).where(Contact.id % 797 == 0).order_by(Contact.id)
        ).all()
    specific = []
    for name, _acronym in organisations[:50]:
        words = re.findall(r"[^\W\d_]{3,}", name)
        specific.append(" ".join(words[: rng.choice((2, 3))]))
    specific += [acronym for _name, acronym in organisations[50:] if acronym][:25]
    specific += list(people[:25])
    frequent = rng.sample(TYPICAL_WORDS, 50)
    chosen = COMMON[:50] + frequent + specific[:100]
    rng.shuffle(chosen)
    return chosen


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure_service(url: str) -> dict:
    from eukz_platform import create_app
    from eukz_platform.auth import sessions
    from eukz_platform.search import MAX_QUERY_LENGTH, SearchQuery, search

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            # Honest figures: facet counts computed every time, not read from the cache.
            "SEARCH_FACET_CACHE_SIZE": 0,
        }
    )
    chosen = queries(app)
    figures = {}
    with app.test_request_context():
        from sqlalchemy import func, select, text

        from eukz_platform.core.models import Organisation
        from eukz_platform.extensions import db

        organisations = db.session.scalar(select(func.count()).select_from(Organisation))
        almaty = db.session.scalar(
            text(
                "SELECT count(*) FROM search_document WHERE kind = 'organisation' "
                "AND (' ' || name_text || ' ' || body_text || ' ') LIKE '% almati %'"
            )
        )
        figures["share_almaty"] = almaty / organisations
        for with_facets in (False, True):
            # One pass to warm the caches (the database's pages, compiled statements), as a
            # running server has them; the second pass is measured.
            for q in chosen:
                search(SearchQuery(q=q, with_facets=with_facets), None)
            times = []
            broad = 0
            for q in chosen:
                started = time.perf_counter()
                result = search(SearchQuery(q=q, with_facets=with_facets), None)
                times.append((time.perf_counter() - started) * 1000)
                broad += result.total_is_lower_bound or result.total > 1000
            key = "facets" if with_facets else "plain"
            figures[f"{key}_median"] = statistics.median(times)
            figures[f"{key}_p95"] = percentile(times, 95)
            figures[f"{key}_max"] = max(times)
            figures["broad_queries"] = broad
        # The same searches by signed-in people of IN_TURN organisations, taking turns.
        users = signed_in_users(IN_TURN)
        for i, q in enumerate(chosen):  # warm-up, each query by another organisation than below
            search(SearchQuery(q=q, with_facets=False), users[(i + 1) % len(users)])
        times = []
        for i, q in enumerate(chosen):
            started = time.perf_counter()
            search(SearchQuery(q=q, with_facets=False), users[i % len(users)])
            times.append((time.perf_counter() - started) * 1000)
        figures["in_turn_median"] = statistics.median(times)
        figures["session_key"] = sessions.record(users[0])[0]
        # Searches that match nothing as written, as the read API runs them (with facets).
        rng = random.Random(SEED)
        nonsense = [
            "".join(rng.choices(string.ascii_lowercase, k=MAX_QUERY_LENGTH)) for _ in range(20)
        ]
        for key, texts in (("nonsense", nonsense), ("misspelt", MISSPELT)):
            for q in texts:
                search(SearchQuery(q=q), None)
            times = []
            for q in texts:
                started = time.perf_counter()
                search(SearchQuery(q=q), None)
                times.append((time.perf_counter() - started) * 1000)
            figures[f"{key}_median"] = statistics.median(times)
            figures[f"{key}_max"] = max(times)
    with app.app_context():
        db.engine.dispose()
    figures["queries"] = chosen
    return figures


def signed_in_users(n: int) -> list:
    """One user for each of the first ``n`` verified organisations, with the organisation
    loaded as the app loads it for a signed-in request."""
    from flask import current_app
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload
    from werkzeug.security import generate_password_hash

    from eukz_platform.auth.models import Role, User
    from eukz_platform.core.models import Organisation
    from eukz_platform.core.vocabulary import OrganisationStatus
    from eukz_platform.database import utcnow
    from eukz_platform.extensions import db

    ids = db.session.scalars(
        select(Organisation.id)
        .where(Organisation.status == OrganisationStatus.VERIFIED)
        .order_by(Organisation.id)
        .limit(n)
    ).all()
    password = generate_password_hash(secrets.token_hex(16))
    db.session.add_all(
        User(
            email=f"bench{org_id}@example.org",
            full_name=f"Bench {org_id}",
            role=Role.MEMBER,
            organisation_id=org_id,
            email_confirmed_at=utcnow(),
            password_hash=password,
            # agreed to the privacy notice in force, as anyone who signed in before has
            privacy_notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
            privacy_consent_at=utcnow(),
        )
        for org_id in ids
    )
    db.session.commit()
    return db.session.scalars(
        select(User)
        .options(joinedload(User.organisation))
        .where(User.organisation_id.in_(ids))
        .order_by(User.organisation_id)
    ).all()


def session_cookie(url: str, secret: str, session_key: str) -> str:
    """The Cookie header of a person signed in, for a server with this secret key."""
    from eukz_platform import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret})
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": session_key, "_fresh": True})
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def observability_env(observability: bool) -> dict[str, str]:
    """The server's settings with production's JSON request log and Prometheus metrics (counted
    in each worker's files under PROMETHEUS_MULTIPROC_DIR), or with neither, to see their cost."""
    if not observability:
        return {"LOG_LEVEL": "WARNING", "METRICS_ENABLED": "false"}
    metrics_dir = tempfile.mkdtemp(prefix="eukz-bench-metrics-")
    return {
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "METRICS_ENABLED": "true",
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
    }


@contextmanager
def gunicorn(url: str, secret: str, page_cache: bool = True, observability: bool = True):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secret,
        "SITE_URL": f"http://127.0.0.1:{port}",
        "FLASK_RATELIMIT_ENABLED": "false",
        "DIRECTORY_PAGE_CACHE": "true" if page_cache else "false",
        # gunicorn reads gunicorn.conf.py here, which refuses to serve production's static
        # files unbuilt: these runs ask for pages only (measure_page_weight builds them).
        "STATIC_BUILD": "false",
        **observability_env(observability),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
            "--log-level",
            "warning",
            "eukz_platform:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        subprocess.run(["curl", "-s", "-o", "/dev/null", base + "/healthz"], check=False)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        if env.get("PROMETHEUS_MULTIPROC_DIR"):
            shutil.rmtree(env["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def wrk(url: str, paths: list[str], cookie: str | None = None) -> float:
    """Requests per second over WRK_SECONDS, cycling through ``paths`` (with this Cookie
    header: signed in)."""
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    listed = ", ".join('"' + p.replace('"', '\\"') + '"' for p in paths)
    script.write(
        f"local paths = {{{listed}}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #paths + 1\n"
        "  return wrk.format('GET', paths[i])\n"
        "end\n"
    )
    script.close()
    # Warm up: a few paths once, so that both workers have opened the database.
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    for path in paths[:4]:
        subprocess.run(["curl", "-s", "-o", "/dev/null", *headers, url + path], check=False)
    if cookie:
        page = subprocess.run(
            ["curl", "-s", *headers, url + paths[0]], capture_output=True, text=True, check=False
        ).stdout
        if "site-header__logout" not in page:
            raise SystemExit("bench: the session cookie does not sign in")
    # Then a short run through every path, discarded: what the server keeps (pages, results
    # parts) is measured as served in the steady state, in both workers, not as first made.
    for seconds in (WARM_UP_SECONDS, WRK_SECONDS):
        out = subprocess.run(
            ["wrk", "-t2", "-c16", f"-d{seconds}s", "-s", script.name, *headers, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    os.unlink(script.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"bench: {errors.group(1)} failed requests\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def measure_http(url: str, typical: list[str], session_key: str) -> dict:
    """As served (visitors' pages kept until the index changes; a signed-in person's page made
    for them around its results part, kept for everyone who may see the same), then with every
    page computed again (DIRECTORY_PAGE_CACHE=false); each against the hello route of the same
    server, measured in the same run; and as served once more without the request log and the
    metrics (suffix "_quiet"), to show what they cost."""
    figures = {}
    secret = secrets.token_hex(16)
    cookie = session_cookie(url, secret, session_key)
    typical_paths = [f"/directory/?q={quote(q)}" for q in typical]
    runs = (("", True, True, ROUNDS), ("_computed", False, True, 1), ("_quiet", True, False, 1))
    for suffix, page_cache, observability, rounds in runs:
        taken = {"hello": [], "page": [], "common": [], "signed_in": []}
        with gunicorn(url, secret, page_cache=page_cache, observability=observability) as base:
            for _ in range(rounds):
                taken["hello"].append(wrk(base, ["/healthz"]))
                taken["page"].append(wrk(base, typical_paths))
                taken["common"].append(wrk(base, [f"/directory/?q={quote('Almaty')}"]))
                taken["signed_in"].append(wrk(base, typical_paths, cookie))
        for key, values in taken.items():
            figures[key + suffix] = statistics.median(values)
            if key != "hello":
                figures[key + suffix + "_shares"] = [
                    v / h for v, h in zip(values, taken["hello"], strict=True)
                ]
    return figures


# A first visit to the home page, and a repeat visit with the browser's cache warm.
FIRST_VISIT_LIMIT = 200 * 1024
REPEAT_VISIT_LIMIT = 20 * 1024
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def page_weight(base: str, path: str = "/") -> dict:
    """What Chromium transfers for a first visit to ``base + path`` and for a repeat visit
    (cache warm): bytes on the wire (headers and bodies, as encoded), requests made, and the
    static files it asked the server for again."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        seen: dict = {}

        def received(event):
            response = event["response"]
            record = seen.setdefault(event["requestId"], {})
            record.update(
                url=response["url"],
                # served from the memory cache: said by requestServedFromCache, before this
                cached=record.get("cached")
                or response.get("fromDiskCache")
                or response.get("fromPrefetchCache"),
                encoding={k.lower(): v for k, v in response["headers"].items()}.get(
                    "content-encoding", ""
                ),
            )

        cdp.on("Network.responseReceived", received)
        cdp.on(
            "Network.requestServedFromCache",
            lambda e: seen.setdefault(e["requestId"], {}).update(cached=True),
        )
        cdp.on(
            "Network.loadingFinished",
            lambda e: seen.setdefault(e["requestId"], {}).update(bytes=e["encodedDataLength"]),
        )
        figures = {}
        for visit in ("first", "repeat"):
            seen.clear()
            page.goto(base + path, wait_until="load")
            page.wait_for_load_state("networkidle")
            fetched = [r for r in seen.values() if r.get("url") and not r.get("cached")]
            figures[f"{visit}_bytes"] = sum(r.get("bytes", 0) for r in fetched)
            figures[f"{visit}_requests"] = len(fetched)
            figures[f"{visit}_static"] = [r["url"] for r in fetched if "/static/" in r["url"]]
            figures[f"{visit}_encodings"] = sorted({r.get("encoding", "") for r in fetched})
        context.close()
        browser.close()
    return figures


@contextmanager
def production_server(tmp: str):
    """gunicorn -c gunicorn.conf.py, production settings, the static files built as
    `make assets-build` builds them, a migrated and seeded SQLite database."""
    from eukz_platform.assets import build

    url = f"sqlite:///{tmp}/weight.db"
    flask(url, "db", "upgrade")
    flask(url, "seed")
    build(ROOT / "static", Path(tmp) / "dist")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SESSION_COOKIE_SECURE": "false",
        "STATIC_BUILD": "true",
        "STATIC_BUILD_DIR": f"{tmp}/dist",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None:
                    raise SystemExit("bench: gunicorn did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=40)


def measure_page_weight() -> dict:
    log("bench: the home page's weight in Chromium, production static files…")
    with tempfile.TemporaryDirectory(prefix="eukz-weight-") as tmp, production_server(tmp) as base:
        figures = page_weight(base)
    return {
        "weight_first": figures["first_bytes"],
        "weight_repeat": figures["repeat_bytes"],
        "weight_repeat_static": len(figures["repeat_static"]),
        "weight_first_requests": figures["first_requests"],
        "weight_encodings": ", ".join(e for e in figures["first_encodings"] if e),
    }


def bench(engine: str, url: str) -> dict:
    log(f"bench: {engine}: migrating and adding {ORGANISATIONS:,} organisations…")
    flask(url, "db", "upgrade")
    figures = {"demo_data": flask(url, "demo-data", "--organisations", str(ORGANISATIONS))}
    log(f"bench: {engine}: demo-data took {figures['demo_data']:.1f} s; searching in-process…")
    figures.update(measure_service(url))
    typical = [q for q in figures["queries"] if q not in COMMON][:40]
    figures["typical"] = typical
    log(f"bench: {engine}: loading gunicorn with wrk…")
    figures.update(measure_http(url, typical, figures["session_key"]))
    return figures


def shares_text(shares: list[float]) -> str:
    """The median share, and with more than one round the lowest and the highest."""
    median = f"{statistics.median(shares):.0%}"
    if len(shares) == 1:
        return median
    return f"{median} ({min(shares):.0%}–{max(shares):.0%})"


def table(results: dict[str, dict]) -> str:
    rows = [("figure", *results, "target")]

    def add(label, key, fmt, target, ok):
        if not any(key in r for r in results.values()):
            return  # a figure this run did not take (e.g. --page-weight-only)
        values = [fmt(r[key]) if key in r else "–" for r in results.values()]
        flags = [
            ("" if ok(r[key], engine) else " ✗") if key in r else ""
            for engine, r in results.items()
        ]
        rows.append((label, *(v + f for v, f in zip(values, flags, strict=True)), target))

    def ms(v):
        return f"{v:.1f} ms"

    def any_value(v, engine):
        return True

    add("search, median", "plain_median", ms, "≤ 3 ms", lambda v, e: v <= 3)
    add("search, p95", "plain_p95", ms, "≤ 25 ms", lambda v, e: v <= 25)
    add(
        f"search, {IN_TURN} signed-in organisations in turn, median",
        "in_turn_median",
        ms,
        "≈ search, median",
        any_value,
    )
    add("search, max", "plain_max", ms, "", any_value)
    add("search + facets, median", "facets_median", ms, "", any_value)
    add("search + facets, p95", "facets_p95", ms, "≤ 60 ms", lambda v, e: v <= 60)
    add("search + facets, max", "facets_max", ms, "", any_value)
    add("search, 200 random letters, median", "nonsense_median", ms, "", any_value)
    add("search, 200 random letters, max", "nonsense_max", ms, "≤ 60 ms", lambda v, e: v <= 60)
    add("search, misspelt words, median", "misspelt_median", ms, "", any_value)
    add("search, misspelt words, max", "misspelt_max", ms, "≤ 60 ms", lambda v, e: v <= 60)
    add("queries with > 1,000 hits", "broad_queries", lambda v: f"{v} of 200", "", any_value)
    add("organisations matching 'Almaty'", "share_almaty", lambda v: f"{v:.0%}", "", any_value)

    def rps(v):
        return f"{v:,.0f} req/s"

    pages = {
        "as served": [
            ("page", "directory, typical queries", 0.2),
            ("common", "directory, 'Almaty'", 0.05),
            ("signed_in", "directory, typical queries, signed in", 0.15),
        ],
        "every page computed": [
            ("page_computed", "directory, typical queries", None),
            ("common_computed", "directory, 'Almaty'", None),
            ("signed_in_computed", "directory, typical queries, signed in", None),
        ],
        "as served, no request log or metrics": [
            ("page_quiet", "directory, typical queries", None),
            ("common_quiet", "directory, 'Almaty'", None),
            ("signed_in_quiet", "directory, typical queries, signed in", None),
        ],
    }
    hellos = ("hello", "hello_computed", "hello_quiet")
    for (served, measured), hello in zip(pages.items(), hellos, strict=True):
        add(f"hello route ({served})", hello, rps, "", any_value)
        for key, label, share in measured:
            add(f"{label} ({served})", key, rps, "", any_value)
            add(
                "  share of hello",
                key + "_shares",
                shares_text,
                f"≥ {share:.0%}" if share else "",
                (lambda v, e, s=share: statistics.median(v) >= s) if share else any_value,
            )

    def kb(v):
        return f"{v / 1024:.1f} KB"

    add(
        "home page, first visit (Chromium, bytes transferred)",
        "weight_first",
        kb,
        f"≤ {FIRST_VISIT_LIMIT // 1024} KB",
        lambda v, e: v <= FIRST_VISIT_LIMIT,
    )
    add("  requests", "weight_first_requests", str, "", any_value)
    add("  encodings", "weight_encodings", str, "", any_value)
    add(
        "home page, repeat visit (cache warm)",
        "weight_repeat",
        kb,
        f"≤ {REPEAT_VISIT_LIMIT // 1024} KB",
        lambda v, e: v <= REPEAT_VISIT_LIMIT,
    )
    add("  static files fetched again", "weight_repeat_static", str, "0", lambda v, e: v == 0)
    add(
        f"demo-data {ORGANISATIONS:,}",
        "demo_data",
        lambda v: f"{v:.1f} s",
        "< 60 s on SQLite",
        lambda v, e: e != "SQLite" or v < 60,
    )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main() -> None:
    global ORGANISATIONS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--organisations", type=int, default=ORGANISATIONS, help="fewer, for a quicker run"
    )
    parser.add_argument(
        "--page-weight-only",
        action="store_true",
        help="only the home page's weight in Chromium (no database of 100,000)",
    )
    args = parser.parse_args()
    ORGANISATIONS = args.organisations
    if args.page_weight_only:
        print(table({"SQLite": measure_page_weight()}))
        return
    if not shutil.which("wrk"):
        raise SystemExit("bench: wrk is needed (Debian: apt-get install wrk)")
    from eukz_platform.search import MAX_QUERY_LENGTH

    results = {}
    with tempfile.TemporaryDirectory(prefix="eukz-bench-") as tmp:
        results["SQLite"] = bench("SQLite", f"sqlite:///{tmp}/bench.db")
    results["SQLite"].update(measure_page_weight())
    if not args.sqlite_only:
        with postgres_database(POSTGRES_URL) as url:
            results["PostgreSQL"] = bench("PostgreSQL", url)
    print(table(results))
    print(
        f"\n{ORGANISATIONS:,} organisations and their contacts (demo-data, seed {SEED}). "
        "200 queries (50 very common words, 50 frequent ones, 100 specific names), timed "
        "in-process through the search service after one warm-up pass, facet counts not "
        f"cached; and 20 texts of {MAX_QUERY_LENGTH} random letters and 20 misspelt words, "
        f"which match nothing as written. wrk -t2 -c16 -d{WRK_SECONDS}s on 127.0.0.1 (after "
        f"{WARM_UP_SECONDS} s through the same paths, not counted) against "
        "gunicorn -w 2; the "
        "typical-query run cycles through 40 of the queries (facet cache on, as in production). "
        "'As served': visitors' pages are kept per process until the search index changes, and "
        "a signed-in person's page is made for them around a results part kept for everyone "
        "who may see the same things (the people of one organisation); 'every page computed': "
        "DIRECTORY_PAGE_CACHE=false, nothing kept. Both with production's JSON request log and "
        "Prometheus metrics; 'no request log or metrics': as served, with neither. 'As served' "
        f"is taken {ROUNDS} times (the bare route, then the pages, each round): its req/s are "
        "the medians, and each share the median of the rounds' shares, with the lowest and "
        "the highest in brackets. 'In turn': "
        "the 200 queries, without facets, "
        f"each asked by the next of {IN_TURN} signed-in people of as many organisations."
    )


if __name__ == "__main__":
    main()
