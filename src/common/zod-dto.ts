import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { BadRequestError } from './errors';

/**
 * The typed request boundary: a DTO class made from a zod object schema. The one global
 * ZodValidationPipe parses every @Body()/@Query() whose declared type is such a class, so a
 * handler (and the service behind it) only ever sees the parsed type; the same schema feeds the
 * OpenAPI document through Swagger's metadata hook. (nestjs-zod does the same but declares
 * Nest ≤ 11 as its peer; this is the part of it the app needs, on zod 4's own JSON Schema.)
 */
export interface ZodDtoClass<S extends z.ZodType = z.ZodType> {
  new (): z.output<S>;
  readonly zodSchema: S;
}

type JsonSchema = { properties?: Record<string, Record<string, unknown>>; required?: string[] };

export function ZodDto<S extends z.ZodObject>(schema: S): ZodDtoClass<S> {
  class Dto {
    static readonly zodSchema = schema;
    /** read by @nestjs/swagger for every DTO class: one entry per property */
    static _OPENAPI_METADATA_FACTORY(): Record<string, Record<string, unknown>> {
      const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
      const out: Record<string, Record<string, unknown>> = {};
      for (const [name, prop] of Object.entries(json.properties ?? {})) {
        const { anyOf, ...rest } = prop as { anyOf?: Record<string, unknown>[] } & Record<string, unknown>;
        out[name] = { ...(anyOf?.[0] ?? {}), ...rest, required: (json.required ?? []).includes(name) };
      }
      return out;
    }
  }
  return Dto as unknown as ZodDtoClass<S>;
}

function isZodDto(t: unknown): t is ZodDtoClass {
  return typeof t === 'function' && (t as Partial<ZodDtoClass>).zodSchema instanceof z.ZodType;
}

/** "explain: expected a single value (true/false)" — field paths and zod's own words, never the value. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ');
}

@Injectable()
export class ZodValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (!isZodDto(metadata.metatype)) return value;
    const parsed = metadata.metatype.zodSchema.safeParse(value ?? {});
    if (!parsed.success) {
      const where = metadata.type === 'query' ? 'query string' : 'request body';
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
export const booleanFlag = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => TRUE.includes(v) || FALSE.includes(v), { message: 'expected true or false' })
    .transform((v) => TRUE.includes(v)),
]);

/** One text value (a repeated or nested field is a 400), at most `max` characters. */
export const text = (max: number) => z.string({ error: 'expected a single text value' }).max(max);
