package dev.vramcalc.core.model;

import static dev.vramcalc.core.model.Keys.MAX_EXPERTS;
import static dev.vramcalc.core.model.Keys.MAX_HEADS;
import static dev.vramcalc.core.model.Keys.MAX_HEAD_DIM;
import static dev.vramcalc.core.model.Keys.MAX_HIDDEN;
import static dev.vramcalc.core.model.Keys.MAX_INTERMEDIATE;
import static dev.vramcalc.core.model.Keys.MAX_LAYERS;
import static dev.vramcalc.core.model.Keys.MAX_POSITIONS;
import static dev.vramcalc.core.model.Keys.MAX_VOCAB;

import java.util.List;

/**
 * Returns the tensors of gpt-oss: biased GQA attention with learned sinks, alternating sliding and
 * full layers, and a router over experts whose fused gate/up and down projections carry biases.
 *
 * <p>Source: huggingface/transformers:src/transformers/models/gpt_oss/modeling_gpt_oss.py; the
 * gpt-oss model card (arXiv 2508.10925) Table 1. gpt-oss-20b totals 20,914,757,184 parameters.
 */
final class GptOss {

  private GptOss() {}

  static Architecture build(String modelType, ConfigView cfg) {
    Keys k = new Keys(cfg);
    long h = k.require(1, MAX_HIDDEN, "hidden_size");
    int layers = k.requireInt(1, MAX_LAYERS, "num_hidden_layers");
    int heads = k.requireInt(1, MAX_HEADS, "num_attention_heads");
    int kvHeads = k.intOr(heads, 1, MAX_HEADS, "num_key_value_heads");
    int d = k.intOr(h / heads, 1, MAX_HEAD_DIM, "head_dim");
    long vocab = k.require(1, MAX_VOCAB, "vocab_size");
    long f = k.require(1, MAX_INTERMEDIATE, "intermediate_size");
    int experts = k.requireInt(1, MAX_EXPERTS, "num_local_experts");
    int topK = k.requireInt(1, experts, "num_experts_per_tok", "experts_per_token");
    boolean tie = k.bool("tie_word_embeddings", false);
    long maxPos = k.or(0, 0, MAX_POSITIONS, "max_position_embeddings");

    TensorList t = new TensorList();
    t.tokenEmbedding("model.embed_tokens.weight", vocab, h);
    long qOut = (long) heads * d;
    long kvOut = (long) kvHeads * d;
    for (int i = 0; i < layers; i++) {
      String l = "model.layers." + i + ".";
      t.norm(l + "input_layernorm.weight", h, i);
      t.column(l + "self_attn.q_proj.weight", qOut, h, TensorRole.ATTN_Q, Component.ATTENTION, i);
      t.columnBias(l + "self_attn.q_proj.bias", qOut, Component.ATTENTION, i);
      t.kv(l + "self_attn.k_proj.weight", kvOut, h, TensorRole.ATTN_K, kvHeads, i);
      t.kvBias(l + "self_attn.k_proj.bias", kvOut, kvHeads, i);
      t.kv(l + "self_attn.v_proj.weight", kvOut, h, TensorRole.ATTN_V, kvHeads, i);
      t.kvBias(l + "self_attn.v_proj.bias", kvOut, kvHeads, i);
      t.row(l + "self_attn.o_proj.weight", h, qOut, TensorRole.ATTN_O, Component.ATTENTION, i);
      t.replicatedBias(l + "self_attn.o_proj.bias", h, Component.ATTENTION, i);
      t.replicated(l + "self_attn.sinks", new long[] {heads}, TensorRole.ATTN_SINKS, Component.ATTENTION, i);
      t.norm(l + "post_attention_layernorm.weight", h, i);
      t.replicated(l + "mlp.router.weight", new long[] {experts, h}, TensorRole.ROUTER, Component.ROUTER, i);
      t.replicated(l + "mlp.router.bias", new long[] {experts}, TensorRole.ROUTER, Component.ROUTER, i);
      t.experts(l + "mlp.experts.gate_up_proj", experts, 2 * f, h, TensorRole.EXPERT_GATE_UP, i, 1);
      t.expertBias(l + "mlp.experts.gate_up_proj_bias", experts, 2 * f, i, 1);
      t.experts(l + "mlp.experts.down_proj", experts, h, f, TensorRole.EXPERT_DOWN, i, 2);
      t.expertBias(l + "mlp.experts.down_proj_bias", experts, h, i, -1);
    }
    t.norm("model.norm.weight", h, -1);
    if (!tie) {
      t.lmHead("lm_head.weight", vocab, h);
    }
    List<AttentionLayer> attention = LlamaLike.attentionLayers(k, LlamaLike.GEMMA2, layers, kvHeads, d);
    Dimensions dims = new Dimensions(h, layers, heads, kvHeads, d, f, vocab, true, experts, topK, f, 0, layers, maxPos);
    return new Architecture(modelType, ModelKind.DECODER, t.build(), dims, attention, k.string("torch_dtype", null),
        List.of("expert projections are stored as [experts, out, in]; the checkpoint keeps them in MXFP4 blocks"));
  }
}
