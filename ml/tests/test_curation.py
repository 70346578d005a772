"""ml/curation/not_mri.csv: images the manifest calls MRI that are not (head CT inside a brain MRI set)."""

import csv

from mri_sentinel_ml import data

from .conftest import needs_data


def _curated() -> list[dict[str, str]]:
    with open(data.CURATION_FILE, newline="") as f:
        return list(csv.DictReader(f))


def test_curation_file_lists_unique_paths_with_a_reason() -> None:
    rows = _curated()
    assert len(rows) == len({r["path"] for r in rows}) == len(data.curated_not_mri()) > 0
    assert all(r["is"] and r["how_found"] and r["path"].startswith(f"images/{r['source']}/") for r in rows)


@needs_data
def test_curated_images_are_not_mri_for_triage_and_out_of_the_diagnosis_set() -> None:
    manifest = {r.path: r for r in data.read_manifest()}
    cur = data.curated_not_mri()
    assert cur <= manifest.keys() and all(manifest[p].is_mri for p in cur)  # the manifest's claim we correct
    tri = data.read_split("triage")
    assert {lb for p, lb in zip(tri.paths, tri.labels, strict=True) if p in cur} == {"not_mri"}
    assert sum(p in cur for p in tri.paths) == len(cur)
    assert not cur & set(data.read_split("brain_tumor").paths)


@needs_data
def test_committed_triage_labels_are_what_the_code_assigns() -> None:
    manifest = {r.path: r for r in data.read_manifest()}
    tri = data.read_split("triage")
    wrong = [p for p, lb in zip(tri.paths, tri.labels, strict=True) if data.triage_label(manifest[p]) != lb]
    assert not wrong, f"{len(wrong)} rows of splits/triage.csv disagree with triage_label, e.g. {wrong[:3]}"
