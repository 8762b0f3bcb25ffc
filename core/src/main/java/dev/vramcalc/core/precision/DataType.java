package dev.vramcalc.core.precision;

import java.util.Locale;

/**
 * Returns the storage layout of one element type: how many elements a block holds and how many
 * bytes the block takes.
 *
 * <p>Plain types are blocks of one element. Block-quantized types store a block of elements
 * together with their scales; their sizes are ggml's block structs.
 *
 * <p>Source: ggml-org/llama.cpp:ggml/src/ggml-common.h (block_q4_0 … block_iq4_xs, block_mxfp4) and
 * ggml/include/ggml.h (enum ggml_type ids); safetensors dtype names from
 * huggingface/safetensors:safetensors/src/tensor.rs.
 */
public enum DataType {
  F64(1, 8, 28, "F64"),
  F32(1, 4, 0, "F32"),
  F16(1, 2, 1, "F16"),
  BF16(1, 2, 30, "BF16"),
  F8_E4M3(1, 1, -1, "F8_E4M3"),
  F8_E5M2(1, 1, -1, "F8_E5M2"),
  F8_E8M0(1, 1, -1, "F8_E8M0"),
  I64(1, 8, 27, "I64"),
  I32(1, 4, 26, "I32"),
  I16(1, 2, 25, "I16"),
  I8(1, 1, 24, "I8"),
  U8(1, 1, -1, "U8"),
  BOOL(1, 1, -1, "BOOL"),
  /** Two 4-bit values per byte (bitsandbytes codes, packed FP4). */
  F4(2, 1, -1, "F4"),
  Q4_0(32, 2 + 16, 2, null),
  Q4_1(32, 2 + 2 + 16, 3, null),
  Q5_0(32, 2 + 4 + 16, 6, null),
  Q5_1(32, 2 + 2 + 4 + 16, 7, null),
  Q8_0(32, 2 + 32, 8, null),
  Q8_1(32, 4 + 32, 9, null),
  Q2_K(256, 16 + 64 + 2 + 2, 10, null),
  Q3_K(256, 32 + 64 + 12 + 2, 11, null),
  Q4_K(256, 2 + 2 + 12 + 128, 12, null),
  Q5_K(256, 2 + 2 + 12 + 32 + 128, 13, null),
  Q6_K(256, 128 + 64 + 16 + 2, 14, null),
  Q8_K(256, 4 + 256 + 32, 15, null),
  IQ2_XXS(256, 2 + 64, 16, null),
  IQ2_XS(256, 2 + 64 + 8, 17, null),
  IQ3_XXS(256, 2 + 96, 18, null),
  IQ1_S(256, 2 + 32 + 16, 19, null),
  IQ4_NL(32, 2 + 16, 20, null),
  IQ3_S(256, 2 + 64 + 8 + 32 + 4, 21, null),
  IQ2_S(256, 2 + 64 + 16, 22, null),
  IQ4_XS(256, 2 + 2 + 4 + 128, 23, null),
  IQ1_M(256, 32 + 16 + 8, 29, null),
  TQ1_0(256, 2 + 48 + 4, 34, null),
  TQ2_0(256, 2 + 64, 35, null),
  /** OCP microscaling FP4: 32 E2M1 values (16 bytes) and one shared E8M0 scale byte. */
  MXFP4(32, 1 + 16, 39, null);

  private final int blockElements;
  private final int blockBytes;
  private final int ggufId;
  private final String safetensorsName;

  DataType(int blockElements, int blockBytes, int ggufId, String safetensorsName) {
    this.blockElements = blockElements;
    this.blockBytes = blockBytes;
    this.ggufId = ggufId;
    this.safetensorsName = safetensorsName;
  }

  public int blockElements() {
    return blockElements;
  }

  public int blockBytes() {
    return blockBytes;
  }

  public int ggufId() {
    return ggufId;
  }

  public boolean isBlockQuantized() {
    return blockElements > 2;
  }

  /**
   * Returns the bytes of {@code elements} values stored as whole blocks: {@code ceil(n / block) ×
   * block_bytes}.
   *
   * <p>Example: 4096 values in Q4_K = ceil(4096 / 256) = 16 blocks × 144 bytes = 2304 bytes.
   */
  public long bytesFor(long elements) {
    if (elements < 0) {
      throw new IllegalArgumentException("elements (" + elements + ") must not be negative");
    }
    long blocks = elements / blockElements + (elements % blockElements == 0 ? 0 : 1);
    return Math.multiplyExact(blocks, (long) blockBytes);
  }

  /**
   * Returns the bytes of a matrix stored row by row, each row rounded up to whole blocks (ggml and
   * the microscaling formats block along the last dimension).
   */
  public long bytesForRows(long rows, long rowElements) {
    return Math.multiplyExact(rows, bytesFor(rowElements));
  }

  /** Returns the lowercase name users type ({@code q4_k}, {@code bf16}). */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Returns the average bits per element, for display. */
  public double bitsPerElement() {
    return blockBytes * 8.0 / blockElements;
  }

  public static DataType fromGgufId(int id) {
    for (DataType t : values()) {
      if (t.ggufId == id) {
        return t;
      }
    }
    return null;
  }

  public static DataType fromSafetensors(String name) {
    for (DataType t : values()) {
      if (name.equals(t.safetensorsName)) {
        return t;
      }
    }
    return null;
  }

  /** Returns the type named as Hugging Face's {@code torch_dtype} names it, or null. */
  public static DataType fromTorchDtype(String name) {
    if (name == null) {
      return null;
    }
    return switch (name.toLowerCase(Locale.ROOT).replace("torch.", "")) {
      case "float32", "float", "fp32" -> F32;
      case "float16", "half", "fp16" -> F16;
      case "bfloat16", "bf16" -> BF16;
      case "float64", "double" -> F64;
      case "float8_e4m3fn", "fp8" -> F8_E4M3;
      default -> null;
    };
  }
}
