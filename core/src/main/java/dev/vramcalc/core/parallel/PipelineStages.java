package dev.vramcalc.core.parallel;

import dev.vramcalc.core.model.Component;
import dev.vramcalc.core.model.TensorSpec;

/**
 * Returns which pipeline stage holds each layer and tensor: layers split as evenly as possible in
 * order ({@code floor(s·L/p)} to {@code floor((s+1)·L/p)}), embeddings and vision tower on the first
 * stage, final norm, LM head and task heads on the last.
 *
 * <p>Source: Megatron-LM and vLLM (vllm/distributed/utils.py get_pp_indices) partition contiguous
 * layer ranges; the first stage embeds and the last computes logits.
 */
public record PipelineStages(int layers, int stages) {

  public int firstLayer(int stage) {
    return (int) ((long) stage * layers / stages);
  }

  public int endLayer(int stage) {
    return (int) ((long) (stage + 1) * layers / stages);
  }

  /** Returns the stage of a decoder layer. */
  public int stageOfLayer(int layer) {
    if (layer >= layers) {
      return stages - 1;
    }
    // the smallest s with floor((s + 1)·L / p) > layer, that is s = ceil((layer + 1)·p / L) − 1
    long s = ((long) (layer + 1) * stages + layers - 1) / layers - 1;
    return (int) Math.max(0, s);
  }

  /** Returns the stage holding a tensor. */
  public int stageOf(TensorSpec t) {
    if (t.component() == Component.VISION_TOWER || t.component() == Component.PROJECTOR) {
      return 0;
    }
    if (t.layer() >= layers) {
      return stages - 1;
    }
    if (t.layer() >= 0) {
      return stageOfLayer(t.layer());
    }
    return switch (t.role()) {
      case TOKEN_EMBEDDING, POSITION_EMBEDDING, TOKEN_TYPE_EMBEDDING, PATCH_EMBEDDING, CLASS_EMBEDDING -> 0;
      case NORM, BIAS -> t.name().contains("embed") ? 0 : stages - 1;
      default -> stages - 1;
    };
  }

  public int layersOn(int stage) {
    return endLayer(stage) - firstLayer(stage);
  }
}
