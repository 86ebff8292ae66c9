# fleetwire services image (gateway, scoring, firmware simulator). Used by docker-compose.yml.
# Stage 1 installs every dependency and builds all workspaces; stage 2 keeps the built tree with
# production dependencies only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 and other native modules build from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
ENV ONNXRUNTIME_NODE_INSTALL_CUDA=skip
COPY . .
RUN npm ci && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
USER node
EXPOSE 1883 8883 8080
CMD ["node", "packages/gateway/dist/cli.js", "serve"]
