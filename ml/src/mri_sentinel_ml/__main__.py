"""python -m mri_sentinel_ml <split | train | loso | probe | calibrate | evaluate | export | spine | all> [model] [options]
  (split, probe, spine: no model; --seed: split, train, loso, all; --jobs: train, all; --threads: all but split)
python -m mri_sentinel_ml loso-ft [triage | brain_tumor] [--seed N] [--ft-source-balance B]   (a fine-tuned task trunk vs the
  shipped one, held-out groups of sources; ~31 / ~29 min on 2 threads, prefix caches included; not part of `all`)
python -m mri_sentinel_ml loso-dro [triage | brain_tumor] [--seed N] [--variants A,B]   (group DRO / V-REx heads vs the
  shipped one on the LOSO folds, dro.py; an experiment, not part of `all`)
python -m mri_sentinel_ml loso-da [triage | brain_tumor] [--seed N] [--variants A,B] [--folds K1,K2] [--probe]
  (source alignment: source-direction removal / DANN heads vs the shipped one, da.py; --folds: only families containing K)
python -m mri_sentinel_ml audit-ct [--source S]   (head-CT candidates among S's brain MRIs, for review by eye)"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from . import data
from .config import CONFIGS

MODELS = list(CONFIGS)
COMMANDS = ["split", "train", "loso", "probe", "calibrate", "evaluate", "export", "spine", "all", "loso-ft", "loso-dro",
            "loso-da", "audit-ct"]
# what each option and the model argument reach in run(): any other command ignored them silently, so a maintainer
# believed e.g. `loso --probe` or `split --variants x` took effect; they are now usage errors
USES: dict[str, tuple[str, ...]] = {
    "model": ("train", "loso", "calibrate", "evaluate", "export", "all", "loso-ft", "loso-dro", "loso-da"),
    # not spine: its folds are the split file's (`split --seed N` wrote them); `spine --seed 7` only made the report
    # name seed 7 for folds made with another
    "seed": ("split", "train", "loso", "all", "loso-ft", "loso-dro", "loso-da"),
    "threads": tuple(c for c in COMMANDS if c != "split"),  # torch.set_num_threads; split never imports torch
    "jobs": ("train", "all"),
    "ft_source_balance": ("loso-ft",),
    "variants": ("loso-dro", "loso-da"),
    "folds": ("loso-da",),
    "probe": ("loso-da",),
    "source": ("audit-ct",),
}
_UNSET = object()  # an option's value before parsing: still there afterwards means the option was not given


def _count(text: str) -> int:
    """--threads / --jobs: torch.set_num_threads(0) ended in a RuntimeError traceback."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number of at least 1")
    return n


def _seed(text: str) -> int:
    """--seed: one that random, numpy and torch all take (torch.manual_seed(2**64) raised an overflow traceback, after
    minutes of caches in loso-ft, whose generators take seed + 7)."""
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n < 2**32:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number from 0 to {2**32 - 1}")
    return n


def _share(text: str) -> float:
    """--ft-source-balance: a weight exponent with a meaning from 0 (sources by size) to 1 (every source equal); nan
    ended in torch.multinomial's error after the prefix caches (~20 min), inf in weights of 0 or nan likewise."""
    try:
        x = float(text)
    except ValueError:
        x = float("nan")
    if not 0 <= x <= 1:  # `not`: nan fails too
        raise argparse.ArgumentTypeError(f"{text!r} must be a number from 0 to 1")
    return x


def _variants(command: str, given: str) -> list[str]:
    """The --variants names, each checked against the experiment's list: an unknown one ran no variant after minutes
    of gates and wrote an empty summary."""
    from . import da, dro

    known = [v.name for v in (dro.VARIANTS if command == "loso-dro" else da.VARIANTS)]
    names = [v for v in given.split(",") if v]
    bad = [v for v in names if v not in known]
    if bad:
        raise ValueError(f"--variants: no {command} variant {', '.join(map(repr, bad))}; "
                         f"known: {', '.join(map(repr, known))}")
    return names


def _check_fold_keys(ap: argparse.ArgumentParser, model: str, keys: list[str]) -> None:
    """--folds K1,K2: each K must be part of a source family's name (a typo ran no fold after minutes of gates)."""
    from .loso import family

    try:
        names = {family(s) for s in data.read_split(CONFIGS[model]().split).sources}
    except data.DataError as e:
        ap.exit(1, f"{ap.prog}: error: {e}\n")
    bad = [k for k in keys if not any(k in n for n in names)]
    if bad:
        ap.error(f"--folds: no {model} source family contains {', '.join(map(repr, bad))}")


def _parse_for_command(ap: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parses argv, refusing (exit 2) an option or model the command does not use; then fills in the defaults."""
    options = [o for o in USES if o != "model"]
    a = ap.parse_args(argv, namespace=argparse.Namespace(**{o: _UNSET for o in options}))
    if a.model is not None and a.command not in USES["model"]:
        ap.error(f"{a.command} takes no model argument (got {a.model!r}); "
                 f"one is taken by {', '.join(USES['model'])}")
    for o in options:
        if getattr(a, o) is _UNSET:
            setattr(a, o, ap.get_default(o))
        elif a.command not in USES[o]:
            ap.error(f"{a.command} does not use --{o.replace('_', '-')}; it is used by {', '.join(USES[o])}")
    return a


def main(argv: list[str] | None = None) -> None:
    # raw: the description's lines are one command form each (the default formatter ran them into one paragraph)
    ap = argparse.ArgumentParser(prog="python -m mri_sentinel_ml", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=COMMANDS)
    ap.add_argument("model", nargs="?", choices=MODELS,
                    help="model for train/loso/calibrate/evaluate/export/all (default: both) and "
                         "loso-ft/loso-dro/loso-da (default: triage)")
    ap.add_argument("--seed", type=_seed, default=1337, help=f"used by {', '.join(USES['seed'])}")
    ap.add_argument("--threads", type=_count, default=1,
                    help="torch threads, every command but split (1 is fastest on a shared 2-core box)")
    ap.add_argument("--ft-source-balance", type=_share, default=None,
                    help="loso-ft: sampler source weighting, 0 (by size) to 1 (every source equal)")
    ap.add_argument("--jobs", type=_count, default=2, help="models trained in parallel processes by `train`/`all`")
    ap.add_argument("--variants", default="", help="loso-dro / loso-da: comma-separated variant names (default: all)")
    ap.add_argument("--folds", default="", help="loso-da: only the folds whose family contains one of these")
    ap.add_argument("--probe", action="store_true", help="loso-da: also the source probe before / after")
    ap.add_argument("--source", default="brain_tumor_nickparvar", help="audit-ct: the source whose brain MRIs to rank")
    a = _parse_for_command(ap, argv)
    variants: list[str] = []
    if a.command in ("loso-dro", "loso-da"):
        try:
            variants = _variants(a.command, a.variants)
        except ValueError as e:
            ap.error(str(e))
        if a.command == "loso-da" and a.folds:
            _check_fold_keys(ap, a.model or "triage", [k for k in a.folds.split(",") if k])
    try:
        run(a, variants)
    except data.DataError as e:  # the data root, its manifest, a split file or an image: a sentence, not a traceback
        ap.exit(1, f"{ap.prog}: error: {e}\n")
    except Exception as e:
        # a fold that cannot be fitted, a failed parity check, a card the server would refuse: each message names
        # what failed; imported here because these modules pull torch (help and usage errors stay fast)
        from .card import CardError
        from .loso import LosoError
        from .pipeline import ExportError

        if isinstance(e, LosoError | ExportError | CardError):
            ap.exit(1, f"{ap.prog}: error: {e}\n")
        raise


def run(a: argparse.Namespace, variants: list[str]) -> None:
    names = [a.model] if a.model else MODELS
    t0 = time.time()
    # heavy imports only after argument parsing
    import torch

    from . import loso_report, pipeline, spine, train

    torch.set_num_threads(a.threads)

    if a.command == "loso-ft":
        from . import loso_ft

        loso_ft.cli(a.model or "triage", a.seed, a.ft_source_balance)
    if a.command == "loso-dro":
        from . import dro

        dro.cli(a.model or "triage", a.seed, variants)
    if a.command == "loso-da":
        from . import da

        da.cli(a.model or "triage", a.seed, variants,
               [k for k in a.folds.split(",") if k], a.probe)
    if a.command == "audit-ct":
        from . import audit

        audit.audit_ct(a.source)
    if a.command in ("split", "all"):
        data.split_all(a.seed)
        print(f"splits written to {data.SPLIT_DIR}")
    if a.command in ("train", "all"):
        if a.jobs > 1 and len(names) > 1:  # one single-threaded process per model, side by side
            procs = [subprocess.Popen([sys.executable, "-m", "mri_sentinel_ml", "train", n, "--seed", str(a.seed),
                                       "--threads", str(a.threads)]) for n in names]
            codes = [p.wait() for p in procs]
            if any(codes):
                raise SystemExit(f"training failed: {dict(zip(names, codes, strict=True))}")
        else:
            for n in names:
                t = time.time()
                train.train_model(CONFIGS[n](a.seed), threads=a.threads)
                print(f"[{n}] trained in {(time.time() - t) / 60:.1f} min")
    if a.command in ("loso", "all"):  # leave-one-source-out: the gates' operating points come from here
        for n in names:
            loso_report.step_loso(n, a.seed)  # train's seed: its embedding cache (keyed by the seed) and config
    if a.command in ("probe", "all"):
        from . import probe

        probe.step_probe()
    if a.command in ("calibrate", "all"):
        for n in names:
            pipeline.step_calibrate(n)
    if a.command in ("evaluate", "all"):
        for n in names:
            pipeline.step_evaluate(n)
    if a.command in ("export", "all"):
        for n in names:
            pipeline.step_export(n)
    if a.command in ("spine", "all"):
        res = spine.cross_validate(a.seed if a.command == "all" else None)  # `all` has just split with it
        spine.write_spine_report(res)
        print(f"[spine_herniation] pooled patient AUROC {res['pooled_patient_auroc']:.3f} -> ship={res['ship']}")
    print(f"done in {(time.time() - t0) / 60:.1f} min")


if __name__ == "__main__":
    main()
