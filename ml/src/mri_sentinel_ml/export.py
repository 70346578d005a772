"""ONNX export (input -> logits, embedding, cam), parity check and single-thread timing."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch

from .networks import DualNet, EfficientNetLite0, ExportWrapper
from .records import Timing

OPSET = 17


def export_onnx(net: EfficientNetLite0 | DualNet, size: int, path: Path, fp16_weights: bool = False) -> None:
    """fp16_weights: store every float initializer whose values are float16 values (the trunks: networks.round_fp16)
    as float16 plus a Cast to float32 (ONNX Runtime folds the casts at load: compute stays float32, results exact);
    v4's two-trunk models are 24.6 / 27.3 MB as float32, and issue 1 caps a model file at 20 MB."""
    # Module.to takes memory_format at run time (torch docs), but torch's overloads leave that keyword out
    net = net.eval().to(memory_format=torch.contiguous_format)  # type: ignore[call-overload]
    wrapper = ExportWrapper(net).eval()
    x = torch.zeros(2, 3, size, size)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        wrapper, (x,), str(path), dynamo=False, opset_version=OPSET, input_names=["input"],
        # no constant folding: BN stays separate (ORT fuses it at load) and every initializer keeps
        # its PyTorch name, so the committed ONNX alone can rebuild the PyTorch model for parity tests
        output_names=["logits", "embedding", "cam"], do_constant_folding=False,
        dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}, "embedding": {0: "N"}, "cam": {0: "N"}},
    )
    model = onnx.load(str(path))
    if fp16_weights:
        model = _fp16_initialisers(model)
        onnx.save(model, str(path))
    onnx.checker.check_model(model)


FP16_SUFFIX = "__fp16"


def _fp16_initialisers(model: onnx.ModelProto) -> onnx.ModelProto:
    from onnx import TensorProto, helper, numpy_helper

    casts = []
    for init in model.graph.initializer:
        if init.data_type != TensorProto.FLOAT:
            continue
        a = numpy_helper.to_array(init)
        if not np.array_equal(a.astype(np.float16).astype(np.float32), a):  # the fitted head stays float32
            continue
        name = init.name
        init.CopyFrom(numpy_helper.from_array(a.astype(np.float16), name + FP16_SUFFIX))
        casts.append(helper.make_node("Cast", [name + FP16_SUFFIX], [name], to=TensorProto.FLOAT))
    nodes = list(model.graph.node)
    del model.graph.node[:]
    model.graph.node.extend(casts + nodes)
    return model


def state_dict_from_onnx(path: Path) -> dict[str, torch.Tensor]:
    """PyTorch state_dict (names without the wrapper's 'net.' prefix) from the ONNX initializers."""
    from onnx import numpy_helper

    m = onnx.load(str(path))
    out = {}
    for i in m.graph.initializer:
        if i.name.startswith("net."):
            a = numpy_helper.to_array(i)
            a = a.astype(np.float32) if a.dtype == np.float16 else a.copy()  # float16 storage: values are exact
            out[i.name[len("net."):].removesuffix(FP16_SUFFIX)] = torch.from_numpy(a)
    return out


def net_from_onnx(path: Path, n_classes: int) -> EfficientNetLite0 | DualNet:
    """The PyTorch network a committed ONNX was exported from (v4's two trunks or one), its weights loaded."""
    sd = state_dict_from_onnx(path)
    tail = {k.split(".")[1] for k in sd if k.startswith("generic_blocks.")}
    net = DualNet(n_classes, 16 - len(tail)) if tail else EfficientNetLite0(n_classes)
    missing, unexpected = net.load_state_dict(sd, strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
    return net.eval()


def session(path: Path, threads: int = 1) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def onnx_forward(path: Path | ort.InferenceSession, x: np.ndarray) -> dict[str, np.ndarray]:
    s = path if isinstance(path, ort.InferenceSession) else session(path, 2)
    lg, emb, cam = s.run(["logits", "embedding", "cam"], {"input": x.astype(np.float32)})
    return {"logits": lg, "embedding": emb, "cam": cam}


@torch.no_grad()
def torch_forward(net: EfficientNetLite0 | DualNet, x: np.ndarray) -> dict[str, np.ndarray]:
    lg, emb, cam = ExportWrapper(net.eval()).eval()(torch.from_numpy(x))
    return {"logits": lg.numpy(), "embedding": emb.numpy(), "cam": cam.numpy()}


def time_forward(path: Path, size: int, runs: int = 60) -> Timing:
    """Single-thread ONNX Runtime forward, batch 1: median and p90 in ms."""
    s = session(path, 1)
    x = np.random.default_rng(0).standard_normal((1, 3, size, size)).astype(np.float32)
    for _ in range(8):
        s.run(None, {"input": x})
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        s.run(None, {"input": x})
        ts.append(1000 * (time.perf_counter() - t))
    return {"median_ms": float(np.median(ts)), "p90_ms": float(np.percentile(ts, 90)),
            "min_ms": float(np.min(ts))}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
