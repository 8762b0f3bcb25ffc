package dev.vramcalc.core.model;

import static dev.vramcalc.core.unit.Arith.ceilDiv;

import java.util.Arrays;

/**
 * Returns one tensor of a checkpoint: its name as the checkpoint spells it, its shape, what it does,
 * where it sits, and how tensor parallelism splits it.
 *
 * <p>Routed experts are one stacked tensor whose first dimension is the expert count (the layout of
 * GGUF's {@code ffn_down_exps} and of fused MoE kernels); {@link #name()} then holds a {@code *} in
 * place of the expert index.
 *
 * @param name the Hugging Face checkpoint name ({@code model.layers.0.self_attn.q_proj.weight})
 * @param shape the dimensions, outermost first, as PyTorch stores them ({@code [out, in]} for linear)
 * @param role what the tensor does
 * @param component the breakdown bucket
 * @param layer the decoder layer index, or -1 outside the layer stack
 * @param tpAxis the axis tensor parallelism splits, or -1 when every rank holds a full copy
 * @param kvHeads for tensors holding K or V heads, the KV head count: those rows split only while
 *     ranks ≤ heads, so with more ranks each holds one whole head (replication); else 0
 * @param kvRows how many of the split axis' entries belong to K and V heads (all of a K or V
 *     projection, the K and V part of a fused QKV projection); 0 when {@code kvHeads} is 0
 * @param experts the routed-expert count stacked on axis 0, else 0
 * @param loadedForInference false for tensors engines skip by default (multi-token prediction)
 * @param fp32 true when the checkpoint keeps this tensor in fp32 whatever its dtype (DeepSeek-V3's
 *     router score-correction bias)
 */
public record TensorSpec(
    String name,
    long[] shape,
    TensorRole role,
    Component component,
    int layer,
    int tpAxis,
    int kvHeads,
    long kvRows,
    int experts,
    boolean loadedForInference,
    boolean fp32) {

  /** Largest number of dimensions a tensor may have. */
  public static final int MAX_RANK = 8;

  public TensorSpec {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("tensor name must not be empty");
    }
    if (shape == null || shape.length > MAX_RANK) {
      throw new IllegalArgumentException("tensor " + name + " must have between 0 and " + MAX_RANK + " dimensions");
    }
    shape = shape.clone();
    long elements = 1;
    for (long d : shape) {
      if (d <= 0) {
        throw new IllegalArgumentException("tensor " + name + " has dimension " + d + "; dimensions must be positive");
      }
      elements = Math.multiplyExact(elements, d);
    }
    if (kvRows < 0 || (tpAxis >= 0 && kvRows > shape[tpAxis])) {
      throw new IllegalArgumentException("tensor " + name + " has " + kvRows + " KV rows on its split axis");
    }
    if (tpAxis >= shape.length) {
      throw new IllegalArgumentException("tensor " + name + " splits axis " + tpAxis + " of a rank-" + shape.length + " tensor");
    }
  }

  /** Returns the number of elements, the product of the shape. */
  public long elements() {
    return dev.vramcalc.core.unit.Arith.elements(shape);
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public long dim(int axis) {
    return shape[axis];
  }

  /** Returns the last dimension: the input features of a linear weight, the row length in ggml. */
  public long rowLength() {
    return shape.length == 0 ? 1 : shape[shape.length - 1];
  }

  /** Returns the number of rows: every element count divided by the row length. */
  public long rows() {
    return elements() / rowLength();
  }

  public boolean isVector() {
    return shape.length <= 1;
  }

  /**
   * Returns the shape one of {@code tp} tensor-parallel ranks holds.
   *
   * <p>A split axis is divided evenly and rounded up; K and V projections are split by at most
   * their KV head count, so with more ranks than KV heads each rank holds one whole head
   * (replication), as vLLM and Megatron do.
   */
  public long[] shardShape(int tp) {
    long[] s = shape.clone();
    if (tp <= 1 || tpAxis < 0) {
      return s;
    }
    long kv = kvHeads > 0 ? kvRows : 0;
    long other = s[tpAxis] - kv;
    int kvWays = Math.min(tp, Math.max(kvHeads, 1));
    s[tpAxis] = ceilDiv(other, tp) + ceilDiv(kv, kvWays);
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec t
        && name.equals(t.name)
        && Arrays.equals(shape, t.shape)
        && role == t.role
        && component == t.component
        && layer == t.layer
        && tpAxis == t.tpAxis
        && kvHeads == t.kvHeads
        && kvRows == t.kvRows
        && experts == t.experts
        && loadedForInference == t.loadedForInference
        && fp32 == t.fp32;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape);
  }
}
