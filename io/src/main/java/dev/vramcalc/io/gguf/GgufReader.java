package dev.vramcalc.io.gguf;

import dev.vramcalc.core.precision.DataType;
import dev.vramcalc.io.source.ByteSource;
import dev.vramcalc.io.source.Cursor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a GGUF header: magic, version, metadata key-values and tensor infos, without the tensor data.
 *
 * <p>Format (ggml-org/ggml docs/gguf.md, versions 2 and 3, little-endian): {@code "GGUF"}, u32
 * version, u64 tensor count, u64 metadata count; each metadata entry is a string key, a u32 value
 * type and the value (strings are a u64 length and UTF-8 bytes; arrays a u32 element type, a u64
 * count and the elements); each tensor info is a string name, a u32 dimension count, u64 dimensions
 * (innermost first), a u32 ggml type and a u64 offset from the start of the data section, which
 * begins at the next multiple of {@code general.alignment} (default 32) after the header.
 */
public final class GgufReader {

  /** Largest header accepted: metadata (vocabularies of 256k tokens take a few MiB) and tensor infos. */
  public static final long MAX_HEADER_BYTES = 128L << 20;
  /** Longest string (chat templates are tens of KiB). */
  public static final int MAX_STRING_BYTES = 4 << 20;
  /** Longest array (vocabularies, merges). */
  public static final long MAX_ARRAY_LENGTH = 16L << 20;
  /** Most metadata entries. */
  public static final long MAX_METADATA = 1L << 16;
  /** Most tensors (DeepSeek-V3 has about 1,100; unmerged expert files tens of thousands). */
  public static final long MAX_TENSORS = 1L << 20;
  /** ggml's GGML_MAX_DIMS. */
  public static final int MAX_DIMS = 4;
  /** Arrays at most this long are kept as values (per-layer settings); longer ones only by length. */
  public static final int KEPT_ARRAY_LENGTH = 4096;

  private static final long MAGIC = 0x46554747L; // "GGUF" little-endian

  /** An array metadata value kept only by element type and length (vocabularies). */
  public record ArrayInfo(int elementType, long length) {}

  /**
   * One tensor.
   *
   * @param ne dimensions innermost first, as ggml stores them
   */
  public record Tensor(String name, long[] ne, DataType type, long offset) {
    public long elements() {
      return dev.vramcalc.core.unit.Arith.elements(ne); // the reader bounds every shape first: never overflows here
    }

    /** Returns the bytes the tensor occupies: rows × the type's bytes per row. */
    public long bytes() {
      return type.bytesForRows(elements() / ne[0], ne[0]);
    }
  }

  /** The header. */
  public record Header(int version, Map<String, Object> metadata, List<Tensor> tensors, long dataOffset, long alignment) {
    public Object get(String key) {
      return metadata.get(key);
    }

    public String string(String key) {
      return metadata.get(key) instanceof String s ? s : null;
    }

    /** Returns an integer metadata value (any integer type), or null. */
    public Long integer(String key) {
      Object v = metadata.get(key);
      return v instanceof Long l ? l : v instanceof Integer i ? Long.valueOf(i) : null;
    }

    public Double number(String key) {
      Object v = metadata.get(key);
      return v instanceof Number n ? n.doubleValue() : null;
    }
  }

  private GgufReader() {}

  /**
   * Returns the header of a GGUF file.
   *
   * @throws dev.vramcalc.io.source.MalformedFileException naming the problem and the byte offset
   */
  public static Header read(ByteSource source) throws IOException {
    Cursor c = new Cursor(source, MAX_HEADER_BYTES, 1 << 16);
    long magic = c.u32();
    if (magic != MAGIC) {
      throw c.error(0, "not a GGUF file (the first four bytes are not 'GGUF')");
    }
    long version = c.u32();
    if (version != 2 && version != 3) {
      throw c.error(4, "GGUF version " + version + " is not supported (2 and 3 are)");
    }
    long tensorCount = c.i64();
    if (tensorCount < 0 || tensorCount > MAX_TENSORS) {
      throw c.error(8, "tensor count " + Long.toUnsignedString(tensorCount) + " exceeds the limit of " + MAX_TENSORS);
    }
    long kvCount = c.i64();
    if (kvCount < 0 || kvCount > MAX_METADATA) {
      throw c.error(16, "metadata count " + Long.toUnsignedString(kvCount) + " exceeds the limit of " + MAX_METADATA);
    }
    Map<String, Object> metadata = new LinkedHashMap<>();
    long alignmentAt = 24;
    for (long i = 0; i < kvCount; i++) {
      long at = c.position();
      String key = string(c);
      if (key.equals("general.alignment")) {
        alignmentAt = at; // where a bad alignment is reported: its own entry, not the start of the metadata
      }
      if (metadata.containsKey(key)) {
        throw c.error(at, "duplicate metadata key '" + key + "'");
      }
      int type = (int) c.u32();
      metadata.put(key, value(c, type, c.position() - 4, true));
    }
    long alignment = 32;
    Object a = metadata.get("general.alignment");
    if (a != null) {
      if (!(a instanceof Long l) || l <= 0 || l > 1 << 20 || Long.bitCount(l) != 1) {
        throw c.error(alignmentAt, "general.alignment (" + a + ") must be a power of two up to 1 MiB");
      }
      alignment = (Long) a;
    }
    List<Tensor> tensors = new ArrayList<>((int) Math.min(tensorCount, 4096));
    Set<String> names = new HashSet<>();
    for (long i = 0; i < tensorCount; i++) {
      long at = c.position();
      String name = string(c);
      if (!names.add(name)) {
        throw c.error(at, "duplicate tensor name '" + name + "'");
      }
      long dimsAt = c.position();
      long nDims = c.u32();
      if (nDims < 1 || nDims > MAX_DIMS) {
        throw c.error(dimsAt, "tensor '" + name + "' has " + nDims + " dimensions (1 to " + MAX_DIMS + " allowed)");
      }
      long[] ne = new long[(int) nDims];
      long elements = 1;
      for (int d = 0; d < nDims; d++) {
        long dimAt = c.position();
        ne[d] = c.i64();
        if (ne[d] <= 0) {
          throw c.error(dimAt, "tensor '" + name + "' has dimension " + Long.toUnsignedString(ne[d]) + "; dimensions must be positive");
        }
        if (ne[d] > (1L << 53) / elements) {
          throw c.error(dimAt, "tensor '" + name + "' has more than 2^53 elements");
        }
        elements *= ne[d];
      }
      long typeAt = c.position();
      int typeId = (int) c.u32();
      DataType type = typeId < 0 ? null : DataType.fromGgufId(typeId);
      if (type == null) {
        throw c.error(typeAt, "tensor '" + name + "' has unknown ggml type " + typeId);
      }
      if (type.blockElements() > 1 && ne[0] % type.blockElements() != 0) {
        throw c.error(typeAt, "tensor '" + name + "' has rows of " + ne[0] + " elements, not a multiple of the " + type.name() + " block (" + type.blockElements() + ")");
      }
      long offsetAt = c.position();
      long offset = c.i64();
      if (offset < 0 || offset % alignment != 0) {
        throw c.error(offsetAt, "tensor '" + name + "' has data offset " + Long.toUnsignedString(offset) + ", not a non-negative multiple of the alignment " + alignment);
      }
      tensors.add(new Tensor(name, ne, type, offset));
    }
    long dataOffset = (c.position() + alignment - 1) / alignment * alignment;
    checkData(c, tensors, dataOffset);
    return new Header((int) version, Collections.unmodifiableMap(metadata), List.copyOf(tensors), dataOffset, alignment);
  }

  /** Tensors must not overlap and must lie inside the file when its size is known. */
  private static void checkData(Cursor c, List<Tensor> tensors, long dataOffset) {
    List<Tensor> sorted = new ArrayList<>(tensors);
    sorted.sort((x, y) -> Long.compare(x.offset(), y.offset()));
    long end = 0;
    for (Tensor t : sorted) {
      long bytes = t.bytes();
      if (t.offset() < end) {
        throw c.error(dataOffset + t.offset(), "tensor '" + t.name() + "' overlaps the tensor before it");
      }
      end = t.offset() + bytes;
      // compared as end > size − dataOffset: dataOffset + end can wrap past Long.MAX_VALUE (found in review)
      if (t.offset() < 0 || end < 0 || (c.size() >= 0 && end > c.size() - dataOffset)) {
        throw c.error(dataOffset + t.offset(), "tensor '" + t.name() + "' (" + bytes + " bytes) runs past the end of the file (" + c.size() + " bytes)");
      }
    }
  }

  private static String string(Cursor c) {
    long at = c.position();
    long len = c.i64();
    if (len < 0 || len > MAX_STRING_BYTES) {
      throw c.error(at, "string length " + Long.toUnsignedString(len) + " exceeds the limit of " + MAX_STRING_BYTES + " bytes");
    }
    return c.utf8(c.bytes((int) len), at + 8);
  }

  private static Object value(Cursor c, int type, long at, boolean topLevel) {
    return switch (type) {
      case 0 -> (long) c.u8();
      case 1 -> (long) (byte) c.u8();
      case 2 -> (long) c.u16();
      case 3 -> (long) (short) c.u16();
      case 4 -> c.u32();
      case 5 -> (long) (int) c.u32();
      case 6 -> (double) Float.intBitsToFloat((int) c.u32());
      case 7 -> {
        int b = c.u8();
        if (b > 1) {
          throw c.error(c.position() - 1, "boolean value " + b + " (0 or 1 allowed)");
        }
        yield b == 1;
      }
      case 8 -> string(c);
      case 9 -> {
        if (!topLevel) {
          throw c.error(at, "nested arrays are not supported");
        }
        long elemAt = c.position();
        int elem = (int) c.u32();
        long lenAt = c.position();
        long len = c.i64();
        if (len < 0 || len > MAX_ARRAY_LENGTH) {
          throw c.error(lenAt, "array length " + Long.toUnsignedString(len) + " exceeds the limit of " + MAX_ARRAY_LENGTH);
        }
        if (elem == 9) {
          throw c.error(elemAt, "nested arrays are not supported");
        }
        if (elem < 0 || elem > 12) {
          throw c.error(elemAt, "unknown array element type " + elem);
        }
        if (len <= KEPT_ARRAY_LENGTH) {
          List<Object> list = new ArrayList<>((int) len);
          for (long i = 0; i < len; i++) {
            list.add(value(c, elem, elemAt, false));
          }
          yield List.copyOf(list);
        }
        int width = width(elem);
        if (width > 0) {
          c.skip(len * width);
        } else {
          for (long i = 0; i < len; i++) {
            long sAt = c.position();
            long sLen = c.i64();
            if (sLen < 0 || sLen > MAX_STRING_BYTES) {
              throw c.error(sAt, "string length " + Long.toUnsignedString(sLen) + " exceeds the limit of " + MAX_STRING_BYTES + " bytes");
            }
            c.skip(sLen);
          }
        }
        yield new ArrayInfo(elem, len);
      }
      case 10 -> c.i64();
      case 11 -> c.i64();
      case 12 -> Double.longBitsToDouble(c.i64());
      default -> throw c.error(at, "unknown metadata value type " + type);
    };
  }

  private static int width(int type) {
    return switch (type) {
      case 0, 1, 7 -> 1;
      case 2, 3 -> 2;
      case 4, 5, 6 -> 4;
      case 10, 11, 12 -> 8;
      default -> 0;
    };
  }
}
