import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { BadRequestError, NotFoundError } from './errors';

/**
 * The typed request boundary: a DTO class made from a zod object schema. The one global
 * ZodValidationPipe parses every @Body()/@Query()/@Param() whose declared type is such a class, so a
 * handler (and the service behind it) only ever sees the parsed type; the same schema feeds the
 * OpenAPI document through Swagger's metadata hook. (nestjs-zod does the same but declares
 * Nest ≤ 11 as its peer; this is the part of it the app needs, on zod 4's own JSON Schema.)
 */
export interface ZodDtoClass<S extends z.ZodType = z.ZodType> {
  new (): z.output<S>;
  readonly zodSchema: S;
}

type JsonSchema = { properties?: Record<string, Record<string, unknown>>; required?: string[] };

/**
 * `undocumented`: fields the schema parses but the document leaves out, because the route refuses
 * them by name after parsing (the history summary's and export's paging: a generated client would
 * offer a parameter that is always a 400).
 * `required`: fields the schema parses as optional, so that the service answers their absence with
 * its own message ("The body needs both …"), but that the route refuses without — the document
 * calls them required, or a generated client would leave them out and meet a 400 it was told of no
 * reason for.
 */
export function ZodDto<S extends z.ZodObject>(
  schema: S,
  undocumented: readonly (keyof z.output<S> & string)[] = [],
  required: readonly (keyof z.output<S> & string)[] = [],
): ZodDtoClass<S> {
  class Dto {
    static readonly zodSchema = schema;
    /** read by @nestjs/swagger for every DTO class: one entry per property */
    static _OPENAPI_METADATA_FACTORY(): Record<string, Record<string, unknown>> {
      const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
      const out: Record<string, Record<string, unknown>> = {};
      for (const [name, prop] of Object.entries(json.properties ?? {})) {
        if ((undocumented as readonly string[]).includes(name)) continue;
        const { anyOf, type, ...rest } = prop as { anyOf?: Record<string, unknown>[]; type?: unknown } & Record<string, unknown>;
        out[name] = { ...(anyOf?.[0] ?? {}), ...rest, ...declaredType(type), required: (json.required ?? []).includes(name) || (required as readonly string[]).includes(name) };
      }
      return out;
    }
  }
  return Dto as unknown as ZodDtoClass<S>;
}

/**
 * zod writes a union of primitives as a list of types (`explain`, a boolean or its words:
 * ["boolean","string"]), and @nestjs/swagger reads any list as an array parameter — the document
 * said `explain` was an array of booleans, which a generated client sends repeated, and a
 * repeated field is a 400. The first type is the one a client should send.
 */
function declaredType(type: unknown): { type?: unknown } {
  if (!Array.isArray(type)) return type === undefined ? {} : { type };
  const first = (type as unknown[]).find((t) => t !== 'null');
  return first === undefined ? {} : { type: first };
}

function isZodDto(t: unknown): t is ZodDtoClass {
  return typeof t === 'function' && (t as Partial<ZodDtoClass>).zodSchema instanceof z.ZodType;
}

/**
 * A field name as it may be echoed: a plain one (a typo of a real field) is named; any other is
 * the sender's own text — a link's query key such as "Your session expired, call …" with an RTL
 * override was the error page's heading, 8,000 characters were echoed whole — and is not.
 */
const PLAIN_NAME = /^[A-Za-z0-9_.[\]-]{1,40}$/;
const fieldName = (k: PropertyKey) => (typeof k === 'number' || (typeof k === 'string' && PLAIN_NAME.test(k)) ? String(k) : '(a field)');

/** "explain: expected a single value (true/false)" — plain field names and zod's own words, never a value or the sender's text. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      // zod names unknown keys in its message; say it with the names that are plain
      const message = i.code === 'unrecognized_keys' ? `unexpected field${i.keys.length === 1 ? '' : 's'} ${i.keys.slice(0, 5).map((k) => `"${fieldName(k)}"`).join(', ')}` : i.message;
      // an issue of the whole object has no field to name: the caller's "Invalid query string:" or
      // "Invalid request body:" says where (it said "body:", also of a query string's field)
      return i.path.length ? `${i.path.map(fieldName).join('.')}: ${message}` : message;
    })
    .join('; ');
}

/**
 * `curl -d '{"role":"user"}'` without a Content-Type sends the JSON as a form: one key, the whole
 * text. It was told `unexpected field "(a field)"`, which names nothing the sender can find.
 */
const JSON_AS_FORM = "The body looks like JSON sent as a form: send it with Content-Type: application/json (curl: -H 'Content-Type: application/json').";
function looksLikeJsonSentAsForm(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && /^\s*[{[]/.test(keys[0] ?? '');
}

@Injectable()
export class ZodValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (!isZodDto(metadata.metatype)) return value;
    const where = metadata.type === 'query' ? 'query string' : 'request body';
    // The query parser and multer keep a field named `__proto__` as an own key, but zod copies the
    // keys it does not know onto a plain object, where that name sets the prototype instead: the
    // closed field list (closedFields) never saw it, and `?__proto__=x` was a 200 where any other
    // unknown field is a 400
    if (metadata.type !== 'param' && typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
      throw new BadRequestError(`Invalid ${where}: unexpected field "__proto__".`);
    }
    const parsed = metadata.metatype.zodSchema.safeParse(value ?? {});
    if (!parsed.success) {
      // a path that does not parse names nothing that could exist (a non-UUID id): 404, never
      // a query the database would refuse (PostgreSQL's uuid type) or a 500
      if (metadata.type === 'param') throw new NotFoundError(`No such resource (${describeIssues(parsed.error)}).`);
      if (metadata.type === 'body' && looksLikeJsonSentAsForm(value)) throw new BadRequestError(JSON_AS_FORM);
      throw new BadRequestError(`Invalid ${where}: ${describeIssues(parsed.error)}.`);
    }
    return parsed.data;
  }
}

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

/**
 * A yes/no field from a form, a query string or JSON: a boolean, or exactly one of the words
 * above (any case). Anything else — "nope", a repeated field (an array), a nested object — is a
 * 400, never a silent default.
 */
export const booleanFlag = z.union(
  [
    z.boolean(),
    z
      .string()
      .trim()
      .toLowerCase()
      .refine((v) => TRUE.includes(v) || FALSE.includes(v))
      .transform((v) => TRUE.includes(v)),
  ],
  // the union's own issue is the one reported (a repeated field, "maybe"): zod's was "Invalid input"
  { error: 'expected one value, true or false (also 1/0, yes/no, on/off)' },
);

/** One text value (a repeated or nested field is a 400), at most `max` characters. */
// the schema's error covers its checks too unless they name their own: without the max's, a value
// merely too long was "expected a single text value" (test/unit/query-text-length.spec.ts)
export const text = (max: number) => z.string({ error: 'expected a single text value' }).max(max, { error: `too long (at most ${max} characters)` });

/**
 * The text fields of a multipart endpoint, and none other: an unknown field (in the body or the
 * query string) is a 400, not dropped — a client sending `threshold=0.9` would otherwise get a 200
 * decided at the server's threshold and take it for an answer at its own. `fileField` is the
 * file's own field: sent as text it is left to the controller's MISSING_FILE, which says what to
 * do instead. The unknown field's name is not echoed, as for multer's refusals.
 */
export function closedFields<S extends z.ZodRawShape>(shape: S, fileField: string, takes: string) {
  const known = new Set([...Object.keys(shape), fileField]);
  return z.looseObject(shape).superRefine((fields, ctx) => {
    if (Object.keys(fields).some((k) => !known.has(k))) {
      ctx.addIssue({
        code: 'custom',
        message: `unexpected field; this endpoint takes only ${takes} (the confidence threshold is the server's CONFIDENCE_THRESHOLD, not a request field)`,
      });
    }
  });
}

/** A row id in a URL: the form Prisma's uuid() default writes (any version), nothing else. */
export const uuidParam = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'expected a UUID' });

/** `:id` of a history record, a report or a user. */
export class IdParamDto extends ZodDto(z.object({ id: uuidParam })) {}

/** `:file` of a sample image: a plain file name (no separator, no dot first); SAMPLES.csv decides the rest. */
export class SampleFileParamDto extends ZodDto(z.object({ file: z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/, { message: 'expected a file name' }) })) {}

/** `:name` of a model card: a model folder's name. */
export class ModelNameParamDto extends ZodDto(z.object({ name: z.string().regex(/^[a-z0-9_-]{1,64}$/, { message: 'expected a model name' }) })) {}
