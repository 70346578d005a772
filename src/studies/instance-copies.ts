import { createHash } from 'node:crypto';
import type { DicomInstance } from './dicom';
import { fileLabel, MixedSeriesError } from './study-errors';

/*
 * Copies of one instance in an upload (the same file twice, once loose and once in a ZIP, an original
 * beside a re-encoded copy): found from the headers and the pixel bytes, before the series is ordered.
 */

/**
 * Drops copies of one instance (the same file uploaded twice, or once loose and once in a ZIP),
 * keeping the first: same SOP Instance UID — else the same Instance Number — and the same
 * position (samePlace), frame count and pixel bytes. Files that share a UID but differ (a careless
 * anonymiser) are all kept, and the one-image-per-position check decides.
 * Also one image under two UIDs (a series exported twice, each export given new UIDs): a known position
 * and orientation, one series, frame count and pixel bytes. The one-image-per-position check refused it
 * as "several different images… several echoes", and the images were one; kept, the copy would only
 * have stood for itself as a neighbouring slice.
 */
export function dropDuplicates(instances: DicomInstance[]): DicomInstance[] {
  const groups = new Map<string, DicomInstance[]>();
  const digests = new Map<DicomInstance, string>();
  // hashed (linear) rather than compared pairwise: a group can be a whole series without identifiers
  const digest = (i: DicomInstance): string => {
    let d = digests.get(i);
    if (d === undefined) digests.set(i, (d = createHash('sha1').update(i.pixelData).digest('hex')));
    return d;
  };
  // placed images by series, frame count and size: positions compared first, so bytes are hashed only at a shared position
  const placed = new Map<string, DicomInstance[]>();
  const sameImage = (a: DicomInstance, b: DicomInstance) => samePlace(a.position, b.position) && samePlace(a.orientation, b.orientation) && digest(a) === digest(b);
  const kept: DicomInstance[] = [];
  for (const inst of instances) {
    const id = inst.sopInstanceUid !== null ? `uid:${inst.sopInstanceUid}` : inst.instanceNumber !== null ? `in:${inst.instanceNumber}` : '';
    const key = [id, inst.frames, inst.pixelData.length].join('|');
    const group = groups.get(key);
    if (group?.some((other) => samePlace(other.position, inst.position) && digest(other) === digest(inst))) continue;
    const placeKey = inst.position !== null && inst.orientation !== null ? [inst.seriesUid ?? '', inst.seriesNumber ?? '', inst.seriesDescription ?? '', inst.frames, inst.pixelData.length].join('|') : null;
    const atPlace = placeKey !== null ? placed.get(placeKey) : undefined;
    if (atPlace?.some((other) => sameImage(other, inst))) continue;
    if (group) group.push(inst);
    else groups.set(key, [inst]);
    if (placeKey !== null) {
      if (atPlace) atPlace.push(inst);
      else placed.set(placeKey, [inst]);
    }
    kept.push(inst);
  }
  return kept;
}

/**
 * Positions (mm, each component) this close are one copy's: a copy may carry ImagePositionPatient written to
 * fewer decimals (2 decimals: up to 0.005 mm off). Compared exactly, the same image 3 µm from itself was kept
 * as two neighbouring slices, and a finding on it confirmed itself as a pair (finding-pair.ts).
 */
const COPY_POSITION_MM = 0.01;

export function samePlace(a: number[] | null, b: number[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((v, k) => Math.abs(v - b[k]) <= COPY_POSITION_MM);
}

/** Whether two instances of one UID are copies of it whatever their bytes: one position, Instance Number and frame count. */
const copies = (a: DicomInstance, b: DicomInstance) => a.frames === b.frames && a.instanceNumber === b.instanceNumber && samePlace(a.position, b.position);

/**
 * Refuses copies of one image whose pixel data differ (dropDuplicates kept them): one SOP Instance UID at
 * one position in several files, that UID used nowhere else — an original and a compressed (or edited) copy
 * uploaded together. The one-image-per-position check refused them as "several echoes, time points or
 * diffusion directions… upload one echo at a time", which sent the user looking for echoes the upload does
 * not have. A UID on files at several positions is a careless anonymiser's, not a copy: left to that check.
 */
export function assertNoDivergentCopies(instances: DicomInstance[]): void {
  const byUid = new Map<string, DicomInstance[]>();
  for (const inst of instances) {
    // without a position or an Instance Number nothing tells a copy from another image given the same UID
    if (inst.sopInstanceUid === null || (inst.position === null && inst.instanceNumber === null)) continue;
    const group = byUid.get(inst.sopInstanceUid);
    if (group) group.push(inst);
    else byUid.set(inst.sopInstanceUid, [inst]);
  }
  const copied = [...byUid.values()].filter((g) => g.length > 1 && g.every((i) => copies(i, g[0])));
  if (!copied.length) return;
  const [a, b] = copied[0];
  const more = copied.length - 1;
  throw new MixedSeriesError(
    'copy',
    `${capital(fileLabel(a.pos))} and ${fileLabel(b.pos)} are the same image (one SOP Instance UID, at one position) with different pixel data` +
      `${more ? `, and so are the copies of ${more} more image${more === 1 ? '' : 's'}` : ''}: ` +
      'e.g. an original and a compressed or edited copy uploaded together. Upload one copy of the series.',
  );
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
