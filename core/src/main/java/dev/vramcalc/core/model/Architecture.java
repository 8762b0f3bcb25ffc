package dev.vramcalc.core.model;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Returns the exact shape of a model: every tensor of its checkpoint and how each decoder layer
 * attends.
 *
 * @param modelType the Hugging Face {@code model_type} this was read as ({@code llama}, {@code gemma3})
 * @param kind the broad shape (decoder, encoder, …)
 * @param tensors every parameter tensor of the published checkpoint
 * @param dims the main stack's sizes in the glossary's symbols
 * @param attention one entry per decoder layer (empty for encoders)
 * @param torchDtype the checkpoint's {@code torch_dtype} ({@code bfloat16}), or null when unknown
 * @param notes facts the reader should know about this reading (what is counted, what is skipped)
 * @param ggufRopeFreqs elements of the fp32 {@code rope_freqs} tensor llama.cpp's converter adds for
 *     Llama 3.1-style RoPE scaling (head_dim / 2), which the Hugging Face checkpoint does not hold
 * @param block the norms and dropout of a block, which decide the activations training saves
 */
public record Architecture(
    String modelType,
    ModelKind kind,
    List<TensorSpec> tensors,
    Dimensions dims,
    List<AttentionLayer> attention,
    String torchDtype,
    List<String> notes,
    long ggufRopeFreqs,
    BlockShape block) {

  public Architecture(String modelType, ModelKind kind, List<TensorSpec> tensors, Dimensions dims,
      List<AttentionLayer> attention, String torchDtype, List<String> notes) {
    this(modelType, kind, tensors, dims, attention, torchDtype, notes, 0, BlockShape.PRE_NORM);
  }

  /** Returns a copy with another block shape. */
  public Architecture withBlock(BlockShape b) {
    return new Architecture(modelType, kind, tensors, dims, attention, torchDtype, notes, ggufRopeFreqs, b);
  }

  public Architecture {
    tensors = List.copyOf(tensors);
    attention = List.copyOf(attention);
    notes = List.copyOf(notes);
    if (block == null) {
      block = BlockShape.PRE_NORM;
    }
    if (tensors.isEmpty()) {
      throw new IllegalArgumentException("an architecture must have at least one tensor");
    }
  }

  /**
   * Returns the exact parameter count, by component, and the parameters active per token.
   *
   * <p>Active parameters count every tensor once except routed experts, of which a token uses
   * {@code e} of {@code E} per MoE layer, and multi-token-prediction modules, which plain decoding
   * does not run.
   */
  public Parameters parameters() {
    synchronized (PARAMETER_KEYS) {
      for (int i = 0; i < PARAMETER_KEYS.length; i++) {
        if (PARAMETER_KEYS[i] == this) {
          return PARAMETER_VALUES[i];
        }
      }
    }
    Parameters p = countParameters();
    synchronized (PARAMETER_KEYS) {
      PARAMETER_KEYS[nextParameterSlot] = this;
      PARAMETER_VALUES[nextParameterSlot] = p;
      nextParameterSlot = (nextParameterSlot + 1) % PARAMETER_KEYS.length;
    }
    return p;
  }

  /** The counts of the most recently counted architectures, by identity (records are immutable; searches ask again and again). */
  private static final Architecture[] PARAMETER_KEYS = new Architecture[16];
  private static final Parameters[] PARAMETER_VALUES = new Parameters[16];
  private static int nextParameterSlot;

  private Parameters countParameters() {
    Map<Component, Long> breakdown = new EnumMap<>(Component.class);
    long total = 0;
    long active = 0;
    for (TensorSpec t : tensors) {
      long n = t.elements();
      total = Math.addExact(total, n);
      breakdown.merge(t.component(), n, Math::addExact);
      if (!t.loadedForInference()) {
        continue;
      }
      if (t.experts() > 0) {
        active = Math.addExact(active, n / t.experts() * dims.expertsPerToken());
      } else {
        active = Math.addExact(active, n);
      }
    }
    return new Parameters(total, active, breakdown);
  }

  /** Returns the decoder layer count that holds a KV cache. */
  public int kvLayers() {
    return attention.size();
  }

  /** The exact parameter counts of a model. */
  public record Parameters(long total, long active, Map<Component, Long> breakdown) {
    public Parameters {
      EnumMap<Component, Long> copy = new EnumMap<>(Component.class);
      copy.putAll(breakdown);
      breakdown = java.util.Collections.unmodifiableMap(copy);
    }
  }
}
