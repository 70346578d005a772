-- AlterTable: the volumes a NIfTI study's file held, only the first analysed (src/studies/nifti.ts volumeNote); rows older than the column and other studies: NULL, nothing said
ALTER TABLE "Analysis" ADD COLUMN "niftiVolumes" INTEGER;
