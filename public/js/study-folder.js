/*
 * Study page, "Or choose a folder": which files of a chosen folder to send. A patient CD or PACS
 * export folder holds a DICOMDIR, README.TXT, autorun.inf, a viewer and thumbnails beside the
 * series; sent as they are, the server refuses the whole upload at the first of them (415), as a
 * file chosen on its own must be a study file. Inside a ZIP the server skips such files from their
 * first bytes (src/studies/file-kinds.ts, zip-members.ts); this makes the same decision here, so a
 * folder is sent like a ZIP of it. Names never leave the browser.
 */
(function () {
  'use strict';
  /** the server's SNIFF_BYTES: the DICOM preamble + "DICM" (132) and the NIfTI-1 header (348) */
  var SNIFF_BYTES = 352;
  /** zip-members.ts ZIP_CONTAINER_DOCUMENTS: ZIP bytes that are a document or program (a viewer .jar), skipped in a ZIP too */
  var ZIP_CONTAINER_DOCUMENTS = ['.docx', '.xlsx', '.pptx', '.odt', '.ods', '.odp', '.jar', '.apk', '.epub'];
  /** files read at once: a CD may hold thousands (viewer DLLs), each read only for its first bytes */
  var AT_ONCE = 16;

  function ascii(b, at, n) { return String.fromCharCode.apply(null, Array.prototype.slice.call(b, at, at + n)); }
  function isZip(b) { return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 0x03 || b[2] === 0x05) && (b[3] === 0x04 || b[3] === 0x06); }
  function isGzip(b) { return b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 0x08; }
  function isDicomPart10(b) { return b.length >= 132 && ascii(b, 128, 4) === 'DICM'; }
  function looksLikeNifti(b) {
    if (b.length < 348) return false;
    var dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    var size = [dv.getInt32(0, true), dv.getInt32(0, false)];
    if (size.indexOf(348) >= 0) return ascii(b, 344, 3) === 'n+1';
    if (size.indexOf(540) >= 0) return ascii(b, 4, 3) === 'n+2';
    return false;
  }
  /** file-kinds.ts looksLikeBareDicom: kept, so that the server names it (a DICOM it does not read), never skipped as a README */
  function looksLikeBareDicom(b, size) {
    if (b.length < 8) return false;
    var group = b[0] | (b[1] << 8);
    if ((group !== 0x0002 && group !== 0x0008) || b[3] !== 0) return false;
    var upper = function (c) { return c >= 0x41 && c <= 0x5a; };
    if (upper(b[4]) && upper(b[5])) return true;
    var length = (b[4] | (b[5] << 8) | (b[6] << 16)) + b[7] * 0x1000000;
    return length > 0 && length <= Math.min(size - 8, 1024);
  }
  function isZipContainerDocument(name) {
    var lower = String(name).toLowerCase();
    return ZIP_CONTAINER_DOCUMENTS.some(function (ext) { return lower.slice(-ext.length) === ext; });
  }
  /** whether the server reads this file (or names it in a refusal) rather than a ZIP's skipping it */
  function isStudyFile(b, file) {
    if (isDicomPart10(b) || looksLikeNifti(b) || isGzip(b) || looksLikeBareDicom(b, file.size)) return true;
    return isZip(b) && !isZipContainerDocument(file.name);
  }

  /** Resolves to { kept, left }: the study files to send and the others, each in the folder's order. */
  function sift(files) {
    var keep = new Array(files.length), next = 0;
    function worker() {
      if (next >= files.length) return Promise.resolve();
      var i = next++;
      return files[i].slice(0, SNIFF_BYTES).arrayBuffer().then(function (buf) {
        keep[i] = isStudyFile(new Uint8Array(buf), files[i]);
      }, function () {
        keep[i] = false; // unreadable here (moved, no permission): it could not be sent either
      }).then(worker);
    }
    var workers = [];
    for (var w = 0; w < Math.min(AT_ONCE, files.length); w++) workers.push(worker());
    return Promise.all(workers).then(function () {
      return {
        kept: files.filter(function (f, i) { return keep[i]; }),
        left: files.filter(function (f, i) { return !keep[i]; }),
      };
    });
  }

  /** "README.TXT, VIEWER.EXE, thumb.jpg" — base names, as the server lists a ZIP's side files; at most `max`, then "and N more" */
  function names(list, max) {
    var shown = list.slice(0, max).map(function (f) { return typeof f === 'string' ? f : f.name; });
    return shown.join(', ') + (list.length > max ? ' and ' + (list.length - max) + ' more' : '');
  }

  window.SentinelStudyFolder = { sift: sift, names: names, isStudyFile: isStudyFile };
})();
