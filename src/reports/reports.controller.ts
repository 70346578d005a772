import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated, ApiBodyTooLarge, ApiCsrfChecked, ApiError, BODY_TOO_LARGE } from '../common/api-responses';
import type { Request, Response } from 'express';
import { AnalysisRoute } from '../accounts/decorators';
import { CurrentUser } from '../accounts/request-user';
import type { AuthUser } from '../accounts/roles';
import { clientGone } from '../common/abort';
import { BadRequestError, MissingFileError } from '../common/errors';
import { ReportFieldsDto } from './reports.dto';
import { reportFileName } from '../presentation/labels';
import { ReportsService } from './reports.service';
import { IdParamDto } from '../common/zod-dto';
import { UploadFieldWords } from '../common/upload-field.interceptor';

/**
 * The PDF answer's own media type, not @ApiProduces: that one would declare the JSON error answers
 * as application/pdf too.
 */
const PDF = {
  description: 'The PDF',
  content: { 'application/pdf': { schema: { type: 'string' as const, format: 'binary' } } },
  headers: { 'Content-Disposition': { description: 'attachment, with the file name', schema: { type: 'string' as const } } },
};

function pdfHeaders(res: Response, filename: string): void {
  res.setHeader('Content-Type', 'application/pdf');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-store');
}

export function sendPdf(res: Response, pdf: Buffer, filename: string): void {
  pdfHeaders(res, filename);
  res.send(pdf);
}

@ApiTags('reports')
@ApiBodyTooLarge()
@Controller('api/v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Post()
  @HttpCode(200)
  @AnalysisRoute()
  @UseInterceptors(UploadFieldWords('image', 1, (c) => c.maxUploadBytes), FileInterceptor('image'))
  @ApiOperation({
    summary: 'PDF report of an analysis you just ran (re-send the same image)',
    description:
      'The server keeps no image. Send the image again: it must match (sha256) an analysis in your history ' +
      '(the latest one, or `analysisId`); the analysis is re-run in memory and the PDF includes image, heat map, ' +
      'result, all probabilities, deciding stage, model versions and card metrics, timings and the disclaimer. ' +
      'A study\'s record is a 422 STUDY_HAS_OWN_REPORT: its report is GET /api/v1/history/{id}/report.pdf.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['image'], properties: { image: { type: 'string', format: 'binary' }, analysisId: { type: 'string' } } } })
  @ApiOkResponse(PDF)
  @ApiError(400, 'MISSING_FILE, EMPTY_FILE, or BAD_REQUEST: a field it does not take, two different analysisIds, an image that does not match the analysis')
  @ApiError(404, 'NOT_FOUND: no analysis of this image (or with that analysisId) in your history')
  @ApiError(413, `FILE_TOO_LARGE (the image), or ${BODY_TOO_LARGE}`)
  @ApiError(415, 'UNSUPPORTED_TYPE: the re-run\'s file checks (an image recorded as refused by them)')
  @ApiError(422, 'STUDY_HAS_OWN_REPORT (a study\'s record), CORRUPT_IMAGE or RESOLUTION_OUT_OF_RANGE')
  @ApiError(503, 'ANALYSIS_UNAVAILABLE (models not loaded or busy)')
  @ApiError(504, 'ANALYSIS_TIMEOUT')
  @ApiCsrfChecked()
  @ApiAuthenticated({ rateLimits: 'the analyses-per-user limit (a report re-runs the analysis)' })
  async create(
    @CurrentUser() user: AuthUser,
    @UploadedFile() file: Express.Multer.File | undefined,
    @Body() body: ReportFieldsDto,
    @Query() query: ReportFieldsDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    if (!file) throw new MissingFileError('image');
    // either place names the analysis; two different ids are a 400 (the body's used to win unsaid)
    if (body.analysisId && query.analysisId && body.analysisId !== query.analysisId) {
      throw new BadRequestError('analysisId is given twice, with different values (request body and query string); send one.');
    }
    const baseUrl = this.reports.baseUrl({ protocol: req.protocol, host: req.get('host') });
    const { pdf, record } = await this.reports.fullReport(user, file.buffer, body.analysisId || query.analysisId || undefined, baseUrl, clientGone(req));
    sendPdf(res, pdf, reportFileName(record));
  }
}

/** Metadata-only PDF of a history record (no image: the server never had one to keep). */
@ApiTags('reports')
@ApiBodyTooLarge()
@Controller()
export class HistoryReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('history/:id/report.pdf')
  @ApiExcludeEndpoint()
  async page(@CurrentUser() user: AuthUser, @Param() { id }: IdParamDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    // HEAD (Express routes it here): GET's status and headers from the record alone, not a PDF
    // rendered to be discarded. No Content-Length: it is the rendered PDF's (RFC 9110 9.3.2 lets HEAD omit it)
    if (req.method === 'HEAD') {
      pdfHeaders(res, reportFileName(await this.reports.record(user, id), '-metadata'));
      return void res.end();
    }
    const { pdf, record } = await this.reports.metadataReport(user, id, this.reports.baseUrl({ protocol: req.protocol, host: req.get('host') }));
    sendPdf(res, pdf, reportFileName(record, '-metadata'));
  }

  @Get('api/v1/history/:id/report.pdf')
  @ApiOperation({ summary: 'Metadata-only PDF of one of your analyses (contains no image)' })
  @ApiOkResponse(PDF)
  @ApiError(404, 'NOT_FOUND: no such analysis in your history (an id that is not a UUID names none either)')
  @ApiAuthenticated()
  async api(@CurrentUser() user: AuthUser, @Param() { id }: IdParamDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.page(user, { id }, req, res);
  }
}
