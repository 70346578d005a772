-- DropIndex: superseded by the same columns + "id", the list's tie-break (newest first, ties by id)
DROP INDEX "Analysis_userId_createdAt_idx";

-- DropIndex
DROP INDEX "Analysis_createdAt_idx";

-- CreateIndex: the whole ORDER BY in the index, so a page, a deep OFFSET and the export's keyset step need no sort
CREATE INDEX "Analysis_userId_createdAt_id_idx" ON "Analysis"("userId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Analysis_createdAt_id_idx" ON "Analysis"("createdAt", "id");

-- CreateIndex: a report's record (the user's newest of the upload's sha256) found in order
CREATE INDEX "Analysis_userId_sha256_createdAt_id_idx" ON "Analysis"("userId", "sha256", "createdAt", "id");

-- CreateIndex: the summary's counts read from the index alone; "code" first, which no list filter names
CREATE INDEX "Analysis_code_status_anatomy_label_idx" ON "Analysis"("code", "status", "anatomy", "label");
