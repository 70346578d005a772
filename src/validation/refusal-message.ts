import { pctBelow, percent } from '../presentation/percent';
import { num, type Refusal, str } from './refusal-cause';

/**
 * One check's refusal in words, from its cause and figures: the live answer's message is built here
 * and so is the history's reason for a record that stored the cause (record-reason.ts), so the
 * history page, the CSV and the PDF say what the answer said, word for word. They rebuilt an older
 * sentence for the same cause ("The service was not confident this is an MRI (MRI 55.0 %, below the
 * 60.0 % confidence threshold)" beside the answer's "… (55.0 % < 60.0 %)"). The study rule's own
 * refusals are worded in study-messages.ts. Pure.
 *
 * Whatever a message names beyond the decision's figures is stored with them: the model's name in
 * words (`model`), the triage model's own P(not MRI) (`notMri`) and the scope sentence (`scope`: what
 * the service diagnoses and only recognises, from the cards loaded when it answered — today's cards
 * would put today's scope into an old refusal).
 */
export interface MessageContext {
  /** a study's answer (its words say "study") rather than one image's */
  study?: boolean;
}

/** `r` with the scope sentence its message adds (a body part the service does not analyse), stored with its figures. */
export function withScopeFigure(r: Refusal, scope: string): Refusal {
  return { cause: r.cause, figures: { ...r.figures, scope } };
}

/** The triage card alone cannot say which parts are diagnosed and which only recognised: `scope` adds that. */
export const UNSUPPORTED_PART_MESSAGE = 'This looks like an MRI of a body part the service does not analyse.';

/** The study page's words for a series refused from its header (header-refusal.ts). */
export function headerNotMriReason(modality: string): string {
  return `The DICOM header says this series is ${modality} (Modality), not MR, so no model was run.`;
}

/** The study page's words for a series refused from its header's Body Part Examined, before the scope and the advice. */
export function headerBodyPartReason(bodyPart: string): string {
  return `The DICOM header says this series shows the ${bodyPart} (Body Part Examined), a part the service does not analyse, so no model was run.`;
}

// a row stored before the scope was leaves it out: the message is otherwise the answer's
const withScope = (message: string, f: Refusal['figures']) => {
  const scope = str(f, 'scope');
  return scope ? `${message} ${scope}` : message;
};

/**
 * The message for `r`, or null when its figures are not all there (a row written before the figure
 * was stored: its reason is rebuilt from the record as before) or the cause is worded elsewhere
 * (the study rule's: study-messages.ts).
 */
export function refusalMessage(r: Refusal, ctx: MessageContext = {}): string | null {
  const f = r.figures;
  switch (r.cause) {
    case 'colour':
    case 'bright_background':
    case 'head_ct':
    case 'triage_ood':
      return notMriMessage(r);
    case 'triage_not_mri':
      return num(f, 'notMri') === undefined ? null : notMriMessage(r);
    case 'mri_low_confidence': {
      const [p, t] = [num(f, 'mriConfidence'), num(f, 'threshold')];
      return p === undefined || t === undefined ? null : `The service is not confident this is an MRI image (${pctBelow(p, t).join(' < ')}).`;
    }
    case 'body_part_low_confidence': {
      const [p, t] = [num(f, 'anatomyConfidence'), num(f, 'threshold')];
      return p === undefined || t === undefined ? null : `The body part could not be determined confidently (${pctBelow(p, t).join(' < ')}).`;
    }
    case 'unsupported_body_part':
      return withScope(UNSUPPORTED_PART_MESSAGE, f);
    case 'no_validated_model': {
      const part = str(f, 'bodyPart');
      return part === undefined ? null : `This looks like a ${part} MRI${ctx.study ? ' study' : ''}, but no validated diagnosis model exists for this body part yet.`;
    }
    case 'ood': {
      // the model in words ("brain tumour model"), not its key: the page read "the brain_tumor model's"
      const model = str(f, 'model');
      return model === undefined ? null : `Unable to determine: the image is unlike the ${model}'s training data (out-of-distribution).`;
    }
    case 'low_confidence': {
      const [finding, p, t] = [str(f, 'finding'), num(f, 'confidence'), num(f, 'threshold')];
      if (finding === undefined || p === undefined || t === undefined) return null;
      const [shown, threshold] = pctBelow(p, t);
      return `Unable to determine: the most likely${ctx.study ? ' study' : ''} finding (${finding}, ${shown}) is below the ${threshold} confidence threshold.`;
    }
    case 'header_modality': {
      const modality = str(f, 'modality');
      return modality === undefined ? null : headerNotMriReason(modality);
    }
    case 'header_body_part': {
      const part = str(f, 'bodyPart');
      return part === undefined ? null : `${withScope(headerBodyPartReason(part), f)} If the header is wrong, correct Body Part Examined and upload again.`;
    }
    default:
      return null;
  }
}

/** Why the image was refused as not an MRI, by the gate that refused it (the contract's order). */
export function notMriMessage(r: Refusal): string {
  if (r.cause === 'colour') {
    return (
      `The image is in colour (${percent(num(r.figures, 'colourShare') ?? 0)} of its centre is strongly coloured), but an MRI slice is greyscale: ` +
      'photos, micrographs, charts and colour overlays (heat maps, fMRI or DTI colour maps) are not analysed. Upload the plain greyscale slice.'
    );
  }
  if (r.cause === 'bright_background') {
    return (
      `The image has a bright background (edge brightness ${Math.round(num(r.figures, 'borderMean') ?? 0)} of 255), but the air around ` +
      'the body is dark on an MRI slice: negative (inverted) images, documents, charts and photos are not analysed.'
    );
  }
  if (r.cause === 'head_ct') {
    return (
      'This looks like a CT scan of the head (bone bright all round the brain), not an MRI. CT images are not analysed: ' +
      'a model trained on MRI would give a meaningless answer on them.'
    );
  }
  if (r.cause === 'triage_ood') return 'The image is unlike any MRI the service was trained on (out-of-distribution), so it was not analysed.';
  // the model's own answer decided it: its figure, P(not MRI), as the MRI check line gives it
  const notMri = num(r.figures, 'notMri');
  return notMri === undefined ? 'This does not look like an MRI image, so it was not analysed.' : `The triage model says this is not an MRI image (${percent(notMri)}), so it was not analysed.`;
}

/** The causes notMriMessage words. */
export const NOT_MRI_CAUSES: readonly Refusal['cause'][] = ['colour', 'bright_background', 'head_ct', 'triage_ood', 'triage_not_mri'];
