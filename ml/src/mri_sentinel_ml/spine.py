"""spine_herniation feasibility: patient-grouped cross-validation of a linear probe.

Labels are per patient (41 patients), so the honest unit is the patient: slice probabilities are
averaged per patient and AUROC is computed over patients on out-of-fold predictions. The model
ships only if AUROC >= 0.80 across folds."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from . import data, files
from .metrics import auc
from .networks import IMAGENET_LITE_MEAN, IMAGENET_LITE_STD, build_net
from .records import JsonObject
from .transforms import to_input

SHIP_AUROC = 0.80


@torch.no_grad()
def imagenet_embeddings(paths: list[str], size: int, bs: int = 4) -> np.ndarray:
    imgs, _ = data.image_cache(paths, size)
    net = build_net(2, pretrained=True).eval()
    m, s = (IMAGENET_LITE_MEAN,) * 3, (IMAGENET_LITE_STD,) * 3
    out = []
    for i in tqdm(range(0, len(paths), bs), desc="spine embeddings"):
        x = to_input(torch.from_numpy(np.asarray(imgs[i:i + bs], np.float32))[:, None], m, s)
        out.append(net(x).embedding)
    return torch.cat(out).numpy()


def fit_logreg(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    xt, yt = torch.from_numpy(x).double(), torch.from_numpy(y).double()
    w = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=200, line_search_fn="strong_wolfe")
    pos = float(y.mean())
    sw = torch.where(yt > 0, 0.5 / pos, 0.5 / (1 - pos))  # balanced

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = (F.binary_cross_entropy_with_logits(xt @ w + b, yt, reduction="none") * sw).mean() + l2 * (w**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach().numpy(), float(b.detach())


def cross_validate(seed: int | None, size: int = 160, l2: float = 1e-2) -> JsonObject:
    tab = data.read_split("spine_herniation")
    emb = imagenet_embeddings(tab.paths, size)
    y = np.array([lb == "herniation" for lb in tab.labels], dtype=np.float64)
    fold = np.array([int(f) for f in tab.extra])
    groups = np.array(tab.groups)
    oof = np.zeros(len(y))
    per_fold = []
    for f in sorted(set(fold)):
        tr, te = fold != f, fold == f
        mu, sd = emb[tr].mean(0), emb[tr].std(0) + 1e-6
        w, b = fit_logreg((emb[tr] - mu) / sd, y[tr], l2)
        oof[te] = 1 / (1 + np.exp(-(((emb[te] - mu) / sd) @ w + b)))
        pats = sorted(set(groups[te]))
        ps = np.array([oof[te][groups[te] == p].mean() for p in pats])
        yp = np.array([y[te][groups[te] == p][0] for p in pats])
        per_fold.append({"fold": int(f), "patients": len(pats), "positives": int(yp.sum()),
                         "patient_auroc": auc(ps, yp > 0), "slice_auroc": auc(oof[te], y[te] > 0)})
    pats = sorted(set(groups))
    ps = np.array([oof[groups == p].mean() for p in pats])
    yp = np.array([y[groups == p][0] for p in pats])
    fold_aucs = [r["patient_auroc"] for r in per_fold if not np.isnan(r["patient_auroc"])]
    res: JsonObject = {"patients": len(pats), "positive_patients": int(yp.sum()), "slices": len(y),
           "pooled_patient_auroc": auc(ps, yp > 0), "pooled_slice_auroc": auc(oof, y > 0),
           "mean_fold_patient_auroc": float(np.mean(fold_aucs)), "min_fold_patient_auroc": float(np.min(fold_aucs)),
           "per_fold": per_fold, "l2": l2, "seed": seed}
    res["ship"] = bool(res["pooled_patient_auroc"] >= SHIP_AUROC and res["min_fold_patient_auroc"] >= SHIP_AUROC)
    return res


def write_spine_report(res: JsonObject) -> None:
    L = ["# spine_herniation — feasibility report (no model shipped)" if not res["ship"] else
         "# spine_herniation — feasibility report", "",
         "Task: herniation / no_herniation on lumbar sagittal T2 MRI (`spine_spider`). Labels are per patient "
         "(any disc herniated), not per slice. Research use only.", "",
         f"Grouped {len(res['per_fold'])}-fold cross-validation **by patient** (`ml/splits/spine_herniation.csv`, "
         f"column `fold`, stratified by the patient label, "
         + (f"seed {res['seed']}" if res["seed"] is not None else "the folds `python -m mri_sentinel_ml split` last wrote")
         + f"): {res['patients']} patients "
         f"({res['positive_patients']} with herniation), {res['slices']} slices. Model: L2-regularised, class-balanced "
         "logistic regression on frozen ImageNet EfficientNet-Lite0 embeddings (1280-d, contract preprocessing at 160 px); "
         "patient score = mean slice probability.", "",
         "| fold | patients | positive | patient AUROC | slice AUROC |", "|---|---|---|---|---|"]
    for r in res["per_fold"]:
        L.append(f"| {r['fold']} | {r['patients']} | {r['positives']} | {r['patient_auroc']:.3f} | {r['slice_auroc']:.3f} |")
    L += ["", f"Pooled out-of-fold patient AUROC **{res['pooled_patient_auroc']:.3f}**, slice AUROC "
          f"{res['pooled_slice_auroc']:.3f}; per-fold patient AUROC mean {res['mean_fold_patient_auroc']:.3f}, "
          f"min {res['min_fold_patient_auroc']:.3f}.", "",
          f"Shipping rule: AUROC ≥ {SHIP_AUROC:.2f} across folds (pooled and every fold). "
          + ("**Met** — see models/spine_herniation/." if res["ship"] else
             "**Not met — no spine_herniation model is shipped.** The server has no card for a spine diagnosis, so a "
             "recognised spine MRI gets `inconclusive` / `NO_VALIDATED_MODEL`. With 41 patients and patient-level "
             "labels this data cannot validate a herniation classifier; it would need disc-level labels and more patients."), ""]
    files.write_text(data.MODELS_DIR / "spine_herniation_report.md", "\n".join(L))
    data.RUNS_DIR.mkdir(parents=True, exist_ok=True)  # a fresh checkout has none: FileNotFoundError after the report
    files.write_json(data.RUNS_DIR / "spine_cv.json", res)
