-- AlterTable: existing users chose (or were told and kept) their password before this column existed: false
ALTER TABLE "User" ADD COLUMN "mustChangePassword" BOOLEAN NOT NULL DEFAULT false;
