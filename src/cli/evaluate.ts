import 'reflect-metadata';
import * as path from 'node:path';
import { AnalysisService } from '../classifier/analysis.service';
import { ConfigValidationError } from '../config/config.schema';
import { AppConfig } from '../config/config.service';
import { evaluateStudies, listStudies, readStudyLabels, StudyLabelsError } from '../studies/study-evaluate';
import { StudyService } from '../studies/study.service';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule } from '../config/config.module';
import { InferenceModule } from '../inference/inference.module';
import { StartupError } from '../startup-error';
import { stderrLogger } from './cli-logger';
import { createAnalysisContext, evaluateOne, requireModels } from './analysis-context';
import { countOption, existingPath, modelClasses, parseEvaluateArgs, summarise, UsageError } from './evaluate-lib';
import { ModelRegistry } from '../inference/model-registry.service';
import { evaluateRows, readInput, readManifest, readPythonDecisions } from './manifest';
import { endOutput, interruptible, OutputError, OutputFile, outputFailed, reportRun, watchOutput } from './evaluate-output';

const USAGE = `Usage: npm run evaluate -- --manifest FILE.csv [--root DIR] [--out FILE.jsonl [--force]]
       [--split NAME] [--limit N] [--compare PYTHON.jsonl] [--concurrency N]
       npm run evaluate -- --studies DIR [--labels FILE.csv] [--out FILE.jsonl [--force]]

Runs the served pipeline (sharp + onnxruntime-node, no database, no HTTP) over every row's
\`path\` (relative to --root, default the manifest's folder). Writes one JSON line per image
(stdout, or --out) and a summary (stderr, or stdout with --out).
  --out FILE         write the lines to FILE, put in place when the run ends (a run stopped
                     mid-way leaves FILE as it was); an existing FILE is refused unless --force
  --split NAME       only rows whose \`split\` column is NAME (e.g. test)
  --limit N          the first N rows only (a whole number, at least 1)
  --concurrency N    rows evaluated at once, 1 to 64 (default INFERENCE_POOL_SIZE)
  --compare FILE     agreement with per-image decisions from scripts/python_decisions.py
  --studies DIR      whole studies instead: each sub-folder of DIR is one DICOM series, each
                     .nii/.nii.gz/.zip/.dcm file in DIR one study; one JSON line per study
  --labels FILE      with --studies: CSV path,label → agreement of the answers, as --manifest
Every row gets a line (a missing or unreadable file: an "error" line naming why).
Exit 0: every row evaluated; 1: models, configuration or --out failed; 2: usage or input error
(an existing --out without --force included).
Ctrl-C (both modes): the rows or study in progress finish, the summary is marked "interrupted",
exit 130; a second Ctrl-C quits at once, leaving --out as it was, as SIGTERM (exit 143) and
SIGHUP (exit 129) do.
`;

async function main(): Promise<number> {
  const values = parseEvaluateArgs(process.argv.slice(2));
  if (values.help) {
    process.stderr.write(USAGE);
    return 0;
  }
  // every path is checked before the models load: a typo is one line and the usage (exit 2)
  const studies = existingPath('studies', values.studies, 'folder');
  const labelsFile = existingPath('labels', values.labels, 'file');
  if (studies) return runStudies(studies, values.out, labelsFile, values.force);
  const manifest = existingPath('manifest', values.manifest, 'file');
  // with other options given, the usage alone did not say what was wrong
  if (!manifest) throw new UsageError('Give --manifest FILE.csv or --studies DIR: one of them says what to evaluate');
  const compare = existingPath('compare', values.compare, 'file');
  const limit = countOption('limit', values.limit);
  const concurrency = countOption('concurrency', values.concurrency);
  const root = existingPath('root', values.root, 'folder') ?? path.dirname(manifest);
  const rows = readManifest(readInput('manifest', manifest), { split: values.split, limit });
  const python = compare ? readPythonDecisions(readInput('compare', compare)) : undefined;
  const outFile = values.out !== undefined ? OutputFile.open(values.out, { inputs: { manifest, compare }, force: values.force }) : undefined;

  const config = AppConfig.fromProcess({ LOG_LEVEL: 'warn' });
  const { ctx, service } = await createAnalysisContext(config);

  const { out, failed } = outFile ? outFile.stream() : { out: process.stdout, failed: watchOutput(process.stdout) };
  const stop = interruptible('rows', outFile !== undefined);
  const lines = await evaluateRows(rows, (row) => evaluateOne(service, root, row.path), (l) => out.write(JSON.stringify(l) + '\n'), {
    workers: concurrency ?? Math.max(1, config.inferencePoolSize),
    stop: AbortSignal.any([stop.signal, outputFailed(out)]),
    progress: (n) => n % 250 === 0 && process.stderr.write(`… ${n}/${rows.length}\n`),
  });
  // the handler stays until the file is in place: a Ctrl-C now is a second one's quit, FILE left as it was
  await (outFile ? outFile.finish(out, failed) : endOutput(out, failed));
  stop.dispose();

  const labels = new Map(rows.filter((r) => r.label).map((r) => [r.line, r.label as string]));
  const summary = summarise(lines, labels, modelClasses(ctx.get(ModelRegistry).cards()), python);
  await ctx.close();
  return reportRun({ summary, evaluated: lines.length, total: rows.length, noun: 'rows', outFile: outFile?.target });
}

/** `--studies DIR`: the StudyService (same per-slice pipeline) over every study of a folder. */
async function runStudies(dir: string, outFile: string | undefined, labelsFile: string | undefined, force: boolean | undefined): Promise<number> {
  // what can be wrong with the folder, the labels or --out is said before the models load
  const listed = listedStudies(dir);
  if (!listed) throw new UsageError(`--studies: no study in ${dir} (no sub-folder, no .nii/.nii.gz/.zip/.dcm file)`);
  let labels: Map<string, string> | undefined;
  try {
    labels = labelsFile ? readStudyLabels(readInput('labels', labelsFile)) : undefined;
  } catch (err) {
    if (err instanceof StudyLabelsError) throw new UsageError(`--labels: ${err.message}`);
    throw err;
  }
  const output = outFile !== undefined ? OutputFile.open(outFile, { inputs: { labels: labelsFile }, force }) : undefined;
  const config = AppConfig.fromProcess({ LOG_LEVEL: 'warn' });
  @Module({ imports: [ConfigModule.forRoot(config), InferenceModule], providers: [AnalysisService, StudyService] })
  class EvaluateStudiesModule {}
  const ctx = await NestFactory.createApplicationContext(EvaluateStudiesModule, { logger: stderrLogger('warn') });
  await requireModels(ctx, config);
  const { out, failed } = output ? output.stream() : { out: process.stdout, failed: watchOutput(process.stdout) };
  const stop = interruptible('study', output !== undefined);
  const expected = labels && { expected: labels, classes: modelClasses(ctx.get(ModelRegistry).cards()) };
  const summary = await evaluateStudies(ctx.get(StudyService), dir, (line) => out.write(JSON.stringify(line) + '\n'), expected, AbortSignal.any([stop.signal, outputFailed(out)]));
  await (output ? output.finish(out, failed) : endOutput(out, failed));
  stop.dispose();
  const unmatched = summary.labelled?.unmatched;
  if (unmatched?.count) process.stderr.write(`--labels: ${unmatched.count} label(s) name no study of ${dir}: ${unmatched.paths.join(', ')}\n`);
  await ctx.close();
  // a study added to the folder during the run is not an interrupt
  return reportRun({ summary, evaluated: summary.studies, total: stop.signal.aborted ? Math.max(listed, summary.studies) : summary.studies, noun: 'studies', outFile: output?.target });
}

/**
 * How many studies `--studies DIR` holds; a DIR this user cannot list is a usage error naming it, as an
 * unreadable manifest is — it was a stack trace (EACCES … scandir) and exit 1, as a failed run exits.
 */
function listedStudies(dir: string): number {
  try {
    return listStudies(dir).length;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`--studies: cannot read ${dir}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message}`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    const known = err instanceof StartupError || err instanceof ConfigValidationError || err instanceof OutputError;
    process.stderr.write(`${err instanceof Error ? (known ? err.message : err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
