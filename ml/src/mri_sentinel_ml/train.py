"""v3/v4 training: frozen EfficientNet-Lite0 trunk(s), a linear head fitted on cached embeddings (embed.py).

The embeddings of one clean and `views - 1` augmented views of every image are computed once (ONNX Runtime, one
thread); the head is a class- and source-balanced softmax regression (head.py) on the train split. The same cache
serves leave-one-source-out (loso.py), which refits the head per fold in seconds.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from . import data, files
from .config import ModelConfig
from .embed import embedding_cache
from .head import fit_labelled
from .networks import DualNet, EfficientNetLite0, build_net, dual_net


def run_dir(name: str) -> Path:
    d = data.RUNS_DIR / name
    d.mkdir(parents=True, exist_ok=True)
    return d


def subset(tab: data.SplitTable, keep: np.ndarray) -> data.SplitTable:
    return data.SplitTable(*[[col[i] for i in keep] for col in
                             (tab.paths, tab.sources, tab.groups, tab.labels, tab.splits, tab.extra)])


def load_embeddings(cfg: ModelConfig, max_images: int | None = None,
                    ) -> tuple[data.SplitTable, dict[str, np.ndarray], np.ndarray]:
    """-> split table, embedding cache, label index per image (-1: not one of the model's labels)."""
    tab = data.read_split(cfg.split)
    if max_images:  # smoke mode: a handful of images per split
        tab = subset(tab, np.concatenate([tab.idx(s)[np.linspace(0, len(tab.idx(s)) - 1, max_images).astype(int)]
                                          for s in data.SPLITS]))
    imgs, geos = data.image_cache(tab.paths, cfg.size)
    emb = embedding_cache(cfg, tab, imgs, geos)
    y = np.array([cfg.labels.index(lb) if lb in cfg.labels else -1 for lb in tab.labels])
    return tab, emb, y


def blank_extra(cfg: ModelConfig) -> tuple[np.ndarray, int, str] | None:
    """Triage learns generated blank frames as not_mri (synthetic.py); diagnosis models do not see them."""
    if "not_mri" not in cfg.labels:
        return None
    from .synthetic import SOURCE, blank_embeddings

    return blank_embeddings(cfg), cfg.labels.index("not_mri"), SOURCE


def net_with_head(n_classes: int, W: np.ndarray, b: np.ndarray, trunk: str = "imagenet",
                  name: str = "") -> EfficientNetLite0 | DualNet:
    """The served network: the config's frozen trunk(s) and the fitted linear head (W [C,D], b [C])."""
    if "+" in trunk:  # v4: the v2 trunk (as the committed model carries it) beside the ImageNet trunk
        from .v2 import v2_trunk_state

        assert trunk == "v2+imagenet", trunk
        net: EfficientNetLite0 | DualNet = dual_net(n_classes, v2_trunk_state(name))
    else:
        net = build_net(n_classes, pretrained=trunk == "imagenet")
        if trunk == "v2":  # the v2 network's trunk, as the committed model carries it (its ONNX initialisers)
            from .v2 import v2_trunk_state

            missing, unexpected = net.load_state_dict(v2_trunk_state(name), strict=False)
            assert not unexpected and all(k.startswith("_fc.") or k.endswith("num_batches_tracked") for k in missing)
    with torch.no_grad():
        net._fc.weight.copy_(torch.from_numpy(W))
        net._fc.bias.copy_(torch.from_numpy(b))
    return net.eval()


def train_model(cfg: ModelConfig, max_images: int | None = None, max_steps: int | None = None,
                out_dir: Path | None = None, threads: int = 1) -> Path:
    """Fit the head on the train split; writes ckpt.pt and outputs.npz (clean logits/embeddings of every image).
    max_steps is kept for the CLI/tests' signature (the LBFGS fit has no epochs)."""
    torch.set_num_threads(threads)
    torch.manual_seed(cfg.seed)
    out_dir = out_dir or run_dir(cfg.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    tab, emb, y = load_embeddings(cfg, max_images)
    t_cache = float(emb["seconds"]) if float(emb["seconds"]) > 0 else time.time() - t0
    t1 = time.time()
    W, b = fit_labelled(emb, y, np.array(tab.sources), tab.idx("train"), len(cfg.labels), cfg.head_l2,
                        cfg.source_balance, cfg.cap_per_source, blank_extra(cfg))
    t_train = time.time() - t1
    logits = emb["clean"] @ W.T + b
    va = tab.idx("val")
    acc = float((logits[va].argmax(1) == y[va]).mean()) if len(va) else float("nan")
    history = [{"step": 1, "train_loss": float("nan"), "val_acc": acc}]
    net = net_with_head(len(cfg.labels), W, b, cfg.trunk, cfg.name)
    files.save_atomic(out_dir / "outputs.npz", lambda f: np.savez(
        f, logits=logits, embedding=emb["clean"], y=y, split=np.array(tab.splits), source=np.array(tab.sources),
        path=np.array(tab.paths), extra=np.array(tab.extra)))
    timing = {"cache": t_cache, "train": t_train}
    files.save_atomic(out_dir / "ckpt.pt", lambda f: torch.save({
        "state_dict": net.state_dict(), "config": cfg.to_dict(), "history": history, "timing_s": timing,
        "shared": getattr(net, "shared", 0)}, f))
    files.write_json(out_dir / "history.json", {"history": history, "timing_s": timing})
    print(f"[{cfg.name}] head fitted in {t_train:.1f} s, val accuracy {acc:.4f}")
    return out_dir
