/*
 * Reads the top-level header of a DICOM Part 10 file IN THE BROWSER, for the user who asks to
 * see their own file's header. Nothing is sent anywhere: this runs on the File the user picked.
 * Explicit and implicit VR little endian; sequences are skipped; pixel data ends the walk.
 */
(function () {
  'use strict';
  var NAMES = {
    '00080005': 'Specific Character Set', '00080008': 'Image Type', '00080016': 'SOP Class UID', '00080018': 'SOP Instance UID',
    '00080020': 'Study Date', '00080021': 'Series Date', '00080030': 'Study Time', '00080050': 'Accession Number',
    '00080060': 'Modality', '00080070': 'Manufacturer', '00080080': 'Institution Name', '00080090': 'Referring Physician',
    '00081030': 'Study Description', '0008103E': 'Series Description', '00081090': 'Manufacturer Model',
    '00100010': 'Patient Name', '00100020': 'Patient ID', '00100030': 'Birth Date', '00100040': 'Sex', '00101010': 'Age',
    '00180015': 'Body Part', '00180050': 'Slice Thickness', '00180080': 'Repetition Time', '00180081': 'Echo Time',
    '00180087': 'Field Strength', '00200011': 'Series Number', '00200013': 'Instance Number',
    '00200032': 'Image Position', '00200037': 'Image Orientation', '00280010': 'Rows', '00280011': 'Columns',
    '00280030': 'Pixel Spacing', '00280100': 'Bits Allocated', '00281050': 'Window Center', '00281051': 'Window Width',
    '00281052': 'Rescale Intercept', '00281053': 'Rescale Slope', '00020010': 'Transfer Syntax UID',
    // the file meta group every Part 10 file opens with: its rows had no name
    '00020000': 'File Meta Group Length', '00020001': 'File Meta Version', '00020002': 'Media Storage SOP Class UID',
    '00020003': 'Media Storage SOP Instance UID', '00020012': 'Implementation Class UID', '00020013': 'Implementation Version Name',
    '00020016': 'Source Application Entity',
  };
  var STRING_VRS = { AE: 1, AS: 1, CS: 1, DA: 1, DS: 1, DT: 1, IS: 1, LO: 1, LT: 1, PN: 1, SH: 1, ST: 1, TM: 1, UI: 1, UT: 1, UC: 1 };
  var LONG_VRS = { OB: 1, OD: 1, OF: 1, OL: 1, OV: 1, OW: 1, SQ: 1, UC: 1, UN: 1, UR: 1, UT: 1 };
  var hex4 = function (n) { return ('0000' + n.toString(16).toUpperCase()).slice(-4); };

  function parse(buf) {
    var dv = new DataView(buf);
    if (buf.byteLength < 132 || String.fromCharCode(dv.getUint8(128), dv.getUint8(129), dv.getUint8(130), dv.getUint8(131)) !== 'DICM') {
      throw new Error('not a DICOM Part 10 file');
    }
    var out = [];
    var p = 132;
    var explicit = true;
    var ts = null;
    var guard = 0;
    while (p + 8 <= buf.byteLength && guard++ < 5000) {
      var group = dv.getUint16(p, true);
      var elem = dv.getUint16(p + 2, true);
      if (group !== 0x0002 && ts === null) ts = '1.2.840.10008.1.2.1';
      if (group !== 0x0002) explicit = ts !== '1.2.840.10008.1.2';
      if (group === 0x7fe0) break;
      var vr = null;
      var len;
      var off;
      var vrChars = String.fromCharCode(dv.getUint8(p + 4), dv.getUint8(p + 5));
      if (explicit || group === 0x0002) {
        vr = vrChars;
        if (LONG_VRS[vr]) { len = dv.getUint32(p + 8, true); off = p + 12; }
        else { len = dv.getUint16(p + 6, true); off = p + 8; }
      } else {
        len = dv.getUint32(p + 4, true);
        off = p + 8;
      }
      if (len === 0xffffffff) { p = skipUndefined(dv, off); continue; }
      if (off + len > buf.byteLength) break;
      var tag = hex4(group) + hex4(elem);
      var isString = vr ? STRING_VRS[vr] : NAMES[tag] && tag !== '00280010' && tag !== '00280011' && tag !== '00280100';
      var value;
      if (vr === 'US' && len >= 2) value = String(dv.getUint16(off, true));
      else if (vr === 'UL' && len >= 4) value = String(dv.getUint32(off, true));
      else if (isString) value = new TextDecoder('latin1').decode(new Uint8Array(buf, off, Math.min(len, 256))).replace(/\0/g, '').trim();
      else if (!vr && (tag === '00280010' || tag === '00280011' || tag === '00280100')) value = String(dv.getUint16(off, true));
      else value = '(' + len + ' bytes)';
      if (tag === '00020010') ts = value;
      if (!(elem === 0 && group !== 0x0002)) out.push({ tag: '(' + hex4(group) + ',' + hex4(elem) + ')', name: NAMES[tag] || '', value: value });
      p = off + len;
    }
    return out;
  }

  /** Skips an undefined-length element (sequence or encapsulated data) to its delimiter. */
  function skipUndefined(dv, p) {
    var depth = 1;
    while (p + 8 <= dv.byteLength && depth > 0) {
      var g = dv.getUint16(p, true);
      var e = dv.getUint16(p + 2, true);
      var l = dv.getUint32(p + 4, true);
      if (g === 0xfffe && e === 0xe0dd) { depth--; p += 8; continue; }
      if (g === 0xfffe && (e === 0xe000 || e === 0xe00d)) { p += 8; if (e === 0xe000 && l !== 0xffffffff) p += l; continue; }
      p += 1; // inside an item of undefined length: scan for the delimiters
    }
    return p;
  }

  /** The first 4 MB of `file` read here and listed as rows (tag, element, value) of `rows`; then `box` is shown. */
  function show(file, rows, box) {
    rows.textContent = '';
    file.slice(0, 4 * 1024 * 1024).arrayBuffer().then(function (buf) {
      var list;
      try { list = parse(buf); } catch (err) { list = [{ tag: '', name: 'Not readable', value: err.message }]; }
      list.forEach(function (r) {
        var tr = document.createElement('tr');
        [[r.tag, 'muted small'], [r.name, ''], [r.value, '']].forEach(function (c) {
          var td = document.createElement('td');
          if (c[1]) td.className = c[1];
          td.textContent = c[0];
          tr.appendChild(td);
        });
        rows.appendChild(tr);
      });
      box.hidden = false;
    });
  }

  window.SentinelDicomHeader = { parse: parse, show: show };
})();
