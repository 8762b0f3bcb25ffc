package dev.vramcalc.core.precision;

import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.Component;
import dev.vramcalc.core.model.TensorRole;
import dev.vramcalc.core.model.TensorSpec;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Returns a format that quantizes the linear weights inside transformer blocks and keeps everything
 * else (embeddings, LM head, norms, biases, routers, vision tower) in a 16-bit base type, as
 * GPTQ, AWQ, bitsandbytes, FP8 and MXFP4 checkpoints do.
 *
 * @param exclusions module names left unconverted ({@code modules_to_not_convert} or {@code ignore}
 *     of a quantization_config): a tensor is excluded when its name equals an entry or starts with it
 *     followed by a dot; {@code *} matches any run of characters; a {@code re:} prefix is a regex
 * @param expertsOnly whether only routed-expert matrices are converted (gpt-oss MXFP4)
 */
record LinearQuantFormat(
    String id, String label, String describe, Codec codec, DataType base, List<String> exclusions, boolean expertsOnly)
    implements WeightFormat {

  LinearQuantFormat {
    exclusions = List.copyOf(exclusions);
  }

  LinearQuantFormat withBase(DataType newBase) {
    return new LinearQuantFormat(id, label, describe, codec, newBase, exclusions, expertsOnly);
  }

  /** Returns whether the scheme converts this tensor. */
  boolean converts(TensorSpec t) {
    if (t.role() == TensorRole.BIAS || t.isVector() || !t.role().isBlockLinear()) {
      return false;
    }
    if (t.component() == Component.VISION_TOWER || t.component() == Component.PROJECTOR) {
      return false;
    }
    if (expertsOnly && !t.role().isExpert()) {
      return false;
    }
    for (String rule : exclusions) {
      if (matches(rule, t.name())) {
        return false;
      }
    }
    return true;
  }

  static boolean matches(String rule, String tensorName) {
    if (rule.startsWith("re:")) {
      return Pattern.compile(rule.substring(3)).matcher(tensorName).find();
    }
    StringBuilder regex = new StringBuilder();
    for (String part : rule.split("\\*", -1)) {
      if (regex.length() > 0) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(part));
    }
    Pattern p = Pattern.compile(regex + "(\\..*)?");
    // Module names may omit the leading "model." that a tensor name carries.
    return p.matcher(tensorName).matches()
        || (tensorName.startsWith("model.") && p.matcher(tensorName.substring(6)).matches());
  }

  @Override
  public Pricer pricer(Architecture arch) {
    return new Pricer() {
      @Override
      public long bytes(TensorSpec t, long[] shape) {
        if (converts(t)) {
          long matrices = t.experts() > 0 ? shape[0] : 1;
          long cols = shape[shape.length - 1];
          long rows = 1;
          for (int i = t.experts() > 0 ? 1 : 0; i < shape.length - 1; i++) {
            rows = Math.multiplyExact(rows, shape[i]);
          }
          return codec.bytes(matrices, rows, cols);
        }
        return (t.fp32() ? DataType.F32 : base).bytesFor(UniformFormat.elements(shape));
      }

      @Override
      public String typeOf(TensorSpec t) {
        return converts(t) ? codec.type() : (t.fp32() ? DataType.F32 : base).name();
      }
    };
  }
}
