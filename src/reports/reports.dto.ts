import { z } from 'zod';
import { text, ZodDto } from '../common/zod-dto';

/** Text fields of POST /api/v1/reports (multipart, beside the image). */
export class ReportFieldsDto extends ZodDto(z.object({ analysisId: text(64).optional().describe('the history record to match (default: the latest)') })) {}
