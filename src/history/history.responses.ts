import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { REFUSAL_SCHEMA } from '../classifier/analysis-result.dto';
import { STATUSES } from './history.filters';
import type { Count, HistoryItem, HistoryPage, HistorySummary, KindTimings } from './history.service';

/**
 * OpenAPI descriptions of the history answers (the service returns the plain interfaces; these
 * classes only describe them). Nullable objects are inline schemas, not `$ref`s: OpenAPI 3.0's
 * `nullable` beside a `$ref` admits no null (analysis-result.dto.ts), and a null is what a row
 * older than a column, or an image's `study`, really holds.
 */
const numberMap = (description: string, nullable = true): ApiPropertyOptions => ({ type: 'object', additionalProperties: { type: 'number' }, nullable, description });

const STUDY_SCHEMA: ApiPropertyOptions = {
  type: 'object',
  nullable: true,
  description: 'set for a DICOM series / NIfTI volume, null for a single image: the only study metadata ever stored',
  required: ['modality', 'seriesDescription', 'sliceCount', 'usableSlices', 'spacing', 'rule', 'gaps', 'volumes', 'windowing', 'headerWindowIgnored', 'unevenSteps', 'copiesDropped'],
  properties: {
    modality: { type: 'string', nullable: true },
    seriesDescription: { type: 'string', nullable: true, description: 'scrubbed' },
    sliceCount: { type: 'integer', nullable: true },
    usableSlices: { type: 'integer', nullable: true },
    spacing: { type: 'object', nullable: true, additionalProperties: { type: 'number', nullable: true }, description: 'mm per direction (column, row, slice); null for one the study did not give' },
    rule: {
      type: 'object',
      nullable: true,
      required: ['agreement', 'minUsableSlices', 'pairWithin'],
      properties: { agreement: { type: 'number' }, minUsableSlices: { type: 'integer' }, pairWithin: { type: 'integer', nullable: true } },
      description: 'STUDY_AGREEMENT and STUDY_MIN_USABLE_SLICES as the study was decided under, and pairWithin: how far apart in series order the two slices confirming a finding could be (null: any two — a series in upload order, or a study decided before the neighbour rule); null when not recorded (never today\'s)',
    },
    volumes: {
      type: 'integer',
      nullable: true,
      description: 'a NIfTI study: the volumes its file held, only the first analysed; null: a DICOM series, or a study stored before they were recorded',
    },
    windowing: {
      type: 'string',
      enum: ['header', 'percentile', 'none', null],
      nullable: true,
      description:
        'the window the slices were drawn with, as the live answer\'s study.windowing: the DICOM header\'s, the 0.5th–99.5th percentile of the values, ' +
        'or none (colour slices); null: not recorded — a study stored before it was, or one refused before any pixel was read — never "header"',
    },
    headerWindowIgnored: {
      type: 'object',
      nullable: true,
      required: ['saturated', 'greyLevels', 'foreground', 'percentile'],
      properties: {
        saturated: { type: 'number', description: 'share of the sampled foreground the header window drew at black or white' },
        greyLevels: { type: 'integer', description: 'distinct grey levels it left in the foreground' },
        foreground: { type: 'integer', description: 'sampled foreground values judged' },
        percentile: {
          type: 'object',
          required: ['saturated', 'greyLevels'],
          properties: { saturated: { type: 'number' }, greyLevels: { type: 'integer' } },
          description: 'the same figures for the percentile window used instead',
        },
      },
      description:
        'the DICOM header\'s window was present but set aside for flattening the head (windowing is then "percentile"), with the live answer\'s figures; ' +
        'null: the header window was used, there was none, or not recorded (windowing null)',
    },
    unevenSteps: {
      type: 'object',
      nullable: true,
      required: ['places', 'first'],
      properties: {
        places: { type: 'integer', description: 'how many steps between consecutive slices are unlike the series\' spacing (over 20 % off the median, yet no gap); 0: none' },
        first: {
          type: 'array',
          maxItems: 3,
          items: { type: 'object', required: ['afterSlice', 'distanceMm'], properties: { afterSlice: { type: 'integer', description: '1-based' }, distanceMm: { type: 'number' } } },
          description: 'the first three, as the live answer\'s study.unevenSteps gives them',
        },
      },
      description: 'uneven slice spacing, as recorded; null: not known — a study stored before it was, one refused from its headers or files, or a series without slice positions',
    },
    copiesDropped: {
      type: 'integer',
      nullable: true,
      description: 'files left out as copies of other slices (the same SOP Instance UID, or the same image under another UID), as the live answer\'s study.copiesDropped; null: not known — a study stored before it was, or refused at its files',
    },
    gaps: {
      type: 'object',
      nullable: true,
      required: ['missingSlices', 'places', 'first'],
      properties: {
        missingSlices: { type: 'integer', description: 'about how many slices are missing, over all the gaps; 0: none found' },
        places: { type: 'integer', description: 'how many gaps' },
        first: {
          type: 'array',
          maxItems: 3,
          items: {
            type: 'object',
            required: ['afterSlice', 'distanceMm', 'missingSlices'],
            properties: { afterSlice: { type: 'integer', description: '1-based' }, distanceMm: { type: 'number' }, missingSlices: { type: 'integer' } },
          },
          description: 'the first three gaps, as the live answer\'s study.gaps gives them',
        },
      },
      description:
        'slices missing between the study\'s positions (a step over 1.5 × the median), as recorded; null: not recorded — a study stored before ' +
        'they were, one refused from its headers or files, or a DICOM series without slice positions — never "none missing"',
    },
  },
};

export class HistoryItemDto implements Record<keyof HistoryItem, unknown> {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, nullable: true }) userId!: string | null;
  @ApiProperty({ type: String, nullable: true }) userEmail!: string | null;
  @ApiProperty({ enum: ['jpeg', 'png', 'dicom', 'nifti', null], nullable: true, description: 'null when the file checks could not tell' }) fileType!: string | null;
  @ApiProperty({ type: 'integer' }) byteSize!: number;
  @ApiProperty({ type: 'integer', nullable: true }) width!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) height!: number | null;
  @ApiProperty({ description: 'of the upload' }) sha256!: string;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiProperty({ enum: ['file', 'modality', 'anatomy', 'diagnosis', null], nullable: true, description: 'the stage that decided' }) stage!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'refusal or file-check code (NOT_MRI, UNSUPPORTED_TYPE…); null when completed' }) code!: string | null;
  @ApiProperty({ type: String, nullable: true }) anatomy!: string | null;
  @ApiProperty({ type: Number, nullable: true }) anatomyConfidence!: number | null;
  @ApiProperty({ type: Boolean, nullable: true }) isMri!: boolean | null;
  @ApiProperty({ type: Number, nullable: true }) mriConfidence!: number | null;
  @ApiProperty({ type: String, nullable: true }) task!: string | null;
  @ApiProperty({ type: String, nullable: true }) label!: string | null;
  @ApiProperty({ type: Number, nullable: true }) confidence!: number | null;
  @ApiProperty(numberMap('class → probability')) probabilities!: Record<string, number> | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, nullable: true, description: 'model → version' }) modelVersions!: Record<string, string> | null;
  @ApiProperty(numberMap('stage → ms')) timingsMs!: Record<string, number> | null;
  @ApiProperty(numberMap('model → the confidence threshold it decided at ({} when no model ran); null: recorded before thresholds were stored')) thresholds!: Record<string, number> | null;
  @ApiProperty(STUDY_SCHEMA) study!: HistoryItem['study'];
  @ApiProperty(REFUSAL_SCHEMA)
  refusal!: HistoryItem['refusal'];
}

/** GET /api/v1/history/{id}: the record, with what the loaded model cards say beside it. */
export class HistoryRecordDto extends HistoryItemDto {
  @ApiProperty({ description: 'answered by a model its card marks experimental (the loaded card of the recorded version)' }) experimental!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'what the model\'s held-out figures say against this answer; null when none' }) caveat!: string | null;
  @ApiProperty() disclaimer!: string;
}

export class HistoryPageDto implements Record<keyof HistoryPage | 'disclaimer', unknown> {
  @ApiProperty({ type: [HistoryItemDto] }) items!: HistoryItemDto[];
  @ApiProperty({ type: 'integer' }) total!: number;
  @ApiProperty({ type: 'integer', description: 'the offset page; for a `cursor` request, the page\'s number in the walk (pages stepped since the first, plus 1, counted at this page size; never more than `pages`)' }) page!: number;
  @ApiProperty({ type: 'integer' }) pageSize!: number;
  @ApiProperty({ type: 'integer', description: '0 when nothing matches' }) pages!: number;
  @ApiProperty({ type: String, nullable: true, description: 'opaque: `?cursor=` this for the rows after this page\'s last (same filters, newest first, ties by id); null on the last page' }) nextCursor!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'opaque: `?cursor=` this for the page before this one (the rows just newer than its first); on an offset page past the last, the last page (its rows, as `page=<pages>`); null on the first page and when nothing matches' }) prevCursor!: string | null;
  @ApiProperty() disclaimer!: string;
}

export class CountDto implements Count {
  @ApiProperty({ description: 'the value counted ("—" for none)' }) key!: string;
  @ApiProperty({ type: 'integer' }) count!: number;
}

export class KindTimingsDto implements KindTimings {
  @ApiProperty({ type: 'integer', description: 'analyses of this kind among the sample that recorded timings' }) analyses!: number;
  @ApiProperty(numberMap('stage → median ms', false)) medianMs!: Record<string, number>;
}

export class MedianTimingsByKindDto {
  @ApiProperty({ type: KindTimingsDto }) image!: KindTimingsDto;
  @ApiProperty({ type: KindTimingsDto }) study!: KindTimingsDto;
}

export class HistorySummaryDto implements Record<keyof HistorySummary | 'disclaimer', unknown> {
  @ApiProperty({ type: 'integer' }) total!: number;
  @ApiProperty({ type: [CountDto] }) byStatus!: CountDto[];
  @ApiProperty({ type: [CountDto] }) byBodyPart!: CountDto[];
  @ApiProperty({ type: [CountDto] }) byLabel!: CountDto[];
  @ApiProperty({ type: [CountDto], description: '"status: code" of every non-completed analysis' }) reasons!: CountDto[];
  @ApiProperty(numberMap('single images only: stage → median ms (kept for older clients)', false)) medianTimingsMs!: Record<string, number>;
  @ApiProperty({ type: MedianTimingsByKindDto, description: 'per kind, never pooled' }) medianTimingsByKind!: MedianTimingsByKindDto;
  @ApiProperty() disclaimer!: string;
}
