package dev.vramcalc.core.model;

import dev.vramcalc.core.BadInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Returns the architecture of a config by its {@code model_type}: each supported family has a
 * builder that lists the tensors of its published checkpoints. An unknown type is an error that
 * names the supported ones; vramcalc never guesses a layout.
 */
public final class Families {

  private static final Map<String, BiFunction<String, ConfigView, Architecture>> BUILDERS = new LinkedHashMap<>();

  static {
    BUILDERS.put("llama", (t, c) -> LlamaLike.build(t, c, LlamaLike.LLAMA, ModelKind.DECODER, ""));
    BUILDERS.put("mistral", (t, c) -> LlamaLike.build(t, c, LlamaLike.MISTRAL, ModelKind.DECODER, ""));
    BUILDERS.put("mixtral", (t, c) -> LlamaLike.build(t, c, LlamaLike.MIXTRAL, ModelKind.DECODER, ""));
    BUILDERS.put("qwen2", (t, c) -> LlamaLike.build(t, c, LlamaLike.QWEN2, ModelKind.DECODER, ""));
    BUILDERS.put("qwen2_moe", (t, c) -> LlamaLike.build(t, c, LlamaLike.QWEN2_MOE, ModelKind.DECODER, ""));
    BUILDERS.put("qwen3", (t, c) -> LlamaLike.build(t, c, LlamaLike.QWEN3, ModelKind.DECODER, ""));
    BUILDERS.put("qwen3_moe", (t, c) -> LlamaLike.build(t, c, LlamaLike.QWEN3_MOE, ModelKind.DECODER, ""));
    BUILDERS.put("gemma", (t, c) -> LlamaLike.build(t, c, LlamaLike.GEMMA, ModelKind.DECODER, ""));
    BUILDERS.put("gemma2", (t, c) -> LlamaLike.build(t, c, LlamaLike.GEMMA2, ModelKind.DECODER, ""));
    BUILDERS.put("gemma3_text", (t, c) -> LlamaLike.build(t, c, LlamaLike.GEMMA3, ModelKind.DECODER, ""));
    BUILDERS.put("gemma3", Multimodal::gemma3);
    BUILDERS.put("phi3", (t, c) -> LlamaLike.build(t, c, LlamaLike.PHI3, ModelKind.DECODER, ""));
    BUILDERS.put("cohere", (t, c) -> LlamaLike.build(t, c, LlamaLike.COHERE, ModelKind.DECODER, ""));
    BUILDERS.put("cohere2", (t, c) -> LlamaLike.build(t, c, LlamaLike.COHERE2, ModelKind.DECODER, ""));
    BUILDERS.put("deepseek_v2", DeepSeek::build);
    BUILDERS.put("deepseek_v3", DeepSeek::build);
    BUILDERS.put("gpt_oss", GptOss::build);
    BUILDERS.put("gpt2", (t, c) -> Gpt2Like.build(t, c, Gpt2Like.Flavor.GPT2));
    BUILDERS.put("gpt_bigcode", (t, c) -> Gpt2Like.build(t, c, Gpt2Like.Flavor.GPT_BIGCODE));
    BUILDERS.put("bloom", (t, c) -> Gpt2Like.build(t, c, Gpt2Like.Flavor.BLOOM));
    BUILDERS.put("mistral3", Multimodal::mistral3);
    BUILDERS.put("bert", (t, c) -> Encoders.bert(t, c, false));
    BUILDERS.put("roberta", (t, c) -> Encoders.bert(t, c, true));
    BUILDERS.put("xlm-roberta", (t, c) -> Encoders.bert(t, c, true));
    BUILDERS.put("vit", Encoders::vit);
    BUILDERS.put("clip", Encoders::clip);
  }

  private Families() {}

  /** Returns the supported {@code model_type} values, in the order they are listed to users. */
  public static List<String> supported() {
    return List.copyOf(BUILDERS.keySet());
  }

  /**
   * Returns the architecture described by a config.
   *
   * @throws BadInputException naming the key and value when the config is incomplete, out of range or
   *     of an unsupported model_type
   */
  public static Architecture read(ConfigView cfg) {
    String type;
    try {
      type = cfg.stringValue("model_type");
    } catch (RuntimeException e) {
      throw new BadInputException("model_type", cfg.origin() + ": model_type must be a string");
    }
    if (type == null) {
      throw new BadInputException("model_type", cfg.origin() + ": model_type is missing; supported: " + String.join(", ", supported()));
    }
    BiFunction<String, ConfigView, Architecture> builder = BUILDERS.get(type);
    if (builder == null) {
      throw new BadInputException("model_type", cfg.origin() + ": unsupported model_type '" + type + "'; supported: " + String.join(", ", supported()));
    }
    try {
      Architecture arch = builder.apply(type, cfg);
      // Every later formula multiplies counts by at most 8 bytes per element: check that fits now.
      Math.multiplyExact(arch.parameters().total(), 8L);
      return arch;
    } catch (ArithmeticException e) {
      throw new BadInputException("config", cfg.origin() + ": the sizes in this config overflow 64-bit counts (model_type " + type + ")");
    }
  }
}
