package dev.vramcalc.core.estimate;

import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.AttentionLayer;
import dev.vramcalc.core.precision.DataType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Returns KV-cache sizes: per token, per layer and in total, for every attention kind.
 *
 * <p>Source: the K and V tensors engines allocate per layer (vLLM
 * vllm/v1/kv_cache_interface.py AttentionSpec.page_size_bytes: 2 × block_size × num_kv_heads ×
 * head_size × dtype size; llama.cpp src/llama-kv-cache.cpp: one K and one V tensor of
 * n_embd_k_gqa / n_embd_v_gqa per cell); MLA caches the latent (vLLM MLAAttentionSpec).
 */
public final class KvCache {

  private KvCache() {}

  /**
   * Returns the bytes one token occupies in one layer on one tensor-parallel rank: {@code
   * row(k·d) + row(k·d_v)} in the cache type, each row rounded up to whole blocks.
   *
   * <p>Example (Llama-3.1-8B, BF16): 8 (k) × 128 (d) × 2 (K and V) × 2 bytes = 4,096 bytes.
   */
  public static long bytesPerTokenPerLayer(AttentionLayer layer, int tp, DataType type) {
    long keys = layer.keyElementsPerToken(tp);
    long values = layer.kvElementsPerToken(tp) - keys;
    return Math.addExact(type.bytesFor(keys), type.bytesFor(values));
  }

  /**
   * Returns the KV bytes of one token across all layers on one rank, ignoring windows.
   *
   * <p>Example (Llama-3.1-8B, BF16): 32 (L) × 4,096 bytes = 131,072 bytes.
   */
  public static long bytesPerToken(Architecture arch, int tp, DataType type) {
    long total = 0;
    for (AttentionLayer layer : arch.attention()) {
      total = Math.addExact(total, bytesPerTokenPerLayer(layer, tp, type));
    }
    return total;
  }

  /**
   * Returns the cache bytes of {@code batch} sequences of {@code seqLen} tokens for the layers
   * {@code [from, to)}: {@code Σ_layers B × min(S, window) × bytes per token per layer}.
   *
   * <p>Example (Llama-3.1-8B, B = 1, S = 8192, BF16): 8192 (S) × 32 (L) × 8 (k) × 128 (d) × 2 (K, V) × 2
   * bytes = 1,073,741,824 bytes = 1 GiB.
   */
  public static long bytes(Architecture arch, int from, int to, long batch, long seqLen, int tp, DataType type) {
    List<AttentionLayer> layers = arch.attention();
    long total = 0;
    for (int i = from; i < Math.min(to, layers.size()); i++) {
      AttentionLayer layer = layers.get(i);
      long tokens = Math.multiplyExact(batch, layer.cachedTokens(seqLen));
      total = Math.addExact(total, Math.multiplyExact(tokens, bytesPerTokenPerLayer(layer, tp, type)));
    }
    return total;
  }

  /** Returns a formula grouping layers of the same kind, with the numbers filled in. */
  static String formula(Architecture arch, int from, int to, long batch, long seqLen, int tp, DataType type) {
    Map<String, long[]> groups = new LinkedHashMap<>();
    List<AttentionLayer> layers = arch.attention();
    for (int i = from; i < Math.min(to, layers.size()); i++) {
      AttentionLayer l = layers.get(i);
      long tokens = l.cachedTokens(seqLen);
      long perToken = bytesPerTokenPerLayer(l, tp, type);
      String key = l.describe() + "|" + tokens + "|" + perToken;
      groups.computeIfAbsent(key, k -> new long[] {0, tokens, perToken})[0]++;
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, long[]> e : groups.entrySet()) {
      long[] g = e.getValue();
      String kind = e.getKey().substring(0, e.getKey().indexOf('|'));
      if (sb.length() > 0) {
        sb.append(" + ");
      }
      sb.append(Formula.of(batch, "B").times(g[1], "tokens").times(g[0], "layers: " + kind)
          .times(g[2], "bytes/token/layer in " + type.name() + (tp > 1 ? ", per rank of " + tp : "")));
    }
    return sb.toString();
  }
}
