package dev.vramcalc.core.model;

import static dev.vramcalc.core.model.Keys.MAX_HEADS;
import static dev.vramcalc.core.model.Keys.MAX_HIDDEN;
import static dev.vramcalc.core.model.Keys.MAX_INTERMEDIATE;
import static dev.vramcalc.core.model.Keys.MAX_LAYERS;
import static dev.vramcalc.core.model.Keys.MAX_POSITIONS;
import static dev.vramcalc.core.model.Keys.MAX_VOCAB;

import dev.vramcalc.core.BadInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * Returns the tensors of bidirectional encoders: BERT and RoBERTa (text), ViT (images) and CLIP (both
 * towers with their projections). Every linear and LayerNorm carries a bias.
 *
 * <p>Sources: huggingface/transformers:src/transformers/models/{bert,roberta,vit,clip}/modeling_*.py.
 * Checks: bert-base-uncased's checkpoint holds 110,106,428 parameters (BertModel 109,482,240 plus the
 * pretraining heads); roberta-base 124,697,433; CLIP ViT-B/32 151,277,313.
 */
final class Encoders {

  private Encoders() {}

  /** The encoder stack shared by BERT, RoBERTa and ViT: post-norm (BERT) or pre-norm (ViT) blocks. */
  private static void encoderLayers(TensorList t, String p, int layers, long h, long f, boolean vitNames, boolean bias) {
    for (int i = 0; i < layers; i++) {
      String l = p + "encoder.layer." + i + ".";
      String a = vitNames ? l + "attention.attention." : l + "attention.self.";
      if (vitNames) {
        t.layerNorm(l + "layernorm_before", h, i);
      }
      t.column(a + "query.weight", h, h, TensorRole.ATTN_Q, Component.ATTENTION, i);
      t.column(a + "key.weight", h, h, TensorRole.ATTN_K, Component.ATTENTION, i);
      t.column(a + "value.weight", h, h, TensorRole.ATTN_V, Component.ATTENTION, i);
      if (bias) {
        t.columnBias(a + "query.bias", h, Component.ATTENTION, i);
        t.columnBias(a + "key.bias", h, Component.ATTENTION, i);
        t.columnBias(a + "value.bias", h, Component.ATTENTION, i);
      }
      t.row(l + "attention.output.dense.weight", h, h, TensorRole.ATTN_O, Component.ATTENTION, i);
      t.replicatedBias(l + "attention.output.dense.bias", h, Component.ATTENTION, i);
      if (vitNames) {
        t.layerNorm(l + "layernorm_after", h, i);
      } else {
        t.layerNorm(l + "attention.output.LayerNorm", h, i);
      }
      t.column(l + "intermediate.dense.weight", f, h, TensorRole.MLP_UP, Component.MLP, i);
      t.columnBias(l + "intermediate.dense.bias", f, Component.MLP, i);
      t.row(l + "output.dense.weight", h, f, TensorRole.MLP_DOWN, Component.MLP, i);
      t.replicatedBias(l + "output.dense.bias", h, Component.MLP, i);
      if (!vitNames) {
        t.layerNorm(l + "output.LayerNorm", h, i);
      }
    }
  }

  private static void dense(TensorList t, String name, long out, long in, Component c) {
    t.replicated(name + ".weight", new long[] {out, in}, TensorRole.DENSE, c, -1);
    t.replicated(name + ".bias", new long[] {out}, TensorRole.BIAS, c, -1);
  }

  private static boolean names(List<String> architectures, String suffix) {
    return architectures != null && architectures.stream().anyMatch(a -> a.endsWith(suffix));
  }

  private static int numLabels(Keys k) {
    ConfigView labels = k.view().child("id2label");
    if (labels != null && !labels.keys().isEmpty()) {
      return labels.keys().size();
    }
    return k.intOr(2, 1, 1 << 20, "num_labels");
  }

  /**
   * BERT and RoBERTa: the checkpoint's heads follow its {@code architectures}. Google's BERT
   * checkpoints (BertForPreTraining, published as BertForMaskedLM) keep the pooler and both
   * pretraining heads, MLM and next-sentence; RobertaForMaskedLM keeps its LM head and no pooler;
   * classifiers keep their classifier; a bare model keeps its pooler.
   */
  static Architecture bert(String modelType, ConfigView cfg, boolean roberta) {
    Keys k = new Keys(cfg);
    long h = k.require(1, MAX_HIDDEN, "hidden_size");
    int layers = k.requireInt(1, MAX_LAYERS, "num_hidden_layers");
    int heads = k.requireInt(1, MAX_HEADS, "num_attention_heads");
    long f = k.require(1, MAX_INTERMEDIATE, "intermediate_size");
    long vocab = k.require(1, MAX_VOCAB, "vocab_size");
    long positions = k.require(1, MAX_POSITIONS, "max_position_embeddings");
    long types = k.or(2, 0, 1 << 16, "type_vocab_size");
    if (h % heads != 0) {
      throw new BadInputException("num_attention_heads", cfg.origin() + ": num_attention_heads (" + heads + ") must divide hidden_size (" + h + ")");
    }
    List<String> arch = k.strings("architectures");
    boolean maskedLm = names(arch, "ForMaskedLM") || names(arch, "ForPreTraining");
    boolean classifier = names(arch, "ForSequenceClassification");
    String p = roberta ? "roberta." : "bert.";
    boolean bare = !maskedLm && !classifier;
    if (bare) {
      p = "";
    }

    TensorList t = new TensorList();
    t.tokenEmbedding(p + "embeddings.word_embeddings.weight", vocab, h);
    t.replicated(p + "embeddings.position_embeddings.weight", new long[] {positions, h}, TensorRole.POSITION_EMBEDDING, Component.EMBEDDINGS, -1);
    if (types > 0) {
      t.replicated(p + "embeddings.token_type_embeddings.weight", new long[] {types, h}, TensorRole.TOKEN_TYPE_EMBEDDING, Component.EMBEDDINGS, -1);
    }
    t.layerNorm(p + "embeddings.LayerNorm", h, -1);
    encoderLayers(t, p, layers, h, f, false, true);
    List<String> notes = new ArrayList<>();
    boolean pooler = bare || (!roberta && (maskedLm || classifier));
    if (pooler) {
      dense(t, p + "pooler.dense", h, h, Component.POOLER);
    }
    if (maskedLm && !roberta) {
      dense(t, "cls.predictions.transform.dense", h, h, Component.HEADS);
      t.layerNorm("cls.predictions.transform.LayerNorm", h, -1, Component.HEADS);
      t.replicated("cls.predictions.bias", new long[] {vocab}, TensorRole.BIAS, Component.HEADS, -1);
      dense(t, "cls.seq_relationship", 2, h, Component.HEADS);
      notes.add("BERT pretraining checkpoints keep the pooler, the masked-LM head (its decoder shares the word embeddings) and the next-sentence head");
    } else if (maskedLm) {
      dense(t, "lm_head.dense", h, h, Component.HEADS);
      t.layerNorm("lm_head.layer_norm", h, -1, Component.HEADS);
      t.replicated("lm_head.bias", new long[] {vocab}, TensorRole.BIAS, Component.HEADS, -1);
      notes.add("the masked-LM decoder shares the word embeddings and is counted once");
    } else if (classifier) {
      int labels = numLabels(k);
      if (roberta) {
        dense(t, "classifier.dense", h, h, Component.HEADS);
        dense(t, "classifier.out_proj", labels, h, Component.HEADS);
      } else {
        dense(t, "classifier", labels, h, Component.HEADS);
      }
    }
    Dimensions dims = new Dimensions(h, layers, heads, heads, (int) (h / heads), f, vocab, false, 0, 0, 0, 0, 0, positions);
    return new Architecture(modelType, ModelKind.ENCODER, t.build(), dims, List.of(), k.string("torch_dtype", null), notes, 0,
        new BlockShape(2, false, Gpt2Like.realOr(k, "hidden_dropout_prob", 0.1), Gpt2Like.realOr(k, "attention_probs_dropout_prob", 0.1)));
  }

  /** ViT: patch embedding, class token, learned positions, pre-norm blocks, then a pooler or classifier. */
  static Architecture vit(String modelType, ConfigView cfg) {
    Keys k = new Keys(cfg);
    long h = k.require(1, MAX_HIDDEN, "hidden_size");
    int layers = k.requireInt(1, MAX_LAYERS, "num_hidden_layers");
    int heads = k.requireInt(1, MAX_HEADS, "num_attention_heads");
    long f = k.require(1, MAX_INTERMEDIATE, "intermediate_size");
    long image = k.require(1, 1 << 16, "image_size");
    long patch = k.require(1, image, "patch_size");
    long channels = k.or(3, 1, 64, "num_channels");
    boolean qkvBias = k.bool("qkv_bias", true);
    long patches = (image / patch) * (image / patch);
    List<String> arch = k.strings("architectures");
    boolean classifier = names(arch, "ForImageClassification");

    TensorList t = new TensorList();
    String p = classifier ? "vit." : "";
    t.replicated(p + "embeddings.cls_token", new long[] {1, 1, h}, TensorRole.CLASS_EMBEDDING, Component.EMBEDDINGS, -1);
    t.replicated(p + "embeddings.position_embeddings", new long[] {1, patches + 1, h}, TensorRole.POSITION_EMBEDDING, Component.EMBEDDINGS, -1);
    t.replicated(p + "embeddings.patch_embeddings.projection.weight", new long[] {h, channels, patch, patch}, TensorRole.PATCH_EMBEDDING, Component.EMBEDDINGS, -1);
    t.replicated(p + "embeddings.patch_embeddings.projection.bias", new long[] {h}, TensorRole.BIAS, Component.EMBEDDINGS, -1);
    encoderLayers(t, p, layers, h, f, true, qkvBias);
    t.layerNorm(p + "layernorm", h, -1);
    if (classifier) {
      dense(t, "classifier", numLabels(k), h, Component.HEADS);
    } else {
      dense(t, p + "pooler.dense", h, h, Component.POOLER);
    }
    Dimensions dims = new Dimensions(h, layers, heads, heads, (int) (h / heads), f, 0, false, 0, 0, 0, 0, 0, patches + 1);
    return new Architecture(modelType, ModelKind.VISION_ENCODER, t.build(), dims, List.of(), k.string("torch_dtype", null),
        List.of(patches + " patches of " + patch + "×" + patch + " plus a class token per image"), 0,
        new BlockShape(2, false, Gpt2Like.realOr(k, "hidden_dropout_prob", 0), Gpt2Like.realOr(k, "attention_probs_dropout_prob", 0)));
  }

  /** One CLIP tower's transformer layers ({@code prefix} ends in "encoder."). */
  private static void clipLayers(TensorList t, String prefix, int layers, long h, long f) {
    for (int i = 0; i < layers; i++) {
      String l = prefix + "layers." + i + ".";
      for (String proj : new String[] {"q_proj", "k_proj", "v_proj"}) {
        TensorRole role = proj.equals("q_proj") ? TensorRole.ATTN_Q : proj.equals("k_proj") ? TensorRole.ATTN_K : TensorRole.ATTN_V;
        t.column(l + "self_attn." + proj + ".weight", h, h, role, Component.ATTENTION, i);
        t.columnBias(l + "self_attn." + proj + ".bias", h, Component.ATTENTION, i);
      }
      t.row(l + "self_attn.out_proj.weight", h, h, TensorRole.ATTN_O, Component.ATTENTION, i);
      t.replicatedBias(l + "self_attn.out_proj.bias", h, Component.ATTENTION, i);
      t.layerNorm(l + "layer_norm1", h, i);
      t.column(l + "mlp.fc1.weight", f, h, TensorRole.MLP_UP, Component.MLP, i);
      t.columnBias(l + "mlp.fc1.bias", f, Component.MLP, i);
      t.row(l + "mlp.fc2.weight", h, f, TensorRole.MLP_DOWN, Component.MLP, i);
      t.replicatedBias(l + "mlp.fc2.bias", h, Component.MLP, i);
      t.layerNorm(l + "layer_norm2", h, i);
    }
  }

  private static ConfigView tower(ConfigView cfg, String name) {
    ConfigView c = cfg.child(name);
    if (c == null) {
      c = cfg.child(name + "_dict");
    }
    return c;
  }

  /**
   * CLIP: a text transformer and a vision transformer, each projected to {@code projection_dim}, and
   * a learned temperature. Absent tower keys take CLIPTextConfig / CLIPVisionConfig defaults.
   */
  static Architecture clip(String modelType, ConfigView cfg) {
    Keys k = new Keys(cfg);
    ConfigView textCfg = tower(cfg, "text_config");
    ConfigView visionCfg = tower(cfg, "vision_config");
    Keys tk = new Keys(textCfg == null ? MapConfig.EMPTY : textCfg);
    Keys vk = new Keys(visionCfg == null ? MapConfig.EMPTY : visionCfg);
    long projection = k.or(512, 1, MAX_HIDDEN, "projection_dim");
    long ht = tk.or(512, 1, MAX_HIDDEN, "hidden_size");
    long ft = tk.or(2048, 1, MAX_INTERMEDIATE, "intermediate_size");
    int lt = tk.intOr(12, 1, MAX_LAYERS, "num_hidden_layers");
    int at = tk.intOr(8, 1, MAX_HEADS, "num_attention_heads");
    long vocab = tk.or(49408, 1, MAX_VOCAB, "vocab_size");
    long textPositions = tk.or(77, 1, MAX_POSITIONS, "max_position_embeddings");
    long hv = vk.or(768, 1, MAX_HIDDEN, "hidden_size");
    long fv = vk.or(3072, 1, MAX_INTERMEDIATE, "intermediate_size");
    int lv = vk.intOr(12, 1, MAX_LAYERS, "num_hidden_layers");
    int av = vk.intOr(12, 1, MAX_HEADS, "num_attention_heads");
    long image = vk.or(224, 1, 1 << 16, "image_size");
    long patch = vk.or(32, 1, image, "patch_size");
    long channels = vk.or(3, 1, 64, "num_channels");
    long patches = (image / patch) * (image / patch);

    TensorList t = new TensorList();
    t.tokenEmbedding("text_model.embeddings.token_embedding.weight", vocab, ht);
    t.replicated("text_model.embeddings.position_embedding.weight", new long[] {textPositions, ht}, TensorRole.POSITION_EMBEDDING, Component.EMBEDDINGS, -1);
    clipLayers(t, "text_model.encoder.", lt, ht, ft);
    t.layerNorm("text_model.final_layer_norm", ht, -1);
    t.overrideComponent(Component.VISION_TOWER);
    t.replicated("vision_model.embeddings.class_embedding", new long[] {hv}, TensorRole.CLASS_EMBEDDING, Component.VISION_TOWER, -1);
    t.replicated("vision_model.embeddings.patch_embedding.weight", new long[] {hv, channels, patch, patch}, TensorRole.PATCH_EMBEDDING, Component.VISION_TOWER, -1);
    t.replicated("vision_model.embeddings.position_embedding.weight", new long[] {patches + 1, hv}, TensorRole.POSITION_EMBEDDING, Component.VISION_TOWER, -1);
    t.layerNorm("vision_model.pre_layrnorm", hv, -1);
    clipLayers(t, "vision_model.encoder.", lv, hv, fv);
    t.layerNorm("vision_model.post_layernorm", hv, -1);
    t.overrideComponent(null);
    t.replicated("visual_projection.weight", new long[] {projection, hv}, TensorRole.DENSE, Component.PROJECTOR, -1);
    t.replicated("text_projection.weight", new long[] {projection, ht}, TensorRole.DENSE, Component.PROJECTOR, -1);
    t.replicated("logit_scale", new long[] {}, TensorRole.SCALAR, Component.PROJECTOR, -1);
    Dimensions dims = new Dimensions(ht, lt, at, at, (int) (ht / at), ft, vocab, false, 0, 0, 0, 0, 0, textPositions);
    return new Architecture(modelType, ModelKind.DUAL_ENCODER, t.build(), dims, List.of(), k.string("torch_dtype", null),
        List.of("text tower " + lt + " layers × " + ht + "; vision tower " + lv + " layers × " + hv + " over " + patches + " patches"));
  }
}
