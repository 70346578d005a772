/*
 * Study page: the details list under a study's answer (format, slices, spacing, votes, agreement,
 * the study rule, models, timings), in the history's and the PDF's words. Apart from study.js, which
 * sends the files and shows the answer; this only turns a study result into its rows. Uses the
 * words and figures of figures.js (window.Sentinel), loaded before it. Defines window.SentinelStudyDetails.
 */
(function () {
  'use strict';
  var S = window.Sentinel;
  var pretty = S.pretty, displayName = S.displayName;
  /** how the slices were drawn: stretched to square physical pixels, or as stored when the spacing is unknown */
  function shownAs(d) {
    if (!d) return '';
    if (d.pixels === 'resampled') return ' (non-square pixels: analysed and shown at ' + d.width + '×' + d.height + ')';
    if (d.pixels === 'assumed_square') return ' (pixel spacing unknown: shown as stored)';
    return '';
  }
  var FORMATS = { dicom: 'DICOM series', nifti: 'NIfTI volume' };
  /** a share of slices (exact, not a calibrated probability): "100 %", "67 %" — the image page's spacing */
  function share(v) { return Math.round(v * 100) + ' %'; }
  /** Same words as the history page and the PDF (studyRuleLine in src/presentation/study-lines.ts). */
  function studyRuleLine(set) {
    if (!set) return '— (no slice was analysed)';
    var n = set.minUsableSlices;
    var pair = typeof set.pairWithin === 'number' ? 'a finding rests on two slices at most ' + set.pairWithin + ' apart in series order, counting any slices missing between them' : 'a finding rests on any two slices';
    return S.thresholdPct(set.agreement) + ' of the slices must agree; at least ' + n + ' usable slice' + (n === 1 ? '' : 's') + ' (and a quarter of the study; all of them if it has fewer); ' + pair;
  }
  /**
   * The slices' agreement, never on the wrong side of the rule beside it (agreementPct): 25 of 42 (59.5 %) read
   * "60 %" above "60.0 % of the slices must agree" on a study refused for it, and 0.6049 met under
   * STUDY_AGREEMENT=0.6049 read "60 %" beside "60.49 %" on a study answered.
   */
  function agreementLine(agg) {
    var a = agg.agreement, t = agg.settings && agg.settings.agreement;
    return typeof t === 'number' ? S.agreementPct(a, t) : share(a);
  }

  /** "2 files — copies of other slices (…)": the upload's files left out as copies, each image analysed once */
  function copiesLine(n) {
    if (!n) return 'none';
    return n + ' file' + (n === 1 ? '' : 's') + ' — ' + (n === 1 ? 'a copy of another slice' : 'copies of other slices') + ' (the same image under the same or another SOP Instance UID), each image analysed once';
  }

  /**
   * The rows of study result `r` into `meta` (a <dl>, emptied first). `thresholds`: the ones the study was
   * decided at; `skipped`: the skipped-files line, which study.js words (it adds the names only this browser knows).
   */
  function fill(meta, r, thresholds, skipped) {
    meta.textContent = '';
    var agg = r.study.aggregation;
    var sp = r.study.spacing || {};
    var rows = [
      // the history's words (src/presentation/history.view.ts fileSummary, labels.ts spacingLine): "DICOM series · MR", "slice unknown"
      ['Format', (FORMATS[r.study.format] || r.study.format) + (r.study.modality ? ' · ' + r.study.modality : '')],
      ['Series description', r.study.seriesDescription || '—'],
      ['Slices', r.study.sliceCount + ' × ' + r.study.width + '×' + r.study.height + ' px' + shownAs(r.study.display)],
      ['Skipped files', skipped],
      // files that were copies of other slices (instance-copies.ts): 10 files sent and 8 slices shown, said why
      ['Copies left out', copiesLine(r.study.copiesDropped)],
      ['Spacing', ['column', 'row', 'slice'].map(function (k) { return k + (typeof sp[k] === 'number' ? ' ' + String(Math.round(sp[k] * 100) / 100) + ' mm' : ' unknown'); }).join(', ')],
      // a header window set aside for flattening the head (window-check.ts): the message says why
      ['Order · window', pretty(r.study.ordering) + ' · ' + pretty(r.study.windowing) + (r.study.headerWindowIgnored ? ' (header window not used)' : '')],
      // the history detail's and the PDF's line (mri-check.ts mriCheck): a study refused for its unsure slices
      // says its figure is the mean over them
      ['MRI check', S.mriCheck(r, thresholds)],
      ['Body-part votes', agg ? Object.keys(agg.bodyPartVotes).map(function (k) { return displayName(k) + ' ' + agg.bodyPartVotes[k]; }).join(', ') || '—' : '—'],
      ['Agreement', agg && agg.agreement != null ? agreementLine(agg) : '—'],
      // the settings it was decided under, as recorded with it (the history page's "Study rule")
      ['Study rule', studyRuleLine(agg && agg.settings)],
      ['Models', Object.keys(r.modelVersions || {}).map(function (k) { return pretty(k) + ' ' + r.modelVersions[k]; }).join(', ') || 'none ran'],
      ['Timings (ms)', Object.keys(r.timingsMs || {}).map(function (k) { return k + ' ' + Number(r.timingsMs[k]).toFixed(1); }).join(' · ')],
    ];
    rows.forEach(function (p) {
      var dt = document.createElement('dt'), dd = document.createElement('dd');
      dt.textContent = p[0];
      S.showMessage(dd, p[1]); // each figure whole: "MRI (> 99.9" / "%)" at 320 px
      meta.appendChild(dt);
      meta.appendChild(dd);
    });
  }

  window.SentinelStudyDetails = { fill: fill };
})();
