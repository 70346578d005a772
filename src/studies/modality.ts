/** DICOM Modality defined terms (PS3.3 C.7.3.1.1.1), current and retired. */
const MODALITIES = new Set(
  ('AR ASMT AU BDUS BI BMD CD CF CP CR CS CT DD DF DG DM DOC DS DX EC ECG EPS ES FA FID FS GM HC HD IO IOL IVOCT IVUS KER KO LEN LP LS ' +
    'MA MG MR MS NM OAM OCT OP OPM OPR OPT OPTBSV OPTENF OPV OSS OT PLAN POS PR PT PX REG RESP RF RG RTDOSE RTIMAGE RTINTENT RTPLAN ' +
    'RTRAD RTRECORD RTSEGANN RTSTRUCT RWV SEG SM SMR SR SRF ST STAIN TEXTUREMAP TG US VA VF XA XC').split(' '),
);

/**
 * The Modality value as a known defined term, or OTHER: the tag is free text in a hostile file,
 * and only a defined term may be echoed back (a name typed into the tag never is).
 */
export function normaliseModality(raw: string | null): string | null {
  if (raw === null) return null;
  const v = raw.trim().toUpperCase();
  return MODALITIES.has(v) ? v : 'OTHER';
}
