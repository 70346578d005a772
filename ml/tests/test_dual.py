"""v4's two frozen trunks side by side (networks.DualNet): the served graph, its parts and its round trip."""

from pathlib import Path

import numpy as np
import pytest
import torch

from mri_sentinel_ml.export import export_onnx, net_from_onnx, onnx_forward, torch_forward
from mri_sentinel_ml.networks import DualNet, ExportWrapper, build_net, dual_net, pretrained_state, round_fp16


def _fine_tuned_from(k: int) -> dict[str, torch.Tensor]:
    """Stands in for a v2 trunk: ImageNet weights with blocks >= k (and the head conv) changed, as fine-tuning does."""
    torch.manual_seed(1)
    sd = {n: v.clone() for n, v in pretrained_state().items() if not n.startswith("_fc.")}
    for n, v in sd.items():
        tail = (n.startswith("_blocks.") and int(n.split(".")[1]) >= k) or n.startswith(("_conv_head", "_bn1"))
        if tail and v.is_floating_point():
            v.mul_(1 + 0.2 * torch.rand_like(v))
    return sd


@pytest.mark.parametrize("k", [11, 5])  # triage's and brain_tumor's v2 trunks keep ImageNet's first 11 / 5 blocks
def test_embedding_is_both_trunks_concatenated_and_cam_sums_to_logits(tmp_path: Path, k: int) -> None:
    task = _fine_tuned_from(k)
    net = dual_net(4, task).eval()
    assert net.shared == k  # the common prefix runs once
    torch.nn.init.normal_(net._fc.weight, std=0.05)
    alone_task, alone_generic = build_net(4, pretrained=False), build_net(4, pretrained=True)
    alone_task.load_state_dict(round_fp16(task), strict=False)
    alone_generic.load_state_dict(round_fp16(alone_generic.state_dict()))
    x = torch.randn(2, 3, 96, 96)
    with torch.no_grad():
        lg, emb, cam = ExportWrapper(net)(x)
        e1, e2 = alone_task.eval()(x).embedding, alone_generic.eval()(x).embedding
    assert emb.shape == (2, 2560) and cam.shape[:2] == (2, 4)
    torch.testing.assert_close(emb, torch.cat([e1, e2], 1))  # v2 trunk first, ImageNet second (the caches' order)
    torch.testing.assert_close(cam.mean(dim=(2, 3)) + net._fc.bias, lg, rtol=1e-4, atol=1e-4)  # GAP + linear identity

    p, p32 = tmp_path / "dual.onnx", tmp_path / "dual32.onnx"
    export_onnx(net, 96, p, fp16_weights=True)  # trunk weights are float16 values (dual_net rounds them)
    export_onnx(net, 96, p32)
    assert p.stat().st_size < 0.55 * p32.stat().st_size  # issue 1: <= 20 MB a model
    back = net_from_onnx(p, 4)
    assert isinstance(back, DualNet) and back.shared == k  # the layout is read from the graph's initialiser names
    a, b = torch_forward(back, x.numpy()), onnx_forward(p, x.numpy())
    np.testing.assert_allclose(a["logits"], b["logits"], atol=1e-3)
    np.testing.assert_allclose(b["embedding"], emb.numpy(), atol=1e-3)
