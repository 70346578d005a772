"""A fine-tuned task trunk (issue 14, measured by `loso-ft`, not shipped): v2's tail retrained on every source.

Why try it: v4's task trunk is v2's, fine-tuned on one collection per class (the v2 sources); the linear head on top
cannot unlearn what the trunk never saw (head CT, unsupported body parts). Here blocks >= `ft_shared` and the head
conv of that network are trained again on all sources, every class the same weight and within a class sources
weighted by n^-ft_source_balance (head.balanced_weights), on clean and augmented views (scanner / upload
transforms, inverted MRIs as not_mri) and, for triage, the generated blank frames. The prefix (stem + blocks <
ft_shared) stays as v2 has it (ImageNet's for triage; brain_tumor's v2 tuned blocks 5-10 too), so its
activations of `ft_views` views per image are computed once and cached (19 / 11 min): a fine-tune then costs ~2.5 min
(triage) or ~4.5 min (brain_tumor) on 2 CPU cores, and the held-out folds (loso_ft.py) can afford one trunk each.

brain_tumor: the same on the tumour labels (issue 14: the v2 brain trunk learnt "no tumour" as one collection's look).

Shapes (ft_shared 11): prefix [N, V, 112, 10, 10] float16 at 160 px (triage), [N, V, 112, 14, 14] at 224 px
(brain_tumor); tail -> [N, 1280].
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from dataclasses import asdict

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import data
from .config import ModelConfig
from .head import balanced_weights
from .networks import EfficientNetLite0, round_fp16
from .transforms import augment, invert_content, to_input


def init_net(cfg: ModelConfig) -> EfficientNetLite0:
    """The network the fine-tune starts from: v2's, as the committed model holds it (v2.v2_trunk_state; float16
    values). Its stem and blocks < 11 are ImageNet's, so the cached prefix is the served models' prefix too."""
    from .v2 import v2_trunk_state

    net = EfficientNetLite0(len(cfg.labels))
    missing, unexpected = net.load_state_dict(round_fp16(v2_trunk_state(cfg.name)), strict=False)
    assert not unexpected and all(k.startswith("_fc.") for k in missing), (missing, unexpected)
    return net


def _key(cfg: ModelConfig, tab: data.SplitTable, *extra: object) -> str:
    k = json.dumps([tab.paths, tab.labels, cfg.size, cfg.ft_views, cfg.ft_shared, asdict(cfg.aug), cfg.seed,
                    cfg.mean, cfg.std, *extra])
    return hashlib.sha1(k.encode()).hexdigest()[:12]


def prefix_cache(cfg: ModelConfig, tab: data.SplitTable, imgs: np.ndarray,
                 geos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """-> activations [N, V, C, h, w] float16 (view 0 clean, the others augmented), labels [N, V] (an inverted
    MRI view is relabelled `relabel_inverted_as`, as embed.embedding_cache does). Cached on disk (memory-mapped)."""
    fp = data.CACHE_DIR / f"prefix_{cfg.name}_{_key(cfg, tab)}.npy"
    fy = fp.with_suffix(".y.npy")
    if fp.exists() and fy.exists():
        return np.load(fp, mmap_mode="r"), np.load(fy)
    net = init_net(cfg).eval()
    n, nv = len(tab.paths), cfg.ft_views
    with torch.no_grad():
        shape = _prefix(net, cfg, torch.zeros(1, 1, cfg.size, cfg.size)).shape[1:]
    tmp = fp.with_suffix(".part.npy")
    P = np.lib.format.open_memmap(tmp, "w+", np.float16, (n, nv, *shape))
    y = np.array([cfg.labels.index(lb) if lb in cfg.labels else -1 for lb in tab.labels])
    Y = np.repeat(y[:, None], nv, 1)
    g = torch.Generator().manual_seed(cfg.seed + 7)
    inv_ok = torch.tensor([not cfg.aug.invert_labels or lb in cfg.aug.invert_labels for lb in tab.labels])
    relabel = cfg.labels.index(cfg.aug.relabel_inverted_as) if cfg.aug.relabel_inverted else -1
    t0 = time.time()
    for i in range(0, n, 64):
        j = np.arange(i, min(i + 64, n))
        x = torch.from_numpy(np.asarray(imgs[j], np.float32))[:, None]  # [B,1,S,S] 0..255
        geo = torch.from_numpy(np.asarray(geos[j]))
        with torch.no_grad():
            P[j, 0] = _prefix(net, cfg, x).numpy()
            for v in range(1, nv):
                xv = x
                if relabel >= 0:
                    flip = ~inv_ok[j] & (torch.rand(len(j), generator=g) < cfg.aug.relabel_inverted)
                    xv = invert_content(x, geo, flip)
                    Y[j[flip.numpy()], v] = relabel
                P[j, v] = _prefix(net, cfg, augment(xv, geo, cfg.aug, g, inv_ok[j])).numpy()
        if i % 2560 == 0:
            print(f"[{cfg.name}] prefix views {i}/{n} ({time.time() - t0:.0f} s)", flush=True)
    P.flush()
    del P
    tmp.rename(fp)
    data.save_npy(fy, Y)
    return np.load(fp, mmap_mode="r"), Y


def _prefix(net: EfficientNetLite0, cfg: ModelConfig, x255: torch.Tensor) -> torch.Tensor:
    return net.trunk(net.stem(to_input(x255, cfg.mean, cfg.std)), 0, cfg.ft_shared)  # [B,C,h,w]


def blank_prefix(cfg: ModelConfig) -> np.ndarray:
    """The generated blank frames (synthetic.py, not_mri) through the prefix, contract preprocessing: [M,C,h,w]."""
    from .synthetic import blank_images

    x = torch.from_numpy(np.stack([data.preprocess(im, cfg.size, list(cfg.mean), list(cfg.std))
                                   for im in blank_images()]))
    net = init_net(cfg).eval()
    with torch.no_grad():
        return net.trunk(net.stem(x), 0, cfg.ft_shared).numpy()


class Tail(nn.Module):
    """blocks[ft_shared:] + head conv of a network, and a linear classifier used only while fine-tuning."""

    def __init__(self, base: EfficientNetLite0, shared: int, n_classes: int) -> None:
        super().__init__()
        self.shared = shared
        self.blocks = nn.ModuleList(copy.deepcopy(list(base._blocks[shared:])))
        self.conv_head, self.bn1 = copy.deepcopy(base._conv_head), copy.deepcopy(base._bn1)
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(self.conv_head.out_channels, n_classes)

    def embedding(self, h: torch.Tensor) -> torch.Tensor:
        for b in self.blocks:
            h = b(h)
        return F.relu6(self.bn1(self.conv_head(h))).mean((2, 3))  # [B,1280]

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.fc(self.drop(self.embedding(h)))
        return logits


def fit_tail(cfg: ModelConfig, P: np.ndarray, Y: np.ndarray, idx: np.ndarray, sources: np.ndarray,
             blank: np.ndarray, seed: int, log: str = "") -> Tail:
    """Fine-tune on the images idx (any view) and the blank frames: every class the same weight, within a class every
    source (the blanks: one more not_mri source). ft_steps minibatches of ft_batch, AdamW, one-cycle schedule."""
    torch.manual_seed(seed)
    base = init_net(cfg)
    tail = Tail(base, cfg.ft_shared, len(cfg.labels))
    idx = idx[Y[idx, 0] >= 0]
    nm = cfg.labels.index("not_mri") if "not_mri" in cfg.labels else -1
    nb = len(blank) if nm >= 0 else 0
    ys = np.concatenate([Y[idx, 0], np.full(nb, nm)])
    ss = np.concatenate([sources[idx], np.full(nb, "synthetic_blank")])
    w = balanced_weights(ys, ss, cfg.ft_source_balance)
    g = torch.Generator().manual_seed(seed)
    n_draw = cfg.ft_steps * cfg.ft_batch
    pick = torch.multinomial(torch.from_numpy(w), n_draw, replacement=True, generator=g).numpy()
    views = torch.randint(0, cfg.ft_views, (n_draw,), generator=g).numpy()
    body = [p for n, p in tail.named_parameters() if not n.startswith("fc.")]
    opt = torch.optim.AdamW([{"params": body, "lr": cfg.ft_lr}, {"params": tail.fc.parameters(), "lr": 3 * cfg.ft_lr}],
                            weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, [cfg.ft_lr, 3 * cfg.ft_lr], total_steps=cfg.ft_steps,
                                                pct_start=0.1)
    tail.train()
    t0 = time.time()
    for s in range(cfg.ft_steps):
        k, v = pick[s * cfg.ft_batch:(s + 1) * cfg.ft_batch], views[s * cfg.ft_batch:(s + 1) * cfg.ft_batch]
        real = k < len(idx)
        ii, vv = idx[k[real]], v[real]
        order = np.argsort(ii, kind="stable")  # memory-mapped rows read in file order
        ii, vv = ii[order], vv[order]
        x = torch.cat([torch.from_numpy(P[ii, vv].astype(np.float32)), torch.from_numpy(blank[k[~real] - len(idx)])])
        t = torch.cat([torch.from_numpy(Y[ii, vv]), torch.full((int((~real).sum()),), nm)]).long()
        keep = t >= 0
        loss = F.cross_entropy(tail(x[keep]), t[keep], label_smoothing=cfg.label_smoothing)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if s % 100 == 0 or s == cfg.ft_steps - 1:
            print(f"[{cfg.name}] fine-tune{log} step {s + 1}/{cfg.ft_steps} loss {loss.item():.3f} "
                  f"({time.time() - t0:.0f} s)", flush=True)
    return tail.eval()


def tail_embeddings(tail: Tail, P: np.ndarray, view: int = 0, bs: int = 256) -> np.ndarray:
    """[N,1280] float32 embeddings of one view of every image through a fine-tuned tail."""
    out = np.zeros((len(P), tail.conv_head.out_channels), np.float32)
    with torch.no_grad():
        for i in range(0, len(P), bs):
            out[i:i + bs] = tail.embedding(torch.from_numpy(P[i:i + bs, view].astype(np.float32))).numpy()
    return out
