package dev.vramcalc.core.model;

/**
 * Returns how one decoder layer attends, which decides what it caches per token and for how many
 * tokens.
 *
 * <p>A sealed type: every kind implements each question, so a new kind cannot be forgotten by
 * the KV-cache formula.
 */
public sealed interface AttentionLayer
    permits AttentionLayer.Full, AttentionLayer.SlidingWindow, AttentionLayer.Latent {

  /**
   * Returns the K and V elements one tensor-parallel rank caches per token in this layer.
   *
   * <p>Under tensor parallelism each rank holds {@code max(k / t, 1)} KV heads: heads are split while
   * there are enough of them and replicated beyond (vLLM, Megatron). A latent cache is replicated
   * on every rank.
   */
  long kvElementsPerToken(int tp);

  /** Returns the K elements per token (the part llama.cpp stores with {@code --cache-type-k}). */
  long keyElementsPerToken(int tp);

  /** Returns how many tokens of a sequence of {@code seqLen} this layer keeps in its cache. */
  long cachedTokens(long seqLen);

  /** Returns a short description for formulas, such as {@code 8 KV heads × 128}. */
  String describe();

  /**
   * Returns the length of one head's query-key dot product. MLA absorbed into its latent (decode kernels) scores over
   * {@code kv_lora_rank + qk_rope_head_dim}, unabsorbed (training, prefill) over {@code qk_nope + qk_rope}.
   */
  long scoreDim(boolean absorbed);

  /** Returns the length of one head's value vector: MLA absorbed attends over its latent ({@code kv_lora_rank}). */
  long valueDim(boolean absorbed);

  /** Returns how many past tokens a query attends to at most: the sliding window, or {@link Long#MAX_VALUE}. */
  long window();

  /** Standard attention over the whole context: MHA when k = a, GQA when k < a, MQA when k = 1. */
  record Full(int numKvHeads, int headDim, int vHeadDim) implements AttentionLayer {
    public Full {
      requirePositive("num_key_value_heads", numKvHeads);
      requirePositive("head_dim", headDim);
      requirePositive("v_head_dim", vHeadDim);
    }

    @Override
    public long kvElementsPerToken(int tp) {
      return headsPerRank(numKvHeads, tp) * ((long) headDim + vHeadDim);
    }

    @Override
    public long keyElementsPerToken(int tp) {
      return headsPerRank(numKvHeads, tp) * (long) headDim;
    }

    @Override
    public long cachedTokens(long seqLen) {
      return seqLen;
    }

    @Override
    public String describe() {
      return numKvHeads + " KV heads × " + headDim;
    }

    @Override
    public long scoreDim(boolean absorbed) {
      return headDim;
    }

    @Override
    public long valueDim(boolean absorbed) {
      return vHeadDim;
    }

    @Override
    public long window() {
      return Long.MAX_VALUE;
    }
  }

  /** Attention over the last {@code window} tokens only; engines keep at most that many. */
  record SlidingWindow(int numKvHeads, int headDim, int vHeadDim, long window) implements AttentionLayer {
    public SlidingWindow {
      requirePositive("num_key_value_heads", numKvHeads);
      requirePositive("head_dim", headDim);
      requirePositive("v_head_dim", vHeadDim);
      if (window <= 0) {
        throw new IllegalArgumentException("sliding_window (" + window + ") must be positive");
      }
    }

    @Override
    public long kvElementsPerToken(int tp) {
      return headsPerRank(numKvHeads, tp) * ((long) headDim + vHeadDim);
    }

    @Override
    public long keyElementsPerToken(int tp) {
      return headsPerRank(numKvHeads, tp) * (long) headDim;
    }

    @Override
    public long cachedTokens(long seqLen) {
      return Math.min(seqLen, window);
    }

    @Override
    public String describe() {
      return numKvHeads + " KV heads × " + headDim + ", window " + window;
    }

    @Override
    public long scoreDim(boolean absorbed) {
      return headDim;
    }

    @Override
    public long valueDim(boolean absorbed) {
      return vHeadDim;
    }
  }

  /**
   * Multi-head latent attention (DeepSeek-V2/V3): engines that implement it cache the compressed KV
   * latent and the decoupled RoPE key, {@code kv_lora_rank + qk_rope_head_dim} per token, shared by
   * all heads.
   *
   * <p>Source: DeepSeek-V2 paper (arXiv 2405.04434) §2.1.2; vLLM vllm/attention/backends/mla.
   */
  record Latent(int kvLoraRank, int qkRopeHeadDim, int numHeads, int qkNopeHeadDim, int vHeadDim)
      implements AttentionLayer {
    public Latent {
      requirePositive("kv_lora_rank", kvLoraRank);
      requirePositive("qk_rope_head_dim", qkRopeHeadDim);
      requirePositive("num_attention_heads", numHeads);
      requirePositive("qk_nope_head_dim", qkNopeHeadDim);
      requirePositive("v_head_dim", vHeadDim);
    }

    @Override
    public long kvElementsPerToken(int tp) {
      return (long) kvLoraRank + qkRopeHeadDim;
    }

    @Override
    public long keyElementsPerToken(int tp) {
      return kvElementsPerToken(tp);
    }

    /**
     * Returns the elements per token when an implementation expands the latent into full per-head
     * K and V (Hugging Face transformers' eager DeepSeek code): {@code a × (nope + rope + v)}.
     */
    public long expandedElementsPerToken(int tp) {
      return headsPerRank(numHeads, tp) * ((long) qkNopeHeadDim + qkRopeHeadDim + vHeadDim);
    }

    @Override
    public long cachedTokens(long seqLen) {
      return seqLen;
    }

    @Override
    public String describe() {
      return "latent " + kvLoraRank + " + rope " + qkRopeHeadDim;
    }

    @Override
    public long scoreDim(boolean absorbed) {
      return absorbed ? (long) kvLoraRank + qkRopeHeadDim : (long) qkNopeHeadDim + qkRopeHeadDim;
    }

    @Override
    public long valueDim(boolean absorbed) {
      return absorbed ? kvLoraRank : vHeadDim;
    }

    @Override
    public long window() {
      return Long.MAX_VALUE;
    }
  }

  /** Returns {@code max(heads / tp, 1)}: heads split across ranks, replicated past their count. */
  static long headsPerRank(int heads, int tp) {
    return Math.max(heads / Math.max(tp, 1), 1);
  }

  private static void requirePositive(String field, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " (" + value + ") must be positive");
    }
  }
}
