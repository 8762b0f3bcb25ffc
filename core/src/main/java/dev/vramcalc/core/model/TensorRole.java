package dev.vramcalc.core.model;

/**
 * Returns what a tensor does, which decides how formats quantize it and how tensor parallelism
 * splits it.
 */
public enum TensorRole {
  TOKEN_EMBEDDING(false),
  POSITION_EMBEDDING(false),
  TOKEN_TYPE_EMBEDDING(false),
  PATCH_EMBEDDING(false),
  CLASS_EMBEDDING(false),
  ATTN_Q(true),
  ATTN_K(true),
  ATTN_V(true),
  ATTN_QKV(true),
  ATTN_O(true),
  /** MLA query down-projection (q_a_proj). */
  ATTN_Q_A(true),
  /** MLA query up-projection (q_b_proj). */
  ATTN_Q_B(true),
  /** MLA joint KV down-projection with the decoupled RoPE key (kv_a_proj_with_mqa). */
  ATTN_KV_A(true),
  /** MLA KV up-projection (kv_b_proj). */
  ATTN_KV_B(true),
  /** Per-head learned attention sink logits (gpt-oss). */
  ATTN_SINKS(false),
  MLP_GATE(true),
  MLP_UP(true),
  MLP_GATE_UP(true),
  MLP_DOWN(true),
  EXPERT_GATE(true),
  EXPERT_UP(true),
  EXPERT_GATE_UP(true),
  EXPERT_DOWN(true),
  SHARED_GATE(true),
  SHARED_UP(true),
  SHARED_GATE_UP(true),
  SHARED_DOWN(true),
  /** The scalar gate on a shared expert's output (Qwen2-MoE shared_expert_gate). */
  SHARED_EXPERT_GATE(false),
  ROUTER(false),
  NORM(false),
  BIAS(false),
  LM_HEAD(false),
  /** Other dense matrices: poolers, task heads, projections between towers, MTP projections. */
  DENSE(false),
  SCALAR(false);

  private final boolean decoderLinear;

  TensorRole(boolean decoderLinear) {
    this.decoderLinear = decoderLinear;
  }

  /** Returns whether this is a linear weight inside a transformer block (what quantizers convert). */
  public boolean isBlockLinear() {
    return decoderLinear;
  }

  public boolean isExpert() {
    return this == EXPERT_GATE || this == EXPERT_UP || this == EXPERT_GATE_UP || this == EXPERT_DOWN;
  }
}
