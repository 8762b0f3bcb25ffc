package dev.vramcalc.core.model;

import dev.vramcalc.core.BadInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Returns a config for an architecture described by flags: a Llama-style decoder (RMSNorm, GQA,
 * SwiGLU), or with MoE flags a Qwen-MoE-style one. Its keys are the Hugging Face names, so it is read
 * by the same builders as a config.json.
 *
 * @param hiddenSize h ({@code --hidden-size})
 * @param numLayers L ({@code --num-layers})
 * @param numHeads a ({@code --num-heads})
 * @param numKvHeads k ({@code --num-kv-heads}); null means a
 * @param headDim d ({@code --head-dim}); null means h / a
 * @param intermediateSize f ({@code --intermediate-size})
 * @param vocabSize V ({@code --vocab-size})
 * @param tieWordEmbeddings whether the LM head shares the embedding
 * @param numExperts E ({@code --num-experts}); null or 0 for dense
 * @param expertsPerToken e ({@code --experts-per-token})
 * @param moeIntermediateSize f of one expert ({@code --moe-intermediate-size}); null means f
 * @param sharedExpertIntermediateSize f of the shared expert ({@code --shared-expert-intermediate-size})
 */
public record CustomArchitecture(
    Long hiddenSize,
    Long numLayers,
    Long numHeads,
    Long numKvHeads,
    Long headDim,
    Long intermediateSize,
    Long vocabSize,
    boolean tieWordEmbeddings,
    Long numExperts,
    Long expertsPerToken,
    Long moeIntermediateSize,
    Long sharedExpertIntermediateSize) {

  /**
   * Returns the config these flags describe.
   *
   * @throws BadInputException naming the first missing flag
   */
  public ConfigView config() {
    require("hidden-size", hiddenSize);
    require("num-layers", numLayers);
    require("num-heads", numHeads);
    require("intermediate-size", intermediateSize);
    require("vocab-size", vocabSize);
    Map<String, Object> c = new LinkedHashMap<>();
    boolean moe = numExperts != null && numExperts > 0;
    boolean shared = sharedExpertIntermediateSize != null && sharedExpertIntermediateSize > 0;
    c.put("model_type", moe ? (shared ? "qwen2_moe" : "qwen3_moe") : "llama");
    c.put("hidden_size", hiddenSize);
    c.put("num_hidden_layers", numLayers);
    c.put("num_attention_heads", numHeads);
    c.put("num_key_value_heads", numKvHeads == null ? numHeads : numKvHeads);
    if (headDim != null) {
      c.put("head_dim", headDim);
    }
    c.put("intermediate_size", intermediateSize);
    c.put("vocab_size", vocabSize);
    c.put("tie_word_embeddings", tieWordEmbeddings);
    c.put("torch_dtype", "bfloat16");
    if (moe) {
      require("experts-per-token", expertsPerToken);
      c.put("num_experts", numExperts);
      c.put("num_experts_per_tok", expertsPerToken);
      c.put("moe_intermediate_size", moeIntermediateSize == null ? intermediateSize : moeIntermediateSize);
      c.put("mlp_only_layers", List.of());
      if (shared) {
        c.put("shared_expert_intermediate_size", sharedExpertIntermediateSize);
      }
    }
    return new MapConfig(c, "flags");
  }

  private static void require(String flag, Long value) {
    if (value == null) {
      throw new BadInputException(flag, "a custom architecture needs --" + flag);
    }
  }
}
