package dev.vramcalc.io.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads little-endian values from a {@link ByteSource} through a window that grows as the reader
 * moves, so a remote header costs a few range requests; never reads past {@code limit} bytes.
 */
public final class Cursor {

  private final ByteSource source;
  private final long limit;
  private final long size;
  private long windowStart;
  private byte[] window = new byte[0];
  private long position;
  private int chunk;

  /**
   * @param limit the most bytes this reader may consume from offset 0 (the header limit)
   * @param firstChunk bytes fetched by the first read
   */
  public Cursor(ByteSource source, long limit, int firstChunk) throws IOException {
    this.source = source;
    this.limit = limit;
    this.size = source.size();
    this.chunk = firstChunk;
  }

  public long position() {
    return position;
  }

  /** Returns the file size when known, else -1. */
  public long size() {
    return size;
  }

  public String name() {
    return source.name();
  }

  public MalformedFileException error(long at, String problem) {
    return new MalformedFileException(source.name(), at, problem);
  }

  private void ensure(int n) {
    long end = position + n;
    if (end > limit) {
      throw error(position, "the header exceeds the limit of " + limit + " bytes");
    }
    if (position >= windowStart && end <= windowStart + window.length) {
      return;
    }
    try {
      int want = (int) Math.min(Math.max(n, chunk), limit - position);
      byte[] got = source.read(position, want);
      if (got.length < n) {
        throw error(position + got.length, "the file ends inside the header (needed " + n + " bytes at byte " + position + ")");
      }
      windowStart = position;
      window = got;
      chunk = (int) Math.min(Math.max(chunk, 1) * 2L, 16L << 20);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private int at(long p) {
    return window[(int) (p - windowStart)] & 0xff;
  }

  public int u8() {
    ensure(1);
    return at(position++);
  }

  public long u32() {
    ensure(4);
    long v = 0;
    for (int i = 3; i >= 0; i--) {
      v = (v << 8) | at(position + i);
    }
    position += 4;
    return v;
  }

  public long i64() {
    ensure(8);
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | at(position + i);
    }
    position += 8;
    return v;
  }

  public int u16() {
    ensure(2);
    int v = at(position) | (at(position + 1) << 8);
    position += 2;
    return v;
  }

  /** Returns {@code n} bytes. */
  public byte[] bytes(int n) {
    ensure(n);
    byte[] out = new byte[n];
    System.arraycopy(window, (int) (position - windowStart), out, 0, n);
    position += n;
    return out;
  }

  /** Skips {@code n} bytes, reading them so that truncation is still found. */
  public void skip(long n) {
    while (n > 0) {
      int step = (int) Math.min(n, 1 << 20);
      ensure(step);
      position += step;
      n -= step;
    }
  }

  /** Decodes UTF-8 strictly. */
  public String utf8(byte[] b, long at) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw error(at, "a string is not valid UTF-8");
    }
  }
}
