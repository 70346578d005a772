import { Controller, Get, Inject, Logger, Optional, Param, Query, Req, Res } from '@nestjs/common';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAdminOnly, ApiAuthenticated, ApiBodyTooLarge, ApiError } from '../common/api-responses';
import { HistoryPageDto, HistoryRecordDto, HistorySummaryDto } from './history.responses';
import type { Request, Response } from 'express';
import { Roles } from '../accounts/decorators';
import { ForbiddenError } from '../accounts/errors';
import { CurrentUser } from '../accounts/request-user';
import { actor, AuditLog } from '../audit/audit-log.service';
import { requestIdOf } from '../common/request-id';
import { wantsHtml } from '../common/app-exception.filter';
import type { AuthUser } from '../accounts/roles';
import { HistoryFiltersQueryDto, HistoryQuery, HistoryQueryDto } from './history.dto';
import { emptyHistoryView, historyRow, summaryView, timingsView } from '../presentation/history.view';
import { historyDetailLocals } from './history-detail.page';
import { loadedLabels, type LoadedLabels } from '../presentation/label-names';
import { filtersQuery, HistoryFilters, Paging, STATUSES } from './history.filters';
import { ApiFilters, ApiPaging, FILTER_QUERIES, UNKNOWN_VALUE_400, USER_FILTER_403 } from './history.api-docs';
import { Listing, parseFiltersOnly, parseListing } from './history-cursor';
import { FilterVocabulary } from './filter-vocabulary';
import { BadRequestError, CursorFiltersMismatchError, InvalidCursorError, UnknownFilterValueError } from '../common/errors';
import { HistoryItem, HistoryPage, HistoryService, HistorySummary } from './history.service';
import { IdParamDto } from '../common/zod-dto';
import { DISCLAIMER, DISCLAIMER_ASCII } from '../common/disclaimer';
import { MODEL_PROVIDER, ModelProvider } from '../inference/model-provider';
import { answeredByExperimentalModel, recordedCaveat } from '../presentation/experimental';
import { capitalise, labelKey, statusName } from '../presentation/labels';
import { FilterFormView, filterFormView } from '../presentation/history-filters.view';
import { SessionsService } from '../accounts/sessions.service';
import { exportAccessCheck, ExportAccessEndedError } from './export-access';

/** Every API result carries the disclaimer, history included (it holds answers too). */
interface Disclaimed {
  disclaimer: string;
}


/**
 * History: users see their own analyses, admins everyone's (with a user filter), plus a summary
 * and, for admins, a CSV export. Records are metadata only.
 */
@ApiTags('history')
@ApiBodyTooLarge()
@Controller()
export class HistoryController {
  private readonly logger = new Logger('History');

  constructor(
    private readonly history: HistoryService,
    private readonly vocabulary: FilterVocabulary,
    private readonly audit: AuditLog,
    private readonly sessions: SessionsService,
    @Optional() @Inject(MODEL_PROVIDER) private readonly models?: ModelProvider,
  ) {}

  /**
   * The list's filters and paging, each filter value one some record can hold (FilterVocabulary). A
   * cursor's own filters were checked when it was made: walking on is not refused because the rows
   * of an old label went meanwhile (its pages are then empty, which is true).
   */
  private async listing(req: Request, q: HistoryQuery, user: AuthUser): Promise<Listing> {
    const listing = this.filtersOf(req, user, () => parseListing(q, user));
    if (!listing.paging.cursor) await this.vocabulary.check(listing.filters);
    return listing;
  }

  /** The summary's and the export's filters, checked as the list's. */
  private async filtersOnly(req: Request, q: HistoryQuery, user: AuthUser): Promise<HistoryFilters> {
    const filters = this.filtersOf(req, user, () => parseFiltersOnly(q, user));
    await this.vocabulary.check(filters);
    return filters;
  }

  /**
   * `parse()` of the request's filters; a non-admin's filter by another user (the one ForbiddenError
   * it throws) is written to the audit log as the other 403 refusals are: it was answered unlogged,
   * so a user probing for others' records left no trace.
   */
  private filtersOf<T>(req: Request, user: AuthUser, parse: () => T): T {
    try {
      return parse();
    } catch (err) {
      if (err instanceof ForbiddenError) this.audit.record(req, 'access.denied', { reason: 'user_filter', ...actor(user) });
      throw err;
    }
  }

  /** The form's Body part and Label boxes: what the check accepts (FilterVocabulary.values), `chosen` selected. */
  private async filterForm(chosen: Pick<HistoryFilters, 'bodyPart' | 'label'>, keep: boolean): Promise<FilterFormView> {
    return filterFormView(await this.vocabulary.values(), chosen, keep);
  }

  /** The loaded cards (none while models are not loaded): the experimental flag of a stored answer. */
  private loadedCards() {
    return this.models?.isReady() ? this.models.cards() : [];
  }

  /** The loaded models' labels (null while they load): a label none gives is named "(earlier model)", as the form names it. */
  private labels(): LoadedLabels {
    return loadedLabels(this.models?.isReady() ? this.models.cards() : null);
  }

  @Get('history')
  @ApiExcludeEndpoint()
  async page(@CurrentUser() user: AuthUser, @Query() q: HistoryQueryDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    let filters: HistoryFilters;
    let paging: Paging;
    try {
      ({ filters, paging } = await this.listing(req, q, user));
    } catch (err) {
      const filterRefusal =
        err instanceof BadRequestError || err instanceof UnknownFilterValueError || err instanceof InvalidCursorError || err instanceof CursorFiltersMismatchError || err instanceof ForbiddenError;
      // a client asking for JSON gets the one filter's JSON answer, as for a field the query schema refuses (?a=1):
      // ?page=0 with Accept: application/json was this HTML page
      if (!filterRefusal || !wantsHtml(req)) throw err;
      // the filters again, as typed, with why they cannot be used (400, or 403 for a user's "user"):
      // a bare error page ("\"from\" is after \"to\".", a link to the analyser) lost the form and what was typed
      res.status(err.statusCode).render('history', {
        title: 'History',
        filterError: err.message,
        // what the error page shows: the code, and the request id a user quotes to the admin (request-id.ts)
        filterErrorCode: err.code,
        requestId: requestIdOf(req),
        filters: Object.fromEntries(FILTER_QUERIES.filter((k) => k !== 'user' || user.role === 'admin').map((k) => [k, q[k] ?? ''])),
        statuses: STATUSES.map((value) => ({ value, name: capitalise(statusName(value)) })),
        // what was typed, as the key it means, stays chosen where it is offered; a refused value is not (the message names it)
        ...(await this.filterForm({ bodyPart: q.bodyPart && labelKey(q.bodyPart), label: q.label && labelKey(q.label) }, false)),
        admin: user.role === 'admin',
      });
      return;
    }
    const [page, summary, form] = await Promise.all([this.history.list(user, filters, paging), this.history.summary(user, filters), this.filterForm(filters, true)]);
    const labels = this.labels();
    res.render('history', {
      title: 'History',
      filters,
      statuses: STATUSES.map((value) => ({ value, name: capitalise(statusName(value)) })),
      ...form,
      admin: user.role === 'admin',
      page,
      // an answer's caveat beside it in the list too (the list said "No tumour" without "does not rule out a tumour")
      rows: page.items.map((item) => ({ ...historyRow(item, labels), caveat: recordedCaveat(item, this.loadedCards()) })),
      summary: summaryView(summary, labels),
      // one list per kind, never pooled: a study's stages cover all its slices (HistoryService.kindMedians)
      timingsByKind: timingsView(summary),
      csvHref: `/history/export.csv${filtersQuery(filters)}`,
      // keyset links (history-cursor.ts): a user clicking through while analyses are recorded sees
      // no row twice and misses none, as page=N+1 did (each new record pushed a row onto the next page);
      // the filters stay in the link, readable, beside the cursor that carries them too
      prevHref: page.prevCursor ? `/history${filtersQuery(filters, { cursor: page.prevCursor })}` : null,
      nextHref: page.nextCursor ? `/history${filtersQuery(filters, { cursor: page.nextCursor })}` : null,
      empty: emptyHistoryView(
        { admin: user.role === 'admin', filtered: filtersQuery(filters) !== '', page: page.page, pages: page.pages, total: page.total },
        `/history${filtersQuery(filters, { page: Math.max(1, page.pages), pageSize: page.pageSize })}`,
      ),
    });
  }

  @Get('history/export.csv')
  @Roles('admin')
  @ApiExcludeEndpoint()
  async csvPage(@CurrentUser() user: AuthUser, @Query() q: HistoryQueryDto, @Res() res: Response): Promise<void> {
    await this.sendCsv(user, q, res);
  }

  @Get('history/:id')
  @ApiExcludeEndpoint()
  async detail(@CurrentUser() user: AuthUser, @Param() { id }: IdParamDto, @Res() res: Response): Promise<void> {
    const item = await this.history.get(user, id);
    res.render('history-detail', historyDetailLocals(item, user, this.loadedCards(), this.labels()));
  }

  @Get('api/v1/history')
  @ApiOperation({
    summary: 'Your analyses (admins: everyone’s), newest first (ties by id), paginated',
    description:
      'Walk with `nextCursor`: `?cursor=<nextCursor>` answers the rows strictly after the last one of the page that gave it, with that ' +
      'request\'s filters (the cursor carries them; filters sent beside it must be the same) — analyses recorded meanwhile neither ' +
      'repeat nor hide a row. `page` (offset) still works: there, a record added mid-walk shifts every row one place.',
  })
  @ApiFilters()
  @ApiPaging()
  @ApiOkResponse({ type: HistoryPageDto })
  @ApiError(
    400,
    'BAD_REQUEST: a filter or page that is not valid (a date that does not exist, `from` after `to`, pageSize=1000…), a parameter it does not know, ' +
      'or `page` with `cursor`; ' + UNKNOWN_VALUE_400 + '; INVALID_CURSOR: a cursor cut short, changed or not given by this server; CURSOR_FILTERS_MISMATCH: a cursor beside other filters than its own',
  )
  @ApiError(403, USER_FILTER_403)
  @ApiAuthenticated()
  async list(@CurrentUser() user: AuthUser, @Query() q: HistoryQueryDto, @Req() req: Request): Promise<HistoryPage & Disclaimed> {
    const { filters, paging } = await this.listing(req, q, user);
    return { ...(await this.history.list(user, filters, paging)), disclaimer: DISCLAIMER };
  }

  @Get('api/v1/history/summary')
  @ApiOperation({ summary: 'Counts per status / body part / label, rejection reasons, median timings' })
  @ApiFilters()
  @ApiOkResponse({ type: HistorySummaryDto })
  @ApiError(400, 'BAD_REQUEST: a filter that is not valid (a date that does not exist, `from` after `to`…), a parameter it does not know, or `page`, `pageSize` or `cursor` (they page the list only); ' + UNKNOWN_VALUE_400)
  @ApiError(403, USER_FILTER_403)
  @ApiAuthenticated()
  async summary(@CurrentUser() user: AuthUser, @Query() q: HistoryFiltersQueryDto, @Req() req: Request): Promise<HistorySummary & Disclaimed> {
    return { ...(await this.history.summary(user, await this.filtersOnly(req, q, user))), disclaimer: DISCLAIMER };
  }

  @Get('api/v1/history/export.csv')
  @Roles('admin')
  @ApiOperation({
    summary: 'CSV of the filtered history (admins)',
    description:
      'Every row ends with a `disclaimer` cell (research use only, not for clinical use); the `X-Disclaimer` response header says the same. ' +
      'The caller\'s access is checked again before each batch of 500 rows: if it ends meanwhile (demoted, disabled, deleted, session or token revoked) the transfer is cut off unfinished (the connection closes before the last chunk), never ended as a shorter complete file.',
  })
  @ApiFilters()
  // its media type here, not by @ApiProduces, which would declare the JSON errors as text/csv too
  @ApiOkResponse({
    description: 'The CSV file (RFC 4180, ASCII), streamed',
    content: { 'text/csv': { schema: { type: 'string' } } },
    headers: {
      'Content-Disposition': { description: 'attachment; filename="mri-sentinel-history-YYYY-MM-DD.csv"', schema: { type: 'string' } },
      'X-Disclaimer': { description: 'research use only, not for clinical use (as each row\'s `disclaimer` cell)', schema: { type: 'string' } },
    },
  })
  @ApiError(400, 'BAD_REQUEST: a filter that is not valid (a date that does not exist, `from` after `to`…), a parameter it does not know, or `page`, `pageSize` or `cursor` (they page the list only); ' + UNKNOWN_VALUE_400)
  @ApiAdminOnly()
  @ApiAuthenticated()
  async csv(@CurrentUser() user: AuthUser, @Query() q: HistoryFiltersQueryDto, @Res() res: Response): Promise<void> {
    await this.sendCsv(user, q, res);
  }

  @Get('api/v1/history/:id')
  @ApiOperation({
    summary: 'One analysis record (404 unless it is yours, or you are an admin)',
    description: 'With the disclaimer, and — for the loaded model card of the recorded version — the experimental flag and the caveat beside the answer, as on the page.',
  })
  @ApiOkResponse({ type: HistoryRecordDto })
  @ApiError(404, 'NOT_FOUND: no such analysis in your history (an id that is not a UUID names none either)')
  @ApiAuthenticated()
  async get(@CurrentUser() user: AuthUser, @Param() { id }: IdParamDto): Promise<HistoryItem & Disclaimed & { experimental: boolean; caveat: string | null }> {
    const item = await this.history.get(user, id);
    const cards = this.loadedCards();
    return { ...item, experimental: answeredByExperimentalModel(item, cards), caveat: recordedCaveat(item, cards), disclaimer: DISCLAIMER };
  }

  private async sendCsv(user: AuthUser, q: HistoryQuery, res: Response): Promise<void> {
    const chunks = this.history.exportCsv(user, await this.filtersOnly(res.req, q, user), exportAccessCheck(this.sessions, res.req));
    // the header and first batch before any byte is sent: a failure here is still an error response
    const first = await chunks.next();
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="mri-sentinel-history-${new Date().toISOString().slice(0, 10)}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    // every row has a disclaimer cell (HistoryService.exportCsv); the header says it too, for a
    // client that looks at the response rather than the file, and for an export with no row
    res.setHeader('X-Disclaimer', DISCLAIMER_ASCII);
    // HEAD: GET's status and headers (a database failing at the first read is still its 503), without reading the rest for no body
    if (res.req.method === 'HEAD') {
      await chunks.return(undefined);
      return void res.end();
    }
    async function* all(): AsyncGenerator<string> {
      if (!first.done) yield first.value;
      yield* chunks;
    }
    try {
      // backpressure: the next batch is read from the database only once the client took the last
      await pipeline(Readable.from(all()), res);
    } catch (err) {
      // access ended mid-stream (demoted, disabled, deleted, logged out): a refusal like the guard's, logged as one
      if (err instanceof ExportAccessEndedError) this.audit.record(res.req, 'access.denied', { reason: 'access_ended', ...actor(user) });
      // the status line is gone: the file is cut short (pipeline destroyed the response), so the
      // client sees an incomplete transfer, never a CSV that looks whole; a client that left is no fault
      if (!res.writableFinished && !(err instanceof Error && 'code' in err && err.code === 'ERR_STREAM_PREMATURE_CLOSE')) {
        this.logger.warn(`CSV export stopped after its first rows: ${err instanceof Error ? err.name : 'error'}`);
      }
    }
  }
}
