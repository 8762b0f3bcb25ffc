package dev.vramcalc.core.model;

import static dev.vramcalc.core.model.Keys.MAX_HEADS;
import static dev.vramcalc.core.model.Keys.MAX_HIDDEN;
import static dev.vramcalc.core.model.Keys.MAX_INTERMEDIATE;
import static dev.vramcalc.core.model.Keys.MAX_LAYERS;

import dev.vramcalc.core.BadInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Returns the tensors of image-text decoders: a language model from {@code text_config}, a vision
 * tower from {@code vision_config}, and the projector between them.
 *
 * <p>Sources: huggingface/transformers:src/transformers/models/gemma3/modeling_gemma3.py (SigLIP
 * tower, Gemma3MultiModalProjector: mm_input_projection_weight and mm_soft_emb_norm),
 * models/siglip/modeling_siglip.py, models/mistral3/modeling_mistral3.py (Mistral3PatchMerger,
 * Mistral3MultiModalProjector), models/pixtral/modeling_pixtral.py. Checks: gemma-3-27b-it totals
 * 27,432,406,640 parameters; Mistral-Small-3.1-24B 24,011,361,280.
 */
final class Multimodal {

  /** Gemma3TextConfig defaults (transformers 4.50), for keys the published text_config omits. */
  static final Map<String, Object> GEMMA3_TEXT_DEFAULTS = Map.ofEntries(
      Map.entry("vocab_size", 262_208),
      Map.entry("hidden_size", 2304),
      Map.entry("intermediate_size", 9216),
      Map.entry("num_hidden_layers", 26),
      Map.entry("num_attention_heads", 8),
      Map.entry("num_key_value_heads", 4),
      Map.entry("head_dim", 256),
      Map.entry("max_position_embeddings", 131_072),
      Map.entry("sliding_window", 4096),
      Map.entry("sliding_window_pattern", 6),
      Map.entry("tie_word_embeddings", true));

  /** SiglipVisionConfig defaults (transformers 4.50). */
  static final Map<String, Object> SIGLIP_DEFAULTS = Map.of(
      "hidden_size", 768, "intermediate_size", 3072, "num_hidden_layers", 12, "num_attention_heads", 12,
      "num_channels", 3, "image_size", 224, "patch_size", 16, "vision_use_head", true);

  /** PixtralVisionConfig defaults (transformers 4.50). */
  static final Map<String, Object> PIXTRAL_DEFAULTS = Map.of(
      "hidden_size", 1024, "intermediate_size", 4096, "num_hidden_layers", 24, "num_attention_heads", 16,
      "num_channels", 3, "image_size", 1024, "patch_size", 16);

  private Multimodal() {}

  private static Architecture combine(String modelType, Architecture text, TensorList vision, ConfigView cfg, List<String> notes) {
    List<TensorSpec> all = new ArrayList<>(text.tensors());
    all.addAll(vision.build());
    List<String> allNotes = new ArrayList<>(text.notes());
    allNotes.addAll(notes);
    String dtype = cfg.stringValue("torch_dtype") != null ? cfg.stringValue("torch_dtype") : text.torchDtype();
    return new Architecture(modelType, ModelKind.MULTIMODAL_DECODER, all, text.dims(), text.attention(), dtype, allNotes, text.ggufRopeFreqs(), text.block());
  }

  private static ConfigView required(ConfigView cfg, String key) {
    ConfigView c = cfg.child(key);
    if (c == null) {
      throw new BadInputException(key, cfg.origin() + ": " + key + " is required for model_type " + cfg.stringValue("model_type"));
    }
    return c;
  }

  static Architecture gemma3(String modelType, ConfigView cfg) {
    ConfigView textCfg = new DefaultedConfig(required(cfg, "text_config"), GEMMA3_TEXT_DEFAULTS);
    Architecture text = LlamaLike.build(modelType, textCfg, LlamaLike.GEMMA3, ModelKind.MULTIMODAL_DECODER, "language_model.");
    Keys v = new Keys(new DefaultedConfig(cfg.child("vision_config"), SIGLIP_DEFAULTS));
    long hv = v.require(1, MAX_HIDDEN, "hidden_size");
    TensorList t = new TensorList();
    t.overrideComponent(Component.VISION_TOWER);
    long patches = siglip(t, "vision_tower.vision_model.", v);
    t.overrideComponent(Component.PROJECTOR);
    t.replicated("multi_modal_projector.mm_input_projection_weight", new long[] {hv, text.dims().hiddenSize()}, TensorRole.DENSE, Component.PROJECTOR, -1);
    t.norm("multi_modal_projector.mm_soft_emb_norm.weight", hv, -1);
    return combine(modelType, text, t, cfg, List.of("SigLIP vision tower over " + patches + " patches per image"));
  }

  /** SigLIP vision transformer; returns the patch count. */
  private static long siglip(TensorList t, String p, Keys v) {
    long h = v.require(1, MAX_HIDDEN, "hidden_size");
    long f = v.require(1, MAX_INTERMEDIATE, "intermediate_size");
    int layers = v.requireInt(1, MAX_LAYERS, "num_hidden_layers");
    v.requireInt(1, MAX_HEADS, "num_attention_heads");
    long image = v.require(1, 1 << 16, "image_size");
    long patch = v.require(1, image, "patch_size");
    long channels = v.require(1, 64, "num_channels");
    long patches = (image / patch) * (image / patch);
    t.replicated(p + "embeddings.patch_embedding.weight", new long[] {h, channels, patch, patch}, TensorRole.PATCH_EMBEDDING, Component.VISION_TOWER, -1);
    t.replicated(p + "embeddings.patch_embedding.bias", new long[] {h}, TensorRole.BIAS, Component.VISION_TOWER, -1);
    t.replicated(p + "embeddings.position_embedding.weight", new long[] {patches, h}, TensorRole.POSITION_EMBEDDING, Component.VISION_TOWER, -1);
    for (int i = 0; i < layers; i++) {
      String l = p + "encoder.layers." + i + ".";
      t.layerNorm(l + "layer_norm1", h, i);
      for (String proj : new String[] {"q_proj", "k_proj", "v_proj"}) {
        t.column(l + "self_attn." + proj + ".weight", h, h, proj.startsWith("q") ? TensorRole.ATTN_Q : proj.startsWith("k") ? TensorRole.ATTN_K : TensorRole.ATTN_V, Component.VISION_TOWER, i);
        t.columnBias(l + "self_attn." + proj + ".bias", h, Component.VISION_TOWER, i);
      }
      t.row(l + "self_attn.out_proj.weight", h, h, TensorRole.ATTN_O, Component.VISION_TOWER, i);
      t.replicatedBias(l + "self_attn.out_proj.bias", h, Component.VISION_TOWER, i);
      t.layerNorm(l + "layer_norm2", h, i);
      t.column(l + "mlp.fc1.weight", f, h, TensorRole.MLP_UP, Component.VISION_TOWER, i);
      t.columnBias(l + "mlp.fc1.bias", f, Component.VISION_TOWER, i);
      t.row(l + "mlp.fc2.weight", h, f, TensorRole.MLP_DOWN, Component.VISION_TOWER, i);
      t.replicatedBias(l + "mlp.fc2.bias", h, Component.VISION_TOWER, i);
    }
    t.layerNorm(p + "post_layernorm", h, -1);
    if (v.bool("vision_use_head", true)) {
      String hd = p + "head.";
      t.replicated(hd + "probe", new long[] {1, 1, h}, TensorRole.DENSE, Component.VISION_TOWER, -1);
      t.replicated(hd + "attention.in_proj_weight", new long[] {3 * h, h}, TensorRole.DENSE, Component.VISION_TOWER, -1);
      t.replicated(hd + "attention.in_proj_bias", new long[] {3 * h}, TensorRole.BIAS, Component.VISION_TOWER, -1);
      t.replicated(hd + "attention.out_proj.weight", new long[] {h, h}, TensorRole.DENSE, Component.VISION_TOWER, -1);
      t.replicated(hd + "attention.out_proj.bias", new long[] {h}, TensorRole.BIAS, Component.VISION_TOWER, -1);
      t.layerNorm(hd + "layernorm", h, -1);
      t.replicated(hd + "mlp.fc1.weight", new long[] {f, h}, TensorRole.DENSE, Component.VISION_TOWER, -1);
      t.replicated(hd + "mlp.fc1.bias", new long[] {f}, TensorRole.BIAS, Component.VISION_TOWER, -1);
      t.replicated(hd + "mlp.fc2.weight", new long[] {h, f}, TensorRole.DENSE, Component.VISION_TOWER, -1);
      t.replicated(hd + "mlp.fc2.bias", new long[] {h}, TensorRole.BIAS, Component.VISION_TOWER, -1);
    }
    return patches;
  }

  static Architecture mistral3(String modelType, ConfigView cfg) {
    ConfigView textCfg = required(cfg, "text_config");
    String textType = textCfg.stringValue("model_type") == null ? "mistral" : textCfg.stringValue("model_type");
    LlamaLike.Style style = textType.equals("llama") ? LlamaLike.LLAMA : LlamaLike.MISTRAL;
    Architecture text = LlamaLike.build(modelType, textCfg, style, ModelKind.MULTIMODAL_DECODER, "language_model.");
    Keys k = new Keys(cfg);
    Keys v = new Keys(new DefaultedConfig(cfg.child("vision_config"), PIXTRAL_DEFAULTS));
    long hv = v.require(1, MAX_HIDDEN, "hidden_size");
    long fv = v.require(1, MAX_INTERMEDIATE, "intermediate_size");
    int layers = v.requireInt(1, MAX_LAYERS, "num_hidden_layers");
    int heads = v.requireInt(1, MAX_HEADS, "num_attention_heads");
    long headDim = v.or(hv / heads, 1, MAX_HIDDEN, "head_dim");
    long patch = v.require(1, 1 << 16, "patch_size");
    long channels = v.require(1, 64, "num_channels");
    long merge = k.or(2, 1, 64, "spatial_merge_size");
    boolean projectorBias = k.bool("multimodal_projector_bias", false);
    long ht = text.dims().hiddenSize();

    TensorList t = new TensorList();
    t.overrideComponent(Component.VISION_TOWER);
    String p = "vision_tower.";
    t.replicated(p + "patch_conv.weight", new long[] {hv, channels, patch, patch}, TensorRole.PATCH_EMBEDDING, Component.VISION_TOWER, -1);
    t.norm(p + "ln_pre.weight", hv, -1);
    long qkv = heads * headDim;
    for (int i = 0; i < layers; i++) {
      String l = p + "transformer.layers." + i + ".";
      t.norm(l + "attention_norm.weight", hv, i);
      t.column(l + "attention.q_proj.weight", qkv, hv, TensorRole.ATTN_Q, Component.VISION_TOWER, i);
      t.column(l + "attention.k_proj.weight", qkv, hv, TensorRole.ATTN_K, Component.VISION_TOWER, i);
      t.column(l + "attention.v_proj.weight", qkv, hv, TensorRole.ATTN_V, Component.VISION_TOWER, i);
      t.row(l + "attention.o_proj.weight", hv, qkv, TensorRole.ATTN_O, Component.VISION_TOWER, i);
      t.norm(l + "ffn_norm.weight", hv, i);
      t.column(l + "feed_forward.gate_proj.weight", fv, hv, TensorRole.MLP_GATE, Component.VISION_TOWER, i);
      t.column(l + "feed_forward.up_proj.weight", fv, hv, TensorRole.MLP_UP, Component.VISION_TOWER, i);
      t.row(l + "feed_forward.down_proj.weight", hv, fv, TensorRole.MLP_DOWN, Component.VISION_TOWER, i);
    }
    t.overrideComponent(Component.PROJECTOR);
    String m = "multi_modal_projector.";
    t.norm(m + "norm.weight", hv, -1);
    t.replicated(m + "patch_merger.merging_layer.weight", new long[] {hv, hv * merge * merge}, TensorRole.DENSE, Component.PROJECTOR, -1);
    t.replicated(m + "linear_1.weight", new long[] {ht, hv}, TensorRole.DENSE, Component.PROJECTOR, -1);
    if (projectorBias) {
      t.replicated(m + "linear_1.bias", new long[] {ht}, TensorRole.BIAS, Component.PROJECTOR, -1);
    }
    t.replicated(m + "linear_2.weight", new long[] {ht, ht}, TensorRole.DENSE, Component.PROJECTOR, -1);
    if (projectorBias) {
      t.replicated(m + "linear_2.bias", new long[] {ht}, TensorRole.BIAS, Component.PROJECTOR, -1);
    }
    return combine(modelType, text, t, cfg, List.of("Pixtral vision tower (" + layers + " layers × " + hv + ") with a " + merge + "×" + merge + " patch merger"));
  }
}
