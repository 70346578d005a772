-- AlterTable: which check refused an analysis and the figures its message was written from (src/validation/refusal-cause.ts), so the history, the CSV and the PDF give the answer's cause; rows older than the columns: NULL, not recorded (their reason is rebuilt from the other columns as before)
ALTER TABLE "Analysis" ADD COLUMN "refusalCause" TEXT;
ALTER TABLE "Analysis" ADD COLUMN "refusalFiguresJson" TEXT;
