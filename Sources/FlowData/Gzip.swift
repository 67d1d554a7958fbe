import CZlib

/// gzip's two magic bytes (RFC 1952): a file starting with them is inflated before parsing,
/// whatever its name says.
let gzipMagic: (UInt8, UInt8) = (0x1F, 0x8B)

/// True when `bytes` starts with the gzip magic bytes.
func isGzip(_ bytes: [UInt8]) -> Bool {
  bytes.count >= 2 && bytes[0] == gzipMagic.0 && bytes[1] == gzipMagic.1
}

/// Inflates a gzip stream (one or more concatenated members) with zlib, refusing to
/// produce more than `limit` bytes.
///
/// Why a cap: a few kilobytes of gzip can inflate to gigabytes (a "gzip bomb"), and the
/// size a gzip file claims for itself (ISIZE, its last four bytes) is only a hint that can
/// lie. So the output buffer starts at the hinted size when that is within the limit (one
/// allocation for an honest file such as Fashion-MNIST) and otherwise grows by doubling,
/// never past `limit + 1` bytes: the extra byte is how an over-long stream is detected.
///
/// - Parameters:
///   - input: the compressed bytes, starting with the gzip magic.
///   - limit: the largest decompressed size accepted, in bytes.
///   - path: the file name for error messages.
/// - Returns: the decompressed bytes.
/// - Throws: `DataError` with `decompressedTooLarge` or `corruptGzip`.
public func gunzip(_ input: [UInt8], limit: Int, path: String) throws -> [UInt8] {
  var out = [UInt8](repeating: 0, count: initialCapacity(input, limit: limit))
  var produced = 0
  var stream = z_stream()
  // windowBits 16 + MAX_WBITS: expect a gzip header and trailer rather than raw zlib.
  var rc = inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
  guard rc == Z_OK else { throw DataError(path: path, .corruptGzip(reason: "zlib could not start (code \(rc))")) }
  defer { inflateEnd(&stream) }

  try input.withUnsafeBufferPointer { inBuf in
    var consumed = 0
    while true {
      // Feed at most 1 GiB at a time: zlib's counters are 32-bit.
      if stream.avail_in == 0 && consumed < inBuf.count {
        let n = min(inBuf.count - consumed, 1 << 30)
        stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress! + consumed)
        stream.avail_in = UInt32(n)
        consumed += n
      }
      if produced == out.count {
        guard out.count <= limit else { throw DataError(path: path, .decompressedTooLarge(limit: limit)) }
        let grown = min(limit + 1, max(out.count * 2, 1 << 16))
        out.append(contentsOf: repeatElement(0, count: grown - out.count))
      }
      let room = min(out.count - produced, 1 << 30)
      rc = out.withUnsafeMutableBufferPointer { outBuf in
        stream.next_out = outBuf.baseAddress! + produced
        stream.avail_out = UInt32(room)
        return inflate(&stream, Z_NO_FLUSH)
      }
      produced += room - Int(stream.avail_out)
      if produced > limit { throw DataError(path: path, .decompressedTooLarge(limit: limit)) }

      switch rc {
      case Z_STREAM_END:
        // Another member may follow (`cat a.gz b.gz` is a valid gzip file); anything else
        // after the trailer, such as tape padding, is ignored as gzip(1) does.
        let offset = consumed - Int(stream.avail_in)
        if offset + 1 < inBuf.count && inBuf[offset] == gzipMagic.0 && inBuf[offset + 1] == gzipMagic.1 {
          inflateReset(&stream)
          continue
        }
        out.removeSubrange(produced...)
        return
      case Z_OK:
        continue
      case Z_BUF_ERROR where stream.avail_in == 0 && consumed == inBuf.count:
        throw DataError(path: path, .corruptGzip(reason: "the compressed data ends early"))
      case Z_BUF_ERROR:
        continue
      default:
        let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
        throw DataError(path: path, .corruptGzip(reason: reason))
      }
    }
  }
  return out
}

/// The first output buffer size: the gzip trailer's ISIZE (the uncompressed size modulo
/// 2^32) when it is plausible and within the limit, else four times the input.
private func initialCapacity(_ input: [UInt8], limit: Int) -> Int {
  var guess = input.count * 4
  if input.count >= 18 {
    let n = input.count
    let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
    // +1 so an honest single-member file finishes without a final grow. Deflate cannot
    // expand data more than about 1032:1, so a larger claim is a lie and is not allocated.
    if isize > 0 { guess = min(isize + 1, input.count * 1032 + 64) }
  }
  return max(1, min(guess, limit + 1))
}

/// Compresses `bytes` into a single gzip member with zlib (used by tests to write gzipped
/// fixtures, and available for writing gzipped outputs).
///
/// - Parameter level: zlib's compression level, 0 (store) to 9 (smallest); 6 by default.
public func gzip(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
  var stream = z_stream()
  // windowBits 16 + MAX_WBITS asks deflate for a gzip header and trailer; memLevel 8 is zlib's default.
  let rc = deflateInit2_(
    &stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
    Int32(MemoryLayout<z_stream>.size))
  precondition(rc == Z_OK, "deflateInit2 failed with \(rc)")
  defer { deflateEnd(&stream) }
  var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
  var produced = 0
  bytes.withUnsafeBufferPointer { inBuf in
    out.withUnsafeMutableBufferPointer { outBuf in
      stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress ?? UnsafePointer(outBuf.baseAddress!))
      stream.avail_in = UInt32(inBuf.count)
      stream.next_out = outBuf.baseAddress!
      stream.avail_out = UInt32(outBuf.count)
      let status = deflate(&stream, Z_FINISH)
      precondition(status == Z_STREAM_END, "deflate did not finish (\(status))")
      produced = outBuf.count - Int(stream.avail_out)
    }
  }
  out.removeSubrange(produced...)
  return out
}
