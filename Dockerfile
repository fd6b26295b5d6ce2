# numbers-mock: docker build -t numbers-mock . && docker run -p 8000:8000 numbers-mock
# The commands below are exercised without Docker by .ci/docker-smoke (run by .ci/run).

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY seed_data ./seed_data
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[postgres]"

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NUMBERS_MOCK_DATABASE_URL=sqlite:////data/numbers-mock.db
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels "numbers-mock[postgres]" \
    && rm -rf /wheels \
    && useradd --create-home --uid 10001 numbers \
    && mkdir /data && chown numbers /data
USER numbers
WORKDIR /data
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
CMD ["numbers-mock", "serve", "--host", "0.0.0.0"]
