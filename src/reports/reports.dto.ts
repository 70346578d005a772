import { closedFields, text, ZodDto } from '../common/zod-dto';

/** Text fields of POST /api/v1/reports (multipart, beside the image, or the query string); any other is a 400 (closedFields). */
export class ReportFieldsDto extends ZodDto(
  closedFields({ analysisId: text(64).optional().describe('the history record to match (default: the latest)') }, 'image', 'the file `image` and `analysisId`'),
) {}
