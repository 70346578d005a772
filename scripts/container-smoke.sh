#!/usr/bin/env bash
# Smoke test of the built image: scripts/container-smoke.sh [TAG]
# Starts it (SQLite on a throwaway volume, secrets passed at run time), waits for /readyz and the
# HEALTHCHECK, logs in for an API token, runs one analysis of a brain MRI, reads its PDF report (the
# bundled font), checks X-Request-Id, that it runs as a non-root user, that the image carries no
# secret, that `podman stop` exits 0 and that the log has JSON audit lines and no colour codes; the
# container is removed on any exit.
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
# the PDF report's font (dejavu-fonts-ttf) must be inside the pruned node_modules: the metadata report embeds it
ID="$(curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/history" | node -pe 'JSON.parse(require("fs").readFileSync(0)).items[0].id')"
curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/history/$ID/report.pdf" | node -e '
  const b = require("fs").readFileSync(0).toString("latin1");
  if (!b.startsWith("%PDF-") || !/FontName \/[A-Z]{6}\+DejaVuSans\b/.test(b)) process.exit(1);
  console.log(`report: ${b.length} bytes, DejaVu Sans embedded`)' || fail "metadata PDF report"
curl -s -D - -o /dev/null -H 'X-Request-Id: smoke-probe-1' "http://127.0.0.1:$PORT/healthz" | grep -qi '^x-request-id: smoke-probe-1' || fail "X-Request-Id not echoed"
echo "peak RSS of the app: $(podman_ exec "$NAME" sh -c 'grep VmHWM /proc/1/status')"
# a stop is a clean shutdown (exit 0, before podman's 10-s SIGKILL), and the log a shipper reads is clean:
# audit lines are JSON, and no line carries terminal colour codes
t1=$(date +%s.%N)
podman_ stop "$NAME" >/dev/null 2>&1
code="$(podman_ inspect -f '{{.State.ExitCode}}' "$NAME")"
echo "podman stop: exit $code after $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $t1}") s"
[ "$code" = 0 ] || fail "exit code $code on podman stop"
podman_ logs "$NAME" 2>/dev/null | node -e '
  const lines = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
  const coloured = lines.filter((l) => l.includes("\x1b[")).length;
  const audit = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  console.log(`log: ${lines.length} lines, ${audit.length} audit (${[...new Set(audit.map((a) => a.event))].join(", ")}), ${coloured} with colour codes`);
  if (coloured || !audit.some((a) => a.event === "login.success")) process.exit(1);' || fail "log lines (colour codes, or no JSON audit line)"
echo "SMOKE OK"
