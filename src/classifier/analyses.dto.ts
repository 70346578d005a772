import { z } from 'zod';
import { booleanFlag, closedFields, ZodDto } from '../common/zod-dto';

/** An empty value means "not given" (a form's empty field), so the default applies. */
export const optionalFlag = z.preprocess((v) => (v === '' ? undefined : v), booleanFlag.optional());

/** Text fields of POST /api/v1/analyses, in the multipart body or the query string; any other is a 400 (closedFields). */
export class AnalyzeFieldsDto extends ZodDto(
  closedFields({ explain: optionalFlag.describe('false skips the heat map (default true)') }, 'image', 'the file `image` and `explain`'),
) {}
