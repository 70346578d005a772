import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { REFUSAL_CAUSES, type Refusal } from '../validation/refusal-cause';
import type { AnalysisCode, AnalysisResult, AnalysisStage, AnalysisStatus } from './analysis-result';

/**
 * OpenAPI 3.0 has no null type: `nullable` admits null only beside a `type` at the same level,
 * so a nullable `$ref` (Nest writes `nullable` + `allOf: [$ref]`) and an enum without null in it
 * refuse the nulls the service sends (every completed answer's `code`, `explanation` with
 * explain=false) — a validating client rejected them. Nullable objects are therefore inline,
 * and nullable enums list null.
 */
export const EXPLANATION_SCHEMA: ApiPropertyOptions = {
  type: 'object',
  nullable: true,
  required: ['heatmap', 'label', 'method', 'focus'],
  properties: {
    heatmap: { type: 'string', description: 'class activation map blended over the image (viridis, dark purple low → yellow high), as a JPEG data URL; with focus \'none\' the image without an overlay', example: 'data:image/jpeg;base64,…' },
    label: { type: 'string', description: 'the class the heat map is for: the answer\'s label', example: 'glioma' },
    method: { type: 'string', enum: ['cam'], description: 'class activation map (CAM): the classifier\'s weights over the last feature maps; not a segmentation' },
    focus: {
      type: 'string',
      enum: ['region', 'none'],
      description: "'none': no region stands out for this answer — the map has nothing above 0, or more than half its grid is at or above half its peak (a flat map, painted hot everywhere, points nowhere) — and no overlay is drawn",
    },
  },
};

/** Which check refused an analysis: the same in the answer and in its history record. */
export const REFUSAL_SCHEMA: ApiPropertyOptions = {
  type: 'object',
  nullable: true,
  required: ['cause', 'figures'],
  properties: {
    cause: { type: 'string', enum: [...REFUSAL_CAUSES], description: 'which check refused it' },
    figures: { type: 'object', additionalProperties: { oneOf: [{ type: 'number' }, { type: 'string' }] }, description: 'the figures its message was written from' },
  },
  description: 'which check refused it, as the message says; null: answered (in the history, also a record stored before the cause was: its reason is rebuilt from the other fields)',
};

/** OpenAPI description of AnalysisResult (the service returns the plain interface). */

export class AnalysisResultDto implements AnalysisResult {
  @ApiProperty({ enum: ['completed', 'inconclusive', 'rejected'] })
  status!: AnalysisStatus;
  @ApiProperty({ enum: ['file', 'modality', 'anatomy', 'diagnosis'], description: 'the stage that decided' })
  stage!: AnalysisStage;
  @ApiProperty({
    enum: ['NOT_MRI', 'UNSUPPORTED_BODY_PART', 'LOW_CONFIDENCE', 'NO_VALIDATED_MODEL', null],
    nullable: true,
    description: 'why it was refused or inconclusive; null when completed',
  })
  code!: AnalysisCode | null;
  @ApiProperty() message!: string;
  @ApiProperty({ nullable: true, type: Boolean }) isMri!: boolean | null;
  @ApiProperty({ nullable: true, type: Number }) mriConfidence!: number | null;
  @ApiProperty({ nullable: true, type: String, example: 'brain' }) anatomy!: string | null;
  @ApiProperty({ nullable: true, type: Number }) anatomyConfidence!: number | null;
  @ApiProperty({ nullable: true, type: String, example: 'brain_tumor' }) task!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'glioma' }) label!: string | null;
  @ApiProperty({ nullable: true, type: Number }) confidence!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { glioma: 0.91, meningioma: 0.05 } })
  probabilities!: Record<string, number>;
  @ApiPropertyOptional({ ...EXPLANATION_SCHEMA, description: 'null with explain=false and for refusals' }) explanation!: { heatmap: string; label: string; method: 'cam'; focus: 'region' | 'none' } | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { triage: '1.0.0' } })
  modelVersions!: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, example: { decode: 3.1, total: 120.4 } })
  timingsMs!: Record<string, number>;
  @ApiProperty() disclaimer!: string;
  @ApiProperty({
    description:
      'true when the diagnosis model that answered (or would have) is marked experimental in its model card (/models/{name}): treat the answer as a demonstration; false for triage-only outcomes',
    example: true,
  })
  experimental!: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      "what the answering model's held-out (leave-one-source-out) figures say against trusting this answer, from its model card (e.g. that \"no tumour\" does not rule a tumour out); null when there is none and for every result that is not an answer",
  })
  caveat!: string | null;
  @ApiPropertyOptional({
    description:
      'the image as analysed (JPEG data URL, ≤ 448 px a side), only where a browser draws the file otherwise: a 16-bit grey PNG (the model sees it scaled by its maximum, a browser its top 8 bits: a 12-bit scan is black), or a file whose ICC profile or PNG gamma a browser applies and the model does not; absent otherwise',
    example: 'data:image/jpeg;base64,…',
  })
  preview?: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    example: { triage: 0.8, brain_tumor: 0.6 },
    description: 'model → the confidence threshold it decided at (CONFIDENCE_THRESHOLD or its card), for every model in modelVersions; {} when no model ran — the same map the history record stores',
  })
  thresholds!: Record<string, number>;
  @ApiProperty(REFUSAL_SCHEMA)
  refusal!: Refusal | null;
  @ApiProperty({ type: String, nullable: true, required: false, description: 'history record id of this result (name it as analysisId when asking for its PDF report); null when not recorded' })
  analysisId?: string | null;
}

/** The error body, declared once beside the shared error answers (re-exported for the controllers that import it here). */
export { ErrorBodyDto } from '../common/api-responses';
