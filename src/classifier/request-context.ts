import type { Request } from 'express';
import type { AnalysisContext } from './analysis-result';

/**
 * The authenticated user, when an auth guard has put one on the request (issue 4 sets
 * `req.user = { id, … }`). Until then analyses are anonymous (userId null).
 */
export function requestContext(req: Request): AnalysisContext {
  const user = (req as Request & { user?: { id?: unknown } }).user;
  return { userId: typeof user?.id === 'string' ? user.id : null };
}
