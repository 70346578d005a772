"""The CLI's outputs are whole or as they were, and a broken one is named in a sentence.

calib.json, metrics.json, report.md, the split files, loso.json… were written in place: a run stopped half-way (a
full disk here, simulated with RLIMIT_FSIZE: the file system refuses to grow any file past a few kB) left a truncated
file, and the next step ended in a JSONDecodeError (or BadZipFile, or PytorchStreamReader) traceback."""

from __future__ import annotations

import contextlib
import json
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from mri_sentinel_ml import __main__ as cli
from mri_sentinel_ml import data, evaluate, fixtures, loso, pipeline
from mri_sentinel_ml.config import CONFIGS

resource = pytest.importorskip("resource")  # POSIX only: the simulated full disk
LIMIT = 4096


@contextlib.contextmanager
def disk_full_past(limit: int) -> Iterator[None]:
    """Any write that would grow a file past `limit` bytes fails with EFBIG (an OSError), as on a full disk."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel's signal kills the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old)


def _big() -> dict[str, object]:
    return {"temperature": 1.5, "ood": {"threshold": 2.0}, "pad": ["x" * 100] * 200}  # ~20 kB of JSON


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_calibrate_stopped_by_a_full_disk_leaves_the_last_calib_whole(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data, "RUNS_DIR", tmp_path)
    cfg = CONFIGS["brain_tumor"](1337)
    monkeypatch.setattr(pipeline, "load_ckpt", lambda name, path=None: (cfg, None, {}))
    monkeypatch.setattr(pipeline, "load_outputs", lambda name: {})
    monkeypatch.setattr(pipeline, "calibrate", lambda out, k, tpr: _big())
    monkeypatch.setattr(pipeline, "loso_choice", lambda name: {"ood_margin": 1.0})
    (tmp_path / "brain_tumor").mkdir()
    last = tmp_path / "brain_tumor" / "calib.json"
    last.write_text('{"temperature": 1.0}')
    with disk_full_past(LIMIT), pytest.raises(OSError):
        pipeline.step_calibrate("brain_tumor")
    assert last.read_text() == '{"temperature": 1.0}'  # was a 4096-byte cut of the new one
    assert _leftovers(tmp_path / "brain_tumor") == []


def _plot(path: Path) -> None:
    from mri_sentinel_ml.plots import plot_confusion

    plot_confusion(np.arange(100).reshape(10, 10), [f"c{i}" for i in range(10)], path)


def _split(path: Path) -> None:
    rows = [data.Row(f"img/{i:05d}.png", "s", 1, "mri", "brain", "", "", f"s/g{i}", "", "cc0") for i in range(300)]
    data.write_split_csv(path, rows, {r.group: "train" for r in rows}, data.triage_label)


WRITERS: dict[str, Callable[[Path], None]] = {
    "metrics.json": lambda p: evaluate.save_metrics(_big(), p),
    "loso.json": lambda p: loso.save(p, _big()),
    "triage.csv": _split,
    "confusion_matrix.png": _plot,
    "preprocess_vectors.json": fixtures.write,
}


@pytest.mark.parametrize("name", list(WRITERS))
def test_an_output_cut_short_by_a_full_disk_leaves_the_last_one(name: str, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data, "curated_not_mri", lambda: frozenset())
    last = tmp_path / name
    last.write_bytes(b"the last run's file")
    with disk_full_past(LIMIT), pytest.raises(OSError):
        WRITERS[name](last)
    assert last.read_bytes() == b"the last run's file"
    assert _leftovers(tmp_path) == []
    WRITERS[name](last)  # and with room, the new one replaces it
    assert last.stat().st_size > LIMIT


def _exit(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[object, str]:
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    return e.value.code, capsys.readouterr().err


def _runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, bytes]) -> Path:
    monkeypatch.setattr(data, "RUNS_DIR", tmp_path)
    cfg = CONFIGS["brain_tumor"](1337)
    monkeypatch.setattr(pipeline, "load_ckpt", lambda name, path=None: (cfg, None, {}))
    d = tmp_path / "brain_tumor"
    d.mkdir()
    for f, b in files.items():
        (d / f).write_bytes(b)
    return d


WHOLE = json.dumps({"temperature": 1.0, "ood": {"threshold": 2.0}}).encode()


@pytest.mark.parametrize(("step", "files", "broken", "rerun"), [
    ("evaluate", {"calib.json": WHOLE[:20]}, "calib.json", "calibrate brain_tumor"),
    ("export", {"calib.json": WHOLE[:20]}, "calib.json", "calibrate brain_tumor"),
    ("export", {"calib.json": WHOLE, "metrics.json": b'{"accuracy": 0.9, "per_cl'}, "metrics.json",
     "evaluate brain_tumor"),
    ("export", {"calib.json": WHOLE, "metrics.json": b"[1, 2]"}, "metrics.json", "evaluate brain_tumor"),
])
def test_a_truncated_json_output_is_named_with_the_step_that_rewrites_it(
        step: str, files: dict[str, bytes], broken: str, rerun: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    d = _runs(tmp_path, monkeypatch, files)
    code, err = _exit([step, "brain_tumor"], capsys)  # was a JSONDecodeError traceback
    assert code == 1 and f"{d / broken} cannot be read back" in err and f"python -m mri_sentinel_ml {rerun}" in err
    assert "Traceback" not in err


def test_a_truncated_loso_json_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    d = _runs(tmp_path, monkeypatch, {"loso.json": b'{"ood_margin": 1.'})
    monkeypatch.setattr(pipeline, "load_outputs", lambda name: {})
    monkeypatch.setattr(pipeline, "calibrate", lambda out, k, tpr: _big())
    code, err = _exit(["calibrate", "brain_tumor"], capsys)
    assert code == 1 and f"{d / 'loso.json'} cannot be read back" in err and "mri_sentinel_ml loso brain_tumor" in err


def test_truncated_training_outputs_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    d = _runs(tmp_path, monkeypatch, {})
    np.savez(d / "outputs.npz", logits=np.zeros((50, 4)))
    (d / "outputs.npz").write_bytes((d / "outputs.npz").read_bytes()[:300])
    code, err = _exit(["calibrate", "brain_tumor"], capsys)  # was a BadZipFile traceback
    assert code == 1 and f"{d / 'outputs.npz'} cannot be read back" in err and "mri_sentinel_ml train brain_tumor" in err
    monkeypatch.undo()
    monkeypatch.setattr(data, "RUNS_DIR", tmp_path)
    torch.save({"config": {}, "state_dict": {"w": torch.zeros(1000)}}, d / "ckpt.pt")
    (d / "ckpt.pt").write_bytes((d / "ckpt.pt").read_bytes()[:1000])
    code, err = _exit(["calibrate", "brain_tumor"], capsys)  # was a PytorchStreamReader RuntimeError traceback
    assert code == 1 and f"{d / 'ckpt.pt'} cannot be read back" in err and "mri_sentinel_ml train brain_tumor" in err


@pytest.mark.parametrize("tail", ["img/00002.png,s,s/g2,brain,tr", "img/00002.png,s,s/g2,bra", ""])
def test_a_split_file_cut_short_is_named(tail: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data, "SPLIT_DIR", tmp_path)
    head = "path,source,group,label,split\r\nimg/00001.png,s,s/g1,brain,train\r\n"
    (tmp_path / "triage.csv").write_text(head + tail if tail else "path,source,gro")
    where = "line 3 is not a whole row" if tail else "its header lacks one of path, source, group, label, split"
    with pytest.raises(data.DataError, match=f"triage.csv is not a whole split file \\({where}\\): run "):
        data.read_split("triage")  # the row cut short was read with split "tr" or None: in no split, silently
