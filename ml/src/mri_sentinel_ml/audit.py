"""Label audit: head CT hiding among a source's brain MRIs (ml/curation/README.md).

`python -m mri_sentinel_ml audit-ct [--source S]` ranks one source's brain-MRI images by two independent signs of a
head CT. A person then reviews them by eye. Nothing here changes a label: confirmed images go into
`ml/curation/not_mri.csv` by hand. Candidates and a contact sheet go to `ml/runs/audit/`, which is git-ignored
because the sheet is made from the images.

- probe: a class-balanced softmax regression (head.fit_head) on the frozen triage embedding. It is fitted on the
  head-CT collections against every brain source except the audited one, and scores all of the audited source's
  images. Slices already listed are scored and marked too, so a rerun shows whether the audit still finds them.
- skull ring: in a brain window a CT skull is saturated white all round the head, and an MRI's skull is dark.
  `skull_ring_share` is the share of 64 rays that meet a saturated pixel near the head's outer edge. It is computed
  on the 160 px letterboxed image, from the foreground centroid, running inwards.
"""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path

import numpy as np

from . import data, files
from .head import balanced_weights, fit_head

N_RAYS = 64
FOREGROUND = 20.0  # letterboxed luma above this is the head, not air
SATURATED = 245.0  # a brain-window CT skull sits at the top of the range
OUTER = 0.2  # the outer fifth of each ray's run inside the head


def skull_ring_share(lb: np.ndarray, geo: tuple[int, int, int, int] | np.ndarray) -> tuple[float, float]:
    """-> (share of rays meeting a saturated pixel in their outer fifth, saturated share of the foreground).
    lb: letterboxed luma [S,S] in 0..255; geo: (nw, nh, x0, y0) of the pasted content."""
    nw, nh, x0, y0 = (int(v) for v in geo)
    c = np.asarray(lb[y0:y0 + nh, x0:x0 + nw], np.float32)
    yy, xx = np.nonzero(c > FOREGROUND)
    if len(yy) < 50:  # no head to speak of
        return 0.0, 0.0
    sat = float((c >= SATURATED).sum() / len(yy))
    cy, cx = yy.mean(), xx.mean()
    r = np.arange(int(np.hypot(nh, nw)) + 1)[::-1]  # outside in
    hits = valid = 0
    for t in np.linspace(0.0, 2 * np.pi, N_RAYS, endpoint=False):
        py = np.floor(cy + r * np.sin(t) + 0.5).astype(int)
        px = np.floor(cx + r * np.cos(t) + 0.5).astype(int)
        ok = (py >= 0) & (py < nh) & (px >= 0) & (px < nw)
        v = c[py[ok], px[ok]]
        inside = np.flatnonzero(v > FOREGROUND)
        if len(inside) == 0:
            continue
        v = v[inside[0]:]  # from the head's outer edge to the centroid
        valid += 1
        hits += int(v[:max(4, int(OUTER * len(v)))].max() >= SATURATED)
    return hits / max(valid, 1), sat


def ct_probe_scores(emb: np.ndarray, is_ct: np.ndarray, is_mri: np.ndarray, sources: np.ndarray,
                    score_idx: np.ndarray) -> np.ndarray:
    """Logit margin CT − MRI for emb[score_idx], from a probe fitted on is_ct vs is_mri (sources equal per class)."""
    fit = np.flatnonzero(is_ct | is_mri)
    y = is_ct[fit].astype(np.int64)
    w = balanced_weights(y, sources[fit], 1.0)
    W, b = fit_head(emb[fit], y, w, 2, l2=1.0)
    z = emb[score_idx] @ W.T + b
    margin: np.ndarray = z[:, 1] - z[:, 0]
    return margin


def audit_ct(source: str = "brain_tumor_nickparvar", margin_min: float = -1.0, out_dir: Path | None = None) -> Path:
    """Rank `source`'s brain images for review; writes candidates.csv and contact sheets. Returns the folder."""
    from PIL import Image, ImageDraw

    from .config import triage_config
    from .train import load_embeddings

    cfg = triage_config()
    known = sorted(set(data.read_split(cfg.split).sources))
    if source not in known:  # before the embeddings (minutes when not cached): a typo would audit 0 images
        brain = [s for s in known if s.startswith("brain_")]
        raise data.DataError(f"no source {source!r} in the {cfg.split} split; its brain sources: {', '.join(brain)}")
    tab, emb, _ = load_embeddings(cfg)
    imgs, geos = data.image_cache(tab.paths, cfg.size)
    src, lab, paths = np.array(tab.sources), np.array(tab.labels), np.array(tab.paths)
    curated = np.isin(paths, sorted(data.curated_not_mri()))
    head_ct = np.char.startswith(src, "ct_head")
    brain = (lab == "brain") & (src != source)
    audited = np.flatnonzero((src == source) & ((lab == "brain") | curated))
    score = ct_probe_scores(emb["clean"], head_ct, brain, src, audited)
    ring = np.array([skull_ring_share(imgs[i], geos[i]) for i in audited])  # [n, 2]
    # candidates: the probe's CT-leaning ones (a margin of -1, not 0: the hyperostotic-meningioma CT slices of the
    # 2026-12-05 audit scored -0.5 to -0.6, their thick bone grey rather than saturated) and every image with a
    # saturated ring round a third of the head
    pick = set(np.flatnonzero(score > margin_min)) | set(np.flatnonzero((ring[:, 0] >= 0.3) & (ring[:, 1] >= 0.02)))
    order = sorted(pick, key=lambda k: -score[k])
    out = out_dir or data.RUNS_DIR / "audit" / source
    out.mkdir(parents=True, exist_ok=True)
    f = io.StringIO(newline="")
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["sheet_index", "path", "probe_ct_margin", "ring_share", "saturated_share", "listed"])
    for j, k in enumerate(order):
        w.writerow([j, paths[audited[k]], f"{score[k]:.3f}", f"{ring[k, 0]:.3f}", f"{ring[k, 1]:.4f}",
                    int(curated[audited[k]])])
    files.write_text(out / "candidates.csv", f.getvalue())
    side, cols = 100, 12
    for page in range(0, len(order), 120):  # contact sheets of 120, numbered as in candidates.csv
        part = order[page:page + 120]
        sheet = Image.new("L", (side * cols, side * ((len(part) + cols - 1) // cols)))
        d = ImageDraw.Draw(sheet)
        for j, k in enumerate(part):
            with Image.open(data.DATA_DIR / paths[audited[k]]) as im:
                sheet.paste(im.convert("L").resize((side, side)), ((j % cols) * side, (j // cols) * side))
            d.text(((j % cols) * side + 1, (j // cols) * side), str(page + j), fill=255)
        files.save_atomic(out / f"sheet_{page // 120}.png", functools.partial(sheet.save, format="PNG"))
    found = sum(int(curated[audited[k]]) for k in order)
    print(f"[audit-ct] {source}: {len(order)} candidates of {len(audited)} images, {found} of "
          f"{int(curated[audited].sum())} listed slices among them -> {out}")
    return out
