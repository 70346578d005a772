import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiExcludeEndpoint, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
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

export function sendPdf(res: Response, pdf: Buffer, filename: string): void {
  res.setHeader('Content-Type', 'application/pdf');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.send(pdf);
}

@ApiTags('reports')
@Controller('api/v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Post()
  @HttpCode(200)
  @AnalysisRoute()
  @UseInterceptors(FileInterceptor('image'))
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
  @ApiProduces('application/pdf')
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
@Controller()
export class HistoryReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('history/:id/report.pdf')
  @ApiExcludeEndpoint()
  async page(@CurrentUser() user: AuthUser, @Param() { id }: IdParamDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { pdf, record } = await this.reports.metadataReport(user, id, this.reports.baseUrl({ protocol: req.protocol, host: req.get('host') }));
    sendPdf(res, pdf, reportFileName(record, '-metadata'));
  }

  @Get('api/v1/history/:id/report.pdf')
  @ApiOperation({ summary: 'Metadata-only PDF of one of your analyses (contains no image)' })
  @ApiProduces('application/pdf')
  async api(@CurrentUser() user: AuthUser, @Param() { id }: IdParamDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.page(user, { id }, req, res);
  }
}
