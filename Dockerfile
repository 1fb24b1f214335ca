# The reconciler controller: `reconcile run` for one environment (RECONCILER_ENV), one cycle
# every RECONCILER_INTERVAL, health and metrics on :8080. See docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src

# Dependencies first, from pyproject.toml pinned by requirements.lock (the tested set): this
# layer is rebuilt only when they change, and every build installs the same versions.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -c requirements.lock -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the source, installed without touching the dependency layer.
COPY README.md ./
COPY desired_state ./desired_state
COPY adapters ./adapters
COPY emulator ./emulator
COPY reconciler ./reconciler
COPY local_files ./local_files
RUN pip install --no-deps . \
    && rm -rf /src/build /src/*.egg-info

# A non-root user whose home holds the only files the controller writes (LRO tokens, emulator state).
RUN useradd --system --uid 10001 --create-home --home-dir /home/reconciler reconciler
USER 10001
WORKDIR /home/reconciler

ENV RECONCILER_ENV=dev \
    RECONCILER_INTERVAL=5m \
    RECONCILER_HEALTH_HOST=0.0.0.0 \
    RECONCILER_HEALTH_PORT=8080 \
    RECONCILER_LOG_LEVEL=INFO

EXPOSE 8080

# No curl in the slim image: Python asks /healthz; urlopen raises (exit 1) on anything but 2xx.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('RECONCILER_HEALTH_PORT', '8080'), timeout=4)"

CMD ["reconcile", "run"]
