package dev.vramcalc.io.safetensors;

import dev.vramcalc.io.json.Json;
import dev.vramcalc.io.json.JsonException;
import dev.vramcalc.io.source.ByteSource;
import dev.vramcalc.io.source.Cursor;
import dev.vramcalc.io.source.MalformedFileException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a safetensors header: an unsigned 64-bit little-endian length N, then N bytes of UTF-8 JSON
 * mapping each tensor name to its dtype, shape and {@code data_offsets} in the data that follows,
 * plus an optional {@code __metadata__} object of strings.
 *
 * <p>Checks follow the format's own rules (huggingface/safetensors, safetensors/src/tensor.rs): the
 * offsets must match dtype × shape, tile the data without holes or overlaps, and end where the file
 * ends; the header is limited to 100 MB as the reference implementation limits it.
 */
public final class SafetensorsReader {

  /** The reference implementation's header limit (MAX_HEADER_SIZE = 100,000,000). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;
  /** Most tensors in one file. */
  public static final int MAX_TENSORS = 1 << 20;
  /** Highest rank accepted. */
  public static final int MAX_RANK = 8;

  /** Bits per element of each dtype name. */
  private static final Map<String, Integer> BITS = Map.ofEntries(
      Map.entry("F64", 64), Map.entry("F32", 32), Map.entry("F16", 16), Map.entry("BF16", 16), Map.entry("I64", 64), Map.entry("I32", 32),
      Map.entry("I16", 16), Map.entry("I8", 8), Map.entry("U64", 64), Map.entry("U32", 32), Map.entry("U16", 16), Map.entry("U8", 8),
      Map.entry("BOOL", 8), Map.entry("F8_E4M3", 8), Map.entry("F8_E5M2", 8), Map.entry("F8_E8M0", 8), Map.entry("F6_E2M3", 6),
      Map.entry("F6_E3M2", 6), Map.entry("F4", 4), Map.entry("C64", 64));

  /**
   * One tensor.
   *
   * @param begin offset of its data from the start of the data section
   * @param end offset one past its data
   */
  public record Tensor(String name, String dtype, long[] shape, long begin, long end) {
    public long elements() {
      return dev.vramcalc.core.unit.Arith.elements(shape); // the reader bounds every shape first: never overflows here
    }

    public long bytes() {
      return end - begin;
    }

    /** Returns whether the dtype is a floating-point type (a tensor of parameters as stored, not packed integers). */
    public boolean isFloat() {
      return dtype.startsWith("F") || dtype.equals("BF16");
    }
  }

  /**
   * The header.
   *
   * @param dataOffset where the data section starts: 8 + the header length
   */
  public record Header(Map<String, String> metadata, List<Tensor> tensors, long dataOffset) {
    public long dataBytes() {
      long n = 0;
      for (Tensor t : tensors) {
        n += t.bytes();
      }
      return n;
    }
  }

  private SafetensorsReader() {}

  /** Returns the bytes a tensor of {@code dtype} and {@code elements} occupies, or -1 for an unknown dtype. */
  public static long bytesOf(String dtype, long elements) {
    Integer bits = BITS.get(dtype);
    if (bits == null) {
      return -1;
    }
    return Math.multiplyExact(elements, (long) bits) / 8 + (elements * bits % 8 == 0 ? 0 : 1);
  }

  /**
   * Returns the header of a safetensors file.
   *
   * @throws MalformedFileException naming the problem and its byte offset
   */
  public static Header read(ByteSource source) throws IOException {
    Cursor c = new Cursor(source, 8 + MAX_HEADER_BYTES, 1 << 16);
    long n = c.i64();
    if (n < 2 || n > MAX_HEADER_BYTES) {
      throw c.error(0, "header length " + Long.toUnsignedString(n) + " is outside 2 to " + MAX_HEADER_BYTES + " bytes");
    }
    if (c.size() >= 0 && 8 + n > c.size()) {
      throw c.error(0, "header length " + n + " runs past the end of the file (" + c.size() + " bytes)");
    }
    byte[] raw = c.bytes((int) n);
    String text = c.utf8(raw, 8);
    Object parsed;
    try {
      parsed = Json.parse(text, source.name(), new Json.Limits((int) n, 8, 1 << 20, MAX_TENSORS * 8));
    } catch (JsonException e) {
      throw new MalformedFileException(source.name(), 8 + e.offset(), "the header is not valid JSON (" + e.getMessage() + ")");
    }
    if (!(parsed instanceof Map<?, ?> root)) {
      throw c.error(8, "the header is not a JSON object");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    List<Tensor> tensors = new ArrayList<>();
    for (Map.Entry<?, ?> e : root.entrySet()) {
      String name = (String) e.getKey();
      // where the entry starts, for messages; found only when there is one (a search per tensor would be quadratic)
      java.util.function.LongSupplier at = () -> 8 + Math.max(0, text.indexOf('"' + name.replace("\\", "\\\\").replace("\"", "\\\"") + '"'));
      if (name.equals("__metadata__")) {
        if (!(e.getValue() instanceof Map<?, ?> m)) {
          throw c.error(at.getAsLong(), "__metadata__ is not an object");
        }
        for (Map.Entry<?, ?> me : m.entrySet()) {
          if (!(me.getValue() instanceof String s)) {
            throw c.error(at.getAsLong(), "__metadata__ value of '" + me.getKey() + "' is not a string");
          }
          metadata.put((String) me.getKey(), s);
        }
        continue;
      }
      if (!(e.getValue() instanceof Map<?, ?> info)) {
        throw c.error(at.getAsLong(), "tensor '" + name + "' is not an object");
      }
      tensors.add(tensor(c, name, info, at));
    }
    checkLayout(c, tensors, 8 + n);
    return new Header(Collections.unmodifiableMap(metadata), List.copyOf(tensors), 8 + n);
  }

  private static Tensor tensor(Cursor c, String name, Map<?, ?> info, java.util.function.LongSupplier where) {
    if (!(info.get("dtype") instanceof String dtype)) {
      throw c.error(where.getAsLong(), "tensor '" + name + "' has no dtype string");
    }
    if (!BITS.containsKey(dtype)) {
      throw c.error(where.getAsLong(), "tensor '" + name + "' has unknown dtype '" + dtype + "'");
    }
    if (!(info.get("shape") instanceof List<?> shapeList)) {
      throw c.error(where.getAsLong(), "tensor '" + name + "' has no shape array");
    }
    if (shapeList.size() > MAX_RANK) {
      throw c.error(where.getAsLong(), "tensor '" + name + "' has rank " + shapeList.size() + " (at most " + MAX_RANK + ")");
    }
    long[] shape = new long[shapeList.size()];
    long elements = 1;
    for (int i = 0; i < shape.length; i++) {
      if (!(shapeList.get(i) instanceof Long d) || d < 0) {
        throw c.error(where.getAsLong(), "tensor '" + name + "' has dimension " + shapeList.get(i) + "; dimensions must be non-negative integers");
      }
      shape[i] = d;
      if (d != 0 && elements > Long.MAX_VALUE / 64 / d) {
        throw c.error(where.getAsLong(), "tensor '" + name + "' has a shape whose size overflows 64 bits");
      }
      elements *= d;
    }
    if (!(info.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2 || !(offsets.get(0) instanceof Long begin)
        || !(offsets.get(1) instanceof Long end)) {
      throw c.error(where.getAsLong(), "tensor '" + name + "' has no data_offsets pair of integers");
    }
    if (begin < 0 || end < begin) {
      throw c.error(where.getAsLong(), "tensor '" + name + "' has data_offsets [" + begin + ", " + end + "]");
    }
    long bytes = bytesOf(dtype, elements);
    if (end - begin != bytes) {
      throw c.error(where.getAsLong(), "tensor '" + name + "' spans " + (end - begin) + " bytes but " + dtype + " × " + java.util.Arrays.toString(shape) + " is " + bytes);
    }
    for (Object k : info.keySet()) {
      if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
        throw c.error(where.getAsLong(), "tensor '" + name + "' has unknown field '" + k + "'");
      }
    }
    return new Tensor(name, dtype, shape, begin, end);
  }

  /** The tensors must tile the data section from 0 with no holes or overlaps, and end where the file ends. */
  private static void checkLayout(Cursor c, List<Tensor> tensors, long dataOffset) {
    List<Tensor> sorted = new ArrayList<>(tensors);
    sorted.sort((a, b) -> a.begin() != b.begin() ? Long.compare(a.begin(), b.begin()) : Long.compare(a.end(), b.end()));
    long expected = 0;
    for (Tensor t : sorted) {
      if (t.begin() != expected) {
        throw c.error(dataOffset + Math.min(t.begin(), expected), "tensor '" + t.name() + "' starts at data offset " + t.begin() + " but the previous tensor ends at "
            + expected + (t.begin() < expected ? " (overlap)" : " (hole)"));
      }
      expected = t.end();
    }
    if (c.size() >= 0 && dataOffset + expected != c.size()) {
      throw c.error(Math.min(c.size(), dataOffset + expected), "the tensors end at byte " + (dataOffset + expected) + " but the file has " + c.size() + " bytes");
    }
  }
}
