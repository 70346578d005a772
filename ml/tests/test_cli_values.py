"""Values the CLI and the manifest used to accept and then misuse: source names that differ only in case or
spacing (one source on both sides of a LOSO fold), an empty group, a non-finite or out-of-range
--ft-source-balance, and `all --seed N` running LOSO with seed 1337."""

import argparse
import json
from pathlib import Path

import pytest

from mri_sentinel_ml import __main__ as cli
from mri_sentinel_ml import data

HEADER = "path,source,is_mri,modality,body_part,task,label,group,official_split,licence"


def _manifest(tmp_path: Path, rows: list[str]) -> Path:
    (tmp_path / "MANIFEST.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    return tmp_path


@pytest.mark.parametrize(("second", "said"), [
    ("b.png,Knee_A,1,mri,knee,,,p2,,cc0", "'knee_a' and 'Knee_A' differ only in case or spacing"),
    ("b.png,knee_a ,1,mri,knee,,,p2,,cc0", "'knee_a ' and 'knee_a' differ only in case or spacing"),
    ("b.png,,1,mri,knee,,,p2,,cc0", "line 3: the source is empty"),
    ("b.png,knee_a,1,mri,knee,,,,,cc0", "line 3: the group is empty"),
    ("b.png,knee_a,1,mri,knee,,, ,,cc0", "line 3: the group is empty"),
])
def test_a_source_spelt_two_ways_or_an_empty_id_is_refused(second: str, said: str, tmp_path: Path) -> None:
    # "Knee_A" rows were their own LOSO fold (and family() missed them): the same collection on both sides; an empty
    # group made every such image of the source one "patient"
    root = _manifest(tmp_path, ["a.png,knee_a,1,mri,knee,,,p1,,cc0", second])
    with pytest.raises(data.DataError, match=said.replace("(", "\\(")):
        data.read_manifest(root)


def _exit(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[object, str]:
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    return e.value.code, capsys.readouterr().err


@pytest.mark.parametrize("value", ["nan", "inf", "-0.5", "1.5", "x"])
def test_a_source_balance_outside_0_to_1_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from mri_sentinel_ml import loso_ft

    def started(*a: object, **k: object) -> None:
        raise AssertionError("the run started")  # nan: torch.multinomial failed after ~20 min of prefix caches

    monkeypatch.setattr(loso_ft, "cli", started)
    code, err = _exit(["loso-ft", "--ft-source-balance", value], capsys)
    assert code == 2 and "must be a number from 0 to 1" in err


def test_all_threads_its_seed_to_loso(monkeypatch: pytest.MonkeyPatch) -> None:
    """`all --seed 7` trained with seed 7 and ran LOSO with 1337: another embedding-cache key (the cache was built
    again, minutes) for a config the checkpoint does not have."""
    from mri_sentinel_ml import loso_report, pipeline, probe, spine, train

    seen: dict[str, list[int]] = {"train": [], "loso": []}
    monkeypatch.setattr(data, "split_all", lambda seed: None)
    monkeypatch.setattr(train, "train_model", lambda cfg, threads=1: seen["train"].append(cfg.seed))
    monkeypatch.setattr(loso_report, "step_loso", lambda name, seed=1337: seen["loso"].append(seed))
    monkeypatch.setattr(probe, "step_probe", lambda: None)
    for step in ("step_calibrate", "step_evaluate", "step_export"):
        monkeypatch.setattr(pipeline, step, lambda name: None)
    monkeypatch.setattr(spine, "cross_validate", lambda seed: {"pooled_patient_auroc": 0.5, "ship": False})
    monkeypatch.setattr(spine, "write_spine_report", lambda res: None)
    cli.run(argparse.Namespace(command="all", model=None, seed=7, threads=1, jobs=1), [])
    assert seen == {"train": [7, 7], "loso": [7, 7]}


def test_spine_names_no_seed_it_did_not_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The spine folds are the split file's (`split --seed N` made them); `spine --seed 7` changed nothing but the
    report's sentence, which then named seed 7 for folds made with another."""
    from mri_sentinel_ml import spine

    real_run = cli.run

    def started(*a: object, **k: object) -> None:
        raise AssertionError("the run started")  # it rewrote models/spine_herniation_report.md naming seed 7

    monkeypatch.setattr(cli, "run", started)
    code, err = _exit(["spine", "--seed", "7"], capsys)
    assert code == 2 and "spine does not use --seed" in err
    monkeypatch.setattr(cli, "run", real_run)
    seen: list[object] = []

    def cross_validate(seed: int | None) -> dict[str, object]:
        seen.append(seed)
        return {"pooled_patient_auroc": 0.5, "ship": False}

    monkeypatch.setattr(spine, "cross_validate", cross_validate)
    monkeypatch.setattr(spine, "write_spine_report", lambda res: None)
    cli.run(argparse.Namespace(command="spine", model=None, seed=1337, threads=1, jobs=1), [])
    assert seen == [None]  # the folds of whatever `split` last wrote: the report names no seed
    fold = {"fold": 0, "patients": 2, "positives": 1, "patient_auroc": 0.5, "slice_auroc": 0.5}
    res = {"patients": 2, "positive_patients": 1, "slices": 4, "pooled_patient_auroc": 0.5, "pooled_slice_auroc": 0.5,
           "mean_fold_patient_auroc": 0.5, "min_fold_patient_auroc": 0.5, "per_fold": [fold], "l2": 0.01,
           "ship": False}
    monkeypatch.undo()
    monkeypatch.setattr(data, "MODELS_DIR", tmp_path)
    monkeypatch.setattr(data, "RUNS_DIR", tmp_path / "runs")  # a fresh checkout has no ml/runs/
    spine.write_spine_report({**res, "seed": None})  # was a FileNotFoundError for runs/spine_cv.json
    assert json.loads((tmp_path / "runs" / "spine_cv.json").read_text())["seed"] is None
    text = (tmp_path / "spine_herniation_report.md").read_text()
    assert "seed" not in text and "the folds `python -m mri_sentinel_ml split` last wrote" in text
    spine.write_spine_report({**res, "seed": 5})  # `all --seed 5` re-split with 5 just before
    assert "stratified by the patient label, seed 5)" in (tmp_path / "spine_herniation_report.md").read_text()


@pytest.mark.parametrize("value", ["-1", str(2**64), "1e3", "x"])
def test_a_seed_torch_cannot_take_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def started(*a: object, **k: object) -> None:
        raise AssertionError("the run started")  # 2**64: torch.manual_seed's "Overflow when unpacking long long"

    monkeypatch.setattr(cli, "run", started)
    code, err = _exit(["train", "--seed", value], capsys)
    assert code == 2 and "must be a whole number from 0 to 4294967295" in err
