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
 * Returns the tensors of the GPT-2-shaped decoders: LayerNorm blocks with biases everywhere, a fused
 * QKV projection and a plain two-matrix GELU MLP. GPT-2 and GPTBigCode add learned position
 * embeddings; BLOOM uses ALiBi instead and normalizes its embeddings.
 *
 * <p>Linear weights are listed as {@code [out, in]} although GPT-2's Conv1D stores {@code [in, out]};
 * the count is the same.
 *
 * <p>Sources: huggingface/transformers:src/transformers/models/{gpt2,gpt_bigcode,bloom}/modeling_*.py.
 * GPT-2 small totals 124,439,808 parameters; BLOOM 176,247,271,424 (BigScience model card).
 */
final class Gpt2Like {

  enum Flavor {
    GPT2,
    GPT_BIGCODE,
    BLOOM
  }

  private Gpt2Like() {}

  static Architecture build(String modelType, ConfigView cfg, Flavor flavor) {
    Keys k = new Keys(cfg);
    long h = k.require(1, MAX_HIDDEN, "n_embd", "hidden_size");
    int layers = k.requireInt(1, MAX_LAYERS, "n_layer", "num_hidden_layers");
    int heads = k.requireInt(1, MAX_HEADS, "n_head", "num_attention_heads");
    if (h % heads != 0) {
      throw new BadInputException("n_head", cfg.origin() + ": the head count (" + heads + ") must divide the hidden size (" + h + ")");
    }
    int d = (int) (h / heads);
    long vocab = k.require(1, MAX_VOCAB, "vocab_size");
    long f = k.or(4 * h, 1, MAX_INTERMEDIATE, "n_inner");
    long positions = flavor == Flavor.BLOOM ? 0 : k.require(1, MAX_POSITIONS, "n_positions", "max_position_embeddings");
    boolean multiQuery = flavor == Flavor.GPT_BIGCODE && k.bool("multi_query", true);
    int kvHeads = multiQuery ? 1 : heads;
    boolean tie = k.bool("tie_word_embeddings", true);

    String p =
        switch (flavor) {
          case GPT2 -> "";
          case GPT_BIGCODE -> "transformer.";
          case BLOOM -> "";
        };
    TensorList t = new TensorList();
    if (flavor == Flavor.BLOOM) {
      t.tokenEmbedding("word_embeddings.weight", vocab, h);
      t.layerNorm("word_embeddings_layernorm", h, -1);
    } else {
      t.tokenEmbedding(p + "wte.weight", vocab, h);
      t.replicated(p + "wpe.weight", new long[] {positions, h}, TensorRole.POSITION_EMBEDDING, Component.EMBEDDINGS, -1);
    }
    long kvRows = 2L * kvHeads * d;
    long qkvOut = h + kvRows;
    for (int i = 0; i < layers; i++) {
      String l = p + "h." + i + ".";
      if (flavor == Flavor.BLOOM) {
        t.layerNorm(l + "input_layernorm", h, i);
        t.fusedQkv(l + "self_attention.query_key_value.weight", qkvOut, h, kvHeads, kvRows, i);
        t.fusedQkvBias(l + "self_attention.query_key_value.bias", qkvOut, kvHeads, kvRows, i);
        t.row(l + "self_attention.dense.weight", h, h, TensorRole.ATTN_O, Component.ATTENTION, i);
        t.replicatedBias(l + "self_attention.dense.bias", h, Component.ATTENTION, i);
        t.layerNorm(l + "post_attention_layernorm", h, i);
        t.column(l + "mlp.dense_h_to_4h.weight", f, h, TensorRole.MLP_UP, Component.MLP, i);
        t.columnBias(l + "mlp.dense_h_to_4h.bias", f, Component.MLP, i);
        t.row(l + "mlp.dense_4h_to_h.weight", h, f, TensorRole.MLP_DOWN, Component.MLP, i);
        t.replicatedBias(l + "mlp.dense_4h_to_h.bias", h, Component.MLP, i);
      } else {
        t.layerNorm(l + "ln_1", h, i);
        t.fusedQkv(l + "attn.c_attn.weight", qkvOut, h, kvHeads, kvRows, i);
        t.fusedQkvBias(l + "attn.c_attn.bias", qkvOut, kvHeads, kvRows, i);
        t.row(l + "attn.c_proj.weight", h, h, TensorRole.ATTN_O, Component.ATTENTION, i);
        t.replicatedBias(l + "attn.c_proj.bias", h, Component.ATTENTION, i);
        t.layerNorm(l + "ln_2", h, i);
        t.column(l + "mlp.c_fc.weight", f, h, TensorRole.MLP_UP, Component.MLP, i);
        t.columnBias(l + "mlp.c_fc.bias", f, Component.MLP, i);
        t.row(l + "mlp.c_proj.weight", h, f, TensorRole.MLP_DOWN, Component.MLP, i);
        t.replicatedBias(l + "mlp.c_proj.bias", h, Component.MLP, i);
      }
    }
    t.layerNorm(p + "ln_f", h, -1);
    if (!tie) {
      t.lmHead("lm_head.weight", vocab, h);
    }
    List<AttentionLayer> attention = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      attention.add(new AttentionLayer.Full(kvHeads, d, d));
    }
    Dimensions dims = new Dimensions(h, layers, heads, kvHeads, d, f, vocab, false, 0, 0, 0, 0, 0, positions);
    List<String> notes = new ArrayList<>();
    if (tie) {
      notes.add("the LM head shares the token embedding and is counted once");
    }
    if (multiQuery) {
      notes.add("multi-query attention: one K and one V head shared by all " + heads + " query heads");
    }
    double hiddenDrop = flavor == Flavor.BLOOM ? realOr(k, "hidden_dropout", 0) : realOr(k, "resid_pdrop", 0.1);
    double attnDrop = flavor == Flavor.BLOOM ? realOr(k, "attention_dropout", 0) : realOr(k, "attn_pdrop", 0.1);
    return new Architecture(modelType, ModelKind.DECODER, t.build(), dims, attention, k.string("torch_dtype", null), notes, 0,
        new BlockShape(2, false, hiddenDrop, attnDrop));
  }

  static double realOr(Keys k, String key, double fallback) {
    Double v = k.real(key);
    return v == null ? fallback : v;
  }
}
