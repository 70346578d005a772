import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnalysisService } from '../classifier/analysis.service';
import { DomainError, FileCheckError } from '../common/errors';
import { ConfigModule } from '../config/config.module';
import { AppConfig } from '../config/config.service';
import { InferenceModule } from '../inference/inference.module';
import { ModelRegistry } from '../inference/model-registry.service';
import { StartupError } from '../startup-error';
import type { EvalLine } from './evaluate-lib';
import { stderrLogger } from './cli-logger';

/**
 * The analysis pipeline without HTTP or a database (no recorder): what `npm run evaluate`
 * and the Python-agreement test run. Same AnalysisService, same model registry.
 */
export async function createAnalysisContext(config: AppConfig): Promise<{ ctx: INestApplicationContext; service: AnalysisService }> {
  @Module({ imports: [ConfigModule.forRoot(config), InferenceModule], providers: [AnalysisService] })
  class AnalysisOnlyModule {}
  const ctx = await NestFactory.createApplicationContext(AnalysisOnlyModule, { logger: stderrLogger('warn') });
  await requireModels(ctx, config);
  return { ctx, service: ctx.get(AnalysisService) };
}

/**
 * Models that did not load stop the CLI with the reason (a StartupError; the context is closed),
 * rather than one "error" line per image and exit code 0.
 */
export async function requireModels(ctx: INestApplicationContext, config: AppConfig): Promise<void> {
  const r = await ctx.get(ModelRegistry).check();
  if (r.ok) return;
  await ctx.close();
  throw new StartupError(`The models in ${config.modelsDir} did not load: ${r.detail ?? 'unknown reason'}`);
}

/**
 * One manifest row through the pipeline: the result without the heat map, or the file/service
 * error. An absolute path is read where it is (path.join put it under --root: every row of a
 * manifest of absolute paths was ENOENT; Python's `root / path` takes it as is). A row whose
 * file cannot be read is an error line named for why — it was INTERNAL_ERROR, as if the service
 * had failed.
 */
export async function evaluateOne(service: Pick<AnalysisService, 'analyze'>, root: string, rel: string): Promise<EvalLine> {
  if (!rel) return { path: rel, status: 'error', code: 'NO_PATH', message: 'This manifest row has no path.' };
  const file = path.resolve(root, rel);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT' || errno === 'ENOTDIR') return { path: rel, status: 'error', code: 'FILE_NOT_FOUND', message: `No such file: ${file}` };
    if (errno === 'EISDIR') return { path: rel, status: 'error', code: 'NOT_A_FILE', message: `A folder, not a file: ${file}` };
    return { path: rel, status: 'error', code: 'FILE_UNREADABLE', message: `Cannot read ${file}: ${err instanceof Error ? err.message : String(err)}` };
  }
  try {
    const { explanation: _drop, preview: _image, status, stage, code, message, ...rest } = await service.analyze(bytes, { explain: false });
    return { path: rel, status, stage, code, message, ...rest };
  } catch (err) {
    if (err instanceof FileCheckError) return { path: rel, status: 'rejected', stage: 'file', code: err.code, message: err.message };
    const code = err instanceof DomainError ? err.code : 'INTERNAL_ERROR';
    return { path: rel, status: 'error', code, message: err instanceof Error ? err.message : String(err) };
  }
}
