package dev.vramcalc.core.precision;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.model.ConfigView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Returns the weight formats users can name, and the format a checkpoint is stored in (from its
 * {@code torch_dtype} and {@code quantization_config}).
 */
public final class Formats {

  private static final Map<String, WeightFormat> BY_ID = new LinkedHashMap<>();
  private static final Map<String, String> ALIASES = new LinkedHashMap<>();

  public static final WeightFormat FP32 = register(new UniformFormat("fp32", "FP32", DataType.F32));
  public static final WeightFormat FP16 = register(new UniformFormat("fp16", "FP16", DataType.F16));
  public static final WeightFormat BF16 = register(new UniformFormat("bf16", "BF16", DataType.BF16));

  static {
    register(new LinearQuantFormat("fp8", "FP8 (E4M3, per-tensor scale)",
        "block linear weights in FP8 E4M3 with one fp32 scale per matrix (vLLM --quantization fp8); the rest BF16",
        Codec.FP8_PER_TENSOR, DataType.BF16, List.of(), false));
    register(new LinearQuantFormat("fp8-channel", "FP8 (E4M3, per-channel scales)",
        "block linear weights in FP8 E4M3 with an fp32 scale per output channel; the rest BF16",
        Codec.FP8_PER_ROW, DataType.BF16, List.of(), false));
    register(new LinearQuantFormat("fp8-block", "FP8 (E4M3, 128×128 block scales)",
        "block linear weights in FP8 E4M3 with an fp32 scale per 128×128 tile (DeepSeek-V3); the rest BF16",
        Codec.fp8Block(128, 128), DataType.BF16, List.of(), false));
    register(new LinearQuantFormat("int8", "INT8 (LLM.int8 / W8 per-channel)",
        "block linear weights in int8 with an fp32 scale per output row (bitsandbytes load_in_8bit); the rest 16-bit",
        Codec.INT8_PER_ROW, DataType.BF16, List.of(), false));
    register(new LinearQuantFormat("gptq-int4", "INT4 GPTQ (group 128)",
        "block linear weights as 4-bit GPTQ: packed int32 codes, fp16 scale and packed zero per 128 inputs, int32 g_idx; the rest FP16",
        Codec.gptq(4, 128, true), DataType.F16, List.of(), false));
    register(new LinearQuantFormat("gptq-int8", "INT8 GPTQ (group 128)",
        "block linear weights as 8-bit GPTQ with fp16 scales and packed zeros per 128 inputs and int32 g_idx; the rest FP16",
        Codec.gptq(8, 128, true), DataType.F16, List.of(), false));
    register(new LinearQuantFormat("awq-int4", "INT4 AWQ (group 128)",
        "block linear weights as 4-bit AWQ (GEMM): packed int32 codes and zeros, fp16 scales per 128 inputs; the rest FP16",
        Codec.awq(4, 128), DataType.F16, List.of(), false));
    register(new LinearQuantFormat("nf4", "NF4 (bitsandbytes)",
        "block linear weights as bitsandbytes NF4: 4-bit codes, an fp32 absmax per 64 weights; the rest BF16",
        Codec.bnb4("NF4", false), DataType.BF16, List.of(), false));
    register(new LinearQuantFormat("nf4-dq", "NF4 + double quantization (bitsandbytes)",
        "block linear weights as NF4 with 8-bit absmax per 64 weights and an fp32 absmax per 256 blocks; the rest BF16",
        Codec.bnb4("NF4", true), DataType.BF16, List.of(), false));
    register(new LinearQuantFormat("fp4", "FP4 (bitsandbytes)",
        "block linear weights as bitsandbytes FP4: 4-bit codes, an fp32 absmax per 64 weights; the rest BF16",
        Codec.bnb4("FP4", false), DataType.BF16, List.of(), false));
    register(new LinearQuantFormat("mxfp4", "MXFP4",
        "block linear weights in MXFP4: 32 E2M1 values and one E8M0 scale per 17 bytes; the rest BF16",
        Codec.MXFP4, DataType.BF16, List.of(), false));
    register(new LinearQuantFormat("nvfp4", "NVFP4",
        "block linear weights in NVFP4: 16 E2M1 values and one FP8 scale per 9 bytes, fp32 global scales; the rest BF16",
        Codec.NVFP4, DataType.BF16, List.of(), false));
    for (GgufMix.Ftype f : GgufMix.Ftype.values()) {
      if (f != GgufMix.Ftype.BF16) {
        register(new GgufMix(f));
      }
    }
    register(new GgufMix(GgufMix.Ftype.BF16) {
      @Override
      public String id() {
        return "gguf-bf16";
      }
    });
    ALIASES.put("float32", "fp32");
    ALIASES.put("float16", "fp16");
    ALIASES.put("half", "fp16");
    ALIASES.put("bfloat16", "bf16");
    ALIASES.put("int4", "gptq-int4");
    ALIASES.put("gptq", "gptq-int4");
    ALIASES.put("awq", "awq-int4");
    ALIASES.put("bnb-4bit", "nf4");
    ALIASES.put("bnb-8bit", "int8");
    ALIASES.put("q4_k", "q4_k_m");
    ALIASES.put("q5_k", "q5_k_m");
    ALIASES.put("q3_k", "q3_k_m");
  }

  /** The formats shown in the weights footprint table, in order of falling width. */
  public static final List<String> FOOTPRINT = List.of(
      "fp32", "fp16", "bf16", "fp8", "int8", "gptq-int4", "awq-int4", "nf4", "nf4-dq", "mxfp4", "nvfp4",
      "q8_0", "q6_k", "q5_k_m", "q4_k_m", "q4_0", "iq4_xs", "q3_k_m", "q2_k");

  private Formats() {}

  private static WeightFormat register(WeightFormat f) {
    if (BY_ID.put(f.id(), f) != null) {
      throw new IllegalStateException("two formats named " + f.id());
    }
    return f;
  }

  /** Returns every named format. */
  public static List<WeightFormat> all() {
    return new ArrayList<>(BY_ID.values());
  }

  /**
   * Returns the format a user named ({@code bf16}, {@code Q4_K_M}, {@code nf4}).
   *
   * @throws BadInputException naming the value and listing the known formats
   */
  public static WeightFormat named(String field, String name) {
    if (name == null) {
      throw new BadInputException(field, field + " needs a value; known formats: " + String.join(", ", BY_ID.keySet()));
    }
    String key = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    for (String id : BY_ID.keySet()) {
      if (id.replace('-', '_').equals(key)) {
        return BY_ID.get(id);
      }
    }
    String alias = ALIASES.get(key.replace('_', '-'));
    if (alias == null) {
      alias = ALIASES.get(key);
    }
    if (alias != null) {
      return BY_ID.get(alias);
    }
    throw new BadInputException(field, field + " '" + name + "' is not a known format; known: " + String.join(", ", BY_ID.keySet()));
  }

  /**
   * Returns a plain 16/32-bit format for a torch dtype name. A config without {@code torch_dtype}
   * is FP32, as transformers loads it (GPT-2, BERT and CLIP checkpoints are stored in FP32).
   */
  public static WeightFormat ofTorchDtype(String torchDtype) {
    DataType t = DataType.fromTorchDtype(torchDtype);
    if (t == DataType.F32 || torchDtype == null) {
      return FP32;
    }
    if (t == DataType.F16) {
      return FP16;
    }
    return BF16;
  }

  /**
   * Returns the format a published checkpoint is stored in: its {@code quantization_config} when
   * it has one, else its {@code torch_dtype}.
   *
   * @throws BadInputException when the quantization method is one vramcalc cannot count, so that a
   *     quantized checkpoint is never silently sized as 16-bit
   */
  public static WeightFormat ofCheckpoint(ConfigView cfg, String torchDtype) {
    ConfigView q = cfg.child("quantization_config");
    if (q == null) {
      q = cfg.child("compression_config");
    }
    if (q == null) {
      ConfigView text = cfg.child("text_config");
      q = text == null ? null : text.child("quantization_config");
    }
    DataType dt = DataType.fromTorchDtype(torchDtype);
    DataType base = dt == DataType.F16 ? DataType.F16 : DataType.BF16;
    if (q == null) {
      return ofTorchDtype(torchDtype);
    }
    return CheckpointQuantization.read(q, base, cfg.origin());
  }
}
