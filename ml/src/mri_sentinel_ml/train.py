"""Fine-tune the top of EfficientNet-Lite0 on activations cached at a frozen boundary.

CPU budget trick: stem + blocks[:start] keep their ImageNet weights (BN in eval), so their output
for a few augmented views per image is computed once (fp16, [N*V,112,10,10] at S=160) and every
epoch only runs blocks[start:] + head. View 0 of every image is the un-augmented contract input,
used for calibration and evaluation.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from . import data
from .config import ModelConfig
from .networks import EfficientNetLite0, build_net
from .transforms import augment, invert_content, to_input


def run_dir(name: str) -> Path:
    d = data.RUNS_DIR / name
    d.mkdir(parents=True, exist_ok=True)
    return d


def seed_all(seed: int) -> torch.Generator:
    torch.manual_seed(seed)
    np.random.seed(seed)
    return torch.Generator().manual_seed(seed)


@torch.no_grad()
def frozen_acts(net: EfficientNetLite0, x255: torch.Tensor, cfg: ModelConfig) -> torch.Tensor:
    """[B,1,S,S] 0..255 -> activations at the frozen boundary, fp16."""
    x = to_input(x255, cfg.mean, cfg.std).contiguous()  # NCHW + small batches: fastest here
    h = net.trunk(net.stem(x), 0, cfg.start_block)
    return h.to(torch.float16).contiguous()


def build_acts(net: EfficientNetLite0, cfg: ModelConfig, tab: data.SplitTable, imgs: np.ndarray,
               geos: np.ndarray, train_idx: np.ndarray,
               bs: int = 4) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, float]:
    """-> clean [N,...] for every image, aug [len(train_idx), V-1, ...], aug_y [len(train_idx), V-1]
    (a view's label: the image's, or `relabel_inverted_as` for a relabelled inverted view). Cached on disk."""
    key = json.dumps([tab.paths, cfg.size, cfg.start_block, cfg.views, asdict(cfg.aug), cfg.seed,
                      cfg.mean, cfg.std])
    h = hashlib.sha1(key.encode()).hexdigest()[:12]
    f = data.CACHE_DIR / f"acts_{cfg.name}_{h}.pt"
    y_img = torch.tensor([cfg.labels.index(tab.labels[k]) for k in train_idx])
    if f.exists():
        d = torch.load(f)
        return d["clean"], d["aug"], d["aug_y"], d.get("seconds", 0.0)
    t0 = time.time()
    net.eval()
    g = torch.Generator().manual_seed(cfg.seed + 1)
    n = len(tab.paths)
    clean_chunks = []
    for i in tqdm(range(0, n, bs), desc=f"{cfg.name} clean acts"):
        x = torch.from_numpy(np.asarray(imgs[i:i + bs], np.float32))[:, None]
        clean_chunks.append(frozen_acts(net, x, cfg))
    clean = torch.cat(clean_chunks)
    nv = cfg.views - 1
    aug = torch.zeros((len(train_idx), nv, *clean.shape[1:]), dtype=torch.float16)
    aug_y = y_img[:, None].repeat(1, nv)
    inv_ok = torch.tensor([not cfg.aug.invert_labels or tab.labels[k] in cfg.aug.invert_labels for k in train_idx])
    for v in range(nv):
        for i in tqdm(range(0, len(train_idx), bs), desc=f"{cfg.name} aug view {v + 1}/{nv}"):
            j = train_idx[i:i + bs]
            x = torch.from_numpy(np.asarray(imgs[j], np.float32))[:, None]
            inv = inv_ok[i:i + len(j)]
            if cfg.aug.relabel_inverted > 0:  # invert the content (padding stays 0, as at inference)
                flip = ~inv & (torch.rand(len(j), generator=g) < cfg.aug.relabel_inverted)
                x = invert_content(x, torch.from_numpy(geos[j]), flip)
                aug_y[i:i + len(j), v] = torch.where(flip, cfg.labels.index(cfg.aug.relabel_inverted_as),
                                                     aug_y[i:i + len(j), v])
            xa = augment(x, torch.from_numpy(geos[j]), cfg.aug, g, inv)
            aug[i:i + len(j), v] = frozen_acts(net, xa, cfg)
    seconds = time.time() - t0
    torch.save({"clean": clean, "aug": aug, "aug_y": aug_y, "seconds": seconds}, f)
    return clean, aug, aug_y, seconds


def trainable(net: EfficientNetLite0, start: int) -> tuple[list[torch.nn.Parameter], list[torch.nn.Parameter]]:
    body, head = [], []
    for n, p in net.named_parameters():
        if n.startswith("_fc."):
            head.append(p)
        elif n.startswith(("_conv_head", "_bn1.")) or (n.startswith("_blocks.") and int(n.split(".")[1]) >= start):
            body.append(p)
        else:
            p.requires_grad_(False)
    return body, head


@torch.no_grad()
def run_top(net: EfficientNetLite0, acts: torch.Tensor, start: int, bs: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Clean activations -> (logits [N,C], embedding [N,1280])."""
    net.eval()
    L, E = [], []
    for i in range(0, len(acts), bs):
        o = net.forward_from(acts[i:i + bs].float().contiguous(memory_format=torch.channels_last), start)
        L.append(o.logits)
        E.append(o.embedding)
    return torch.cat(L).numpy(), torch.cat(E).numpy()


def train_model(cfg: ModelConfig, max_images: int | None = None, max_steps: int | None = None,
                out_dir: Path | None = None, threads: int = 1) -> Path:
    """Train; writes ckpt.pt and outputs.npz (clean logits/embeddings of every image) to out_dir.

    threads=1 on purpose: on a shared 2-core box two OpenMP threads collapse under contention
    (measured 9 vs 120 img/s); run two models side by side instead."""
    torch.set_num_threads(threads)
    g = seed_all(cfg.seed)
    out_dir = out_dir or run_dir(cfg.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    tab = data.read_split(cfg.split)
    if max_images:  # smoke mode: a handful of images per split
        keep = np.concatenate([tab.idx(s)[np.linspace(0, len(tab.idx(s)) - 1, max_images).astype(int)]
                               for s in data.SPLITS])
        tab = data.SplitTable(*[[col[i] for i in keep] for col in
                                (tab.paths, tab.sources, tab.groups, tab.labels, tab.splits, tab.extra)])
    y_all = np.array([cfg.labels.index(lb) for lb in tab.labels])
    tr, va = tab.idx("train"), tab.idx("val")
    t0 = time.time()
    imgs, geos = data.image_cache(tab.paths, cfg.size)
    net = build_net(len(cfg.labels), pretrained=True, dropout=cfg.dropout, drop_path=cfg.drop_path)
    clean, aug, aug_y, t_extract = build_acts(net, cfg, tab, imgs, geos, tr)
    net = net.to(memory_format=torch.channels_last)
    t_load = time.time() - t0
    t_cache = max(t_load, t_extract)  # decode + frozen-trunk extraction (as first measured)

    body, head = trainable(net, cfg.start_block)
    opt = torch.optim.AdamW([{"params": body, "lr": cfg.lr},
                             {"params": head, "lr": cfg.lr * cfg.head_lr_mult}], weight_decay=cfg.weight_decay)
    ytr = torch.from_numpy(y_all[tr])
    counts = np.bincount(y_all[tr], minlength=len(cfg.labels)).astype(np.float64)
    w = 1.0 / np.maximum(counts[y_all[tr]], 1) if cfg.class_balance else np.ones(len(tr))
    if cfg.source_balance:  # within each class, flatten the source mix (sqrt by default)
        src = np.array([tab.sources[i] for i in tr])
        for c in np.unique(y_all[tr]):
            mc = y_all[tr] == c
            names, inv, n = np.unique(src[mc], return_inverse=True, return_counts=True)
            ws = n[inv].astype(np.float64) ** (1.0 - cfg.source_balance)  # per-source share ∝ n^(1-b)
            w[mc] = w[mc].sum() * (ws / n[inv]) / (ws / n[inv]).sum()
    w = torch.from_numpy(w / w.sum())
    steps_per_epoch = max(1, math.ceil(len(tr) / cfg.batch_size))
    total = steps_per_epoch * cfg.epochs if max_steps is None else max_steps
    warm = max(1, total // 20)
    base = [pg["lr"] for pg in opt.param_groups]
    history = []
    step = 0
    pbar = tqdm(total=total, desc=f"train {cfg.name}")
    while step < total:
        net.train()
        for m in net.modules():  # frozen part stays in eval (it is not even run)
            if isinstance(m, torch.nn.BatchNorm2d) and not any(p.requires_grad for p in m.parameters()):
                m.eval()
        order = torch.multinomial(w, len(tr), replacement=True, generator=g)  # class-balanced epoch
        run_loss, n_seen = 0.0, 0
        for i in range(0, len(order), cfg.batch_size):
            if step >= total:
                break
            j = order[i:i + cfg.batch_size]
            v = torch.randint(0, cfg.views, (len(j),), generator=g)  # which view; 0 = clean
            a = torch.where((v == 0)[:, None, None, None], clean[tr[j]],
                            aug[j, (v - 1).clamp_min(0)] if aug.shape[1] else clean[tr[j]])
            a = a.float().contiguous(memory_format=torch.channels_last)  # [B,112,10,10]
            lr_f = (step + 1) / warm if step < warm else 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))
            for pg, b in zip(opt.param_groups, base, strict=True):
                pg["lr"] = b * lr_f
            out = net.forward_from(a, cfg.start_block)
            yv = torch.where(v == 0, ytr[j], aug_y[j, (v - 1).clamp_min(0)] if aug_y.shape[1] else ytr[j])
            loss = F.cross_entropy(out.logits, yv, label_smoothing=cfg.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            run_loss += float(loss.detach()) * len(j)
            n_seen += len(j)
            step += 1
            pbar.update(1)
        logits_va, _ = run_top(net, clean[va], cfg.start_block)
        acc = float((logits_va.argmax(1) == y_all[va]).mean()) if len(va) else float("nan")
        history.append({"step": step, "train_loss": run_loss / max(n_seen, 1), "val_acc": acc})
        pbar.set_postfix(loss=f"{run_loss / max(n_seen, 1):.3f}", val_acc=f"{acc:.4f}")
    pbar.close()
    t_train = time.time() - t0 - t_load
    logits, emb = run_top(net, clean, cfg.start_block)
    np.savez(out_dir / "outputs.npz", logits=logits, embedding=emb, y=y_all,
             split=np.array(tab.splits), source=np.array(tab.sources), path=np.array(tab.paths),
             extra=np.array(tab.extra))
    torch.save({"state_dict": net.state_dict(), "config": cfg.to_dict(), "history": history,
                "timing_s": {"cache": t_cache, "train": t_train}}, out_dir / "ckpt.pt")
    (out_dir / "history.json").write_text(json.dumps({"history": history,
                                                      "timing_s": {"cache": t_cache, "train": t_train}}, indent=1))
    return out_dir
