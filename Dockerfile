# syntax=docker/dockerfile:1
# A Weir worker: Node.js 20 on Debian 12, production dependencies only, onnxruntime on the CPU (no CUDA),
# running as the unprivileged `node` user. Build from the repository root and mount a topology:
#
#   docker build -t weir:local .
#   docker run --rm -v "$PWD/topologies:/etc/weir:ro" -e KAFKA_BROKERS=kafka:9092 -e REDIS_URL=redis://redis:6379 \
#     weir:local run /etc/weir/quickstart.yaml --metrics-address 0.0.0.0:9464
#
# SIGTERM drains the worker within 30 s: give the container a longer stop timeout (compose and k8s give 45 s).

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
# onnxruntime-node carries its CPU libraries inside the npm package; its install script would only download
# the CUDA ones. Skip it twice over: the package's own switch, and no install scripts at all (npm ci
# --ignore-scripts; esbuild, which tsx uses, works from its platform package without its postinstall).
# Weir's own postinstall, the patches of patches/ (KafkaJS' read_committed fix), is run explicitly.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
COPY patches ./patches
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npx --no-install patch-package --error-on-fail \
  && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
  && if find node_modules -iname '*providers_cuda*' | grep -q .; then echo 'CUDA libraries found in node_modules' >&2; exit 1; fi \
  && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    ONNXRUNTIME_NODE_INSTALL=skip \
    WEIR_LOG_LEVEL=info
WORKDIR /app
# Code and dependencies belong to root and are only readable by the worker's user: it cannot change them.
COPY --from=dependencies /app/node_modules ./node_modules
COPY . .
USER node
EXPOSE 9464
# /health answers 200 while the worker is alive (WEIR_HEALTH_URL when the ops endpoint listens elsewhere).
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.WEIR_HEALTH_URL ?? 'http://127.0.0.1:9464/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/weir.js"]
CMD ["run", "/etc/weir/topology.yaml", "--metrics-address", "0.0.0.0:9464"]
