"""Manifest, group splits and the decoded-image cache; the preprocessing contract is preprocess.py's."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

# DataError, save_atomic: files.py's, read across ml/ (and the tests) as data.DataError, data.save_atomic
from .files import DataError as DataError
from .files import save_atomic as save_atomic
from .files import write_text

# the contract's steps, re-exported: callers across ml/ (and the tests) read them as data.preprocess, data.border_mean…
from .preprocess import border_mean as border_mean
from .preprocess import grey_float as grey_float
from .preprocess import letterbox_geometry as letterbox_geometry
from .preprocess import letterbox_grey as letterbox_grey
from .preprocess import load_letterboxed as load_letterboxed
from .preprocess import normalise as normalise
from .preprocess import preprocess as preprocess
from .preprocess import to_rgb8 as to_rgb8

ML_DIR = Path(__file__).resolve().parents[2]  # .../ml
REPO_DIR = ML_DIR.parent
DATA_DIR = (REPO_DIR / ".." / "shared" / "data").resolve()
SPLIT_DIR = ML_DIR / "splits"
CACHE_DIR = ML_DIR / ".cache"
RUNS_DIR = ML_DIR / "runs"
MODELS_DIR = REPO_DIR / "models"
CURATION_FILE = ML_DIR / "curation" / "not_mri.csv"

TRIAGE_LABELS = ["brain", "knee", "spine", "other_mri", "not_mri"]
BRAIN_LABELS = ["glioma", "meningioma", "notumor", "pituitary"]
SPINE_LABELS = ["herniation", "no_herniation"]
SPLITS = ("train", "val", "test")
# the sources of the v2 split files: their strata are assigned first, exactly as before, so adding sources keeps
# every v2 group on its side (in-source figures stay comparable across versions)
V2_SOURCES = frozenset({"brain_tumor_nickparvar", "knee_mrnet_subset", "spine_spider", "mri_heart_acdc",
                        "msk_teaching_stacks", "xray_chest_kermany", "xray_spine_cadma", "ct_chest_iqothnccd",
                        "ct_chest_covid_ucsd", "ultrasound_breast_busi", "photo_imagenet_sample", "chart_plotnine",
                        "document_sroie", "microscopy_bccd"})
# brain MRI without a tumour label that shows no tumour (MS lesions, paediatric, diffusion/fMRI EPI, templates):
# brain_tumor trains them as `notumor`, so "no tumour" is no longer the look of one collection. Not here:
# brain_metastasis_aurora (metastases) and the unlabelled brain_brainlesion_tutorials slices (may show tumour).
BRAIN_EXTRA_NOTUMOR = frozenset({"brain_ms_open_ms_data", "brain_paediatric_dbc", "brain_niivue_demos",
                                 "brain_templates_spm12", "brain_antspy_data", "brain_pypi_wheel_templates"})


@dataclass(frozen=True)
class Row:
    path: str
    source: str
    is_mri: int
    modality: str
    body_part: str
    task: str
    label: str
    group: str  # globally unique: "<source>/<group>"
    official_split: str
    licence: str


MANIFEST_COLUMNS = ("path", "source", "is_mri", "modality", "body_part", "task", "label", "group", "official_split",
                    "licence")


def read_manifest(data_dir: Path | None = None) -> list[Row]:
    root = data_dir or DATA_DIR  # read at call time: tests and tools point DATA_DIR elsewhere
    if not root.is_dir():
        raise DataError(f"no data root at {root} (the shared data folder beside the repository, with MANIFEST.csv)")
    f = root / "MANIFEST.csv"
    try:
        with open(f, newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in MANIFEST_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(f"{f} lacks the column{'s' * (len(missing) > 1)} {', '.join(missing)}")
            rows = []
            for r in reader:
                if r["is_mri"] not in ("0", "1"):
                    raise DataError(f"{f} line {reader.line_num}: is_mri is {r['is_mri']!r}, not 0 or 1")
                for col in ("source", "group"):
                    if not r[col].strip():  # an empty group made every such image of the source one "patient"
                        raise DataError(f"{f} line {reader.line_num}: the {col} is empty")
                rows.append(Row(r["path"], r["source"], int(r["is_mri"]), r["modality"], r["body_part"], r["task"],
                                r["label"], f'{r["source"]}/{r["group"]}', r["official_split"], r["licence"]))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DataError(f"cannot read {f}: {e}") from None
    _check_source_names(f, [r.source for r in rows])
    return rows


def _check_source_names(f: Path, sources: list[str]) -> None:
    """Two spellings of one source ("Knee_A", "knee_a ") were two sources: each its own LOSO fold, so the collection
    sat on both sides of a fold, and loso.FAMILIES (exact names) missed the variant."""
    seen: dict[str, str] = {}
    for s in sorted(set(sources)):
        other = seen.setdefault(s.strip().casefold(), s)
        if other != s or s != s.strip():
            pair = f"{s!r} and {other!r}" if other != s else f"{s!r} and {s.strip()!r}"
            raise DataError(f"{f}: the sources {pair} differ only in case or spacing; spell each source one way")


def check_images(paths: list[str]) -> None:
    """DataError naming the listed images that are not files under DATA_DIR (before a pool of workers decodes them)."""
    gone = [p for p in paths if not (DATA_DIR / p).is_file()]
    if gone:
        few = ", ".join(gone[:5]) + (f" and {len(gone) - 5} more" if len(gone) > 5 else "")
        one = len(gone) == 1
        raise DataError(f"{len(gone)} image{'' if one else 's'} listed in MANIFEST.csv {'is' if one else 'are'} "
                        f"missing under {DATA_DIR}: {few}")


@functools.cache
def curated_not_mri() -> frozenset[str]:
    """Paths the manifest calls MRI that are not (ml/curation/not_mri.csv, each reviewed by eye): 37 head-CT slices
    inside brain_tumor_nickparvar, labelled there as tumour-free or meningioma brain MRI. Kept, they teach triage
    that head CT is brain MRI and the diagnosis model that CT has a tumour label; so triage trains and scores them as
    not_mri and the diagnosis sets leave them out. Group and split assignment stay the manifest's (make_splits)."""
    with open(CURATION_FILE, newline="") as f:
        return frozenset(r["path"] for r in csv.DictReader(f))


def triage_label(r: Row) -> str:
    if not r.is_mri or r.path in curated_not_mri():
        return "not_mri"
    return r.body_part if r.body_part in ("brain", "knee", "spine") else "other_mri"


def brain_label(r: Row) -> str | None:
    if r.path in curated_not_mri():
        return None
    if r.task == "brain_tumor":
        return r.label
    return "notumor" if r.is_mri and r.source in BRAIN_EXTRA_NOTUMOR else None


# ----------------------------------------------------------------------------- splits

def make_splits(rows: list[Row], seed: int, frac: tuple[float, float] = (0.70, 0.15)) -> dict[str, str]:
    """group -> split. Groups are stratified by (source, label); assignment fills each split to
    its share of images within a stratum. Strata with < 3 groups go train, then test."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        groups[r.group].append(r)
    strata: dict[tuple[str, str], list[str]] = defaultdict(list)
    for g, rs in groups.items():
        lab = Counter(r.label if r.task else "" for r in rs).most_common(1)[0][0]
        strata[(rs[0].source, lab)].append(g)
    rng = random.Random(seed)
    out: dict[str, str] = {}
    for key in sorted(strata, key=lambda k: (k[0] not in V2_SOURCES, k)):
        gs = sorted(strata[key])
        rng.shuffle(gs)
        if len(gs) < 3:
            for i, g in enumerate(gs):
                out[g] = ("train", "test")[i % 2]
            continue
        total = sum(len(groups[g]) for g in gs)
        seen = 0
        n_assigned = {"train": 0, "val": 0, "test": 0}
        for i, g in enumerate(gs):
            # test always gets a group; val only when test already has one by the last two groups, so a stratum of
            # 3-4 groups usually has no val group (4 manifest sources, e.g. brain_brats2013_deepmedic). Changing that
            # would move committed split assignments (test_split_is_seeded_and_stratified) and the shipped figures.
            left = len(gs) - i
            if n_assigned["test"] == 0 and left <= 1:
                s = "test"
            elif n_assigned["val"] == 0 and left <= 2 and n_assigned["test"] > 0:
                s = "val"
            else:
                pos = (seen + len(groups[g]) / 2) / total
                s = "train" if pos < frac[0] else "val" if pos < frac[0] + frac[1] else "test"
            out[g] = s
            n_assigned[s] += 1
            seen += len(groups[g])
    return out


def write_split_csv(path: Path, rows: list[Row], assign: dict[str, str], label_fn: Callable[[Row], str | None],
                    extra: tuple[str, Callable[[Row], str | int]] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    f = io.StringIO(newline="")
    w = csv.writer(f)
    # built whole, then written atomically: a split file cut short listed some groups and silently dropped the rest
    cols = ["path", "source", "group", "label", "split"] + ([extra[0]] if extra else [])
    w.writerow(cols)
    for r in rows:
        lab = label_fn(r)
        if lab is None:
            continue
        row: list[str | int] = [r.path, r.source, r.group, lab, assign[r.group]]
        if extra:
            row.append(extra[1](r))
        w.writerow(row)
    write_text(path, f.getvalue())


def split_all(seed: int, n_spine_folds: int = 5) -> None:
    rows = read_manifest()
    assign = make_splits(rows, seed)
    write_split_csv(SPLIT_DIR / "triage.csv", rows, assign, triage_label)
    write_split_csv(SPLIT_DIR / "brain_tumor.csv", rows, assign, brain_label,
                    extra=("official_split", lambda r: r.official_split))
    # spine: patient-level folds for grouped CV, stratified by the patient label
    spine = [r for r in rows if r.task == "spine_herniation"]
    pats: dict[str, str] = {r.group: r.label for r in spine}
    rng = random.Random(seed)
    fold: dict[str, int] = {}
    for lab in SPINE_LABELS:
        ps = sorted(p for p, lb in pats.items() if lb == lab)
        rng.shuffle(ps)
        for i, p in enumerate(ps):
            fold[p] = i % n_spine_folds
    write_split_csv(SPLIT_DIR / "spine_herniation.csv", rows, assign,
                    lambda r: r.label if r.task == "spine_herniation" else None,
                    extra=("fold", lambda r: fold[r.group]))


@dataclass
class SplitTable:
    paths: list[str]
    sources: list[str]
    groups: list[str]
    labels: list[str]
    splits: list[str]
    extra: list[str]

    def idx(self, split: str) -> np.ndarray:
        return np.array([i for i, s in enumerate(self.splits) if s == split], dtype=np.int64)


def read_split(name: str) -> SplitTable:
    f = SPLIT_DIR / f"{name}.csv"
    if not f.exists():
        raise DataError(f"no split file {f}: run `python -m mri_sentinel_ml split` first")
    ex = "official_split" if name == "brain_tumor" else "fold" if name == "spine_herniation" else None
    cols = ["path", "source", "group", "label", "split"] + ([ex] if ex else [])
    try:
        with open(f, newline="") as fh:
            reader = csv.DictReader(fh)
            rs = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DataError(f"cannot read {f}: {e}") from None
    # a file cut short (or edited by hand) ends in a row with missing fields (read as None, failing later) or a
    # split cut to "tr" (in no split at all)
    bad = next((i + 2 for i, r in enumerate(rs)
                if any(r.get(c) is None for c in cols) or None in r or r["split"] not in SPLITS), None)
    if [c for c in cols if c not in (reader.fieldnames or [])] or bad is not None:
        what = f"line {bad} is not a whole row" if bad else f"its header lacks one of {', '.join(cols)}"
        raise DataError(f"{f} is not a whole split file ({what}): run `python -m mri_sentinel_ml split` again")
    return SplitTable([r["path"] for r in rs], [r["source"] for r in rs], [r["group"] for r in rs],
                      [r["label"] for r in rs], [r["split"] for r in rs],
                      [r[ex] if ex else "" for r in rs])


# ----------------------------------------------------------------------------- image cache

def save_npy(path: Path, a: np.ndarray) -> None:
    save_atomic(path, lambda f: np.save(f, a))


def _load_one(args: tuple[str, int]) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    p, size = args
    try:
        lb, geo = load_letterboxed(DATA_DIR / p, size)
    except OSError as e:  # PIL's UnidentifiedImageError is one; raised in a worker, it reaches image_cache's caller
        raise DataError(f"cannot read {p} (listed in MANIFEST.csv, under {DATA_DIR}): {e}") from None
    return lb.astype(np.float16), geo


def image_cache(paths: list[str], size: int, workers: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Letterboxed grey float16 [N,S,S] (0..255) and geometry [N,4] (nw,nh,x0,y0), cached on disk."""
    key = hashlib.sha1(("\n".join(paths) + f"|{size}").encode()).hexdigest()[:12]
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    fi, fg = CACHE_DIR / f"img_{size}_{key}.npy", CACHE_DIR / f"geo_{size}_{key}.npy"
    if fi.exists() and fg.exists():
        return np.load(fi, mmap_mode="r"), np.load(fg)
    check_images(paths)
    imgs = np.zeros((len(paths), size, size), np.float16)
    geos = np.zeros((len(paths), 4), np.int32)
    with ProcessPoolExecutor(workers) as ex:
        it = ex.map(_load_one, [(p, size) for p in paths], chunksize=64)
        for i, (lb, geo) in enumerate(tqdm(it, total=len(paths), desc=f"decode@{size}")):
            imgs[i], geos[i] = lb, geo
    save_npy(fi, imgs)
    save_npy(fg, geos)
    return imgs, geos
