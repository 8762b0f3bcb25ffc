package dev.vramcalc.io.source;

import java.io.IOException;

/**
 * Returns bytes of a file by offset without reading the rest: a local file, or a remote one fetched
 * by HTTP range requests. Header readers see only this interface.
 */
public interface ByteSource {

  /** Returns the file's length, or -1 when the source does not know it. */
  long size() throws IOException;

  /**
   * Returns up to {@code length} bytes from {@code offset}; fewer only at the end of the file (an
   * empty array past it).
   */
  byte[] read(long offset, int length) throws IOException;

  /** Returns a short name for messages (the file name or URL without credentials). */
  String name();

  /** Returns a source over exactly these bytes (tests, benchmarks, a header already fetched). */
  static ByteSource of(byte[] bytes, String name) {
    return of(bytes, bytes.length, name);
  }

  /**
   * Returns a source over bytes in memory that stand for the start of a file of {@code size} bytes:
   * past them the file reads as zeros without being held (a header whose data section is not
   * needed); a size of -1 is a source that does not know its length and ends with the bytes.
   */
  static ByteSource of(byte[] bytes, long size, String name) {
    return new ByteSource() {
      @Override
      public long size() {
        return size;
      }

      @Override
      public byte[] read(long offset, int length) {
        // up to the end of the file: held bytes, then zeros up to size; with an unknown size the file ends with the bytes
        long end = Math.max(offset, Math.min(offset + (long) length, size < 0 ? bytes.length : Math.max(size, bytes.length)));
        byte[] out = new byte[(int) (end - offset)];
        if (offset < bytes.length) {
          System.arraycopy(bytes, (int) offset, out, 0, (int) (Math.min(end, bytes.length) - offset));
        }
        return out;
      }

      @Override
      public String name() {
        return name;
      }
    };
  }
}
