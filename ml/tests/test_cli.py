"""The CLI answers a wrong argument, a missing data root or manifest column, an absent image and a step run before
its inputs exist with a sentence and a non-zero exit, never a traceback; its help lists what it accepts."""

import argparse
from pathlib import Path

import pytest

from mri_sentinel_ml import __main__ as cli
from mri_sentinel_ml import audit, data, dro

HEADER = "path,source,is_mri,modality,body_part,task,label,group,official_split,licence"


def _exit(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int | str | None, str]:
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    return e.value.code, capsys.readouterr().err + (e.value.code if isinstance(e.value.code, str) else "")


def test_help_shows_one_line_per_command_form() -> None:
    out = cli_help()
    starts = [ln.split()[3] for ln in out.splitlines() if ln.startswith("python -m mri_sentinel_ml ")]
    # every command is named at the start of a line of the description (argparse reflowed it into one paragraph)
    assert {"loso-ft", "loso-dro", "loso-da", "audit-ct"} <= set(starts)
    assert "probe" in out.split("positional arguments")[0].split("python -m mri_sentinel_ml <")[1].split(">")[0]


def cli_help() -> str:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), pytest.raises(SystemExit):
        cli.main(["--help"])
    return buf.getvalue()


@pytest.mark.parametrize("argv", [["train", "--threads", "0"], ["train", "--jobs", "-1"]])
def test_counts_below_one_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _exit(argv, capsys)
    assert code == 2 and "must be a whole number of at least 1" in err


def test_an_unknown_variant_is_refused_before_any_work(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def started(*a: object, **k: object) -> None:
        raise AssertionError("the run started")  # it would compute the gates (minutes) and write an empty summary

    monkeypatch.setattr(dro, "cli", started)
    code, err = _exit(["loso-dro", "--variants", "gdro eta 1,gdro eta 9"], capsys)
    assert code == 2 and "'gdro eta 9'" in err and "gdro eta 0.25" in err


def test_a_step_before_its_inputs_names_the_step_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(data, "RUNS_DIR", tmp_path / "runs")
    for step in ("calibrate", "evaluate", "export"):
        code, err = _exit([step, "triage"], capsys)
        assert code not in (0, None) and "python -m mri_sentinel_ml train triage" in err, step


def test_a_missing_data_root_is_a_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(data, "DATA_DIR", tmp_path / "nowhere")
    monkeypatch.setattr(data, "SPLIT_DIR", tmp_path / "splits")
    code, err = _exit(["split"], capsys)
    assert code == 1 and f"no data root at {tmp_path / 'nowhere'}" in err
    assert not (tmp_path / "splits").exists()


def test_a_manifest_without_a_column_names_it(tmp_path: Path) -> None:
    (tmp_path / "MANIFEST.csv").write_text(HEADER.replace(",licence", "") + "\na.png,s,1,mri,brain,,,g,,\n")
    with pytest.raises(data.DataError, match="lacks the column licence"):
        data.read_manifest(tmp_path)
    (tmp_path / "MANIFEST.csv").write_text(HEADER + "\na.png,s,yes,mri,brain,,,g,,cc0\n")
    with pytest.raises(data.DataError, match="line 2: is_mri is 'yes'"):
        data.read_manifest(tmp_path)


def test_an_absent_or_unreadable_image_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path / "cache")
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "bad.png").write_bytes(b"not a png")
    with pytest.raises(data.DataError, match="1 image listed in MANIFEST.csv is missing.*images/gone.png"):
        data.image_cache(["images/gone.png"], 32, workers=1)
    with pytest.raises(data.DataError, match="cannot read images/bad.png"):
        data.image_cache(["images/bad.png"], 32, workers=1)
    assert not list((tmp_path / "cache").glob("*.npy"))


def test_audit_of_an_unknown_source_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import mri_sentinel_ml.train as train

    def started(*a: object, **k: object) -> None:
        raise AssertionError("the embeddings were loaded")

    monkeypatch.setattr(train, "load_embeddings", started)
    with pytest.raises(data.DataError, match="no source 'brain_nope' in the triage split"):
        audit.audit_ct("brain_nope")


def test_a_fold_key_matching_no_family_is_refused_before_any_work(capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from mri_sentinel_ml import da

    def started(*a: object, **k: object) -> None:
        raise AssertionError("the run started")  # it would compute the gates and write a summary of no fold

    monkeypatch.setattr(da, "cli", started)
    code, err = _exit(["loso-da", "triage", "--folds", "knee,kneee_typo"], capsys)
    assert code == 2 and "--folds: no triage source family contains 'kneee_typo'" in err


@pytest.mark.parametrize("error", ["loso", "export", "card"])
def test_a_step_that_cannot_finish_ends_in_its_sentence(error: str, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    # a fold without val images, a failed parity check or a card the server would refuse were named errors that
    # still ended in a traceback
    from mri_sentinel_ml import card, loso, loso_report, pipeline

    raised = {"loso": loso.LosoError("fold x: no val-split images"),
              "export": pipeline.ExportError("parity: 3 of 40 decisions differ"),
              "card": card.CardError("card: ood.mean has 3 numbers, embedding_dim is 4")}[error]

    def fails(*a: object, **k: object) -> None:
        raise raised

    monkeypatch.setattr(loso_report, "step_loso", fails)
    monkeypatch.setattr(pipeline, "step_export", fails)
    code, err = _exit(["loso" if error == "loso" else "export", "triage"], capsys)
    assert code == 1 and f"error: {raised}" in err and "Traceback" not in err


@pytest.mark.parametrize(("argv", "option"), [(["split", "--variants", "x"], "--variants"),
                                              (["train", "--folds", "y"], "--folds"),
                                              (["loso", "--probe"], "--probe"),
                                              (["calibrate", "triage", "--seed", "7"], "--seed"),
                                              (["split", "--threads", "2"], "--threads"),
                                              (["evaluate", "--jobs", "2"], "--jobs"),
                                              (["loso-dro", "--ft-source-balance", "0.5"], "--ft-source-balance"),
                                              (["audit-ct", "--variants", "shipped"], "--variants"),
                                              (["loso-da", "--source", "s"], "--source")])
def test_an_option_the_command_ignores_is_refused(argv: list[str], option: str, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # each ran the command as if the option were absent: a maintainer believed it had taken effect
    def started(*a: object, **k: object) -> None:
        raise AssertionError("the run started")

    monkeypatch.setattr(cli, "run", started)
    code, err = _exit(argv, capsys)
    assert code == 2 and f"{argv[0]} does not use {option}" in err


@pytest.mark.parametrize("command", ["split", "probe", "spine", "audit-ct"])
def test_a_model_for_a_command_without_one_is_refused(command: str, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def started(*a: object, **k: object) -> None:
        raise AssertionError("the run started")  # audit-ct triage audited the default source; split split both

    monkeypatch.setattr(cli, "run", started)
    code, err = _exit([command, "triage"], capsys)
    assert code == 2 and f"{command} takes no model argument (got 'triage')" in err


@pytest.mark.parametrize("argv", [["all", "--seed", "1337"], ["train", "triage", "--seed", "3", "--threads", "1"],
                                  ["loso-ft", "--threads", "2", "--ft-source-balance", "0.5"],
                                  ["loso-da", "triage", "--probe", "--variants", "shipped"],
                                  ["audit-ct", "--source", "s"], ["split", "--seed", "5"], ["probe", "--threads", "2"]])
def test_the_options_a_command_uses_still_reach_it(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    monkeypatch.setattr(cli, "run", lambda a, variants: seen.append(a))
    cli.main(argv)
    a = seen[0]
    assert isinstance(a, argparse.Namespace)
    assert (a.seed, a.threads, a.jobs, a.source) == (
        int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1337,
        int(argv[argv.index("--threads") + 1]) if "--threads" in argv else 1, 2,
        "s" if "--source" in argv else "brain_tumor_nickparvar")
    assert a.probe == ("--probe" in argv) and a.ft_source_balance == (0.5 if "--ft-source-balance" in argv else None)


def test_fixtures_help_prints_usage_and_writes_nothing(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from mri_sentinel_ml import fixtures

    def wrote(*a: object, **k: object) -> None:
        raise AssertionError("test/fixtures/preprocess_vectors.json was rewritten")

    monkeypatch.setattr(fixtures, "write", wrote)
    with pytest.raises(SystemExit) as e:
        fixtures.main(["--help"])
    assert e.value.code == 0 and "usage: python -m mri_sentinel_ml.fixtures" in capsys.readouterr().out


def test_the_readme_command_lines_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex

    monkeypatch.setattr(cli, "run", lambda a, variants: None)
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    lines = [ln.split("#")[0] for ln in readme.splitlines() if ln.startswith(".venv/bin/python -m mri_sentinel_ml ")]
    argvs = [shlex.split(ln)[3:] for ln in lines if "[" not in ln]  # `[--source S]`: a form, not a command line
    assert len(argvs) >= 10
    for argv in argvs:
        cli.main(argv)
