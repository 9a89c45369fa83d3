# syntax=docker/dockerfile:1

# One image for every Lighthouse process; SERVICE picks which one runs:
#
#   api | scheduler | checker | alerter   node services/$SERVICE/dist/main.js
#   migrate                               node migrations/dist/cli.js latest (one-shot)
#
#   docker build -t lighthouse .                                   # SERVICE=api
#   docker build --build-arg SERVICE=migrate -t lighthouse-migrate .
#   docker run --init --env-file .env -e SERVICE=checker lighthouse   # the env var overrides the build arg
#
# Every service reads its configuration from the environment (DATABASE_URL,
# REDIS_URL, ...); see docker-compose.yml and .env.example.

ARG NODE_IMAGE=node:22-bookworm-slim

# ---------------------------------------------------------------------------
# build: install everything, compile, then reinstall production deps only
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true \
    COREPACK_ENABLE_DOWNLOAD_PROMPT=0

# pnpm at exactly the version of package.json's "packageManager" field
COPY package.json ./
RUN corepack enable && corepack install

# Fill pnpm's store from the lockfile alone: this layer is reused until
# pnpm-lock.yaml (or the workspace settings) change, whatever the sources do.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch

COPY . .
RUN pnpm install --frozen-lockfile --offline \
 && pnpm build

# Production dependencies only. `pnpm prune --prod` empties the workspace
# packages' node_modules in a pnpm 10 workspace, and `pnpm deploy` makes one
# self-contained tree per package (each service and the migrations with its own
# copy of every dependency, one deploy step per service), so reinstall instead,
# once, offline from the store filled above, for every services/* package, the
# migrations and what they depend on at run time (a new service is picked up
# by the glob; --filter-prod follows "dependencies" only,
# so @lighthouse/testing, jest, eslint and embedded-postgres stay out;
# typescript remains only as a peer that a runtime dependency resolved).
# The layout stays the workspace's: each package keeps its node_modules of
# relative symlinks into /app/node_modules/.pnpm, which COPY preserves.
RUN find . -name node_modules -type d -prune -exec rm -rf {} + \
 && pnpm install --prod --frozen-lockfile --offline \
      --filter-prod '{./services/*}...' --filter-prod '{./migrations}...' \
 && mkdir /prod \
 && cp -a package.json node_modules services packages migrations /prod/ \
 && mkdir -p /prod/apps/dashboard && cp -a apps/dashboard/dist /prod/apps/dashboard/ \
 && cd /prod \
 && rm -rf packages/testing \
 && rm -rf services/*/src services/*/tsconfig*.json \
           packages/*/src packages/*/tsconfig*.json \
           migrations/src migrations/tsconfig*.json \
 && find services packages migrations -path '*/node_modules' -prune -o \
      -type f \( -name '*.tsbuildinfo' -o -name '*.d.ts' -o -name '*.d.ts.map' \) -print0 \
    | xargs -0 rm -f \
 && test -f packages/domain/tiers.default.json \
 && test -f migrations/dist/cli.js \
 && test -f apps/dashboard/dist/index.html

# ---------------------------------------------------------------------------
# runtime: node, compiled JavaScript, the built web dashboard (static files the
# api serves at /) and production node_modules; no pnpm,
# no compiler, no sources; files owned by root and read-only to the process
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# Outside a container every listener binds 127.0.0.1 by default. Inside one
# that would leave the api's PORT, and the workers' /metrics and /health on
# METRICS_PORT, unreachable from outside the container, so listen on every
# interface of the container's own network; which ports reach the host is
# decided where the container runs (docker-compose.yml publishes the api's only).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    METRICS_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /prod /app
USER node

# Last, so that images for different services share every layer above.
ARG SERVICE=api
ENV SERVICE=${SERVICE}

# The api listens on PORT (default 3000); the other services publish nothing.
EXPOSE 3000

# Every long-running service answers GET /health with 200 only when PostgreSQL
# and Redis both answer: the api on PORT (3000), the scheduler, checker and alerter
# on METRICS_PORT (9101, 9102, 9103) next to /metrics. migrate is one-shot and passes.
# If HOST (or METRICS_HOST) is set to something other than 0.0.0.0 or 127.0.0.1,
# override this check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e 'const s = process.env.SERVICE; const port = s === "api" ? process.env.PORT || 3000 : process.env.METRICS_PORT || { scheduler: 9101, checker: 9102, alerter: 9103 }[s]; if (!port) process.exit(0); fetch("http://127.0.0.1:" + port + "/health", { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))'

# exec: node becomes the main process and receives SIGTERM itself, and every
# service drains and exits on it. Run with `--init` (compose: `init: true`) to
# have a minimal init reap zombies and forward signals.
# Any other command replaces this one, e.g. `node migrations/dist/cli.js down`.
CMD ["/bin/sh", "-c", "if [ \"$SERVICE\" = migrate ]; then exec node migrations/dist/cli.js latest; fi; main=\"services/$SERVICE/dist/main.js\"; if [ ! -f \"$main\" ]; then echo \"SERVICE=$SERVICE: no such service (expected migrate or one of: $(ls services | tr '\\n' ' '))\" >&2; exit 64; fi; exec node \"$main\""]
