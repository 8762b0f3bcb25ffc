package dev.vramcalc.core.model;

import java.util.ArrayList;
import java.util.List;

/** Collects the tensors of a checkpoint as a family builder names them. */
final class TensorList {

  private final List<TensorSpec> tensors = new ArrayList<>();
  private boolean loaded = true;
  private Component override;
  private boolean fp32Next;

  /** Marks the next tensor added as kept in fp32 by the checkpoint. */
  TensorList fp32() {
    fp32Next = true;
    return this;
  }

  /** Marks the tensors added from now on as skipped by plain inference (multi-token prediction). */
  void skipForInference(boolean skip) {
    this.loaded = !skip;
  }

  /** Files every tensor added from now on under one component (a vision tower, an MTP module). */
  void overrideComponent(Component component) {
    this.override = component;
  }

  List<TensorSpec> build() {
    return List.copyOf(tensors);
  }

  private void add(String name, long[] shape, TensorRole role, Component c, int layer, int axis, int kvHeads, long kvRows, int experts) {
    Component component = override != null ? override : c;
    tensors.add(new TensorSpec(name, shape, role, component, layer, axis, kvHeads, kvRows, experts, loaded, fp32Next));
    fp32Next = false;
  }

  /** A column-parallel linear weight {@code [out, in]}: ranks split the output features. */
  void column(String name, long out, long in, TensorRole role, Component c, int layer) {
    add(name, new long[] {out, in}, role, c, layer, 0, 0, 0, 0);
  }

  /** A row-parallel linear weight {@code [out, in]}: ranks split the input features. */
  void row(String name, long out, long in, TensorRole role, Component c, int layer) {
    add(name, new long[] {out, in}, role, c, layer, 1, 0, 0, 0);
  }

  /** A K or V projection {@code [k·d, in]}, split by KV heads and replicated past them. */
  void kv(String name, long out, long in, TensorRole role, int kvHeads, int layer) {
    add(name, new long[] {out, in}, role, Component.ATTENTION, layer, 0, kvHeads, out, 0);
  }

  /** A fused projection whose split axis has {@code kvRows} rows of K and V heads. */
  void fusedQkv(String name, long out, long in, int kvHeads, long kvRows, int layer) {
    add(name, new long[] {out, in}, TensorRole.ATTN_QKV, Component.ATTENTION, layer, 0, kvHeads, kvRows, 0);
  }

  /** A bias split with its column-parallel weight. */
  void columnBias(String name, long n, Component c, int layer) {
    add(name, new long[] {n}, TensorRole.BIAS, c, layer, 0, 0, 0, 0);
  }

  /** A bias of K or V heads. */
  void kvBias(String name, long n, int kvHeads, int layer) {
    add(name, new long[] {n}, TensorRole.BIAS, Component.ATTENTION, layer, 0, kvHeads, n, 0);
  }

  /** A fused QKV bias. */
  void fusedQkvBias(String name, long n, int kvHeads, long kvRows, int layer) {
    add(name, new long[] {n}, TensorRole.BIAS, Component.ATTENTION, layer, 0, kvHeads, kvRows, 0);
  }

  /** A bias every rank holds whole (after a row-parallel linear, which reduces first). */
  void replicatedBias(String name, long n, Component c, int layer) {
    add(name, new long[] {n}, TensorRole.BIAS, c, layer, -1, 0, 0, 0);
  }

  /** A tensor every rank holds whole. */
  void replicated(String name, long[] shape, TensorRole role, Component c, int layer) {
    add(name, shape, role, c, layer, -1, 0, 0, 0);
  }

  /** A normalization weight (RMSNorm, or the weight half of a LayerNorm). */
  void norm(String name, long n, int layer) {
    add(name, new long[] {n}, TensorRole.NORM, Component.NORMS, layer, -1, 0, 0, 0);
  }

  /** A normalization weight with a shape (per-head norms). */
  void norm(String name, long[] shape, int layer) {
    add(name, shape, TensorRole.NORM, Component.NORMS, layer, -1, 0, 0, 0);
  }

  /** A LayerNorm: weight and bias. */
  void layerNorm(String prefix, long n, int layer) {
    layerNorm(prefix, n, layer, Component.NORMS);
  }

  /** A LayerNorm filed under a component (a task head's own norm). */
  void layerNorm(String prefix, long n, int layer, Component c) {
    add(prefix + ".weight", new long[] {n}, TensorRole.NORM, c, layer, -1, 0, 0, 0);
    add(prefix + ".bias", new long[] {n}, TensorRole.NORM, c, layer, -1, 0, 0, 0);
  }

  /** A vocabulary-parallel token embedding {@code [V, h]}. */
  void tokenEmbedding(String name, long vocab, long hidden) {
    add(name, new long[] {vocab, hidden}, TensorRole.TOKEN_EMBEDDING, Component.EMBEDDINGS, -1, 0, 0, 0, 0);
  }

  /** An LM head {@code [V, h]}, split by vocabulary. */
  void lmHead(String name, long vocab, long hidden) {
    add(name, new long[] {vocab, hidden}, TensorRole.LM_HEAD, Component.LM_HEAD, -1, 0, 0, 0, 0);
  }

  /** Stacked routed experts {@code [E, out, in]}, each expert split along {@code axis} (1 or 2). */
  void experts(String name, int experts, long out, long in, TensorRole role, int layer, int axis) {
    add(name, new long[] {experts, out, in}, role, Component.EXPERTS, layer, axis, 0, 0, experts);
  }

  /** Stacked per-expert biases {@code [E, n]}, split along {@code axis} or replicated (-1). */
  void expertBias(String name, int experts, long n, int layer, int axis) {
    add(name, new long[] {experts, n}, TensorRole.BIAS, Component.EXPERTS, layer, axis, 0, 0, experts);
  }
}
