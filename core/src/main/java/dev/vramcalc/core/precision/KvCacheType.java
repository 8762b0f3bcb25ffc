package dev.vramcalc.core.precision;

import dev.vramcalc.core.BadInputException;
import java.util.Locale;

/**
 * Returns how the KV cache stores each element: plain 16/32-bit, FP8, or llama.cpp's block types
 * (q8_0 is 34 bytes per 32 values, q4_0 18 per 32), named as vLLM's {@code --kv-cache-dtype} and
 * llama.cpp's {@code --cache-type-k/-v} name them.
 */
public enum KvCacheType {
  AUTO(null),
  FP32(DataType.F32),
  FP16(DataType.F16),
  BF16(DataType.BF16),
  FP8(DataType.F8_E4M3),
  FP8_E5M2(DataType.F8_E5M2),
  Q8_0(DataType.Q8_0),
  Q5_1(DataType.Q5_1),
  Q5_0(DataType.Q5_0),
  Q4_1(DataType.Q4_1),
  Q4_0(DataType.Q4_0),
  IQ4_NL(DataType.IQ4_NL);

  private final DataType type;

  KvCacheType(DataType type) {
    this.type = type;
  }

  /** Returns the storage type, {@code AUTO} resolving to the model's activation type. */
  public DataType resolve(DataType activation) {
    return type == null ? activation : type;
  }

  /**
   * Returns the type a user named.
   *
   * @throws BadInputException naming the flag, the value and the accepted names
   */
  public static KvCacheType parse(String field, String text) {
    String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    return switch (s) {
      case "auto" -> AUTO;
      case "fp32", "f32", "float32" -> FP32;
      case "fp16", "f16", "float16", "half" -> FP16;
      case "bf16", "bfloat16" -> BF16;
      case "fp8", "fp8_e4m3", "fp8-e4m3", "f8_e4m3" -> FP8;
      case "fp8_e5m2", "fp8-e5m2" -> FP8_E5M2;
      case "q8_0", "int8" -> Q8_0;
      case "q5_1" -> Q5_1;
      case "q5_0" -> Q5_0;
      case "q4_1" -> Q4_1;
      case "q4_0" -> Q4_0;
      case "iq4_nl" -> IQ4_NL;
      default -> throw new BadInputException(field, field + " '" + text + "' is not a KV cache type; use auto, fp32, fp16, bf16, fp8, fp8_e5m2, q8_0, q5_1, q5_0, q4_1, q4_0 or iq4_nl");
    };
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
