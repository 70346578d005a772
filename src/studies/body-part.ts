/**
 * DICOM Body Part Examined (0018,0015) → what the service makes of it. Read only to refuse a
 * series its header plainly names as an unsupported part (a breast, heart or prostate series
 * that the image model, never trained on such parts, might take for a knee or a spine); never
 * stored, never used to accept anything: a supported or unknown value leaves the decision to the
 * models. Terms are the defined ones of PS3.16 CID 4031 (upper case, no spaces or dashes) plus
 * a few common scanner spellings. Values that can hold a supported part are left out on purpose:
 * CHEST and THORAX (a thoracic spine), NECK (a cervical spine), HEAD and SKULL (the brain),
 * WHOLEBODY, EXTREMITY, LEG.
 */
const UNSUPPORTED = new Set(
  (
    'BREAST HEART CARDIAC PROSTATE KIDNEY LIVER PANCREAS SPLEEN GALLBLADDER STOMACH BOWEL COLON RECTUM BLADDER ' +
    'UTERUS OVARY ABDOMEN ABDOMENPELVIS PELVIS HIP SHOULDER ELBOW WRIST HAND FINGER ANKLE FOOT TOE THUMB ' +
    'FOREARM HUMERUS FEMUR THIGH TIBIA FIBULA ORBIT EYE'
  ).split(' '),
);

/** The header's term in canonical form (upper case, letters only), or null when absent or empty. */
export function normaliseBodyPart(raw: string | null): string | null {
  if (raw === null) return null;
  const v = raw.toUpperCase().replace(/[^A-Z]/g, '');
  return v.length ? v.slice(0, 32) : null;
}

/** true when the (normalised) term names a body part the service does not analyse. */
export function isUnsupportedBodyPart(term: string | null): term is string {
  return term !== null && UNSUPPORTED.has(term);
}
