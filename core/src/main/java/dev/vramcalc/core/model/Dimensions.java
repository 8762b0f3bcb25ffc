package dev.vramcalc.core.model;

/**
 * Returns the sizes of a model's main transformer stack in the glossary's symbols, the inputs of the
 * activation and throughput formulas.
 *
 * @param hiddenSize h ({@code hidden_size})
 * @param numLayers L ({@code num_hidden_layers})
 * @param numHeads a ({@code num_attention_heads})
 * @param numKvHeads k ({@code num_key_value_heads}); for MLA the head count
 * @param headDim d ({@code head_dim}, or h / a)
 * @param intermediateSize f ({@code intermediate_size}) of dense MLP layers
 * @param vocabSize V ({@code vocab_size})
 * @param gatedMlp whether the MLP is gated (SwiGLU/GeGLU: three matrices)
 * @param numExperts E, routed experts per MoE layer (0 for dense)
 * @param expertsPerToken e, routed experts each token uses
 * @param moeIntermediateSize f of one routed expert
 * @param sharedIntermediateSize total f of the shared experts of a MoE layer (0 if none)
 * @param numMoeLayers how many of the L layers are MoE layers
 * @param maxPositionEmbeddings the longest context the model was configured for
 */
public record Dimensions(
    long hiddenSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    long intermediateSize,
    long vocabSize,
    boolean gatedMlp,
    int numExperts,
    int expertsPerToken,
    long moeIntermediateSize,
    long sharedIntermediateSize,
    int numMoeLayers,
    long maxPositionEmbeddings) {

  public boolean isMoe() {
    return numExperts > 0;
  }

  /** Returns the dense-equivalent MLP width a token passes through in a MoE layer: e·f + shared f. */
  public long activeMoeIntermediate() {
    return expertsPerToken * moeIntermediateSize + sharedIntermediateSize;
  }
}
