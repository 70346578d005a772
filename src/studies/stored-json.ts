import type { z } from 'zod';

/**
 * A record's JSON column read back against the schema of what was written. Anything else — a cut or
 * hand-edited value, an older shape — reads as null, "not known", never as a default that would
 * make the history say something the analysis did not.
 */
export function parseStoredJson<T>(schema: z.ZodType<T>, text: string | null): T | null {
  if (text === null) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
