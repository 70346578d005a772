-- AlterTable: slices missing from a study, as its record keeps them (src/studies/gap-record.ts); rows older than the column: NULL, "not recorded", never "none missing"
ALTER TABLE "Analysis" ADD COLUMN "sliceGapsJson" TEXT;

-- CreateIndex: a label filter without a user or a date reads its page and newest rows as a range of this index, in the list's order; its count and summary GROUP BY from the range alone (status, anatomy, code)
CREATE INDEX "Analysis_label_createdAt_id_status_anatomy_code_idx" ON "Analysis"("label", "createdAt", "id", "status", "anatomy", "code");
