import { closedFields, ZodDto } from '../common/zod-dto';

/** Multipart field holding the study's files (one or more). */
export const FILES_FIELD = 'files';

/**
 * POST /api/v1/studies takes files only: any text field, in the multipart body or the query
 * string, is a 400 (closedFields) — `threshold=0.9` or `explain=false` was silently dropped.
 */
export class StudyFieldsDto extends ZodDto(closedFields({}, FILES_FIELD, 'the files `files`')) {}
