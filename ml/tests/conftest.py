from __future__ import annotations

import pytest
import torch

from mri_sentinel_ml import data

torch.set_num_threads(2)

needs_data = pytest.mark.skipif(not (data.DATA_DIR / "MANIFEST.csv").exists(),
                                reason="../shared/data not present")
