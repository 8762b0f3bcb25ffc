package dev.vramcalc.core.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Returns an architecture's tensors grouped by decoder layer, with per-layer facts the estimators
 * ask for repeatedly (is it a MoE layer, the q_a rank of MLA, which layers share one structure),
 * built once per architecture so that searches over thousands of layouts do not rescan the tensor
 * list.
 */
public final class LayerIndex {

  private static final int CACHE_SIZE = 16;
  private static final Object[] KEYS = new Object[CACHE_SIZE];
  private static final LayerIndex[] VALUES = new LayerIndex[CACHE_SIZE];
  private static int next;

  private final List<List<TensorSpec>> byLayer;
  private final List<TensorSpec> outside;
  private final boolean[] moe;
  private final long[] qLora;
  private final int[] structure;

  private LayerIndex(Architecture arch) {
    int layers = arch.dims().numLayers();
    byLayer = new ArrayList<>(layers);
    for (int i = 0; i < layers; i++) {
      byLayer.add(new ArrayList<>());
    }
    outside = new ArrayList<>();
    moe = new boolean[layers];
    qLora = new long[layers];
    for (TensorSpec t : arch.tensors()) {
      int l = t.layer();
      if (l >= 0 && l < layers && t.component() != Component.VISION_TOWER && t.component() != Component.PROJECTOR) {
        byLayer.get(l).add(t);
        if (t.role().isExpert()) {
          moe[l] = true;
        }
        if (t.role() == TensorRole.ATTN_Q_A) {
          qLora[l] = t.dim(0);
        }
      } else {
        outside.add(t);
      }
    }
    structure = new int[layers];
    Map<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < layers; i++) {
      StringBuilder sb = new StringBuilder();
      for (TensorSpec t : byLayer.get(i)) {
        sb.append(t.name().replace("." + i + ".", ".#.")).append(java.util.Arrays.toString(t.shape())).append(t.role()).append(t.tpAxis())
            .append(t.experts()).append(t.loadedForInference()).append(';');
      }
      if (i < arch.attention().size()) {
        sb.append(arch.attention().get(i));
      }
      structure[i] = ids.computeIfAbsent(sb.toString(), k -> ids.size());
    }
  }

  /** Returns the index of an architecture, built on first use and kept for the most recent ones. */
  public static LayerIndex of(Architecture arch) {
    synchronized (KEYS) {
      for (int i = 0; i < CACHE_SIZE; i++) {
        if (KEYS[i] == arch) {
          return VALUES[i];
        }
      }
    }
    LayerIndex index = new LayerIndex(arch);
    synchronized (KEYS) {
      KEYS[next] = arch;
      VALUES[next] = index;
      next = (next + 1) % CACHE_SIZE;
    }
    return index;
  }

  /** Returns the tensors of decoder layer {@code i} (vision-tower layers excluded). */
  public List<TensorSpec> layer(int i) {
    return byLayer.get(i);
  }

  /** Returns the tensors outside the decoder layers: embeddings, final norm, heads, vision tower, layers past the stack (MTP). */
  public List<TensorSpec> outside() {
    return outside;
  }

  public boolean isMoeLayer(int i) {
    return i >= 0 && i < moe.length && moe[i];
  }

  /** Returns the q_a_proj rank of an MLA layer, or 0. */
  public long qLora(int i) {
    return i >= 0 && i < qLora.length ? qLora[i] : 0;
  }

  /** Returns an id equal for layers with the same tensors (up to the layer index) and the same attention. */
  public int structure(int i) {
    return structure[i];
  }
}
