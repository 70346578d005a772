import Ajv from 'ajv';
import type { Response } from 'supertest';

type Schema = Record<string, unknown>;
interface Operation {
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Schema }>; headers?: Record<string, unknown> }>;
}

/**
 * Headers whose meaning HTTP (or the browser's security model) fixes, not this API: sent on any
 * answer, left out of the document. Every other header an answer carries — this API's own
 * (X-Request-Id, Idempotent-Replayed) or one whose value is this API's say (Retry-After,
 * WWW-Authenticate, Allow, Content-Disposition, Set-Cookie) — must be declared for that status.
 */
const HTTP_HEADERS = new Set([
  // the message and its connection
  'content-type', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'vary', 'etag', 'cache-control', 'accept-ranges', 'last-modified', 'expires', 'pragma',
  // the security headers every answer carries (helmet)
  'content-security-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'origin-agent-cluster', 'referrer-policy', 'strict-transport-security',
  'x-content-type-options', 'x-dns-prefetch-control', 'x-download-options', 'x-frame-options', 'x-permitted-cross-domain-policies', 'x-xss-protection',
]);

/**
 * @nestjs/throttler's own per-limit headers (X-RateLimit-Limit-ip, Retry-After-analyses …): one set
 * per limit the route counts against, named after it, which OpenAPI cannot declare by pattern.
 * Not this API's contract (its 429 declares Retry-After; README "Rate limits" names the limits).
 */
const THROTTLER_HEADER = /^(x-ratelimit-(limit|remaining|reset)|retry-after)-[a-z-]+$/;
export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas?: Record<string, Schema> };
}

/**
 * An object schema that lists its properties admits no others here: a field the server sends and
 * the document does not declare is a gap a generated client cannot see (the document itself stays
 * open, as OpenAPI's default is). Maps (`additionalProperties` given) stay as declared.
 */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (!node || typeof node !== 'object') return node;
  const out: Schema = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === 'example' ? v : closed(v)]));
  if (out.properties && typeof out.properties === 'object' && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

/**
 * The answers a running app sends, checked against the OpenAPI document it publishes: declared
 * status, declared media type, JSON bodies valid against the declared schema (OpenAPI 3.0's
 * `nullable` included). Records which operation × status each check covered.
 */
export class Contract {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly doc: OpenApiDoc) {
    // the formats the document uses; ajv without ajv-formats would ignore them all
    this.ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s));
    this.ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    this.ajv.addFormat('binary', () => true);
    this.ajv.addSchema(closed({ components: doc.components }) as Schema, 'doc');
  }

  /** "METHOD /path/{param}" of every operation in the document. */
  operations(): string[] {
    return Object.entries(this.doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
  }

  declared(op: string): string[] {
    return Object.keys(this.operation(op)?.responses ?? {});
  }

  /** The declared answer's description ('' when `status` is not declared for `op`). */
  description(op: string, status: number): string {
    return this.operation(op)?.responses[String(status)]?.description ?? '';
  }

  /** The headers the document declares for `op`'s `status` answer. */
  headers(op: string, status: string): string[] {
    return Object.keys(this.operation(op)?.responses[status]?.headers ?? {});
  }

  /** '' when the answer is one the document declares for `op`; otherwise what is wrong with it. */
  check(op: string, res: Response): string {
    const operation = this.operation(op);
    if (!operation) return `${op} is not in the document`;
    const status = String(res.status);
    (this.seen.get(op) ?? this.seen.set(op, new Set()).get(op)!).add(status);
    const declared = operation.responses[status];
    if (!declared) return `${status} not declared (declared: ${Object.keys(operation.responses).join(', ')})`;
    const named = new Set(Object.keys(declared.headers ?? {}).map((h) => h.toLowerCase()));
    const undeclared = Object.keys(res.headers).filter((h) => !HTTP_HEADERS.has(h) && !THROTTLER_HEADER.test(h) && !named.has(h));
    if (undeclared.length) return `${status} carries header(s) the document does not declare for it: ${undeclared.sort().join(', ')}`;
    const media = String(res.headers['content-type'] ?? '').split(';')[0].trim();
    if (!declared.content) return media || res.text ? `${status} is declared without a body, and one came (${media})` : '';
    const entry = declared.content[media];
    if (!entry) return `${status} came as "${media}", declared as ${Object.keys(declared.content).join(', ')}`;
    if (media !== 'application/json') return ''; // a PDF or CSV: the media type is what a client dispatches on
    if (!entry.schema) return `${status} is declared without a schema`;
    const schema = JSON.parse(JSON.stringify(closed(entry.schema)).replace(/"#\/components/g, '"doc#/components')) as Schema;
    return this.ajv.validate(schema, res.body) ? '' : `${status}: ${this.ajv.errorsText(this.ajv.errors)}`;
  }

  /** A check of a body against one of the document's schemas by name ('' when valid): for answers no operation declares (a 405). */
  schemaCheck(name: string): (body: unknown) => string {
    const validate = this.ajv.compile({ $ref: `doc#/components/schemas/${name}` });
    return (body) => (validate(body) ? '' : this.ajv.errorsText(validate.errors));
  }

  /** Each declared operation × status that no check met and that `notProvoked` does not account for. */
  unprovoked(notProvoked: Record<string, string>): string[] {
    return this.operations().flatMap((op) => this.declared(op).filter((s) => !this.seen.get(op)?.has(s) && !notProvoked[`${op} ${s}`]).map((s) => `${op} ${s}`));
  }

  /** Covered pairs, for the log line that says what the run walked. */
  covered(): number {
    return [...this.seen.values()].reduce((n, s) => n + s.size, 0);
  }

  private operation(op: string): Operation | undefined {
    const [method, path] = op.split(' ');
    return this.doc.paths[path]?.[method.toLowerCase()];
  }
}
