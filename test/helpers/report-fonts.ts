import { loadReportFaces, ReportFaces } from '../../src/reports/report-fonts';

let faces: ReportFaces | undefined;

/** The report font, read once per test file (as the service reads it once at start-up). */
export function reportFaces(): ReportFaces {
  faces ??= loadReportFaces();
  return faces;
}
