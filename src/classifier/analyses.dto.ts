import { z } from 'zod';
import { booleanFlag, ZodDto } from '../common/zod-dto';

/** An empty value means "not given" (a form's empty field), so the default applies. */
export const optionalFlag = z.preprocess((v) => (v === '' ? undefined : v), booleanFlag.optional());

/**
 * Fields other than these are a 400, not dropped: a client sending e.g. `threshold=0.9` would
 * otherwise get a 200 decided at the server's threshold and take it for an answer at its own.
 * `image` is the file's field: sent as text (a JSON body, a data URL) it is left to the
 * controller's MISSING_FILE, which says what to do instead.
 */
const KNOWN_FIELDS = new Set(['explain', 'image']);

/** Text fields of POST /api/v1/analyses, in the multipart body or the query string. */
export class AnalyzeFieldsDto extends ZodDto(
  z.looseObject({ explain: optionalFlag.describe('false skips the heat map (default true)') }).superRefine((fields, ctx) => {
    if (Object.keys(fields).some((k) => !KNOWN_FIELDS.has(k))) {
      // the field's name is not echoed, as for multer's refusals
      ctx.addIssue({
        code: 'custom',
        message: "unexpected field; this endpoint takes only the file `image` and `explain` (the confidence threshold is the server's CONFIDENCE_THRESHOLD, not a request field)",
      });
    }
  }),
) {}
