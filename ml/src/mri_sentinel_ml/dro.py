"""Robust heads over sources, measured by LOSO (an experiment, not part of `all`; ml/README.md "Tried").

The shipped head weights every (class, source) group by a fixed share (classes equal, sources balanced within a
class). Two alternatives that aim at the worst source instead of the average one, on the same cached embeddings:
- group DRO (Sagawa et al. 2020): the group weights q follow exponentiated-gradient steps on the groups' training
  losses, q_g <- q_g exp(eta (L_g + C / sqrt(n_g))), between warm-started LBFGS refits of the head on
  sum_g q_g L_g (C / sqrt(n_g): the group-size adjustment, a small group's loss is an optimistic estimate);
- V-REx (Krueger et al. 2021): the fixed shares, plus beta x the share-weighted variance of the groups' losses.
`loso-dro` runs the shipped head and every variant on the same folds, gates and choice rules as `loso`.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from . import data, files
from .calibrate import fit_ood, fit_temperature, ood_score, softmax
from .config import ModelConfig
from .head import balanced_weights, cap_per_source, fit_labelled
from .loso import Fold, brain_rows, inputs_key, load_keyed, make_folds, merge, pooled_brain, triage_rows
from .records import HeldOut, JsonObject


@dataclass(frozen=True)
class Robust:
    name: str
    eta: float = 0.0  # group DRO: EG step on the group weights per round (0: the shipped fixed shares)
    size_c: float = 0.0  # group DRO: C of the C / sqrt(n_g) adjustment
    vrex: float = 0.0  # V-REx: beta
    rounds: int = 6  # group DRO: q updates, each followed by a refit warm-started from the last
    iters: int = 20  # LBFGS iterations per refit (V-REx: 100; both start from the fixed-share fit)


VARIANTS = (Robust("shipped"), Robust("gdro eta 0.25", eta=0.25), Robust("gdro eta 1", eta=1.0),
            Robust("gdro eta 0.25 C 1", eta=0.25, size_c=1.0), Robust("gdro eta 1 C 1", eta=1.0, size_c=1.0),
            Robust("vrex beta 1", vrex=1.0), Robust("vrex beta 10", vrex=10.0))


def group_losses(logits: torch.Tensor, y: torch.Tensor, gid: torch.Tensor, n_g: torch.Tensor,
                 label_smoothing: float) -> torch.Tensor:
    """[G] mean cross-entropy of each group's rows."""
    ce = F.cross_entropy(logits, y, reduction="none", label_smoothing=label_smoothing)
    return torch.zeros(len(n_g), dtype=ce.dtype).index_add(0, gid, ce) / n_g


def fit_robust(X: np.ndarray, y: np.ndarray, gid: np.ndarray, q0: np.ndarray, n_classes: int, l2: float, r: Robust,
               label_smoothing: float = 0.05, start: tuple[np.ndarray, np.ndarray] | None = None,
               ) -> tuple[np.ndarray, np.ndarray]:
    """(W [C,D], b [C]) for the raw embedding, as head.fit_head; rows of group gid[i], q0 [G] the fixed shares.
    With eta = vrex = 0 this is fit_head with the weights q0[g] / n_g. start: that fit's (W, b), if already made."""
    Xt = torch.from_numpy(np.ascontiguousarray(X, np.float32))
    mu, sd = Xt.mean(0), Xt.std(0).clamp_min(1e-3)
    Xs = (Xt - mu) / sd
    yt, gt = torch.from_numpy(y.astype(np.int64)), torch.from_numpy(gid.astype(np.int64))
    n_g = torch.bincount(gt, minlength=len(q0)).to(torch.float32)
    q0t = torch.from_numpy((q0 / q0.sum()).astype(np.float32))
    Wp = torch.zeros(n_classes, X.shape[1], requires_grad=True)
    bp = torch.zeros(n_classes, requires_grad=True)
    if start is not None:  # the raw-embedding head back in the standardised space
        with torch.no_grad():
            W0 = torch.from_numpy(start[0])
            Wp.copy_(W0 * sd[None])
            bp.copy_(torch.from_numpy(start[1]) + (W0 * mu[None]).sum(1))

    def fit(q: torch.Tensor, beta: float, iters: int) -> torch.Tensor:
        opt = torch.optim.LBFGS([Wp, bp], lr=1.0, max_iter=iters, history_size=20, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            opt.zero_grad()
            lg = group_losses(Xs @ Wp.T + bp, yt, gt, n_g, label_smoothing)
            mean = (q * lg).sum()
            loss = mean + beta * (q * (lg - mean) ** 2).sum() + 0.5 * l2 * (Wp**2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        with torch.no_grad():
            return group_losses(Xs @ Wp.T + bp, yt, gt, n_g, label_smoothing)

    if start is None:
        lg = fit(q0t, 0.0, 100)
    else:
        with torch.no_grad():
            lg = group_losses(Xs @ Wp.T + bp, yt, gt, n_g, label_smoothing)
    if r.vrex > 0:
        fit(q0t, r.vrex, 100)
    elif r.eta > 0:
        logq = q0t.log()
        for _ in range(r.rounds):
            logq = logq + r.eta * (lg + r.size_c / n_g.sqrt())
            lg = fit(torch.softmax(logq, 0), 0.0, r.iters)
    with torch.no_grad():
        W = Wp / sd[None]
        b = bp - (W * mu[None]).sum(1)
    return W.numpy().astype(np.float32), b.numpy().astype(np.float32)


def fit_labelled_robust(cfg: ModelConfig, emb: dict[str, np.ndarray], y: np.ndarray, sources: np.ndarray,
                        idx: np.ndarray, r: Robust, extra: tuple[np.ndarray, int, str] | None,
                        start: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """head.fit_labelled's rows, cap and shares; groups are (class, source), the extra frames one more group."""
    if r.eta == 0 and r.vrex == 0:  # the shipped head, exactly
        return fit_labelled(emb, y, sources, idx, len(cfg.labels), cfg.head_l2, cfg.source_balance,
                            cfg.cap_per_source, extra)
    idx = cap_per_source(idx[y[idx] >= 0], y, sources, cfg.cap_per_source)
    ys, ss = y[idx], sources[idx]
    if extra is not None:
        ys = np.concatenate([ys, np.full(len(extra[0]), extra[1])])
        ss = np.concatenate([ss, np.full(len(extra[0]), extra[2])])
    w = balanced_weights(ys, ss, cfg.source_balance)
    assert emb["aug"].shape[1] == 0, "one clean view per image (both shipped configs)"
    X = emb["clean"][idx] if extra is None else np.concatenate([emb["clean"][idx], extra[0].astype(np.float32)])
    keys = np.array([f"{c}|{s}" for c, s in zip(ys, ss, strict=True)])
    names, gid = np.unique(keys, return_inverse=True)
    q0 = np.bincount(gid, weights=w, minlength=len(names))
    return fit_robust(X, ys, gid, q0, len(cfg.labels), cfg.head_l2, r, start=start)


def _fold_gates(cfg: ModelConfig, emb: dict[str, np.ndarray], y: np.ndarray, f: Fold) -> np.ndarray:
    """The held-out images' OOD score over the fold's threshold (margin 1), as loso.fit_fold: head-independent."""
    tr, va = np.flatnonzero(f.train), np.flatnonzero(f.val)
    ood = fit_ood(emb["clean"][tr], y[tr], cfg.ood_k)
    thr = float(np.quantile(ood_score(emb["clean"][va], ood), cfg.ood_target_tpr))
    ratio: np.ndarray = ood_score(emb["clean"][f.held], ood) / thr
    return ratio


def _loso_ratios(name: str, folds: list[Fold], key: str) -> list[np.ndarray] | None:
    """The OOD ratios `loso` saved (runs/<name>/loso_outputs.npz) if it saved them for these inputs (key:
    loso.inputs_key), the same folds in the same order."""
    from .train import run_dir

    z = load_keyed(run_dir(name) / "loso_outputs.npz", key)
    if z is None or not np.array_equal(z["idx"], np.concatenate([np.flatnonzero(fd.held) for fd in folds])):
        return None
    cuts = np.cumsum([int(fd.held.sum()) for fd in folds])[:-1]
    return list(np.split(z["ood_ratio"], cuts))


def run_variant(cfg: ModelConfig, emb: dict[str, np.ndarray], y: np.ndarray, sources: np.ndarray, folds: list[Fold],
                ratios: list[np.ndarray], r: Robust, extra: tuple[np.ndarray, int, str] | None,
                starts: dict[str, tuple[np.ndarray, np.ndarray]]) -> HeldOut:
    """Merged held-out outputs; starts: each fold's shipped head (filled by the shipped variant, which runs first)."""
    res: list[HeldOut] = []
    for f, ratio in zip(folds, ratios, strict=True):
        W, b = fit_labelled_robust(cfg, emb, y, sources, np.flatnonzero(f.train), r, extra, starts.get(f.name))
        if r.eta == 0 and r.vrex == 0:
            starts[f.name] = (W, b)
        logits = emb["clean"] @ W.T + b
        va, ho = np.flatnonzero(f.val), np.flatnonzero(f.held)
        res.append({"idx": ho, "p": softmax(logits[ho], fit_temperature(logits[va], y[va])), "ood_ratio": ratio})
    return merge(res)


def triage_summary(cfg: ModelConfig, res: HeldOut, y_txt: np.ndarray, sources: np.ndarray, bright: np.ndarray,
                   ct: np.ndarray | None) -> JsonObject:
    """loso_report.triage_loso's choices on these outputs: OOD margin, then the confidence; rows met, clean ones."""
    from .loso_report import CONF_GRID, choose_ood_margin, choose_triage_confidence, triage_target

    margin = choose_ood_margin(res, y_txt, sources)

    def rows(c: float) -> list[JsonObject]:
        return triage_rows(dataclasses.replace(cfg, confidence=c), res, y_txt, sources, bright, margin, ct)

    sweep = {c: sum(triage_target(x)[1] for x in rows(c)) for c in CONF_GRID}
    conf = choose_triage_confidence([{"threshold": c, "targets_met": n} for c, n in sweep.items()])
    final = rows(conf)
    clean = [x for x in final if x["source"] not in data.V2_SOURCES]
    return {"ood_margin": margin, "confidence": conf, "rows_met_by_threshold": sweep,
            "rows_met": sum(triage_target(x)[1] for x in final), "rows": len(final),
            "clean_met": sum(triage_target(x)[1] for x in clean), "clean_rows": len(clean), "table": final,
            "table_at_0.80": rows(0.8)}


def cli(name: str, seed: int, only: list[str] | None = None) -> None:
    """Every variant on the model's LOSO folds; the summary to runs/<name>/loso_dro.json."""
    from .config import CONFIGS
    from .head_ct import head_ct_mask, loso_fired
    from .pipeline import pixel_gated
    from .train import blank_extra, load_embeddings, run_dir

    cfg = CONFIGS[name](seed)
    tab, emb, y = load_embeddings(cfg)
    sources, splits, y_txt = np.array(tab.sources), np.array(tab.splits), np.array(tab.labels)
    folds = make_folds(sources, splits, y)
    t0 = time.time()
    triage = cfg.kind == "triage"
    extra = blank_extra(cfg) if triage else None
    gates = run_dir(name) / "loso_dro_gates.npz"  # head-independent: kept for a rerun on the same inputs
    key = inputs_key(cfg, tab, emb, y)
    z = load_keyed(gates, key)
    if z is not None:
        ratios = [z[f"ratio_{i}"] for i in range(len(folds))]
        ct = z["ct"] if triage else None
    else:
        ratios = _loso_ratios(name, folds, key) or [_fold_gates(cfg, emb, y, f) for f in folds]
        ct = loso_fired(cfg, emb["clean"], y, sources, head_ct_mask(tab), folds) if triage else None
        arrays = {"ct": np.zeros(0) if ct is None else ct} | {f"ratio_{i}": v for i, v in enumerate(ratios)}
        # numpy's stub: see loso_report.save_outputs
        files.save_atomic(gates, lambda f: np.savez(f, key=np.array(key), **arrays))  # type: ignore[arg-type]
    bright = pixel_gated(cfg) if triage else None
    print(f"[dro {name}] {len(folds)} folds, gates in {time.time() - t0:.0f} s", flush=True)
    out: list[JsonObject] = []
    starts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for r in VARIANTS:
        if only and r.name not in only and r.name != "shipped":
            continue
        t = time.time()
        res = run_variant(cfg, emb, y, sources, folds, ratios, r, extra, starts)
        row: JsonObject = {"variant": dataclasses.asdict(r)}
        if triage:
            assert bright is not None
            row |= triage_summary(cfg, res, y_txt, sources, bright, ct)
        else:
            br = brain_rows(cfg, res, y, sources, 0.6, 1.0)
            row |= {"pooled_clean_0.60": pooled_brain([x for x in br if x["source"] not in data.V2_SOURCES]),
                    "pooled_all_0.60": pooled_brain(br), "table": br}
        row["seconds"] = time.time() - t
        summary = {k: v for k, v in row.items() if not k.startswith("table")}
        print(f"[dro {name}] {json.dumps(summary, default=float)}", flush=True)
        out.append(row)
        suffix = "_" + "_".join(only).replace(" ", "") if only else ""  # runs side by side write apart
        files.write_json(run_dir(name) / f"loso_dro{suffix}.json", out)
