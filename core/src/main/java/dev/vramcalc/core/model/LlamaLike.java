package dev.vramcalc.core.model;

import static dev.vramcalc.core.model.Keys.MAX_EXPERTS;
import static dev.vramcalc.core.model.Keys.MAX_HEADS;
import static dev.vramcalc.core.model.Keys.MAX_HEAD_DIM;
import static dev.vramcalc.core.model.Keys.MAX_HIDDEN;
import static dev.vramcalc.core.model.Keys.MAX_INTERMEDIATE;
import static dev.vramcalc.core.model.Keys.MAX_LAYERS;
import static dev.vramcalc.core.model.Keys.MAX_POSITIONS;
import static dev.vramcalc.core.model.Keys.MAX_VOCAB;

import dev.vramcalc.core.BadInputException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Returns the tensors of the Llama-shaped decoders: pre-norm blocks of attention and a (gated) MLP
 * or mixture of experts, with each family's biases, extra norms and layer patterns.
 *
 * <p>Sources: huggingface/transformers:src/transformers/models/{llama,mistral,mixtral,qwen2,
 * qwen2_moe,qwen3,qwen3_moe,gemma,gemma2,gemma3,cohere,cohere2,phi3}/modeling_*.py (module names
 * and shapes).
 */
final class LlamaLike {

  /** Where a block's norms sit. */
  enum Norms {
    /** input_layernorm before attention, post_attention_layernorm before the MLP (Llama). */
    PRE_ATTENTION_AND_MLP,
    /** Gemma 2/3: a norm before and after each of attention and MLP. */
    SANDWICH,
    /** Cohere: one norm feeding attention and MLP in parallel. */
    PARALLEL
  }

  enum Moe {
    NONE,
    /** Mixtral: every layer MoE, experts w1/w2/w3 of intermediate_size. */
    MIXTRAL,
    /** Qwen2-MoE: routed experts plus one gated shared expert. */
    QWEN2_MOE,
    /** Qwen3-MoE: routed experts only. */
    QWEN3_MOE
  }

  enum Sliding {
    NONE,
    /** Every layer uses sliding_window when the config sets one (Mistral, Phi-3). */
    ALL_WHEN_SET,
    /** Qwen: layers from max_window_layers on, when use_sliding_window is true. */
    QWEN,
    /** Every {@code sliding_window_pattern}-th layer is global, the rest slide (Gemma 2/3, Cohere 2). */
    PATTERN
  }

  /** The quirks of one family. */
  record Style(
      boolean qkvBias,
      boolean readsAttentionBias,
      boolean readsMlpBias,
      boolean qkNorm,
      boolean qkNormPerHead,
      Norms norms,
      boolean fusedQkv,
      boolean fusedGateUp,
      Moe moe,
      boolean tieDefault,
      Sliding sliding,
      int defaultPattern) {}

  static final Style LLAMA = new Style(false, true, true, false, false, Norms.PRE_ATTENTION_AND_MLP, false, false, Moe.NONE, false, Sliding.NONE, 0);
  static final Style MISTRAL = new Style(false, false, false, false, false, Norms.PRE_ATTENTION_AND_MLP, false, false, Moe.NONE, false, Sliding.ALL_WHEN_SET, 0);
  static final Style MIXTRAL = new Style(false, false, false, false, false, Norms.PRE_ATTENTION_AND_MLP, false, false, Moe.MIXTRAL, false, Sliding.ALL_WHEN_SET, 0);
  static final Style QWEN2 = new Style(true, false, false, false, false, Norms.PRE_ATTENTION_AND_MLP, false, false, Moe.NONE, false, Sliding.QWEN, 0);
  static final Style QWEN2_MOE = new Style(true, false, false, false, false, Norms.PRE_ATTENTION_AND_MLP, false, false, Moe.QWEN2_MOE, false, Sliding.QWEN, 0);
  static final Style QWEN3 = new Style(false, true, false, true, false, Norms.PRE_ATTENTION_AND_MLP, false, false, Moe.NONE, false, Sliding.QWEN, 0);
  static final Style QWEN3_MOE = new Style(false, true, false, true, false, Norms.PRE_ATTENTION_AND_MLP, false, false, Moe.QWEN3_MOE, false, Sliding.QWEN, 0);
  static final Style GEMMA = new Style(false, true, false, false, false, Norms.PRE_ATTENTION_AND_MLP, false, false, Moe.NONE, true, Sliding.NONE, 0);
  static final Style GEMMA2 = new Style(false, true, false, false, false, Norms.SANDWICH, false, false, Moe.NONE, true, Sliding.PATTERN, 2);
  static final Style GEMMA3 = new Style(false, true, false, true, false, Norms.SANDWICH, false, false, Moe.NONE, true, Sliding.PATTERN, 6);
  static final Style COHERE = new Style(false, true, false, false, true, Norms.PARALLEL, false, false, Moe.NONE, true, Sliding.NONE, 0);
  static final Style COHERE2 = new Style(false, true, false, false, false, Norms.PARALLEL, false, false, Moe.NONE, true, Sliding.PATTERN, 4);
  static final Style PHI3 = new Style(false, false, false, false, false, Norms.PRE_ATTENTION_AND_MLP, true, true, Moe.NONE, false, Sliding.ALL_WHEN_SET, 0);

  private LlamaLike() {}

  static Architecture build(String modelType, ConfigView cfg, Style style, ModelKind kind, String prefix) {
    Keys k = new Keys(cfg);
    long h = k.require(1, MAX_HIDDEN, "hidden_size");
    int layers = k.requireInt(1, MAX_LAYERS, "num_hidden_layers");
    int heads = k.requireInt(1, MAX_HEADS, "num_attention_heads");
    int kvHeads = k.intOr(heads, 1, MAX_HEADS, "num_key_value_heads");
    if (heads % kvHeads != 0) {
      throw new BadInputException("num_key_value_heads", cfg.origin() + ": num_key_value_heads (" + kvHeads + ") must divide num_attention_heads (" + heads + ")");
    }
    long headDimDefault = h / heads;
    int d = k.intOr(headDimDefault, 1, MAX_HEAD_DIM, "head_dim");
    if (!k.present("head_dim") && h % heads != 0) {
      throw new BadInputException("num_attention_heads", cfg.origin() + ": num_attention_heads (" + heads + ") must divide hidden_size (" + h + ") when head_dim is not given");
    }
    long vocab = k.require(1, MAX_VOCAB, "vocab_size");
    long maxPos = k.or(0, 0, MAX_POSITIONS, "max_position_embeddings");
    boolean tie = k.bool("tie_word_embeddings", style.tieDefault());
    boolean attnBias = style.readsAttentionBias() && k.bool("attention_bias", false);
    boolean mlpBias = style.readsMlpBias() && k.bool("mlp_bias", false);

    int experts = 0;
    int topK = 0;
    long expertF = 0;
    long sharedF = 0;
    long denseF;
    int sparseStep = 1;
    Set<Long> mlpOnly = new HashSet<>();
    switch (style.moe()) {
      case MIXTRAL -> {
        experts = k.requireInt(1, MAX_EXPERTS, "num_local_experts");
        topK = k.requireInt(1, experts, "num_experts_per_tok");
        expertF = k.require(1, MAX_INTERMEDIATE, "intermediate_size");
        denseF = 0;
      }
      case QWEN2_MOE, QWEN3_MOE -> {
        experts = k.requireInt(1, MAX_EXPERTS, "num_experts");
        topK = k.requireInt(1, experts, "num_experts_per_tok");
        expertF = k.require(1, MAX_INTERMEDIATE, "moe_intermediate_size");
        denseF = k.or(0, 0, MAX_INTERMEDIATE, "intermediate_size");
        sparseStep = k.intOr(1, 1, MAX_LAYERS, "decoder_sparse_step");
        List<Long> only = k.integers("mlp_only_layers");
        if (only != null) {
          mlpOnly.addAll(only);
        }
        if (style.moe() == Moe.QWEN2_MOE) {
          sharedF = k.or(0, 0, MAX_INTERMEDIATE, "shared_expert_intermediate_size");
        }
      }
      default -> denseF = k.require(1, MAX_INTERMEDIATE, "intermediate_size");
    }

    String p = prefix + "model.";
    TensorList t = new TensorList();
    t.tokenEmbedding(p + "embed_tokens.weight", vocab, h);
    long qOut = (long) heads * d;
    long kvOut = (long) kvHeads * d;
    int moeLayers = 0;
    for (int i = 0; i < layers; i++) {
      String l = p + "layers." + i + ".";
      t.norm(l + "input_layernorm.weight", h, i);
      if (style.fusedQkv()) {
        t.fusedQkv(l + "self_attn.qkv_proj.weight", qOut + 2 * kvOut, h, kvHeads, 2 * kvOut, i);
      } else {
        t.column(l + "self_attn.q_proj.weight", qOut, h, TensorRole.ATTN_Q, Component.ATTENTION, i);
        t.kv(l + "self_attn.k_proj.weight", kvOut, h, TensorRole.ATTN_K, kvHeads, i);
        t.kv(l + "self_attn.v_proj.weight", kvOut, h, TensorRole.ATTN_V, kvHeads, i);
        if (style.qkvBias() || attnBias) {
          t.columnBias(l + "self_attn.q_proj.bias", qOut, Component.ATTENTION, i);
          t.kvBias(l + "self_attn.k_proj.bias", kvOut, kvHeads, i);
          t.kvBias(l + "self_attn.v_proj.bias", kvOut, kvHeads, i);
        }
      }
      t.row(l + "self_attn.o_proj.weight", h, qOut, TensorRole.ATTN_O, Component.ATTENTION, i);
      if (attnBias) {
        t.replicatedBias(l + "self_attn.o_proj.bias", h, Component.ATTENTION, i);
      }
      if (style.qkNorm()) {
        t.norm(l + "self_attn.q_norm.weight", d, i);
        t.norm(l + "self_attn.k_norm.weight", d, i);
      }
      if (style.qkNormPerHead() && k.bool("use_qk_norm", false)) {
        t.norm(l + "self_attn.q_norm.weight", new long[] {heads, d}, i);
        t.norm(l + "self_attn.k_norm.weight", new long[] {kvHeads, d}, i);
      }
      switch (style.norms()) {
        case PRE_ATTENTION_AND_MLP -> t.norm(l + "post_attention_layernorm.weight", h, i);
        case SANDWICH -> {
          t.norm(l + "post_attention_layernorm.weight", h, i);
          t.norm(l + "pre_feedforward_layernorm.weight", h, i);
          t.norm(l + "post_feedforward_layernorm.weight", h, i);
        }
        case PARALLEL -> {}
      }
      boolean moeLayer =
          switch (style.moe()) {
            case NONE -> false;
            case MIXTRAL -> true;
            case QWEN2_MOE, QWEN3_MOE -> !mlpOnly.contains((long) i) && (i + 1) % sparseStep == 0;
          };
      if (moeLayer) {
        moeLayers++;
        if (style.moe() == Moe.MIXTRAL) {
          String m = l + "block_sparse_moe.";
          t.replicated(m + "gate.weight", new long[] {experts, h}, TensorRole.ROUTER, Component.ROUTER, i);
          t.experts(m + "experts.*.w1.weight", experts, expertF, h, TensorRole.EXPERT_GATE, i, 1);
          t.experts(m + "experts.*.w2.weight", experts, h, expertF, TensorRole.EXPERT_DOWN, i, 2);
          t.experts(m + "experts.*.w3.weight", experts, expertF, h, TensorRole.EXPERT_UP, i, 1);
        } else {
          String m = l + "mlp.";
          t.replicated(m + "gate.weight", new long[] {experts, h}, TensorRole.ROUTER, Component.ROUTER, i);
          t.experts(m + "experts.*.gate_proj.weight", experts, expertF, h, TensorRole.EXPERT_GATE, i, 1);
          t.experts(m + "experts.*.up_proj.weight", experts, expertF, h, TensorRole.EXPERT_UP, i, 1);
          t.experts(m + "experts.*.down_proj.weight", experts, h, expertF, TensorRole.EXPERT_DOWN, i, 2);
          if (sharedF > 0) {
            t.column(m + "shared_expert.gate_proj.weight", sharedF, h, TensorRole.SHARED_GATE, Component.SHARED_EXPERTS, i);
            t.column(m + "shared_expert.up_proj.weight", sharedF, h, TensorRole.SHARED_UP, Component.SHARED_EXPERTS, i);
            t.row(m + "shared_expert.down_proj.weight", h, sharedF, TensorRole.SHARED_DOWN, Component.SHARED_EXPERTS, i);
            t.replicated(m + "shared_expert_gate.weight", new long[] {1, h}, TensorRole.SHARED_EXPERT_GATE, Component.SHARED_EXPERTS, i);
          }
        }
      } else {
        if (denseF <= 0) {
          throw new BadInputException("intermediate_size", cfg.origin() + ": intermediate_size is required for the dense layers of model_type " + modelType);
        }
        String m = l + "mlp.";
        if (style.fusedGateUp()) {
          t.column(m + "gate_up_proj.weight", 2 * denseF, h, TensorRole.MLP_GATE_UP, Component.MLP, i);
        } else {
          t.column(m + "gate_proj.weight", denseF, h, TensorRole.MLP_GATE, Component.MLP, i);
          t.column(m + "up_proj.weight", denseF, h, TensorRole.MLP_UP, Component.MLP, i);
        }
        t.row(m + "down_proj.weight", h, denseF, TensorRole.MLP_DOWN, Component.MLP, i);
        if (mlpBias) {
          t.columnBias(m + "gate_proj.bias", denseF, Component.MLP, i);
          t.columnBias(m + "up_proj.bias", denseF, Component.MLP, i);
          t.replicatedBias(m + "down_proj.bias", h, Component.MLP, i);
        }
      }
    }
    t.norm(p + "norm.weight", h, -1);
    if (!tie) {
      t.lmHead(prefix.isEmpty() ? "lm_head.weight" : prefix + "lm_head.weight", vocab, h);
    }

    List<AttentionLayer> attention = attentionLayers(k, style, layers, kvHeads, d);
    Dimensions dims = new Dimensions(h, layers, heads, kvHeads, d, denseF > 0 ? denseF : expertF, vocab, true,
        experts, topK, expertF, sharedF, moeLayers, maxPos);
    List<String> notes = new ArrayList<>();
    if (tie) {
      notes.add("tie_word_embeddings: the LM head shares the embedding matrix and is counted once");
    }
    ConfigView rope = cfg.child("rope_scaling");
    long ropeFreqs = rope != null && "llama3".equals(rope.stringValue("rope_type")) ? d / 2 : 0;
    int norms = switch (style.norms()) {
      case PRE_ATTENTION_AND_MLP -> 2;
      case SANDWICH -> 4;
      case PARALLEL -> 1;
    };
    double attnDrop = k.real("attention_dropout") == null ? 0 : k.real("attention_dropout");
    double hiddenDrop = k.real("resid_pdrop") == null ? 0 : k.real("resid_pdrop");
    BlockShape block = new BlockShape(norms, style.qkNorm() || (style.qkNormPerHead() && k.bool("use_qk_norm", false)), hiddenDrop, attnDrop);
    return new Architecture(modelType, kind, t.build(), dims, attention, k.string("torch_dtype", null), notes, ropeFreqs, block);
  }

  /**
   * Returns each layer's attention kind: {@code layer_types} when the config lists them, otherwise
   * the family's rule for sliding windows.
   */
  static List<AttentionLayer> attentionLayers(Keys k, Style style, int layers, int kvHeads, int d) {
    Long window = k.present("sliding_window") ? k.or(0, 1, MAX_POSITIONS, "sliding_window") : null;
    List<String> types = k.strings("layer_types");
    List<AttentionLayer> out = new ArrayList<>(layers);
    if (types != null) {
      if (types.size() != layers) {
        throw new BadInputException("layer_types", k.view().origin() + ": layer_types has " + types.size() + " entries for " + layers + " layers");
      }
      for (String type : types) {
        out.add(layerOf(type, window, kvHeads, d, k));
      }
      return out;
    }
    int pattern = style.sliding() == Sliding.PATTERN ? k.intOr(style.defaultPattern(), 1, MAX_LAYERS, "sliding_window_pattern") : 0;
    boolean qwenSliding = style.sliding() == Sliding.QWEN && k.bool("use_sliding_window", false);
    int maxWindowLayers = qwenSliding ? k.intOr(layers, 0, MAX_LAYERS, "max_window_layers") : layers;
    for (int i = 0; i < layers; i++) {
      boolean sliding =
          window != null
              && switch (style.sliding()) {
                case NONE -> false;
                case ALL_WHEN_SET -> true;
                case QWEN -> qwenSliding && i >= maxWindowLayers;
                case PATTERN -> (i + 1) % pattern != 0;
              };
      out.add(sliding ? new AttentionLayer.SlidingWindow(kvHeads, d, d, window) : new AttentionLayer.Full(kvHeads, d, d));
    }
    return out;
  }

  private static AttentionLayer layerOf(String type, Long window, int kvHeads, int d, Keys k) {
    return switch (type) {
      case "full_attention", "global", "attention" -> new AttentionLayer.Full(kvHeads, d, d);
      case "sliding_attention", "local", "sliding_window", "chunked_attention" -> {
        if (window == null) {
          throw new BadInputException("sliding_window", k.view().origin() + ": layer_types names sliding layers but sliding_window is not set");
        }
        yield new AttentionLayer.SlidingWindow(kvHeads, d, d, window);
      }
      default -> throw new BadInputException("layer_types", k.view().origin() + ": layer_types has unknown entry '" + type + "' (expected full_attention or sliding_attention)");
    };
  }
}
