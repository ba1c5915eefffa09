# One image for the API and the worker (docker-compose.yml chooses the command).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY data ./data
USER node
CMD ["node", "--require", "tsx/cjs", "src/api/server.ts"]
