-- AlterTable: the confidence threshold each model decided at, per record (model name → threshold); rows older than the column: NULL, "not recorded"
ALTER TABLE "Analysis" ADD COLUMN "thresholdsJson" TEXT;
