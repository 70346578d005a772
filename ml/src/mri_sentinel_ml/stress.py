"""Triage stress test on inverted (negative) test-split MRIs: none should be accepted as a body part.

An inverted MRI has a white background and black air; no scanner produces it, and a diagnosis on it
would be meaningless. outputs.npz holds only clean views, so this re-runs the checkpoint on the
inverted clean images (same letterbox cache as training, content inverted, padding kept at 0).
"""

from __future__ import annotations

import numpy as np
import torch

from . import data
from .calibrate import ood_score, softmax
from .config import ModelConfig
from .evaluate import triage_decision
from .networks import DualNet, EfficientNetLite0
from .records import Calibration
from .transforms import invert_content, to_input


@torch.no_grad()
def inverted_mri_metrics(cfg: ModelConfig, net: EfficientNetLite0 | DualNet, calib: Calibration,
                         bs: int = 32) -> dict[str, float | None]:
    tab = data.read_split(cfg.split)
    te = np.array([i for i in tab.idx("test") if tab.labels[i] not in ("not_mri",)])
    imgs, geos = data.image_cache(tab.paths, cfg.size)
    logits, emb, border = [], [], []
    net.eval()
    for i in range(0, len(te), bs):
        j = te[i:i + bs]
        x = torch.from_numpy(np.asarray(imgs[j], np.float32))[:, None]
        x = invert_content(x, torch.from_numpy(geos[j]), torch.ones(len(j), dtype=torch.bool))
        border += [data.border_mean(x[k, 0].numpy(), tuple(geos[jj]), calib["background"]["band"])
                   for k, jj in enumerate(j)] if "background" in calib else []
        o = net(to_input(x, cfg.mean, cfg.std))
        logits.append(o.logits.numpy())
        emb.append(o.embedding.numpy())
    p = softmax(np.concatenate(logits), calib["temperature"])
    is_ood = ood_score(np.concatenate(emb), calib["ood"]) > calib["ood"]["threshold"]
    bright = np.array(border) > calib["background"]["max_border_mean"] if border else None
    dec = np.array(triage_decision(p, is_ood, cfg.confidence, cfg.labels, bright))
    accepted = np.isin(dec, ["brain", "knee", "spine"])
    return {"inverted_mri_n": int(len(te)),
            "inverted_mri_accepted_as_body_part": float(accepted.mean()),
            "inverted_mri_refused_by_background_gate": float(bright.mean()) if bright is not None else None,
            "inverted_mri_passes_modality": float((~np.isin(dec, ["rejected:NOT_MRI",
                                                                  "rejected:modality_LOW_CONFIDENCE"])).mean())}
