package dev.vramcalc.io.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Writes GGUF headers byte by byte, following ggml's docs/gguf.md, for the reader's tests. */
public final class GgufBytes {

  private final ByteArrayOutputStream kv = new ByteArrayOutputStream();
  private final ByteArrayOutputStream infos = new ByteArrayOutputStream();
  private int kvCount;
  private int tensorCount;
  private long nextOffset;
  private int version = 3;
  private final List<Long> sizes = new ArrayList<>();

  public GgufBytes version(int v) {
    version = v;
    return this;
  }

  public static byte[] u32(long v) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array();
  }

  public static byte[] u64(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }

  public static byte[] str(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes(u64(b.length));
    o.writeBytes(b);
    return o.toByteArray();
  }

  public GgufBytes string(String key, String value) {
    kv.writeBytes(str(key));
    kv.writeBytes(u32(8));
    kv.writeBytes(str(value));
    kvCount++;
    return this;
  }

  public GgufBytes u32(String key, long value) {
    kv.writeBytes(str(key));
    kv.writeBytes(u32(4));
    kv.writeBytes(u32(value));
    kvCount++;
    return this;
  }

  public GgufBytes f32(String key, float value) {
    kv.writeBytes(str(key));
    kv.writeBytes(u32(6));
    kv.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array());
    kvCount++;
    return this;
  }

  /** An array of {@code n} strings "t0", "t1", … (a vocabulary). */
  public GgufBytes strings(String key, int n) {
    kv.writeBytes(str(key));
    kv.writeBytes(u32(9));
    kv.writeBytes(u32(8));
    kv.writeBytes(u64(n));
    for (int i = 0; i < n; i++) {
      kv.writeBytes(str("t" + i));
    }
    kvCount++;
    return this;
  }

  /** Raw bytes appended to the metadata section, counting as one entry. */
  public GgufBytes rawEntry(byte[] bytes) {
    kv.writeBytes(bytes);
    kvCount++;
    return this;
  }

  /** A tensor with ggml dimensions (innermost first), a ggml type id and its data size in bytes. */
  public GgufBytes tensor(String name, long[] ne, int type, long bytes) {
    infos.writeBytes(str(name));
    infos.writeBytes(u32(ne.length));
    for (long d : ne) {
      infos.writeBytes(u64(d));
    }
    infos.writeBytes(u32(type));
    infos.writeBytes(u64(nextOffset));
    nextOffset += (bytes + 31) / 32 * 32;
    sizes.add(bytes);
    tensorCount++;
    return this;
  }

  /** Raw tensor-info bytes, counting as one tensor. */
  public GgufBytes rawTensor(byte[] bytes) {
    infos.writeBytes(bytes);
    tensorCount++;
    return this;
  }

  /** Returns the header bytes. */
  public byte[] header() {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    o.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
    o.writeBytes(u32(version));
    o.writeBytes(u64(tensorCount));
    o.writeBytes(u64(kvCount));
    o.writeBytes(kv.toByteArray());
    o.writeBytes(infos.toByteArray());
    return o.toByteArray();
  }

  /** Returns the file size with the data section: header padded to 32, then every tensor. */
  public long fileSize() {
    return (header().length + 31L) / 32 * 32 + nextOffset;
  }
}
