/*
 * Study page: whether a chosen file is an archive the service does not read (TAR, a gzip-compressed
 * TAR, 7-Zip, RAR), from its first bytes, as the server tells it (src/studies/file-kinds.ts
 * otherArchiveName, upload-sniff.ts archiveKind). The page said only "The study is larger than X"
 * of a big .tar.gz, so its owner packed a smaller one and was then refused for its being TAR; the
 * page now names such a file before anything is sent, whatever its size.
 */
(function () {
  'use strict';
  /** file-kinds.ts ARCHIVE_SNIFF_BYTES: a TAR's "ustar" magic ends at byte 262 */
  var ARCHIVE_SNIFF_BYTES = 262;
  /** upload-sniff.ts PREFIX_BYTES: the compressed bytes of a gzip read to see what it holds */
  var GZIP_PREFIX = 4096;
  /** files read at once (a series may have hundreds), each only for its first bytes */
  var AT_ONCE = 16;

  function ascii(b, at, n) { return String.fromCharCode.apply(null, Array.prototype.slice.call(b, at, at + n)); }
  function isGzip(b) { return b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 0x08; }
  function otherArchiveName(b) {
    if (b.length >= 262 && ascii(b, 257, 5) === 'ustar') return 'TAR';
    if (b.length >= 6 && [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c].every(function (v, i) { return b[i] === v; })) return '7-Zip';
    if (b.length >= 6 && ascii(b, 0, 6) === 'Rar!\x1a\x07') return 'RAR';
    return null;
  }
  function head(file, n) { return file.slice(0, n).arrayBuffer().then(function (a) { return new Uint8Array(a); }); }

  /**
   * The first bytes a gzip's start inflates to, or null where the browser has no DecompressionStream.
   * The stream is closed after the prefix, so it ends (or errors: "truncated") rather than waits for
   * more; the output read before that is what is looked at.
   */
  function inflatedStart(prefix) {
    if (typeof window.DecompressionStream !== 'function') return Promise.resolve(null);
    var ds = new window.DecompressionStream('gzip');
    var writer = ds.writable.getWriter(), reader = ds.readable.getReader();
    var out = new Uint8Array(0);
    function more() {
      return reader.read().then(function (r) {
        if (r.done) return out;
        var next = new Uint8Array(out.length + r.value.length);
        next.set(out);
        next.set(r.value, out.length);
        out = next;
        if (out.length < ARCHIVE_SNIFF_BYTES) return more();
        reader.cancel().catch(function () {});
        return out;
      });
    }
    var read = more().catch(function () { return out; });
    writer.write(prefix).catch(function () {});
    writer.close().catch(function () {});
    return read;
  }

  /** "TAR archive", "TAR archive (gzip-compressed)", "7-Zip archive"… (upload-sniff.ts archiveKind's words), or null */
  function kind(file) {
    return head(file, ARCHIVE_SNIFF_BYTES).then(function (b) {
      var plain = otherArchiveName(b);
      if (plain) return plain + ' archive';
      if (!isGzip(b)) return null;
      return head(file, GZIP_PREFIX).then(inflatedStart).then(function (inner) {
        // without DecompressionStream (older browsers) only the name can tell; the server still reads the bytes
        var name = inner ? otherArchiveName(inner) : /\.(tar\.gz|tgz)$/i.test(file.name) ? 'TAR' : null;
        return name ? name + ' archive (gzip-compressed)' : null;
      });
    }).catch(function () { return null; }); // unreadable here: the server decides
  }

  /** The first of `files` (in their order) that is such an archive, as { file, kind }, or null. */
  function find(files) {
    function from(at) {
      if (at >= files.length) return Promise.resolve(null);
      var batch = files.slice(at, at + AT_ONCE);
      return Promise.all(batch.map(kind)).then(function (kinds) {
        for (var i = 0; i < kinds.length; i++) if (kinds[i]) return { file: batch[i], kind: kinds[i] };
        return from(at + AT_ONCE);
      });
    }
    return from(0);
  }

  window.SentinelStudyArchive = { find: find };
})();
