package dev.vramcalc.core.precision;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.model.ConfigView;
import java.util.ArrayList;
import java.util.List;

/**
 * Returns the weight format a {@code quantization_config} describes, reading the keys each method
 * writes (transformers' quantizer configs, compressed-tensors, fbgemm, MXFP4).
 */
final class CheckpointQuantization {

  static final List<String> SUPPORTED = List.of("fp8", "fbgemm_fp8", "compressed-tensors", "gptq", "awq", "bitsandbytes", "mxfp4", "modelopt");

  private CheckpointQuantization() {}

  private static List<String> list(ConfigView q, String key) {
    try {
      List<String> l = q.stringList(key);
      return l == null ? List.of() : l;
    } catch (RuntimeException e) {
      throw new BadInputException("quantization_config", q.origin() + ": quantization_config." + key + " must be a list of module names");
    }
  }

  private static long integer(ConfigView q, String key, long fallback) {
    try {
      Long v = q.longValue(key);
      return v == null ? fallback : v;
    } catch (RuntimeException e) {
      throw new BadInputException("quantization_config", q.origin() + ": quantization_config." + key + " must be a whole number");
    }
  }

  static WeightFormat read(ConfigView q, DataType base, String origin) {
    String method = q.stringValue("quant_method");
    if (method == null) {
      if (Boolean.TRUE.equals(q.boolValue("load_in_4bit")) || Boolean.TRUE.equals(q.boolValue("load_in_8bit"))) {
        method = "bitsandbytes";
      } else {
        throw new BadInputException("quantization_config", origin + ": quantization_config has no quant_method; pass --weights to say how the weights are stored");
      }
    }
    List<String> skip = new ArrayList<>(list(q, "modules_to_not_convert"));
    skip.addAll(list(q, "ignore"));
    skip.addAll(list(q, "llm_int8_skip_modules"));
    String tag = "checkpoint";
    return switch (method) {
      case "fp8" -> {
        List<Long> block = q.longList("weight_block_size");
        Codec codec = block != null && block.size() == 2 ? Codec.fp8Block(block.get(0), block.get(1)) : Codec.FP8_PER_TENSOR;
        String what = block != null && block.size() == 2 ? "FP8 E4M3 with fp32 scales per " + block.get(0) + "×" + block.get(1) + " tile" : "FP8 E4M3 with a per-tensor scale";
        yield new LinearQuantFormat(tag, "FP8 (checkpoint)", what + "; embeddings, LM head, norms and routers " + base.name(), codec, base, skip, false);
      }
      case "fbgemm_fp8" -> new LinearQuantFormat(tag, "FP8 (fbgemm, checkpoint)",
          "FP8 E4M3 with an fp32 scale per output channel, except modules_to_not_convert (" + skip.size() + " modules) in " + base.name(),
          Codec.FP8_PER_ROW, base, skip, false);
      case "mxfp4" -> new LinearQuantFormat(tag, "MXFP4 (checkpoint)",
          "MXFP4 (17 bytes per 32 values) for the converted modules, except modules_to_not_convert in " + base.name(),
          Codec.MXFP4, base, skip, false);
      case "gptq" -> {
        int bits = (int) integer(q, "bits", 4);
        long group = integer(q, "group_size", 128);
        yield new LinearQuantFormat(tag, "GPTQ INT" + bits + " (group " + group + ", checkpoint)",
            bits + "-bit GPTQ with group " + group + "; the rest FP16", Codec.gptq(bits, group, true), DataType.F16, skip, false);
      }
      case "awq" -> {
        int bits = (int) integer(q, "bits", integer(q, "w_bit", 4));
        long group = integer(q, "group_size", integer(q, "q_group_size", 128));
        yield new LinearQuantFormat(tag, "AWQ INT" + bits + " (group " + group + ", checkpoint)",
            bits + "-bit AWQ with group " + group + "; the rest FP16", Codec.awq(bits, group), DataType.F16, skip, false);
      }
      case "bitsandbytes" -> {
        if (Boolean.TRUE.equals(q.boolValue("load_in_8bit"))) {
          yield new LinearQuantFormat(tag, "INT8 (bitsandbytes, checkpoint)", "LLM.int8 with an fp32 scale per row",
              Codec.INT8_PER_ROW, base, skip, false);
        }
        String type = q.stringValue("bnb_4bit_quant_type") == null ? "fp4" : q.stringValue("bnb_4bit_quant_type");
        boolean dq = Boolean.TRUE.equals(q.boolValue("bnb_4bit_use_double_quant"));
        yield new LinearQuantFormat(tag, type.toUpperCase(java.util.Locale.ROOT) + (dq ? " + DQ" : "") + " (bitsandbytes, checkpoint)",
            "bitsandbytes 4-bit " + type + (dq ? " with double quantization" : ""),
            Codec.bnb4(type.toUpperCase(java.util.Locale.ROOT), dq), base, skip, false);
      }
      case "compressed-tensors" -> compressedTensors(q, base, skip, origin);
      case "modelopt" -> {
        String algo = q.stringValue("quant_algo");
        if ("NVFP4".equalsIgnoreCase(algo)) {
          yield new LinearQuantFormat(tag, "NVFP4 (modelopt, checkpoint)", "NVFP4 blocks of 16 with FP8 scales", Codec.NVFP4, base, skip, false);
        }
        if ("FP8".equalsIgnoreCase(algo)) {
          yield new LinearQuantFormat(tag, "FP8 (modelopt, checkpoint)", "FP8 E4M3 per-tensor", Codec.FP8_PER_TENSOR, base, skip, false);
        }
        throw new BadInputException("quantization_config", origin + ": modelopt quant_algo '" + algo + "' is not supported; pass --weights");
      }
      default -> throw new BadInputException("quantization_config", origin + ": quant_method '" + method + "' is not supported (supported: "
          + String.join(", ", SUPPORTED) + "); pass --weights to say how the weights are stored");
    };
  }

  /** compressed-tensors: the first config group's weight scheme (num_bits, type, strategy, group_size). */
  private static WeightFormat compressedTensors(ConfigView q, DataType base, List<String> skip, String origin) {
    ConfigView groups = q.child("config_groups");
    ConfigView weights = null;
    if (groups != null) {
      for (String key : groups.keys()) {
        ConfigView g = groups.child(key);
        if (g != null && g.child("weights") != null) {
          weights = g.child("weights");
          break;
        }
      }
    }
    if (weights == null) {
      throw new BadInputException("quantization_config", origin + ": compressed-tensors config has no config_groups.*.weights");
    }
    long bits = integer(weights, "num_bits", 8);
    String type = weights.stringValue("type") == null ? "int" : weights.stringValue("type");
    String strategy = weights.stringValue("strategy") == null ? "tensor" : weights.stringValue("strategy");
    long group = integer(weights, "group_size", 128);
    String tag = "checkpoint";
    if (bits == 8 && type.equals("float")) {
      Codec c = strategy.equals("channel") ? Codec.FP8_PER_ROW : Codec.FP8_PER_TENSOR;
      return new LinearQuantFormat(tag, "FP8 (compressed-tensors, checkpoint)", "FP8 E4M3, " + strategy + " scales", c, base, skip, false);
    }
    if (bits == 8 && type.equals("int")) {
      return new LinearQuantFormat(tag, "INT8 (compressed-tensors, checkpoint)", "int8 weights with an fp32 scale per output channel", Codec.INT8_PER_ROW, base, skip, false);
    }
    if (bits == 4 && type.equals("int")) {
      return new LinearQuantFormat(tag, "INT4 (compressed-tensors, checkpoint)", "4-bit packed weights with scales per " + group + " inputs", Codec.awq(4, group), base, skip, false);
    }
    if (bits == 4 && type.equals("float")) {
      return new LinearQuantFormat(tag, "NVFP4 (compressed-tensors, checkpoint)", "FP4 blocks of 16 with FP8 scales", Codec.NVFP4, base, skip, false);
    }
    throw new BadInputException("quantization_config", origin + ": compressed-tensors weights of " + bits + "-bit " + type + " are not supported; pass --weights");
  }
}
