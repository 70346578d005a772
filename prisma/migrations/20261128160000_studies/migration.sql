-- AlterTable: study metadata (src/studies) — nullable, single-image rows leave them empty
ALTER TABLE "Analysis" ADD COLUMN "kind" TEXT;
ALTER TABLE "Analysis" ADD COLUMN "modality" TEXT;
ALTER TABLE "Analysis" ADD COLUMN "seriesDescription" TEXT;
ALTER TABLE "Analysis" ADD COLUMN "sliceCount" INTEGER;
ALTER TABLE "Analysis" ADD COLUMN "usableSlices" INTEGER;
ALTER TABLE "Analysis" ADD COLUMN "spacingJson" TEXT;
