import type { Request } from 'express';
import { accessVerdict } from '../accounts/access.guard';
import { authState } from '../accounts/request-user';
import type { SessionsService } from '../accounts/sessions.service';

/**
 * The CSV export's viewer was let in by AccessGuard once, at the start; a large export streams for
 * seconds (≈ 5 s at 200,000 rows), and an admin demoted, disabled or deleted meanwhile, or whose
 * session or token was revoked, kept receiving everyone's rows to the end. HistoryService.exportCsv
 * asks this between batches and ends the stream when it says no.
 */
export type ExportAccessCheck = () => Promise<boolean>;

/** Thrown by the export between batches when the viewer may no longer read it: the stream is cut as on a database error. */
export class ExportAccessEndedError extends Error {
  constructor() {
    super('The viewer may no longer export the history.');
    this.name = 'ExportAccessEndedError';
  }
}

/**
 * The request's own credential resolved again, as the auth middleware resolved it (one indexed
 * read of the session with its user: a deleted account's sessions went with it, a disabled one's
 * resolve to nobody, an expired or revoked one is not found) and judged as AccessGuard judges an
 * admin-only route — so the cut cannot disagree with what a new request would be answered.
 */
export function exportAccessCheck(sessions: Pick<SessionsService, 'resolve'>, req: Request): ExportAccessCheck {
  const { authMethod, authToken } = authState(req);
  return async () => {
    if (!authMethod || !authToken) return false;
    const user = await sessions.resolve(authToken, authMethod === 'bearer' ? 'api' : 'web');
    return accessVerdict(false, ['admin'], user ?? undefined) === 'ok';
  };
}
