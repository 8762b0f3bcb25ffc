package dev.vramcalc.core.precision;

import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.TensorSpec;

/**
 * Returns how a model's weights are stored: which tensors a scheme converts, to what layout, and
 * what stays in higher precision.
 */
public interface WeightFormat {

  /** Returns the id users type ({@code bf16}, {@code nf4}, {@code q4_k_m}). */
  String id();

  /** Returns a display name ({@code NF4 (bitsandbytes)}). */
  String label();

  /** Returns one line on what the format stores, for formulas. */
  String describe();

  /** Returns the tensor pricer of this format for one architecture (some rules depend on layer counts). */
  Pricer pricer(Architecture arch);

  /** Returns the bytes and storage type of each tensor (or tensor-parallel shard) of one model. */
  interface Pricer {
    /** Returns the bytes of tensor {@code t} when it has {@code shape} (its full shape or a shard's). */
    long bytes(TensorSpec t, long[] shape);

    /** Returns the storage type's short name for this tensor ({@code Q6_K}, {@code BF16}, {@code NF4}). */
    String typeOf(TensorSpec t);

    /** Returns bytes the format adds beyond the checkpoint's tensors (GGUF's rope_freqs), or 0. */
    default long extraBytes() {
      return 0;
    }
  }

  /** Returns the bytes of every tensor of an architecture in this format (a whole checkpoint). */
  default long totalBytes(Architecture arch, boolean inferenceOnly) {
    Pricer p = pricer(arch);
    long total = p.extraBytes();
    for (TensorSpec t : arch.tensors()) {
      if (inferenceOnly && !t.loadedForInference()) {
        continue;
      }
      total = Math.addExact(total, p.bytes(t, t.shape()));
    }
    return total;
  }
}
