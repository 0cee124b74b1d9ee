# One image for every role; TAILSTREAM_ROLES picks what a container runs (docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY . .
# node itself is PID 1 so SIGTERM reaches the shutdown handler (commit, close state).
CMD ["node", "--import", "tsx", "src/main.ts"]
