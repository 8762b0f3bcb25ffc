package dev.vramcalc.io.gguf;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.AttentionLayer;
import dev.vramcalc.core.model.BlockShape;
import dev.vramcalc.core.model.Component;
import dev.vramcalc.core.model.Dimensions;
import dev.vramcalc.core.model.Families;
import dev.vramcalc.core.model.MapConfig;
import dev.vramcalc.core.model.ModelKind;
import dev.vramcalc.core.model.TensorRole;
import dev.vramcalc.core.model.TensorSpec;
import dev.vramcalc.core.precision.DataType;
import dev.vramcalc.core.precision.WeightFormat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Returns the model a GGUF header describes: the tensors exactly as the file stores them (names,
 * shapes, per-tensor types, so every mix is exact), and the dimensions and attention layout from the
 * architecture metadata, read through the same family rules as a {@code config.json}.
 */
public final class GgufModels {

  /** llama.cpp's general.architecture → Hugging Face model_type. */
  private static final Map<String, String> TYPES = Map.ofEntries(
      Map.entry("llama", "llama"), Map.entry("mistral3", "mistral"), Map.entry("qwen2", "qwen2"), Map.entry("qwen2moe", "qwen2_moe"),
      Map.entry("qwen3", "qwen3"), Map.entry("qwen3moe", "qwen3_moe"), Map.entry("gemma", "gemma"), Map.entry("gemma2", "gemma2"),
      Map.entry("gemma3", "gemma3_text"), Map.entry("phi3", "phi3"), Map.entry("command-r", "cohere"), Map.entry("cohere2", "cohere2"),
      Map.entry("deepseek2", "deepseek_v3"), Map.entry("gpt-oss", "gpt_oss"), Map.entry("gpt2", "gpt2"), Map.entry("starcoder", "gpt_bigcode"),
      Map.entry("bloom", "bloom"));

  private GgufModels() {}

  /** Returns the model of a GGUF header read from {@code file}. */
  public static Model model(GgufReader.Header h, String file, String id) {
    try {
      return build(h, file, id);
    } catch (BadInputException e) {
      throw e;
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new BadInputException("model", file + ": the GGUF metadata and tensors do not describe a possible model (" + e.getMessage() + ")");
    }
  }

  private static Model build(GgufReader.Header h, String file, String id) {
    String arch = h.string("general.architecture");
    if (arch == null) {
      throw new BadInputException("model", file + ": the GGUF metadata has no general.architecture");
    }
    Long blocks = h.integer(arch + ".block_count");
    if (blocks == null || blocks < 1 || blocks > 100_000) {
      throw new BadInputException("model", file + ": " + arch + ".block_count is missing or out of range");
    }
    long nextn = orZero(h.integer(arch + ".nextn_predict_layers"));
    int layers = (int) (blocks - nextn);
    Map<String, Object> config = config(h, arch, layers);
    List<String> notes = new ArrayList<>();
    Architecture family = null;
    String modelType = (String) config.get("model_type");
    if (modelType != null) {
      try {
        family = Families.read(new MapConfig(config, file + " (GGUF metadata)"));
      } catch (IllegalArgumentException | ArithmeticException e) {
        notes.add("the GGUF metadata did not give every size the " + modelType + " family needs (" + e.getMessage() + "); attention is taken as full on every layer");
      }
    } else {
      notes.add("llama.cpp architecture '" + arch + "' has no family here: dimensions come from the generic metadata keys, attention is full on every layer");
    }
    List<TensorSpec> tensors = new ArrayList<>();
    Map<String, DataType> types = new HashMap<>();
    Dimensions d = family != null ? family.dims() : genericDims(h, arch, layers, config);
    long ropeFreqs = 0;
    for (GgufReader.Tensor t : h.tensors()) {
      if (t.name().equals("rope_freqs.weight")) {
        // llama.cpp's precomputed RoPE scaling factors: stored, not a parameter of the checkpoint
        ropeFreqs = t.elements();
        continue;
      }
      TensorSpec spec = spec(t, d, layers);
      tensors.add(spec);
      types.put(spec.name(), t.type());
    }
    List<AttentionLayer> attention = family != null ? family.attention() : genericAttention(d);
    BlockShape block = family != null ? family.block() : BlockShape.PRE_NORM;
    ModelKind kind = family != null ? family.kind() : ModelKind.DECODER;
    Architecture a = new Architecture(modelType != null ? modelType : arch, kind, List.copyOf(tensors), d, attention, "gguf", notes, ropeFreqs, block);
    String ftype = fileType(h);
    WeightFormat format = new GgufFileFormat(types, ftype);
    List<String> provenance = new ArrayList<>();
    provenance.add("GGUF header: " + file + " (version " + h.version() + ", " + h.tensors().size() + " tensors)");
    provenance.add("parameters and weight bytes: each tensor's shape and ggml type from the GGUF header (exact)");
    provenance.add("dimensions and attention layout: " + arch + ".* metadata" + (family != null ? " through the " + modelType + " family rules" : ""));
    if (family != null && family.parameters().total() != a.parameters().total()) {
      provenance.add(String.format(Locale.ROOT, "note: the GGUF holds %,d parameters; a %s config with these sizes would have %,d (the file's count is used)",
          a.parameters().total(), modelType, family.parameters().total()));
    }
    String name = h.string("general.name");
    if (name != null) {
      provenance.add(0, "general.name: " + name);
    }
    return new Model(id, null, "gguf", a, 0, format, List.copyOf(provenance));
  }

  private static long orZero(Long v) {
    return v == null ? 0 : v;
  }

  /** Returns general.file_type as llama.cpp names it (llama_ftype). */
  static String fileType(GgufReader.Header h) {
    Long ft = h.integer("general.file_type");
    if (ft == null) {
      return null;
    }
    String[] names = {"F32", "F16", "Q4_0", "Q4_1", "Q4_1_SOME_F16", "Q4_2", "Q4_3", "Q8_0", "Q5_0", "Q5_1", "Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S",
        "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "IQ2_XXS", "IQ2_XS", "Q2_K_S", "IQ3_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ3_M", "IQ2_S", "IQ2_M",
        "IQ4_XS", "IQ1_M", "BF16", "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "TQ1_0", "TQ2_0", "MXFP4_MOE"};
    return ft >= 0 && ft < names.length ? names[(int) (long) ft] : "type " + ft;
  }

  /** Returns a config.json-shaped map of the metadata for the family rules. */
  static Map<String, Object> config(GgufReader.Header h, String arch, int layers) {
    Map<String, Object> c = new LinkedHashMap<>();
    String type = TYPES.get(arch);
    long experts = orZero(h.integer(arch + ".expert_count"));
    if ("llama".equals(type) && experts > 0) {
      type = "mixtral";
    }
    if (type != null) {
      c.put("model_type", type);
    }
    put(c, "hidden_size", scalar(h, arch + ".embedding_length"));
    c.put("num_hidden_layers", (long) layers);
    put(c, "intermediate_size", scalar(h, arch + ".feed_forward_length"));
    put(c, "num_attention_heads", scalar(h, arch + ".attention.head_count"));
    Object kv = scalar(h, arch + ".attention.head_count_kv");
    put(c, "num_key_value_heads", kv != null ? kv : scalar(h, arch + ".attention.head_count"));
    put(c, "head_dim", h.integer(arch + ".attention.key_length"));
    put(c, "max_position_embeddings", h.integer(arch + ".context_length"));
    put(c, "vocab_size", vocab(h, arch));
    c.put("tie_word_embeddings", h.tensors().stream().noneMatch(t -> t.name().equals("output.weight")));
    put(c, "sliding_window", h.integer(arch + ".attention.sliding_window"));
    if (experts > 0) {
      c.put("num_local_experts", experts);
      c.put("num_experts", experts);
      c.put("n_routed_experts", experts);
      put(c, "num_experts_per_tok", h.integer(arch + ".expert_used_count"));
      put(c, "experts_per_token", h.integer(arch + ".expert_used_count"));
      put(c, "moe_intermediate_size", h.integer(arch + ".expert_feed_forward_length"));
      put(c, "shared_expert_intermediate_size", h.integer(arch + ".expert_shared_feed_forward_length"));
      put(c, "n_shared_experts", h.integer(arch + ".expert_shared_count"));
      put(c, "first_k_dense_replace", h.integer(arch + ".leading_dense_block_count"));
    }
    if ("deepseek_v3".equals(type)) {
      Long rope = h.integer(arch + ".rope.dimension_count");
      Long key = h.integer(arch + ".attention.key_length");
      put(c, "q_lora_rank", h.integer(arch + ".attention.q_lora_rank"));
      put(c, "kv_lora_rank", h.integer(arch + ".attention.kv_lora_rank"));
      put(c, "qk_rope_head_dim", rope);
      if (key != null && rope != null) {
        c.put("qk_nope_head_dim", key - rope);
      }
      put(c, "v_head_dim", h.integer(arch + ".attention.value_length"));
      c.put("num_nextn_predict_layers", 0L);
      c.put("topk_method", "noaux_tc");
      c.remove("head_dim");
    }
    return c;
  }

  private static void put(Map<String, Object> c, String key, Object v) {
    if (v != null) {
      c.put(key, v);
    }
  }

  /** Returns an integer key, or the largest element of a per-layer array. */
  private static Object scalar(GgufReader.Header h, String key) {
    Object v = h.get(key);
    if (v instanceof List<?> list) {
      long max = 0;
      for (Object o : list) {
        if (o instanceof Long l) {
          max = Math.max(max, l);
        }
      }
      return max > 0 ? max : null;
    }
    return v instanceof Long ? v : null;
  }

  private static Long vocab(GgufReader.Header h, String arch) {
    Long v = h.integer(arch + ".vocab_size");
    if (v != null) {
      return v;
    }
    for (GgufReader.Tensor t : h.tensors()) {
      if (t.name().equals("token_embd.weight") && t.ne().length == 2) {
        return t.ne()[1];
      }
    }
    return null;
  }

  private static Dimensions genericDims(GgufReader.Header h, String arch, int layers, Map<String, Object> c) {
    long hidden = c.get("hidden_size") instanceof Long l ? l : 0;
    int heads = c.get("num_attention_heads") instanceof Long l ? l.intValue() : 0;
    int kv = c.get("num_key_value_heads") instanceof Long l ? l.intValue() : heads;
    if (hidden <= 0 || heads <= 0) {
      throw new BadInputException("model", "GGUF architecture '" + arch + "': " + arch + ".embedding_length and " + arch + ".attention.head_count are needed");
    }
    int headDim = c.get("head_dim") instanceof Long l ? l.intValue() : (int) (hidden / heads);
    long ff = c.get("intermediate_size") instanceof Long l ? l : 0;
    long vocab = c.get("vocab_size") instanceof Long l ? l : 0;
    long ctx = c.get("max_position_embeddings") instanceof Long l ? l : 0;
    int experts = (int) orZero(h.integer(arch + ".expert_count"));
    int used = (int) orZero(h.integer(arch + ".expert_used_count"));
    long moeFf = orZero(h.integer(arch + ".expert_feed_forward_length"));
    return new Dimensions(hidden, layers, heads, kv, headDim, ff, vocab, true, experts, used, moeFf > 0 ? moeFf : ff, 0, experts > 0 ? layers : 0, ctx);
  }

  private static List<AttentionLayer> genericAttention(Dimensions d) {
    List<AttentionLayer> out = new ArrayList<>();
    for (int i = 0; i < d.numLayers(); i++) {
      out.add(new AttentionLayer.Full(d.numKvHeads(), d.headDim(), d.headDim()));
    }
    return out;
  }

  /** Returns the tensor as the estimators see it: Hugging Face order of dimensions (outermost first), role, component, split axis. */
  static TensorSpec spec(GgufReader.Tensor t, Dimensions d, int layers) {
    long[] ne = t.ne();
    long[] shape = new long[ne.length];
    for (int i = 0; i < ne.length; i++) {
      shape[i] = ne[ne.length - 1 - i];
    }
    String n = t.name();
    int layer = -1;
    String base = n;
    if (n.startsWith("blk.")) {
      int dot = n.indexOf('.', 4);
      if (dot > 4) {
        try {
          layer = Integer.parseInt(n.substring(4, dot));
          base = n.substring(dot + 1);
        } catch (NumberFormatException e) {
          layer = -1;
        }
      }
    }
    boolean bias = base.endsWith(".bias");
    String stem = base.replaceAll("\\.(weight|bias)$", "");
    TensorRole role;
    Component comp;
    switch (stem) {
      case "token_embd" -> { role = TensorRole.TOKEN_EMBEDDING; comp = Component.EMBEDDINGS; }
      case "position_embd" -> { role = TensorRole.POSITION_EMBEDDING; comp = Component.EMBEDDINGS; }
      case "token_types" -> { role = TensorRole.TOKEN_TYPE_EMBEDDING; comp = Component.EMBEDDINGS; }
      case "output" -> { role = TensorRole.LM_HEAD; comp = Component.LM_HEAD; }
      case "attn_q" -> { role = TensorRole.ATTN_Q; comp = Component.ATTENTION; }
      case "attn_k" -> { role = TensorRole.ATTN_K; comp = Component.ATTENTION; }
      case "attn_v" -> { role = TensorRole.ATTN_V; comp = Component.ATTENTION; }
      case "attn_qkv" -> { role = TensorRole.ATTN_QKV; comp = Component.ATTENTION; }
      case "attn_output" -> { role = TensorRole.ATTN_O; comp = Component.ATTENTION; }
      case "attn_q_a" -> { role = TensorRole.ATTN_Q_A; comp = Component.ATTENTION; }
      case "attn_q_b" -> { role = TensorRole.ATTN_Q_B; comp = Component.ATTENTION; }
      case "attn_kv_a_mqa" -> { role = TensorRole.ATTN_KV_A; comp = Component.ATTENTION; }
      case "attn_kv_b", "attn_k_b", "attn_v_b" -> { role = TensorRole.ATTN_KV_B; comp = Component.ATTENTION; }
      case "attn_sinks" -> { role = TensorRole.ATTN_SINKS; comp = Component.ATTENTION; }
      case "ffn_gate" -> { role = TensorRole.MLP_GATE; comp = Component.MLP; }
      case "ffn_up" -> { role = TensorRole.MLP_UP; comp = Component.MLP; }
      case "ffn_down" -> { role = TensorRole.MLP_DOWN; comp = Component.MLP; }
      case "ffn_gate_exps" -> { role = TensorRole.EXPERT_GATE; comp = Component.EXPERTS; }
      case "ffn_up_exps" -> { role = TensorRole.EXPERT_UP; comp = Component.EXPERTS; }
      case "ffn_down_exps" -> { role = TensorRole.EXPERT_DOWN; comp = Component.EXPERTS; }
      case "ffn_gate_up_exps" -> { role = TensorRole.EXPERT_GATE_UP; comp = Component.EXPERTS; }
      case "ffn_gate_shexp" -> { role = TensorRole.SHARED_GATE; comp = Component.SHARED_EXPERTS; }
      case "ffn_up_shexp" -> { role = TensorRole.SHARED_UP; comp = Component.SHARED_EXPERTS; }
      case "ffn_down_shexp" -> { role = TensorRole.SHARED_DOWN; comp = Component.SHARED_EXPERTS; }
      case "ffn_gate_inp_shexp" -> { role = TensorRole.SHARED_EXPERT_GATE; comp = Component.SHARED_EXPERTS; }
      case "ffn_gate_inp" -> { role = TensorRole.ROUTER; comp = Component.ROUTER; }
      case "exp_probs_b" -> { role = TensorRole.BIAS; comp = Component.ROUTER; }
      case "rope_freqs" -> { role = TensorRole.SCALAR; comp = Component.NORMS; }
      default -> {
        if (stem.endsWith("norm") || stem.contains("_norm") || stem.startsWith("norm")) {
          role = TensorRole.NORM;
          comp = Component.NORMS;
        } else {
          role = TensorRole.DENSE;
          comp = layer >= 0 ? Component.MLP : Component.HEADS;
        }
      }
    }
    if (bias && role != TensorRole.BIAS) {
      role = TensorRole.BIAS;
    }
    boolean mtp = layer >= layers || stem.startsWith("nextn");
    if (mtp) {
      comp = Component.MTP;
    }
    int experts = comp == Component.EXPERTS && shape.length == 3 ? (int) shape[0] : 0;
    int tpAxis = -1;
    int kvHeads = 0;
    long kvRows = 0;
    int outAxis = experts > 0 ? 1 : 0;
    switch (role) {
      case ATTN_Q, ATTN_Q_B, ATTN_KV_B, MLP_GATE, MLP_UP, EXPERT_GATE, EXPERT_UP, EXPERT_GATE_UP, SHARED_GATE, SHARED_UP, TOKEN_EMBEDDING, LM_HEAD ->
          tpAxis = shape.length >= 2 ? outAxis : -1;
      case ATTN_K, ATTN_V -> {
        tpAxis = shape.length >= 2 ? 0 : -1;
        kvHeads = d.numKvHeads();
        kvRows = shape[0];
      }
      case ATTN_QKV -> {
        tpAxis = 0;
        kvHeads = d.numKvHeads();
        kvRows = Math.max(0, Math.min(shape[0], shape[0] - (long) d.numHeads() * d.headDim()));
      }
      case ATTN_O, MLP_DOWN, EXPERT_DOWN, SHARED_DOWN -> tpAxis = shape.length >= 2 ? shape.length - 1 : -1;
      default -> tpAxis = -1;
    }
    if (kvHeads == 0) {
      kvRows = 0;
    }
    return new TensorSpec(n, shape, role, comp, mtp ? Math.max(layer, layers) : layer, tpAxis, kvHeads, kvRows, experts, !mtp, false);
  }
}
