# One image for every service; the compose file and Kubernetes pick the service by its
# module (`python -m cpaas.<service>`). Untested here: this machine has no Docker engine.
FROM node:20-slim AS web
WORKDIR /web
COPY services/console/web/package.json services/console/web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY services/console/web ./
RUN npm run build

FROM python:3.11-slim AS build
COPY --from=ghcr.io/astral-sh/uv:0.9 /uv /usr/local/bin/uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY contracts contracts
COPY libs libs
COPY deploy/local deploy/local
COPY services services
RUN uv sync --locked --all-packages --no-dev --no-editable

FROM python:3.11-slim
RUN useradd --system --uid 10001 cpaas
COPY --from=build /app/.venv /app/.venv
COPY --from=web /web/dist /app/web
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 CPAAS_CONSOLE_WEB_DIST=/app/web
USER cpaas
