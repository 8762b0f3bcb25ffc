package dev.vramcalc.core.model;

/**
 * Returns the parts of a transformer block that decide which activations training saves beyond the
 * matrix multiplications: how many norms (each saves its input), per-head q/k norms, dropout.
 *
 * @param norms norms per block (2 for pre-norm Llama blocks, 4 for Gemma 2/3 sandwich blocks, 1 for
 *     Cohere's parallel block)
 * @param qkNorm whether queries and keys are normalized per head (Qwen3, Gemma 3)
 * @param hiddenDropout dropout probability on the residual branches (GPT-2, BERT: 0.1)
 * @param attentionDropout dropout probability on the attention probabilities
 */
public record BlockShape(int norms, boolean qkNorm, double hiddenDropout, double attentionDropout) {

  /** Llama-style: two norms, no q/k norm, no dropout. */
  public static final BlockShape PRE_NORM = new BlockShape(2, false, 0, 0);

  public BlockShape {
    if (norms < 0 || norms > 8) {
      throw new IllegalArgumentException("norms per block (" + norms + ") must be between 0 and 8");
    }
    if (!(hiddenDropout >= 0 && hiddenDropout < 1) || !(attentionDropout >= 0 && attentionDropout < 1)) {
      throw new IllegalArgumentException("dropout probabilities must be in [0, 1)");
    }
  }

  public boolean hasHiddenDropout() {
    return hiddenDropout > 0;
  }

  public boolean hasAttentionDropout() {
    return attentionDropout > 0;
  }
}
