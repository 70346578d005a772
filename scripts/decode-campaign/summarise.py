"""Per-variant figures of the campaign: images, tensor mismatches, max |diff| of the normalised input, and (for
the re-encoded scans) decisions that differ between the served pipeline and the Python reference.

  python3 scripts/decode-campaign/summarise.py OUT_DIR
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

out = Path(sys.argv[1])
rows = [json.loads(line) for line in open(out / "ts.jsonl")]
differing: dict[str, int] = defaultdict(int)
compared: dict[str, int] = defaultdict(int)
if (out / "eval.json").exists():
    agreement = json.loads((out / "eval.json").read_text())["summary"]["pythonAgreement"]
    assert len(agreement["disagreements"]) < 50, "more disagreements than evaluate lists"
    for d in agreement["disagreements"]:
        differing[Path(d["path"]).stem.split("_", 1)[1]] += 1
    for line in open(out / "py.jsonl"):
        compared[Path(json.loads(line)["path"]).stem.split("_", 1)[1]] += 1
by: dict[str, list[dict]] = defaultdict(list)
for r in rows:
    by[r["variant"] if r["family"] == "real" else r["name"].rsplit("_", 1)[0] if r["family"] == "odd" else r["name"]].append(
        r
    )
print(f"{'variant':42s} {'n':>4s} {'differ':>6s} {'max|dt|':>10s} {'max|dL|':>8s} {'decisions':>9s} other")
for v, rs in sorted(by.items()):
    differ = [r for r in rs if r["verdict"] != "equal"]
    mt = max((r.get("tensorMaxAbs", 0) for r in rs), default=0)
    ml = max((r.get("lumaMaxAbs", 0) for r in rs), default=0)
    dec = f"{differing[v]}/{compared[v]}" if compared[v] else ""
    other = sorted({r["verdict"] for r in differ} - {"differs"})
    print(f"{v:42s} {len(rs):4d} {len(differ):6d} {mt:10.3g} {ml:8.3g} {dec:>9s} {' '.join(other)}")
