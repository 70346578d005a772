import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions, OmitType } from '@nestjs/swagger';
import { AnalysisResultDto } from '../classifier/analysis-result.dto';

/** OpenAPI description of StudyResult (the service returns the plain interface). */
export class SliceResultDto extends OmitType(AnalysisResultDto, ['explanation', 'disclaimer', 'modelVersions', 'experimental', 'caveat', 'preview', 'thresholds', 'refusal'] as const) {
  @ApiProperty({ description: '0-based, in anatomical order: inferior → superior (axial), posterior → anterior (coronal), right → left (sagittal)' }) index!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'position (mm) along that order\'s direction, ascending with the index' }) position!: number | null;
  @ApiProperty({ description: 'small PNG data URL of the windowed slice' }) thumbnailPng!: string;
  @ApiProperty({ nullable: true, type: String, description: 'heat map, for the most decisive slices only' }) heatmap!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'the class the heat map is for (null without one): the study\'s finding, which may differ from this slice\'s own label' }) heatmapLabel!: string | null;
  @ApiProperty({
    nullable: true,
    enum: ['region', 'none', null],
    description: 'whether a region stands out in the heat map (null without one), as an image answer\'s explanation.focus: \'none\' when the class activation map is flat or empty — the heat map is then the slice without an overlay',
  })
  heatmapFocus!: 'region' | 'none' | null;
  @ApiProperty({ description: 'the slice counted towards the study answer' }) usedForStudy!: boolean;
}

/** Inline, not a `$ref`: a nullable `$ref` refuses null in OpenAPI 3.0 (analysis-result.dto.ts). */
const STUDY_EXPLANATION_SCHEMA: ApiPropertyOptions = {
  type: 'object',
  nullable: true,
  required: ['heatmap', 'focus', 'sliceIndex', 'slices'],
  properties: {
    heatmap: { type: 'string', description: 'heat map of the most decisive slice (JPEG data URL)' },
    focus: { type: 'string', enum: ['region', 'none'], description: 'that slice\'s focus (see slices[].focus)' },
    sliceIndex: { type: 'number' },
    slices: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'heatmap', 'label', 'focus'],
        properties: {
          index: { type: 'number' },
          heatmap: { type: 'string', description: 'JPEG data URL; with focus \'none\' the slice without an overlay' },
          label: { type: 'string', description: 'the class the heat map explains: the study\'s most likely finding (a finding one slice shows unconfirmed: that slice\'s own)' },
          focus: {
            type: 'string',
            enum: ['region', 'none'],
            description: 'as an image answer\'s explanation.focus: \'none\' when no region stands out (the class activation map is flat or has nothing above 0), and no overlay is drawn',
          },
        },
      },
    },
  },
};

export class StudyMetaDto {
  @ApiProperty({ enum: ['dicom', 'nifti'] }) format!: string;
  @ApiProperty({ nullable: true, type: String, example: 'MR', description: 'DICOM Modality; the only tag value kept besides the description' }) modality!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'scrubbed (no identifiers, no long digit runs), ≤ 64 characters' }) seriesDescription!: string | null;
  @ApiProperty() sliceCount!: number;
  @ApiProperty() width!: number;
  @ApiProperty() height!: number;
  @ApiProperty({ type: 'object', properties: { column: { type: 'number', nullable: true }, row: { type: 'number', nullable: true }, slice: { type: 'number', nullable: true } } })
  spacing!: { column: number | null; row: number | null; slice: number | null };
  @ApiProperty({
    nullable: true,
    type: 'object',
    properties: { width: { type: 'number' }, height: { type: 'number' }, pixels: { type: 'string', enum: ['square', 'resampled', 'assumed_square'] } },
    description:
      'the size the slices were analysed, shown and thumbnailed at, with square physical pixels: "resampled" from an anisotropic in-plane spacing, ' +
      '"assumed_square" when the spacing is missing or unusable (shown as stored); null when no pixel was read',
  })
  display!: { width: number; height: number; pixels: 'square' | 'resampled' | 'assumed_square' } | null;
  @ApiProperty({ enum: ['position', 'instance_number', 'upload_order', 'nifti_axis'] }) ordering!: string;
  @ApiProperty({ nullable: true, enum: ['axial', 'coronal', 'sagittal', null], description: 'the plane the slices and their heat maps are shown in, in radiological convention (axial, coronal: the patient\'s right on the image\'s left; sagittal: anterior on the left); null: orientation unknown, shown as stored (left and right cannot be told), or no pixel read' }) plane!: string | null;
  @ApiProperty({ enum: ['header', 'percentile', 'none'] }) windowing!: string;
  @ApiPropertyOptional({
    nullable: true,
    type: 'object',
    properties: {
      saturated: { type: 'number' },
      greyLevels: { type: 'number' },
      foreground: { type: 'number' },
      percentile: { type: 'object', properties: { saturated: { type: 'number' }, greyLevels: { type: 'number' } } },
    },
    description:
      'the DICOM header window was present but not used (windowing is then "percentile"): on an even sample of the foreground (values above 10 % of the ' +
      'robust range) it drew more than 60 % of it at black or white (`saturated`, a share) or left fewer than 64 `greyLevels` (window-check.ts MAX_SATURATED, MIN_GREY_LEVELS); `foreground`: sampled values judged; `percentile`: the same figures for the window used instead. ' +
      'The answer\'s message says so too. null when the header window was used or there was none',
    example: { saturated: 1, greyLevels: 2, foreground: 40312, percentile: { saturated: 0.01, greyLevels: 251 } },
  })
  headerWindowIgnored?: { saturated: number; greyLevels: number; foreground: number; percentile: { saturated: number; greyLevels: number } } | null;
  @ApiProperty({ nullable: true, type: String }) transferSyntax!: string | null;
  @ApiProperty({ nullable: true, type: Number }) volumes!: number | null;
  @ApiProperty() files!: number;
  @ApiProperty({
    type: 'object',
    properties: { count: { type: 'number' }, names: { type: 'array', items: { type: 'string' } } },
    description:
      'files of the upload that were not read: side files of a ZIP (DICOMDIR, README, a viewer, thumbnails…; folders and __MACOSX/hidden files not counted) ' +
      'and a DICOMDIR uploaded on its own. `names`: up to 5, ZIP entries by their sanitised base name (no folder, long digit runs and the series header patient name/ID tokens cut, ≤ 40 characters), other files by position',
    example: { count: 4, names: ['DICOMDIR', 'README.TXT', 'VIEWER.EXE', 'thumb.jpg'] },
  })
  skipped!: { count: number; names: string[] };
  @ApiProperty({
    type: 'array',
    items: { type: 'object', properties: { afterSlice: { type: 'number' }, distanceMm: { type: 'number' }, missingSlices: { type: 'number' } } },
    description:
      'slices missing from a DICOM series, from its positions: each step over 1.5 × the median step, after which slice (1-based), how far apart, ' +
      'about how many slices fit in it; the answer\'s message says so too. Empty for NIfTI, without positions, or when none is missing',
    example: [{ afterSlice: 11, distanceMm: 15, missingSlices: 2 }],
  })
  gaps!: { afterSlice: number; distanceMm: number; missingSlices: number }[];
  @ApiProperty({
    type: 'array',
    items: { type: 'object', properties: { afterSlice: { type: 'number' }, distanceMm: { type: 'number' } } },
    description:
      'steps between consecutive slices of a DICOM series that are no gap yet over 20 % off the median step, after which slice (1-based) and how far apart; ' +
      'the answer\'s message says so too. Empty for NIfTI, without positions, or when the spacing is even',
    example: [{ afterSlice: 7, distanceMm: 2.5 }],
  })
  unevenSteps!: { afterSlice: number; distanceMm: number }[];
  @ApiProperty({
    type: 'integer',
    description: 'files left out as copies of other slices (the same SOP Instance UID, or the same image under another UID): each image is analysed once, and the message says how many. 0 for NIfTI',
    example: 2,
  })
  copiesDropped!: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, description: 'rule (in words), settings ({agreement, minUsableSlices}: STUDY_AGREEMENT and STUDY_MIN_USABLE_SLICES as this study was decided under, the same as the stored record\'s study.rule), votes, usable/required slices, agreement, decisive slices, pairWithin (how far apart in series order the two slices confirming a finding could be, counting the slices missing between them; null: slice order unknown, any two); null when no slice was analysed' })
  aggregation!: Record<string, unknown> | null;
}

export class StudyResultDto extends OmitType(AnalysisResultDto, ['code', 'explanation', 'preview'] as const) {
  @ApiProperty({
    enum: ['NOT_MRI', 'UNSUPPORTED_BODY_PART', 'LOW_CONFIDENCE', 'NO_VALIDATED_MODEL', 'INSUFFICIENT_SLICES', 'SLICE_DISAGREEMENT', null],
    nullable: true,
  })
  code!: string | null;
  @ApiPropertyOptional({ ...STUDY_EXPLANATION_SCHEMA, description: 'null when no slice was answered' }) explanation!: { heatmap: string; focus: 'region' | 'none'; sliceIndex: number; slices: { index: number; heatmap: string; label: string; focus: 'region' | 'none' }[] } | null;
  @ApiProperty({ type: StudyMetaDto }) study!: StudyMetaDto;
  @ApiProperty({ type: [SliceResultDto] }) slices!: SliceResultDto[];
  // `thresholds`: AnalysisResultDto's, the same map for an image and a study
}
