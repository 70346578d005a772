#!/usr/bin/env bash
# The encoder-variant campaign end to end (docs/model-contract.md, "Encoder variants"):
#   scripts/decode-campaign/run.sh OUT_DIR [REAL_N]
# OUT_DIR gets generated images, ml/'s reference tensors, the served ones' differences and, with REAL_N > 0,
# the decisions of both pipelines on REAL_N re-encoded MRI test images of ../shared/data (never commit OUT_DIR).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(realpath -m "$1"); real=${2:-0}
py=${PYTHON:-ml/.venv/bin/python}
rm -rf "$out"
"$py" scripts/decode-campaign/generate.py "$out" --real "$real"
npx ts-node --transpile-only scripts/decode-campaign/compare.ts "$out" > "$out/ts.jsonl"
if [ "$real" -gt 0 ]; then
  "$py" scripts/python_decisions.py --manifest "$out/manifest.csv" --root "$out" --out "$out/py.jsonl" > /dev/null
  npm run --silent build
  node dist/cli/evaluate.js --manifest "$out/manifest.csv" --root "$out" --out "$out/ts-eval.jsonl" --compare "$out/py.jsonl" > "$out/eval.json"
fi
python3 scripts/decode-campaign/summarise.py "$out"
