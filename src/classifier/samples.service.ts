import { Injectable, Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCsv } from '../common/csv';
import { NotFoundError } from '../common/errors';
import { AppConfig } from '../config/config.service';
import { capitalise, humanLabel } from '../presentation/labels';

export interface SampleImage {
  file: string;
  caption: string;
  source: string;
  licence: string;
}

const IMAGE_FILE = /^[A-Za-z0-9._-]+\.(jpe?g|png)$/i;

/**
 * The "Sample dataset" gallery: images listed in SAMPLES_DIR/SAMPLES.csv with their source
 * and licence (shown as attribution). Files outside that list are never served.
 */
@Injectable()
export class SamplesService {
  private readonly logger = new Logger(SamplesService.name);
  private cache: SampleImage[] | undefined;

  constructor(private readonly config: AppConfig) {}

  list(): SampleImage[] {
    if (this.cache) return this.cache;
    const dir = this.config.samplesDir;
    const csvFile = path.join(dir, 'SAMPLES.csv');
    if (!fs.existsSync(csvFile)) {
      this.logger.warn(`No sample gallery: ${csvFile} not found`);
      return (this.cache = []);
    }
    this.cache = parseCsv(fs.readFileSync(csvFile, 'utf8'))
      .filter((r) => IMAGE_FILE.test(r.file ?? '') && fs.existsSync(path.join(dir, r.file)))
      .map((r) => ({ file: r.file, caption: caption(r), source: r.source ?? '', licence: r.licence ?? '' }));
    return this.cache;
  }

  read(file: string): { bytes: Buffer; contentType: string } {
    const sample = this.list().find((s) => s.file === file);
    if (!sample) throw new NotFoundError('No such sample image.');
    const bytes = fs.readFileSync(path.join(this.config.samplesDir, sample.file));
    return { bytes, contentType: /\.png$/i.test(file) ? 'image/png' : 'image/jpeg' };
  }
}

/** The CSV's expected answer in the words of the result ("Brain MRI · no tumour", not "notumor"). */
export function caption(r: Record<string, string>): string {
  const part = r.body_part ? humanLabel(r.body_part) : '';
  const label = r.label ? humanLabel(r.label) : '';
  if (r.is_mri === '0') return `Not an MRI${part && part !== 'none' ? ` (${part})` : ''}`;
  if (part === 'other') return 'MRI of an unsupported body part';
  return `${capitalise(part)} MRI${label ? ` · ${label}` : ''}`;
}
