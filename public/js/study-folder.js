/*
 * Study page, "Or choose a folder" or a folder dropped: which files of the folder to send. A patient CD or PACS
 * export folder holds a DICOMDIR, README.TXT, autorun.inf, a viewer and thumbnails beside the
 * series; sent as they are, the server refuses the whole upload at the first of them (415), as a
 * file chosen on its own must be a study file. Inside a ZIP the server skips such files from their
 * first bytes (src/studies/file-kinds.ts, zip-members.ts); this makes the same decision here, so a
 * folder is sent like a ZIP of it. A folder dropped on the drop zone is walked through its entries
 * (dropped) and sifted the same way. A NIfTI-1 pair, the folder's only study data, is found by its names
 * (withPair). Names never leave the browser.
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

  /**
   * A .hdr of a two-file volume, from its name and first bytes: 'ni1' (a NIfTI-1 pair's, as file-kinds.ts
   * looksLikeNiftiPairHeader), 'analyze' (Analyze 7.5: sizeof_hdr 348, no magic, nothing after the header), else null
   */
  function pairHeader(b, file) {
    if (!/\.hdr$/i.test(file.name) || b.length < 348) return null;
    var dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (dv.getInt32(0, true) !== 348 && dv.getInt32(0, false) !== 348) return null;
    if (ascii(b, 344, 4) === 'ni1\0') return 'ni1';
    return file.size <= 352 ? 'analyze' : null;
  }

  /** Resolves to { kept, left, headers }: the study files to send and the others, each in the folder's order, and the pair headers among the others. */
  function sort(files) {
    var keep = new Array(files.length), header = new Array(files.length), next = 0;
    function worker() {
      if (next >= files.length) return Promise.resolve();
      var i = next++;
      return files[i].slice(0, SNIFF_BYTES).arrayBuffer().then(function (buf) {
        var b = new Uint8Array(buf);
        keep[i] = isStudyFile(b, files[i]);
        header[i] = !keep[i] && pairHeader(b, files[i]);
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
        headers: files.filter(function (f, i) { return !!header[i]; }),
      };
    });
  }

  /**
   * A folder whose only study data is a NIfTI-1 pair (or an Analyze 7.5 one): its .hdr and the .img beside
   * it — same folder, same name, found by name, as a .img has no signature — are sent, as the request's
   * only two files, which the server reads as one volume (src/studies/nifti-pair.ts) or, for Analyze, names
   * why it does not. Beside other study files a pair stays left out, as before: the series is what is sent.
   */
  function withPair(r) {
    if (r.kept.length) return { kept: r.kept, left: r.left };
    var pathOf = function (f) { return String(f.webkitRelativePath || f.name); };
    var pair = [];
    r.headers.forEach(function (hdr) {
      var stem = pathOf(hdr).slice(0, -4);
      var img = r.left.filter(function (f) { var p = pathOf(f); return p.length === stem.length + 4 && p.slice(0, -4) === stem && /\.img$/i.test(p); })[0];
      if (img) pair.push(hdr, img);
    });
    return { kept: pair, left: r.left.filter(function (f) { return pair.indexOf(f) < 0; }) };
  }

  /** Resolves to { kept, left }: the study files to send and the others, each in the folder's order. */
  function sift(files) { return sort(files).then(withPair); }

  /** "README.TXT, VIEWER.EXE, thumb.jpg" — base names, as the server lists a ZIP's side files; at most `max`, then "and N more" */
  function names(list, max) {
    var shown = list.slice(0, max).map(function (f) { return typeof f === 'string' ? f : f.name; });
    return shown.join(', ') + (list.length > max ? ' and ' + (list.length - max) + ' more' : '');
  }

  /*
   * A folder dropped on the drop zone. Its DataTransfer.files holds the folder itself as one entry (or
   * nothing, by browser), not the files in it, so it is read through DataTransferItem.webkitGetAsEntry()
   * and sifted as a chosen folder is. Returns null when no dropped item is a folder (files dropped one
   * by one are sent as dropped), else a promise of sift()'s { kept, left } — and `cut` when the walk
   * stopped at its bound before a study's worth of files was found. Call it within the drop event: the
   * browser empties the items once the event is over.
   */
  function dropped(dataTransfer, limit) {
    var entries = Array.prototype.map.call(dataTransfer.items || [], function (item) {
      return item.kind === 'file' && item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
    }).filter(Boolean);
    if (!entries.some(function (e) { return e.isDirectory; })) return null;
    return walk(entries, limit);
  }

  /** the path a chosen folder's file carries ("CD/DICOM/IM0001"), by which the page names a refused file; an entry's File has none */
  function withPath(file, fullPath) {
    try { Object.defineProperty(file, 'webkitRelativePath', { value: String(fullPath).replace(/^\//, '') }); } catch (e) { /* named by its base name */ }
    return file;
  }
  function fileOf(entry) {
    return new Promise(function (resolve) {
      // unreadable here (moved, no permission): an empty stand-in, which sift() lists by name as not a study file
      entry.file(function (f) { resolve(withPath(f, entry.fullPath)); }, function () { resolve(withPath(new File([], entry.name), entry.fullPath)); });
    });
  }

  /**
   * Reads the dropped entries, each folder depth first, sifting its files a batch at a time. Bounded by
   * the page's file limit (`limit`, the server's STUDY_MAX_SLICES), so that a whole disk dropped by mistake
   * is not read to its end: it stops once more study files were found than a study may have (refused then
   * as a chosen folder's would be) or more than `limit` other entries were read (files left out, folders,
   * hidden entries): `cut`, as the series may be among the entries not read.
   */
  function walk(roots, limit) {
    var kept = [], left = [], headers = [], others = 0;
    function full() { return kept.length > limit || others > limit; }
    function batch(list) {
      var files = [], dirs = [];
      list.forEach(function (e) {
        if (e.name.charAt(0) === '.') others++; // hidden (.DS_Store, .Trashes): not read, not listed, as from a chosen folder
        else if (e.isDirectory) { others++; dirs.push(e); } else files.push(e);
      });
      return Promise.all(files.map(fileOf)).then(sort).then(function (r) {
        kept.push.apply(kept, r.kept);
        left.push.apply(left, r.left);
        headers.push.apply(headers, r.headers);
        others += r.left.length;
        return dirs.reduce(function (done, d) { return done.then(function () { return full() ? null : folder(d); }); }, Promise.resolve());
      });
    }
    function folder(dir) {
      var reader = dir.createReader();
      // readEntries gives a folder's entries a batch at a time (Chromium: 100 each), then an empty batch at its end
      function next() {
        if (full()) return null;
        return new Promise(function (resolve, reject) { reader.readEntries(resolve, reject); })
          .then(function (list) { return list.length ? batch(list).then(next) : null; });
      }
      return next();
    }
    return batch(roots).then(function () {
      var r = withPair({ kept: kept, left: left, headers: headers });
      return { kept: r.kept, left: r.left, cut: kept.length <= limit && others > limit };
    });
  }

  window.SentinelStudyFolder = { sift: sift, names: names, isStudyFile: isStudyFile, dropped: dropped };
})();
