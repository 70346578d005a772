-- AlterTable: the window a study's slices were drawn with, and the header window's figures when it was set aside (src/studies/window-record.ts); rows older than the column, images and studies refused before any pixel was read: NULL, not recorded (never "header")
ALTER TABLE "Analysis" ADD COLUMN "windowingJson" TEXT;
