package dev.vramcalc.core.parallel;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.AttentionLayer;
import dev.vramcalc.core.model.Dimensions;

/**
 * Returns whether a model can be split over {@code t} tensor-parallel ranks: query heads must divide
 * evenly; KV heads must divide evenly, or {@code t} must be a multiple of them (each rank then holds a
 * replica of one KV head), as vLLM and Megatron require.
 */
public final class TensorParallel {

  private TensorParallel() {}

  /**
   * Checks a tensor-parallel size against the model's heads.
   *
   * @throws BadInputException naming {@code --tp}, its value and the count it does not divide
   */
  public static void validate(Architecture arch, int tp) {
    if (tp <= 1) {
      return;
    }
    Dimensions d = arch.dims();
    if (d.numHeads() % tp != 0) {
      throw new BadInputException("tp", "--tp (" + tp + ") must divide num_attention_heads (" + d.numHeads() + ")");
    }
    boolean latent = !arch.attention().isEmpty() && arch.attention().get(0) instanceof AttentionLayer.Latent;
    int kv = d.numKvHeads();
    if (!latent && kv > 0 && kv % tp != 0 && tp % kv != 0) {
      throw new BadInputException("tp", "--tp (" + tp + ") must divide num_key_value_heads (" + kv + ") or be a multiple of it");
    }
  }

  /** Returns the check for pipeline parallelism: no more stages than layers. */
  public static void validatePipeline(Architecture arch, int pp) {
    if (pp > arch.dims().numLayers()) {
      throw new BadInputException("pp", "--pp (" + pp + ") must not exceed num_hidden_layers (" + arch.dims().numLayers() + ")");
    }
  }
}
