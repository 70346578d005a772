-- AlterTable: a study's steps between slice positions unlike the series' spacing (the first few) and the files left out as copies of other slices (src/studies/study-notes-record.ts), so the history and the PDF say what the live answer said; rows older than the columns, images and studies refused at their files: NULL, not known (nothing is said)
ALTER TABLE "Analysis" ADD COLUMN "unevenStepsJson" TEXT;
ALTER TABLE "Analysis" ADD COLUMN "copiesDropped" INTEGER;
