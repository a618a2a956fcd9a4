# syntax=docker/dockerfile:1
# The image of `kubemend relay`: Node 24 and the committed bundle (dist/ holds every
# dependency, bundled by ncc), so the image installs nothing and has no node_modules.
# It runs as the base image's `node` user, numerically so a pod's runAsNonRoot can check
# it, and writes nothing at run time: it runs on a read-only root filesystem.
# .github/workflows/relay-image.yml builds it for linux/amd64 and linux/arm64;
# test/relay/image.test.ts runs exactly the files copied below with Node 24.
FROM node:24.21.0-slim

LABEL org.opencontainers.image.title="kubemend-relay" \
      org.opencontainers.image.description="kubemend relay: Alertmanager webhooks and generic alerts to GitHub repository_dispatch events, grouped per incident." \
      org.opencontainers.image.source="https://github.com/kubemend/kubemend" \
      org.opencontainers.image.url="https://github.com/kubemend/kubemend/blob/main/docs/relay.md" \
      org.opencontainers.image.documentation="https://github.com/kubemend/kubemend/blob/main/docs/relay.md" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.vendor="kubemend contributors"

ENV NODE_ENV=production

WORKDIR /app
# COPY leaves the files owned by root, so the user the relay runs as cannot change its
# own code even where the root filesystem is writable. package.json is there only for
# its "type": "module", which bin/kubemend.js needs.
COPY package.json LICENSE /app/
COPY bin/kubemend.js /app/bin/
COPY dist/ /app/dist/

# uid and gid of the base image's `node` user.
USER 1000:1000
EXPOSE 8080
# Node is PID 1: the relay handles SIGTERM itself (drains, then exits 0).
# The arguments are the relay's: --listen 0.0.0.0:8080 --repository OWNER/NAME ...
ENTRYPOINT ["node", "/app/bin/kubemend.js", "relay"]
