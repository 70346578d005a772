-- AlterTable: study metadata (src/studies) — nullable, single-image rows leave them empty
ALTER TABLE "Analysis" ADD COLUMN "kind" TEXT,
ADD COLUMN "modality" TEXT,
ADD COLUMN "seriesDescription" TEXT,
ADD COLUMN "sliceCount" INTEGER,
ADD COLUMN "usableSlices" INTEGER,
ADD COLUMN "spacingJson" TEXT;
