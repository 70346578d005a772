"""Differential of the service's decoded values against pydicom 3 (+ pylibjpeg-libjpeg, pyjpegls,
pylibjpeg-openjpeg) on the compressed files scripts/codec-differential.ts wrote with DUMP_VALUES=1.

For every `*.dcm` with a `*.dcm.ours.f32` beside it (the service's modality values of all frames,
float32), pydicom's `apply_modality_lut(ds.pixel_array, ds)` must be equal, value for value. Not a
test; run by hand in a venv outside the repository:
  python -m venv /tmp/dcmvenv && /tmp/dcmvenv/bin/pip install pydicom pylibjpeg pylibjpeg-libjpeg pylibjpeg-openjpeg pyjpegls
  DUMP_VALUES=1 node -r ts-node/register/transpile-only scripts/codec-differential.ts OUT_DIR 40
  /tmp/dcmvenv/bin/python scripts/pydicom_codec_differential.py OUT_DIR
Prints one line per transfer syntax and the first differences.
"""
import collections
import pathlib
import sys
import warnings

import numpy as np
import pydicom
from pydicom.pixels import apply_modality_lut

warnings.simplefilter("ignore")


def main(out: str) -> None:
    tally: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    notes: list[str] = []
    for ours_file in sorted(pathlib.Path(out).glob("*.dcm.ours.f32")):
        dcm = ours_file.with_suffix("").with_suffix("")
        ds = pydicom.dcmread(dcm)
        ts = f"{ds.file_meta.TransferSyntaxUID.name} ({ds.file_meta.TransferSyntaxUID})"
        ours = np.fromfile(ours_file, dtype="<f4")
        try:
            theirs = apply_modality_lut(ds.pixel_array, ds).astype(np.float32).ravel()
        except Exception as e:  # pydicom refused: counted, not compared
            tally[ts]["pydicom refused"] += 1
            notes.append(f"{dcm.name}: pydicom: {type(e).__name__}: {str(e)[:120]}")
            continue
        if theirs.shape == ours.shape and np.array_equal(theirs, ours):
            tally[ts]["equal"] += 1
        else:
            tally[ts]["different"] += 1
            diff = np.abs(theirs - ours).max() if theirs.shape == ours.shape else "shape"
            notes.append(f"{dcm.name}: differs (max |d| {diff}); bits {ds.BitsAllocated}/{ds.BitsStored}, signed {ds.PixelRepresentation}")
    for ts, c in sorted(tally.items()):
        print(f"{ts}: {dict(c)}")
    for n in notes[:20]:
        print("  " + n)


if __name__ == "__main__":
    main(sys.argv[1])
