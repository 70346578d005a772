"""Source alignment of the frozen embedding for the linear head, measured by LOSO (an experiment, not part of `all`;
ml/README.md "Tried").

A served image's source is unknown, so whatever is learnt has to be one fixed map applied to every image:
- source-direction removal: within each class, the mean embedding of each training family minus the mean of those
  family means; the top-k principal directions of these deviations (standardised space) are projected out of every
  embedding before the shipped head recipe. The map is affine, so it folds into the head: still one 2560-d linear
  read-out, exportable as it is served now.
- DANN (Ganin et al. 2016): a linear projection to 256-d (started at the training side's top-256 principal axes),
  the class head on it, and a family classifier through gradient reversal. Families are predicted only among those
  of the image's own class (the triage families mostly hold one class: an unconditioned adversary would fight the
  class itself). Projection and head compose to one linear read-out again. dann 0 is the same network without the
  adversary (the control: Adam and the projection alone).
`loso-da` runs the shipped head and every variant on the same folds, gates and choice rules as `loso` / `loso-dro`;
`source_probe` is the issue's check: how well a linear probe tells the families of one class apart, before / after.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from . import data, files
from .calibrate import fit_temperature, softmax
from .config import ModelConfig
from .head import balanced_sample, balanced_weights, cap_per_source, fit_head, fit_labelled
from .loso import Fold, brain_rows, family, inputs_key, load_keyed, make_folds, merge, pooled_brain
from .records import HeldOut, JsonObject


@dataclass(frozen=True)
class Align:
    name: str
    remove_k: int = 0  # source-direction removal: principal directions of within-class family means taken out
    dann: float = -1.0  # < 0: no projection; >= 0: DANN with this gradient-reversal weight (0: no adversary)
    dim: int = 256
    steps: int = 300
    batch: int = 512


VARIANTS = (Align("shipped"), Align("remove 4", remove_k=4), Align("remove 8", remove_k=8),
            Align("remove 16", remove_k=16), Align("remove 32", remove_k=32), Align("dann 0", dann=0.0),
            Align("dann 0.1", dann=0.1), Align("dann 0.3", dann=0.3), Align("dann 1", dann=1.0))


def source_directions(Z: np.ndarray, y: np.ndarray, fam: np.ndarray, k: int, min_n: int = 5) -> np.ndarray:
    """[D, k'] orthonormal (k' <= k): top principal directions of the within-class family-mean deviations of the
    (standardised) rows Z; classes with one family (of >= min_n rows) add nothing."""
    dev = []
    for c in np.unique(y):
        means = [Z[(y == c) & (fam == f)].mean(0) for f in np.unique(fam[y == c])
                 if ((y == c) & (fam == f)).sum() >= min_n]
        if len(means) >= 2:
            m = np.stack(means)
            dev.append(m - m.mean(0))
    if not dev or k <= 0:
        return np.zeros((Z.shape[1], 0), np.float32)
    _, s, vt = np.linalg.svd(np.concatenate(dev).astype(np.float64), full_matrices=False)
    keep = min(k, int((s > 1e-6 * s[0]).sum()))
    return vt[:keep].T.astype(np.float32)


def removal(mu: np.ndarray, sd: np.ndarray, U: np.ndarray, X: np.ndarray) -> np.ndarray:
    """x - sd * (((x - mu) / sd) U) U^T: the directions U of the standardised space taken out; affine in x."""
    out: np.ndarray = X - (((X - mu) / sd) @ U) @ U.T * sd
    return out.astype(np.float32)


def reverse_gradient(x: torch.Tensor, lam: float) -> torch.Tensor:
    """x forward, -lam x its gradient backward (the gradient-reversal layer)."""
    return -lam * x + ((1.0 + lam) * x).detach()


def fit_dann(X: np.ndarray, y: np.ndarray, dom: np.ndarray, w: np.ndarray, n_classes: int, a: Align,
             seed: int = 0, label_smoothing: float = 0.05) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(W [C,D], b [C]) for the raw embedding, and the projection [D, dim] of the standardised one.
    Batches drawn in proportion to w (the head's class/source shares); the family head sees only the families of
    each row's class (logits of the others masked)."""
    torch.manual_seed(seed)
    Xt = torch.from_numpy(np.ascontiguousarray(X, np.float32))
    mu, sd = Xt.mean(0), Xt.std(0).clamp_min(1e-3)
    Xs = (Xt - mu) / sd
    yt = torch.from_numpy(y.astype(np.int64))
    dnames, dt = np.unique(dom, return_inverse=True)
    dti = torch.from_numpy(dt.astype(np.int64))
    allowed = torch.zeros(n_classes, len(dnames), dtype=torch.bool)
    allowed[yt, dti] = True
    _, _, V = torch.pca_lowrank(Xs, q=a.dim, center=True, niter=2)
    proj = torch.nn.Linear(X.shape[1], a.dim, bias=False)
    with torch.no_grad():
        proj.weight.copy_(V.T)
    head = torch.nn.Linear(a.dim, n_classes)
    disc = torch.nn.Sequential(torch.nn.Linear(a.dim, 128), torch.nn.ReLU(), torch.nn.Linear(128, len(dnames)))
    opt = torch.optim.Adam([*proj.parameters(), *head.parameters(), *disc.parameters()], lr=1e-3, weight_decay=1e-4)
    draw = balanced_sample(w, a.steps * a.batch, seed).reshape(a.steps, a.batch)
    for step in range(a.steps):
        i = torch.from_numpy(draw[step])
        h = proj(Xs[i])
        loss = F.cross_entropy(head(h), yt[i], label_smoothing=label_smoothing)
        if a.dann > 0:  # Ganin's ramp: the reversal weight grows 0 -> dann over training
            lam = a.dann * (2.0 / (1.0 + np.exp(-10.0 * step / a.steps)) - 1.0)
            dl = disc(reverse_gradient(h, lam)).masked_fill(~allowed[yt[i]], -1e4)
            loss = loss + F.cross_entropy(dl, dti[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        Wz = head.weight @ proj.weight  # [C, D] on the standardised embedding
        W = Wz / sd[None]
        b = head.bias - (W * mu[None]).sum(1)
    return W.numpy().astype(np.float32), b.numpy().astype(np.float32), proj.weight.detach().numpy().T.copy()


def _rows(cfg: ModelConfig, emb: dict[str, np.ndarray], y: np.ndarray, sources: np.ndarray, idx: np.ndarray,
          extra: tuple[np.ndarray, int, str] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """head.fit_labelled's training rows: (X, y, source, weight) after the cap, the generated frames appended."""
    assert emb["aug"].shape[1] == 0, "one clean view per image (both shipped configs)"
    idx = cap_per_source(idx[y[idx] >= 0], y, sources, cfg.cap_per_source)
    X, ys, ss = emb["clean"][idx], y[idx], sources[idx]
    if extra is not None:
        X = np.concatenate([X, extra[0].astype(np.float32)])
        ys = np.concatenate([ys, np.full(len(extra[0]), extra[1])])
        ss = np.concatenate([ss, np.full(len(extra[0]), extra[2])])
    return X, ys, ss, balanced_weights(ys, ss, cfg.source_balance)


def fold_logits(cfg: ModelConfig, emb: dict[str, np.ndarray], y: np.ndarray, sources: np.ndarray, idx: np.ndarray,
                a: Align, extra: tuple[np.ndarray, int, str] | None) -> np.ndarray:
    """[N, C] logits of every image from the head fitted on the training images idx with variant a."""
    if a.remove_k == 0 and a.dann < 0:  # the shipped head, exactly
        W, b = fit_labelled(emb, y, sources, idx, len(cfg.labels), cfg.head_l2, cfg.source_balance,
                            cfg.cap_per_source, extra)
        out: np.ndarray = emb["clean"] @ W.T + b
        return out
    X, ys, ss, w = _rows(cfg, emb, y, sources, idx, extra)
    fam = np.array([family(s) for s in ss])
    if a.dann >= 0:
        W, b, _ = fit_dann(X, ys, fam, w, len(cfg.labels), a)
        out = emb["clean"] @ W.T + b
        return out
    real = ss != (extra[2] if extra is not None else "")  # directions from the collections, not generated frames
    mu, sd = X.mean(0), X.std(0).clip(1e-3)
    U = source_directions((X[real] - mu) / sd, ys[real], fam[real], a.remove_k)
    W, b = fit_head(removal(mu, sd, U, X), ys, w, len(cfg.labels), cfg.head_l2)
    out = removal(mu, sd, U, emb["clean"]) @ W.T + b
    return out


def run_variant(cfg: ModelConfig, emb: dict[str, np.ndarray], y: np.ndarray, sources: np.ndarray, folds: list[Fold],
                ratios: list[np.ndarray], a: Align, extra: tuple[np.ndarray, int, str] | None) -> HeldOut:
    res: list[HeldOut] = []
    for f, ratio in zip(folds, ratios, strict=True):
        logits = fold_logits(cfg, emb, y, sources, np.flatnonzero(f.train), a, extra)
        va, ho = np.flatnonzero(f.val), np.flatnonzero(f.held)
        res.append({"idx": ho, "p": softmax(logits[ho], fit_temperature(logits[va], y[va])), "ood_ratio": ratio})
    return merge(res)


def pooled_triage(rows: list[JsonObject]) -> JsonObject:
    """Image-weighted over held-out rows: brain/knee/spine accepted as the right part, unsupported MRI accepted as a
    supported part, non-MRI passing the modality check; head CT (the ct_head collections) passing it, in images."""
    def avg(key: str, true: tuple[str, ...]) -> float:
        rs = [x for x in rows if x["true"] in true]
        return float(np.average([x[key] or 0.0 for x in rs], weights=[x["n"] for x in rs])) if rs else float("nan")

    ct = [x for x in rows if str(x["source"]).startswith("ct_head")]
    return {"right_part": avg("accepted_right_part", ("brain", "knee", "spine")),
            "unsupported_accepted": avg("accepted_as_supported", ("other_mri",)),
            "not_mri_passing": avg("passes_modality", ("not_mri",)),
            "head_ct_let_through": {str(x["source"]): f"{round(x['passes_modality'] * x['n'])} of {x['n']}" for x in ct}}


def source_probe(cfg: ModelConfig, emb: dict[str, np.ndarray], y: np.ndarray, sources: np.ndarray,
                 splits: np.ndarray, a: Align, extra: tuple[np.ndarray, int, str] | None) -> JsonObject:
    """The issue's check: per class with >= 2 families (>= 5 train and val images each), a linear probe (the head
    recipe, families equal) trained on the train split's features tells the families apart on the val split;
    balanced accuracy (mean recall per family) against chance 1 / families. Features: the raw embedding (shipped),
    the embedding with the directions removed, or the DANN projection; each fitted on the train split."""
    fam = np.array([family(s) for s in sources])
    tr, va = np.flatnonzero((splits == "train") & (y >= 0)), np.flatnonzero((splits == "val") & (y >= 0))
    Z = emb["clean"]
    if a.remove_k > 0 or a.dann >= 0:
        X, ys, ss, w = _rows(cfg, emb, y, sources, tr, extra)
        f2 = np.array([family(s) for s in ss])
        mu, sd = X.mean(0), X.std(0).clip(1e-3)
        if a.dann >= 0:
            _, _, P = fit_dann(X, ys, f2, w, len(cfg.labels), a)
            Z = ((Z - mu) / sd) @ P
        else:
            real = ss != (extra[2] if extra is not None else "")
            Z = removal(mu, sd, source_directions((X[real] - mu) / sd, ys[real], f2[real], a.remove_k), Z)
    out: JsonObject = {}
    for c in np.unique(y[tr]):
        ok = [f for f in np.unique(fam[tr][y[tr] == c])
              if ((fam[tr] == f) & (y[tr] == c)).sum() >= 5 and ((fam[va] == f) & (y[va] == c)).sum() >= 5]
        if len(ok) < 2:
            continue
        i = cap_per_source(tr[(y[tr] == c) & np.isin(fam[tr], ok)], y, sources, cfg.cap_per_source)
        j = va[(y[va] == c) & np.isin(fam[va], ok)]
        names = np.array(ok)
        yi, yj = np.searchsorted(names, fam[i]), np.searchsorted(names, fam[j])
        W, b = fit_head(Z[i], yi, balanced_weights(yi, yi, 1.0), len(ok), cfg.head_l2)
        pred = (Z[j] @ W.T + b).argmax(1)
        out[cfg.labels[int(c)]] = {"families": len(ok), "chance": 1.0 / len(ok),
                                   "balanced_accuracy": float(np.mean([(pred[yj == k] == k).mean()
                                                                       for k in range(len(ok))]))}
    return out


def cli(name: str, seed: int, only: list[str], fold_keys: list[str], probe: bool) -> None:
    """Every variant (or those named in `only`) on the model's LOSO folds (or those whose family
    contains one of fold_keys: the quick subset); the summary to runs/<name>/loso_da[_suffix].json. The gates are
    loso-dro's, read from runs/<name>/loso_dro_gates.npz when there (head-independent)."""
    from .config import CONFIGS
    from .dro import _fold_gates, _loso_ratios, triage_summary
    from .head_ct import head_ct_mask, loso_fired
    from .pipeline import pixel_gated
    from .train import blank_extra, load_embeddings, run_dir

    cfg = CONFIGS[name](seed)
    tab, emb, y = load_embeddings(cfg)
    sources, splits, y_txt = np.array(tab.sources), np.array(tab.splits), np.array(tab.labels)
    folds = make_folds(sources, splits, y)
    triage = cfg.kind == "triage"
    extra = blank_extra(cfg) if triage else None
    keep = [i for i, f in enumerate(folds) if not fold_keys or any(k in f.name for k in fold_keys)]
    t0 = time.time()
    key = inputs_key(cfg, tab, emb, y)
    z = load_keyed(run_dir(name) / "loso_dro_gates.npz", key)  # loso-dro's, if computed for these inputs
    ct: np.ndarray | None = None
    if z is not None:
        ratios = [z[f"ratio_{i}"] for i in keep]
        ct = z["ct"] if triage else None
    else:
        saved = _loso_ratios(name, folds, key)
        ratios = [saved[i] for i in keep] if saved else [_fold_gates(cfg, emb, y, folds[i]) for i in keep]
        if triage:
            ct = loso_fired(cfg, emb["clean"], y, sources, head_ct_mask(tab), [folds[i] for i in keep])
    folds = [folds[i] for i in keep]
    bright = pixel_gated(cfg) if triage else None
    print(f"[da {name}] {len(folds)} folds, gates in {time.time() - t0:.0f} s", flush=True)
    suffix = ("_" + "_".join(only).replace(" ", "") if only else "") + ("_subset" if fold_keys else "")
    out: list[JsonObject] = []
    for a in VARIANTS:
        if only and a.name not in only:  # name "shipped" for the reproduction
            continue
        t = time.time()
        row: JsonObject = {"variant": asdict(a), "folds": [f.name for f in folds]}
        if probe:
            row["source_probe"] = source_probe(cfg, emb, y, sources, splits, a, extra)
            row["probe_seconds"] = time.time() - t
            t = time.time()
        res = run_variant(cfg, emb, y, sources, folds, ratios, a, extra)
        if triage:
            assert bright is not None
            row |= triage_summary(cfg, res, y_txt, sources, bright, ct)
            row["pooled"] = pooled_triage(row["table"])
            row["pooled_at_0.80"] = pooled_triage(row["table_at_0.80"])
        else:
            br = brain_rows(cfg, res, y, sources, 0.6, 1.0)
            row |= {"pooled_clean_0.60": pooled_brain([x for x in br if x["source"] not in data.V2_SOURCES]),
                    "pooled_all_0.60": pooled_brain(br), "table": br}
        row["seconds"] = time.time() - t
        print(f"[da {name}] {json.dumps({k: v for k, v in row.items() if not k.startswith('table')}, default=float)}",
              flush=True)
        out.append(row)
        files.write_json(run_dir(name) / f"loso_da{suffix}.json", out)
