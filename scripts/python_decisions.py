"""Per-image decisions of the Python reference pipeline, for `npm run evaluate -- --compare`.

PIL decoding + ml/'s contract preprocessing (mri_sentinel_ml.data.preprocess) + onnxruntime
(Python) + ml/'s decision rules (evaluate.triage_decision, calibrate.ood_score/softmax), applied
to the same models/<name>/ cards the server loads. Writes one JSON line per image:
  {"path": ..., "decision": "<key>", "triage": "<triage outcome>", "probabilities": {label: p}}
(probabilities of the model that decided, as in the served result).
with the keys of src/cli/evaluate-lib.ts decisionKey()/triageKey().

Run (from the repo root, with ml/'s virtualenv):
  ml/.venv/bin/python scripts/python_decisions.py --manifest ml/splits/triage.csv --split test \
      --root ../shared/data --out artifacts/python_decisions.jsonl
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "ml" / "src"))
from mri_sentinel_ml.calibrate import ood_score, softmax
from mri_sentinel_ml.colour import colour_share
from mri_sentinel_ml.data import (
    border_mean,
    grey_float,
    letterbox_geometry,
    letterbox_grey,
    normalise,
)
from mri_sentinel_ml.evaluate import head_ct_margin, triage_decision


def load(models_dir: Path) -> tuple[dict, list[dict]]:
    cards = [json.loads(p.read_text()) for p in sorted(models_dir.glob("*/model_card.json"))]
    for c in cards:
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        c["_session"] = ort.InferenceSession(str(models_dir / c["name"] / "model.onnx"), so, providers=["CPUExecutionProvider"])
    triage = next(c for c in cards if c["kind"] == "triage")
    return triage, [c for c in cards if c["kind"] == "diagnosis"]


def run(card: dict, img: Image.Image) -> tuple[np.ndarray, np.ndarray, float]:
    """-> logits, embedding, background-gate border mean (of this model's letterbox)."""
    n, size = card["input"]["normalization"], card["input"]["size"]
    grey = grey_float(img)
    lb = letterbox_grey(grey, size)
    x = normalise(lb, n["mean"], n["std"])[None]
    logits, emb, _cam = card["_session"].run(["logits", "embedding", "cam"], {"input": x})
    bg = card["thresholds"].get("background")
    border = border_mean(lb, letterbox_geometry(grey.shape[1], grey.shape[0], size), bg["band"]) if bg else 0.0
    return logits, emb, border


def decide(path: Path, triage: dict, diagnosis: list[dict], thr_override: float | None) -> dict:
    try:
        with Image.open(path) as im:
            im.load()
            img = im.copy()
    except Exception:  # noqa: BLE001 - any decode failure is a file-stage refusal
        return {"decision": "rejected:file_CORRUPT_IMAGE", "triage": None}
    # the colour gate's measure goes beside every decoded image's decision, so the served measure can be compared
    col = triage["thresholds"].get("colour")
    share = colour_share(img, col["margin"], col["min_chroma"]) if col else None
    # the server's resolution check (MIN_IMAGE_SIDE 64, MAX_INPUT_PIXELS 40 MP) comes before any model
    if min(img.size) < 64 or img.size[0] * img.size[1] > 40_000_000:
        d = {"decision": "rejected:file_RESOLUTION_OUT_OF_RANGE", "triage": None}
    else:
        d = decide_image(img, triage, diagnosis, thr_override, share)
    return d if share is None else {**d, "colour_share": share}


def decide_image(img: Image.Image, triage: dict, diagnosis: list[dict], thr_override: float | None,
                 share: float | None) -> dict:
    """The rules after the file checks; share: the colour gate's measure (None without the gate)."""
    logits, emb, border = run(triage, img)
    thr = thr_override if thr_override is not None else triage["thresholds"]["confidence"]
    p = softmax(logits, triage["calibration"]["temperature"])
    ood = triage["thresholds"].get("ood")
    is_ood = ood_score(emb, ood) > ood["threshold"] if ood else np.zeros(1, bool)
    bg = triage["thresholds"].get("background")
    col = triage["thresholds"].get("colour")
    coloured = col is not None and share is not None and share > col["max_share"]
    ct = triage["thresholds"].get("head_ct")
    head_ct = ct is not None and bool(head_ct_margin(emb, ct["weights"], ct["bias"])[0] > ct["threshold"])
    bright = np.array([(bg is not None and border > bg["max_border_mean"]) or coloured or head_ct])
    t = triage_decision(p, is_ood, thr, triage["labels"], bright)[0]
    tp = {lab: round(float(v), 7) for lab, v in zip(triage["labels"], p[0], strict=True)}
    if t.startswith("rejected:"):
        return {"decision": t, "triage": t, "probabilities": tp}
    card = next((c for c in diagnosis if c["body_part"] == t), None)
    if card is None:
        return {"decision": f"inconclusive:NO_VALIDATED_MODEL:{t}", "triage": t, "probabilities": tp}
    logits, emb, _ = run(card, img)
    dthr = thr_override if thr_override is not None else card["thresholds"]["confidence"]
    q = softmax(logits, card["calibration"]["temperature"])[0]
    dood = card["thresholds"].get("ood")
    d_is_ood = bool(ood_score(emb, dood)[0] > dood["threshold"]) if dood else False
    dp = {lab: round(float(v), 7) for lab, v in zip(card["labels"], q, strict=True)}
    if d_is_ood or q.max() < dthr:
        return {"decision": f"inconclusive:LOW_CONFIDENCE:{card['name']}", "triage": t, "probabilities": dp}
    return {"decision": f"completed:{card['name']}:{card['labels'][int(q.argmax())]}", "triage": t, "probabilities": dp}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--root")
    ap.add_argument("--split")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--every", type=int, default=1, help="keep every k-th row (a fixed, spread-out subset)")
    ap.add_argument("--meta", help="also write a JSON file naming the manifest, subset and model sha256s")
    ap.add_argument("--models", default=str(REPO / "models"))
    ap.add_argument("--threshold", type=float)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    manifest = Path(a.manifest).resolve()
    root = Path(a.root).resolve() if a.root else manifest.parent
    with open(manifest, newline="") as f:
        rows = [r for r in csv.DictReader(f) if not a.split or r.get("split") == a.split]
    rows = rows[:: a.every]
    rows = rows[: a.limit] if a.limit else rows
    triage, diagnosis = load(Path(a.models))
    if a.meta:
        meta = {
            "manifest": a.manifest, "split": a.split, "every": a.every, "limit": a.limit, "count": len(rows),
            "root": a.root, "threshold": a.threshold,
            "models": {c["name"]: c["onnx"]["sha256"] for c in [triage, *diagnosis]},
            "versions": {c["name"]: c["version"] for c in [triage, *diagnosis]},
            "generator": "scripts/python_decisions.py (PIL + onnxruntime + ml/ decision rules)",
            "regenerate": "ml/.venv/bin/python scripts/python_decisions.py --manifest ml/splits/triage.csv --split test "
                          f"--every {a.every} --root ../shared/data --out test/fixtures/python-decisions/decisions.jsonl "
                          "--meta test/fixtures/python-decisions/meta.json",
        }
        Path(a.meta).write_text(json.dumps(meta, indent=2) + "\n")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    with open(a.out, "w") as out:
        for i, r in enumerate(rows):
            d = decide(root / r["path"], triage, diagnosis, a.threshold)
            out.write(json.dumps({"path": r["path"], **d}) + "\n")
            if (i + 1) % 250 == 0:
                print(f"… {i + 1}/{len(rows)}", file=sys.stderr)


if __name__ == "__main__":
    main()
