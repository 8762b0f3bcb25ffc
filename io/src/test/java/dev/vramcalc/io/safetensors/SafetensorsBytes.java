package dev.vramcalc.io.safetensors;

import dev.vramcalc.core.model.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Writes safetensors headers for tests: tensors in order, offsets tiling the data section. */
public final class SafetensorsBytes {

  private final StringBuilder json = new StringBuilder("{");
  private long offset;
  private int count;

  public SafetensorsBytes metadata(String key, String value) {
    json.append(count++ == 0 ? "" : ",").append("\"__metadata__\":{\"").append(key).append("\":\"").append(value).append("\"}");
    return this;
  }

  public SafetensorsBytes tensor(String name, String dtype, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    long bytes = SafetensorsReader.bytesOf(dtype, n);
    json.append(count++ == 0 ? "" : ",").append('"').append(name).append("\":{\"dtype\":\"").append(dtype).append("\",\"shape\":")
        .append(Arrays.toString(shape).replace(" ", "")).append(",\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
    offset += bytes;
    return this;
  }

  /** Raw JSON member text, for hostile headers. */
  public SafetensorsBytes raw(String member) {
    json.append(count++ == 0 ? "" : ",").append(member);
    return this;
  }

  /** Adds every tensor of an architecture in BF16, one tensor per expert where the checkpoint stores them apart (a {@code *} in the name). */
  public SafetensorsBytes architecture(List<TensorSpec> tensors) {
    for (TensorSpec t : tensors) {
      long[] s = t.shape();
      if (t.experts() > 0 && t.name().contains("*")) {
        long[] one = Arrays.copyOfRange(s, 1, s.length);
        for (int e = 0; e < t.experts(); e++) {
          tensor(t.name().replace("*", Integer.toString(e)), "BF16", one);
        }
      } else {
        tensor(t.name(), "BF16", s);
      }
    }
    return this;
  }

  public byte[] header() {
    byte[] text = (json + "}").getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + text.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(text.length);
    b.put(text);
    return b.array();
  }

  public long dataBytes() {
    return offset;
  }

  public long fileSize() {
    return header().length + offset;
  }

  public static List<String> names(List<TensorSpec> tensors) {
    List<String> out = new ArrayList<>();
    tensors.forEach(t -> out.add(t.name()));
    return out;
  }
}
