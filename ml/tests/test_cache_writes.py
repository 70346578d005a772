"""The disk caches under ml/.cache/ are whole or absent: a run stopped while one was being written (Ctrl-C, a full
disk) left a truncated .npy that every later run loaded and failed on until someone deleted it by hand."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from mri_sentinel_ml import data

real_save = np.save


def _stopped_half_way(file: Any, arr: Any, *a: Any, **k: Any) -> None:
    """np.save that writes the start of the geometry file, then is interrupted."""
    name = str(file if isinstance(file, str | Path) else file.name)
    if "geo_" not in Path(name).name:
        real_save(file, arr, *a, **k)
        return
    if hasattr(file, "write"):
        file.write(b"\x93NUMPY\x01\x00")
    else:
        Path(name).write_bytes(b"\x93NUMPY\x01\x00")
    raise KeyboardInterrupt


def test_an_interrupted_image_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path / "cache")
    Image.fromarray(np.full((20, 30), 200, np.uint8)).save(tmp_path / "a.png")
    monkeypatch.setattr(np, "save", _stopped_half_way)
    with pytest.raises(KeyboardInterrupt):
        data.image_cache(["a.png"], 16, workers=1)
    monkeypatch.setattr(np, "save", real_save)
    imgs, geos = data.image_cache(["a.png"], 16, workers=1)  # a truncated geo_*.npy made this raise
    assert imgs.shape == (1, 16, 16) and geos.tolist() == [[16, 11, 0, 2]]
    assert sorted(p.name[:4] for p in (tmp_path / "cache").iterdir()) == ["geo_", "img_"]  # no leftovers
