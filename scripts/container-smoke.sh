#!/usr/bin/env bash
# Smoke test of the built image: scripts/container-smoke.sh [TAG]
# Starts it (SQLite on a throwaway volume, secrets passed at run time), waits for /readyz and the
# HEALTHCHECK, logs in for an API token, runs one analysis of a brain MRI, checks it runs as a
# non-root user and that the image carries no secret; the container is removed on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."
TAG="${1:-localhost/mri-sentinel:latest}"
export CONTAINERS_CONF="$PWD/deploy/containers.conf"
podman_() { podman --runtime runc "$@"; }
PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
NAME="sentinel-smoke-$$"
PASS="smoke-test passphrase $$"
fail() { echo "SMOKE FAIL: $*"; podman_ logs "$NAME" 2>&1 | tail -20; exit 1; }
trap 'podman_ rm -f "$NAME" >/dev/null 2>&1 || true; podman_ volume rm -f "$NAME" >/dev/null 2>&1 || true' EXIT

t0=$(date +%s.%N)
podman_ run -d --name "$NAME" --network host -v "$NAME:/data" \
  -e PORT="$PORT" -e SESSION_SECRET="$(head -c 32 /dev/urandom | base64)" \
  -e SEED_ADMIN_EMAIL=smoke@example.org -e SEED_ADMIN_PASSWORD="$PASS" "$TAG" >/dev/null
for i in $(seq 1 120); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" = 200 ] && break
  [ "$(podman_ inspect -f '{{.State.Running}}' "$NAME")" = true ] || fail "container exited"
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null || fail "/readyz not 200"
echo "ready after $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $t0}") s: $(curl -s "http://127.0.0.1:$PORT/readyz")"

podman_ healthcheck run "$NAME" && echo "HEALTHCHECK: healthy" || fail "HEALTHCHECK failed"
uid="$(podman_ exec "$NAME" node -e 'console.log(process.getuid())')"
[ "$uid" != 0 ] || fail "runs as root"
echo "runs as uid $uid; node $(podman_ exec "$NAME" node --version)"
podman_ image inspect "$TAG" --format '{{range .Config.Env}}{{println .}}{{end}}' | grep -Eq 'SECRET|PASSWORD' && fail "secret in the image env"
podman_ image inspect "$TAG" --format '{{json .Config.Healthcheck}}' | grep -q readyz || fail "no HEALTHCHECK on /readyz"

TOKEN="$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"email\":\"smoke@example.org\",\"password\":\"$PASS\"}" | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')"
[ -n "$TOKEN" ] || fail "no token"
IMG="${SMOKE_IMAGE:-$(ls ../shared/samples/*brain*glioma* ../shared/samples/*.jpg 2>/dev/null | head -1)}"
[ -f "$IMG" ] || fail "no sample image (set SMOKE_IMAGE)"
RES="$(curl -s -H "Authorization: Bearer $TOKEN" -F "image=@$IMG" "http://127.0.0.1:$PORT/api/v1/analyses")"
echo "$RES" | node -e '
  const r = JSON.parse(require("fs").readFileSync(0));
  console.log(`analysis: ${r.status} ${r.anatomy} ${r.label} ${r.confidence?.toFixed(3)} in ${r.timingsMs?.total} ms`);
  if (!["completed","inconclusive","rejected"].includes(r.status)) process.exit(1);' || fail "analysis: $RES"
curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/history" | node -e '
  const h = JSON.parse(require("fs").readFileSync(0)); if (h.total !== 1) process.exit(1); console.log("history: 1 row")' || fail "history"
curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null || fail "/readyz after the analysis"
echo "peak RSS of the app: $(podman_ exec "$NAME" sh -c 'grep VmHWM /proc/1/status')"
echo "SMOKE OK"
