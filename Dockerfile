# The platform's image: Python 3.11 (slim), the application's locked packages only (no test
# tools), static files built and translations compiled at build time, run as a user without
# rights. docs/deploy.md shows it in use (compose.yaml).
#
#   docker build -t eukz-platform .
#   docker run --env-file platform.env -p 8000:8000 eukz-platform            # gunicorn
#   docker run --env-file platform.env eukz-platform flask --app eukz_platform db upgrade

FROM python:3.11-slim AS build
# PyICU compiles against the system's ICU.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libicu-dev pkg-config g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt ./
RUN python -m venv /venv \
 && /venv/bin/pip install --no-cache-dir --upgrade pip \
 && /venv/bin/pip install --no-cache-dir --require-hashes -r requirements.txt
COPY . .
# The compiled catalogues and the fingerprinted, compressed static files (static/dist).
RUN /venv/bin/pybabel compile -d eukz_platform/translations \
 && /venv/bin/python -m eukz_platform.assets build \
 && mkdir /icu && cp -a /usr/lib/*/libicu*.so.* /icu/

FROM python:3.11-slim
# ICU's libraries, of the version PyICU was built against (no compiler, no headers).
COPY --from=build /icu/ /usr/local/lib/
RUN ldconfig \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin platform
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLASK_APP=eukz_platform
COPY --from=build /venv /venv
COPY --from=build /app /app
WORKDIR /app
# The code belongs to root and is read-only to the user that runs it.
USER platform
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=6s --start-period=20s --retries=3 \
  CMD ["python", "scripts/probe.py", "/readyz"]
# Stops gracefully on SIGTERM (gunicorn.conf.py: graceful_timeout).
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
