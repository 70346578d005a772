/* Study mode page: posts the files to /api/v1/studies and renders the study result. No framework. */
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var form = $('study-form');
  if (!form) return;
  var maxBytes = Number(form.getAttribute('data-max-bytes'));
  var maxLabel = form.getAttribute('data-max-label');
  var maxFiles = Number(form.getAttribute('data-max-slices')); // the server's file limit is its slice limit
  // the server's words for a TAR/7-Zip/RAR (study-errors.ts otherArchiveRefused): "{where} is a {what}, which is not read: …"
  var archiveRefusal = form.getAttribute('data-archive-refusal'), archiveOverLimit = form.getAttribute('data-archive-over-limit');
  var files = [];
  // the chosen files were read for archives (study-archive.js) and nothing refuses them: "Analyse study" may send them
  var ready = false;
  // files of a chosen folder that are not study files (README, viewer, thumbnails): left out, as a ZIP's (study-folder.js)
  var leftOut = [];
  // bumps on every new selection and every submit: an answer for an older one is dropped (as on
  // the image page, app.js) — it would otherwise be shown, with its PDF link, as the newer files' result
  var generation = 0;

  // The single-image page's words and figures (result-view.js, loaded before this file): one
  // source for display names ("Glioma", "No tumour"), headlines and percentages ("< 0.1 %").
  // This page had copies that said "glioma" and "0.0%" where the image page said "Glioma" and "< 0.1 %".
  var S = window.Sentinel;
  // sizes too: this page wrote "12.3 KB" where the history wrote "12 KB" (labels.ts humanBytes)
  var pct = S.pct, human = S.bytes, displayName = S.displayName, headline = S.headline, barWidth = S.barWidth;
  /** files of the upload that were not read (DICOMDIR, a report or presentation state, README, a viewer…): "4 — DICOMDIR, README.TXT, … and 2 more" */
  function skippedLine(sk) {
    // the server's list (names it gave up to 5 of) and then the files this page left out of a folder
    var count = ((sk && sk.count) || 0) + sentLeft.length;
    if (!count) return 'none';
    var names = ((sk && sk.names) || []).map(withLocalNames).concat(sentLeft.map(function (f) { return f.name; })).slice(0, 5);
    var more = count - names.length;
    // not "not DICOM": the DICOMDIR and a structured report are DICOM files, just not images
    return count + ' not read (no image of the series) — ' + names.join(', ') + (more > 0 ? ' and ' + more + ' more' : '');
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  // The files of the request on screen. The server names them by position only ("File 2 of 60"), as
  // their names are never sent; a folder of 60 files left the user to count. Their names are in this
  // browser, so the page adds them here, where only the uploader sees them.
  var sentFiles = [], sentLeft = [];
  function withLocalNames(text) {
    return String(text).replace(/\b([Ff]ile) (\d+) of (\d+)\b/g, function (all, word, n, m) {
      var f = Number(m) === sentFiles.length ? sentFiles[Number(n) - 1] : null;
      return f ? all + ' (' + (f.webkitRelativePath || f.name) + ')' : all;
    });
  }
  /** a refusal of a folder's files: the ones left out were not part of it, but the user may look for the series among them */
  function leftNote() { return sentLeft.length ? ' Left out of the folder (not DICOM, NIfTI or ZIP), not sent: ' + window.SentinelStudyFolder.names(sentLeft, 5) + '.' : ''; }
  /** A refused choice: announced (role=alert), tied to both file fields and marking them invalid until the next choice. */
  function clientError(msg) {
    var p = $('study-client-error');
    p.textContent = msg || '';
    p.hidden = !msg;
    ['study-files', 'study-folder'].forEach(function (id) { if (msg) $(id).setAttribute('aria-invalid', 'true'); else $(id).removeAttribute('aria-invalid'); });
    $('study-files').setAttribute('aria-describedby', (msg ? 'study-client-error ' : '') + 'study-dz-hint');
    $('study-folder')[msg ? 'setAttribute' : 'removeAttribute']('aria-describedby', 'study-client-error');
  }
  /** `folder`: chosen with "Or choose a folder" — non-study files left out, not refused; `walk`: a dropped folder's (study-folder.js) */
  function choose(list, folder, walk) {
    var mine = ++generation;
    show('study-empty'); // the previous study's answer (or error) is not about these files
    var all = Array.prototype.filter.call(list, function (f) { return !/(^|\/)\./.test(f.webkitRelativePath || f.name); });
    if (!walk && (!folder || !all.length)) return chosen(all, []);
    chosen([], []);
    $('study-selected').hidden = false;
    $('study-selected').textContent = walk ? 'Reading the dropped folder…' : 'Reading which of the folder\'s ' + S.count(all.length, 'file') + ' are study files…';
    (walk || window.SentinelStudyFolder.sift(all)).then(function (r) {
      if (mine !== generation) return;
      // a walk stopped at its bound may have missed part of the series: nothing is sent (the file picker lists a folder whole)
      if (r.cut) return chosen([], [], 'The dropped folder holds more than ' + maxFiles + ' other files and folders beside the study files; not all were read, so nothing is sent. Drop the folder that holds the series, or choose it with "Or choose a folder".');
      // nothing to send: said here, before any request (the server would answer 415 for the first file)
      chosen(r.kept, r.left, r.kept.length ? '' : 'No DICOM, NIfTI or ZIP file was found in the folder: it holds ' + S.count(r.left.length, 'other file') + ' (' + window.SentinelStudyFolder.names(r.left, 5) + '). Choose the folder that holds the series.');
    }, function () { if (mine === generation) chosen([], [], 'The dropped folder could not be read: choose it with "Or choose a folder" instead.'); });
  }
  /** `note`: why nothing of a folder is sent, shown unless a limit is the reason */
  function chosen(kept, left, note) {
    files = kept;
    leftOut = left;
    var total = files.reduce(function (s, f) { return s + f.size; }, 0);
    $('study-selected').hidden = !files.length;
    $('study-selected').textContent = S.count(files.length, 'file') + ' · ' + human(total) +
      (left.length ? ' (' + S.count(left.length, 'other file') + ' of the folder left out: not DICOM, NIfTI or ZIP)' : '');
    $('study-clear').hidden = !files.length;
    $('study-header').hidden = true;
    $('study-header-btn').hidden = true;
    // the header viewer reads DICOM only: offer it when the first file carries the DICM marker
    if (files.length && window.SentinelDicomHeader && !/\.(nii|gz|zip)$/i.test(files[0].name)) {
      var first = files[0];
      first.slice(128, 132).arrayBuffer().then(function (b) {
        var m = new Uint8Array(b);
        if (files[0] === first && String.fromCharCode(m[0], m[1], m[2], m[3]) === 'DICM') $('study-header-btn').hidden = false;
      }, function () {});
    }
    // the limits apply to what is sent: a folder's viewer and thumbnails do not count
    var over = total > maxBytes ? 'The study is larger than ' + maxLabel + '.' : files.length > maxFiles ? 'A study may have at most ' + maxFiles + ' files.' : '';
    // a TAR is named before the size, whatever it is: told only "larger than", its owner packed a smaller TAR, refused next
    ready = false;
    clientError(files.length ? '' : note);
    $('study-submit').disabled = true;
    if (!files.length) return;
    window.SentinelStudyArchive.find(kept).then(function (found) {
      if (files !== kept) return; // a newer choice
      var name = found && (found.file.webkitRelativePath || found.file.name); // shown here only, never sent
      var refusal = found ? archiveRefusal.replace('{where}', function () { return 'The file “' + name + '”'; })
        .replace('{what}', found.kind) + (total > maxBytes ? archiveOverLimit : '') : over;
      ready = !refusal;
      clientError(refusal || note);
      $('study-submit').disabled = !ready || waiting;
    });
  }
  $('study-header-btn').addEventListener('click', function () { if (files[0]) window.SentinelDicomHeader.show(files[0], $('study-header-rows'), $('study-header')); });
  $('study-files').addEventListener('change', function (e) { choose(e.target.files, false); });
  $('study-folder').addEventListener('change', function (e) { choose(e.target.files, true); });
  $('study-clear').addEventListener('click', function () { $('study-files').value = ''; $('study-folder').value = ''; choose([]); });
  var dz = $('study-dropzone');
  ['dragenter', 'dragover'].forEach(function (ev) { dz.addEventListener(ev, function (e) { e.preventDefault(); dz.classList.add('dragging'); }); });
  ['dragleave', 'drop'].forEach(function (ev) { dz.addEventListener(ev, function (e) { e.preventDefault(); dz.classList.remove('dragging'); }); });
  dz.addEventListener('drop', function (e) { // a dropped folder is walked and sifted as a chosen folder; dropped files are sent as dropped
    var walk = e.dataTransfer && window.SentinelStudyFolder.dropped(e.dataTransfer, maxFiles);
    if (walk) choose([], true, walk); else if (e.dataTransfer && e.dataTransfer.files.length) choose(e.dataTransfer.files, false);
  });

  function show(id) { ['study-empty', 'study-loading', 'study-error', 'study-result'].forEach(function (x) { $(x).hidden = x !== id; }); }
  // a short line said once (cleared first, so the same words twice are said twice); errors focus their heading
  function say(text) { var live = $('study-live'); live.textContent = ''; setTimeout(function () { live.textContent = text; }, 30); }
  function showError() { show('study-error'); $('study-error-title').focus(); say($('study-error-title').textContent + '. ' + $('study-error-message').textContent); }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (!files.length || !ready) return;
    var fd = new FormData();
    files.forEach(function (f) { fd.append('files', f, 'file'); }); // names are not sent: they may carry identifiers
    var mine = ++generation;
    var sent = files.slice(), left = leftOut.slice();
    show('study-loading');
    say('Analysing the study…');
    $('study-submit').disabled = true;
    fetch('/api/v1/studies', { method: 'POST', body: fd, headers: { Accept: 'application/json' } })
      .then(function (res) { return res.json().then(function (b) { return { ok: res.ok, status: res.status, body: b, res: res }; }, function () { return { ok: false, status: res.status, body: null, res: res }; }); })
      .then(function (r) {
        if (mine !== generation) return;
        sentFiles = sent;
        sentLeft = left;
        if (r.ok && r.body) {
          render(r.body);
          $('study-label').focus();
          say('Study result: ' + $('study-label').textContent + '.');
        } else {
          // 401: the login ended meanwhile — not the study's fault; say so and link to the login
          var ended = window.SentinelSession && window.SentinelSession.ended(r.status);
          // 403 from the CSRF check: this page belongs to an earlier login (session.js), not a bad study
          var stale = !ended && window.SentinelSession && window.SentinelSession.stale(r.status, r.body);
          $('study-error-title').textContent = ended ? window.SentinelSession.title : stale ? window.SentinelSession.staleTitle : 'The study could not be analysed';
          $('study-error-message').textContent = ended ? window.SentinelSession.message('the files') : stale ? window.SentinelSession.staleMessage('the files') : withLocalNames((r.body && r.body.message) || 'HTTP ' + r.status) + leftNote();
          $('study-error-code').textContent = r.body && r.body.code ? r.body.code + ' · HTTP ' + r.status : '';
          $('study-error-login').hidden = !ended;
          if (ended) $('study-error-login-link').href = window.SentinelSession.loginHref();
          showError();
          if (r.status === 429) waitThenAllow(Number(r.res.headers.get('Retry-After')) || 60);
        }
      })
      .catch(function () {
        if (mine !== generation) return;
        $('study-error-title').textContent = 'The study could not be analysed';
        $('study-error-message').textContent = 'The server could not be reached.';
        $('study-error-code').textContent = '';
        $('study-error-login').hidden = true;
        showError();
      })
      .then(function () { if (!waiting) $('study-submit').disabled = !ready; });
  });

  // 429: the Retry-After wait counts down here; "Analyse study" comes back when it ends
  var waiting = false;
  function waitThenAllow(seconds) {
    var line = $('study-wait'), left = seconds;
    waiting = true;
    $('study-submit').disabled = true;
    line.hidden = false;
    line.textContent = 'You can analyse again in ' + left + ' s.';
    var timer = setInterval(function () {
      left -= 1;
      if (left > 0) { line.textContent = 'You can analyse again in ' + left + ' s.'; return; }
      clearInterval(timer);
      waiting = false;
      line.textContent = 'You can analyse again now.';
      say('You can analyse again now.'); // the count is not live: it would be said every second
      $('study-submit').disabled = !ready;
    }, 1000);
  }

  function showSlice(s) {
    $('slice-detail').hidden = false;
    $('slice-detail-title').textContent = 'Slice ' + (s.index + 1) + (s.position != null ? ' (' + s.position + ' mm)' : '');
    $('slice-detail-status').textContent = S.statusName(s.status) + ' · ' + headline(s) + (s.label && typeof s.confidence === 'number' ? ' ' + pct(s.confidence) : '') + (s.usedForStudy ? '' : ' · not used for the study');
    S.showMessage($('slice-detail-message'), s.message);
    say($('slice-detail-title').textContent + ': ' + $('slice-detail-status').textContent + '. ' + s.message); // shown below the strip, out of a screen reader's way
    S.probList($('slice-detail-probs'), s, studyThresholds); // a slice was decided at its study's thresholds
  }
  var studyThresholds = {};

  function render(r) {
    var badge = $('study-badge');
    badge.className = 'badge ' + r.status;
    badge.textContent = S.statusName(r.status);
    // the image page's headline: "Glioma", "No tumour", "Not an MRI image" (it said "glioma", "Not analysed")
    $('study-label').textContent = headline(r);
    S.showMessage($('study-message'), r.message);
    S.caveatNote($('study-caveat'), r);
    S.experimentalNote($('study-experimental'), r);
    // the thresholds it was decided at: a study refused at 0.59996 under 0.6 read "60.0 %" here, beside a
    // message saying 59.996 % (the image page's figures, figures.js decidingPct)
    studyThresholds = r.thresholds || {};
    $('study-confidence-block').hidden = typeof r.confidence !== 'number';
    $('study-confidence').textContent = S.decidingPct(r, studyThresholds, r.confidence);
    $('study-confidence-bar').style.width = barWidth(r.confidence || 0);
    // as on the image page: the colour says what the service decided, the mark where the threshold it applied lies
    $('study-confidence-bar').className = r.status === 'completed' ? 'above' : 'below';
    var thr = studyThresholds[r.task];
    $('study-threshold-mark').hidden = typeof thr !== 'number';
    if (typeof thr === 'number') $('study-threshold-mark').style.left = (thr * 100).toFixed(1) + '%';
    // no model answered for the study (refused from its DICOM header, every slice refused): no
    // heading over an empty list
    $('study-probs-block').hidden = !Object.keys(r.probabilities || {}).length;
    S.probList($('study-probs'), r, studyThresholds);

    var heat = $('study-heatmaps');
    heat.textContent = '';
    var maps = (r.explanation && r.explanation.slices) || [];
    $('study-heatmaps-block').hidden = !maps.length;
    // the colour legend only over maps that are drawn (a map where no region stands out is the plain slice)
    $('study-heatmaps-legend').hidden = !maps.some(function (m) { return m.focus !== 'none'; });
    // which way round the maps are shown: a map hot on the image's left is the patient's right, radiologically
    $('study-orientation').textContent = S.orientationLine(r.study.plane);
    maps.forEach(function (m) {
      var fig = el('figure');
      // which finding the map explains: the study's (or an unconfirmed slice's own), said beside it —
      // under an inconclusive study only the latter, which the study does not confirm: said so
      var unconfirmed = r.status !== 'completed' ? ' — this slice alone, not confirmed by the study' : '';
      var what = m.label ? ' · ' + displayName(m.label) + unconfirmed : '';
      // focus 'none' (as on the image page): no region stands out, the map is the slice without an
      // overlay — shown as the slice, with the server's words, never as a heat map
      var noFocus = m.focus === 'none';
      fig.appendChild(el('img', {
        src: m.heatmap,
        alt: noFocus ? 'Slice ' + (m.index + 1) + ', no heat map drawn' : 'Heat map of slice ' + (m.index + 1) + (m.label ? ' for ' + displayName(m.label) : ''),
      }));
      fig.appendChild(el('figcaption', {}, 'Slice ' + (m.index + 1) + what));
      if (noFocus) {
        fig.className = 'no-focus';
        fig.appendChild(el('p', { class: 'small muted no-focus-note' }, document.body.getAttribute('data-no-focus-note') || ''));
      }
      heat.appendChild(fig);
    });

    var strip = $('study-strip');
    strip.textContent = '';
    var decisive = (r.study.aggregation && r.study.aggregation.decisiveSlices) || [];
    $('slice-detail').hidden = true;
    (r.slices || []).forEach(function (s) {
      var li = el('li', { class: s.status + (decisive.indexOf(s.index) >= 0 ? ' decisive' : ''), title: s.message });
      var btn = el('button', { type: 'button', class: 'slice-btn', 'aria-label': 'Slice ' + (s.index + 1) + ' details' });
      btn.appendChild(el('img', { src: s.thumbnailPng, alt: 'Slice ' + (s.index + 1) + ': ' + s.status, loading: 'lazy' }));
      btn.addEventListener('click', function () { showSlice(s); });
      li.appendChild(btn);
      li.appendChild(el('span', { class: 'slice-label' }, (s.index + 1) + ' · ' + headline(s)));
      if (!s.usedForStudy) li.appendChild(el('span', { class: 'slice-unused' }, 'not used'));
      strip.appendChild(li);
    });
    var agg = r.study.aggregation;
    // under the heading "Slices": never "Slices 3 slices"; a study refused from its header has no slice results
    $('study-slice-summary').textContent = agg ? agg.usableSlices + ' of ' + r.study.sliceCount + ' used' : 'none analysed (' + r.study.sliceCount + ' in the series)';
    strip.hidden = !(r.slices || []).length;

    // the details list, in the history's and the PDF's words (study-details.js)
    window.SentinelStudyDetails.fill($('study-meta'), r, studyThresholds, skippedLine(r.study.skipped));
    $('study-rule').textContent = agg ? agg.rule : '';
    var pdf = $('study-pdf');
    pdf.hidden = !r.analysisId;
    if (r.analysisId) {
      pdf.href = '/history/' + encodeURIComponent(r.analysisId) + '/report.pdf';
      $('study-history-link').href = '/history/' + encodeURIComponent(r.analysisId);
    }
    show('study-result');
  }
})();
