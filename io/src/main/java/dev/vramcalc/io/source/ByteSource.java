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
}
