"""The package's own files, written whole or not at all and read back with a sentence when they are not whole.

Every output of `python -m mri_sentinel_ml ...` (runs/<name>/*.json|npz|pt, the reports and plots under models/,
the split files, the caches) is written into a scratch file beside its path and renamed into place (os.replace is
atomic on one file system). Written in place, a run stopped half-way (Ctrl-C, a full disk, an exception) left a
truncated calib.json or metrics.json that the next step failed on with a JSONDecodeError traceback, or an old file
beside a new one: a reader mixing two runs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO


class DataError(Exception):
    """The data root, its MANIFEST.csv, a split file, an image listed there or a step's output is missing or
    unreadable: the CLI says so in one sentence (exit 1) instead of a traceback from deep inside a step (or from a
    worker process)."""


def save_atomic(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """write(file) into a scratch file beside `path`, then rename it into place: the file is whole or as it was.
    The scratch name is hidden and per process, so two runs never write into one scratch file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    save_atomic(path, lambda f: f.write(text.encode()))  # encode(): UTF-8 whatever the locale, as Path.read_text


def write_json(path: Path, obj: object, indent: int | None = 1) -> None:
    """json.dumps(obj) to `path`, atomically (numpy scalars as floats, as the writers it replaces did)."""
    write_text(path, json.dumps(obj, indent=indent, default=float))


# the step whose run (re)writes each output of runs/<name>/: named in the sentence about a missing or broken one
WRITTEN_BY = {"calib.json": "calibrate", "metrics.json": "evaluate", "loso.json": "loso", "loso_outputs.npz": "loso",
              "probe.json": "probe", "timing.json": "export"}


def rerun_hint(path: Path) -> str:
    step = WRITTEN_BY.get(path.name, "train")
    return f"run `python -m mri_sentinel_ml {step}{'' if step == 'probe' else ' ' + path.parent.name}` again"


def broken(path: Path, e: BaseException) -> DataError:
    """The sentence for an output that exists but cannot be read back (cut short, or not what the step writes)."""
    return DataError(f"{path} cannot be read back ({type(e).__name__}: {e}); it was probably cut short by an "
                     f"interrupted run: {rerun_hint(path)}")


def read_json(path: Path) -> dict[str, Any]:
    """The JSON object a step wrote to `path`, or DataError naming the file and the step that rewrites it."""
    try:
        obj = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as e:  # JSONDecodeError is a ValueError
        raise broken(path, e) from None
    if not isinstance(obj, dict):  # every output read back here is an object; `1` or `[]` is none of ours
        raise broken(path, ValueError(f"it holds a JSON {type(obj).__name__}, not an object"))
    return obj
