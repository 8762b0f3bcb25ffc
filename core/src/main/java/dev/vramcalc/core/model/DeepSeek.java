package dev.vramcalc.core.model;

import static dev.vramcalc.core.model.Keys.MAX_EXPERTS;
import static dev.vramcalc.core.model.Keys.MAX_HEADS;
import static dev.vramcalc.core.model.Keys.MAX_HEAD_DIM;
import static dev.vramcalc.core.model.Keys.MAX_HIDDEN;
import static dev.vramcalc.core.model.Keys.MAX_INTERMEDIATE;
import static dev.vramcalc.core.model.Keys.MAX_LAYERS;
import static dev.vramcalc.core.model.Keys.MAX_POSITIONS;
import static dev.vramcalc.core.model.Keys.MAX_VOCAB;

import java.util.ArrayList;
import java.util.List;

/**
 * Returns the tensors of DeepSeek-V2 and V3: multi-head latent attention, dense first layers, then
 * routed and shared experts; V3 adds the router's score-correction bias and its multi-token
 * prediction module.
 *
 * <p>Sources: DeepSeek-V2 paper (arXiv 2405.04434) §2.1; DeepSeek-V3 technical report (arXiv
 * 2412.19437) §2.2 (MTP); huggingface/transformers:src/transformers/models/deepseek_v3/
 * modeling_deepseek_v3.py (module names); deepseek-ai/DeepSeek-V3:README_WEIGHTS.md (the MTP module
 * is layer 61 with embed_tokens, enorm, hnorm, eh_proj, a decoder layer and shared_head).
 */
final class DeepSeek {

  private DeepSeek() {}

  static Architecture build(String modelType, ConfigView cfg) {
    Keys k = new Keys(cfg);
    long h = k.require(1, MAX_HIDDEN, "hidden_size");
    int layers = k.requireInt(1, MAX_LAYERS, "num_hidden_layers");
    int heads = k.requireInt(1, MAX_HEADS, "num_attention_heads");
    long vocab = k.require(1, MAX_VOCAB, "vocab_size");
    long denseF = k.require(1, MAX_INTERMEDIATE, "intermediate_size");
    long qLora = k.or(0, 0, MAX_HIDDEN, "q_lora_rank");
    int kvLora = k.requireInt(1, MAX_HIDDEN, "kv_lora_rank");
    int nope = k.requireInt(1, MAX_HEAD_DIM, "qk_nope_head_dim");
    int rope = k.requireInt(1, MAX_HEAD_DIM, "qk_rope_head_dim");
    int vHead = k.requireInt(1, MAX_HEAD_DIM, "v_head_dim");
    int experts = k.intOr(0, 0, MAX_EXPERTS, "n_routed_experts");
    int topK = experts > 0 ? k.requireInt(1, experts, "num_experts_per_tok") : 0;
    long moeF = experts > 0 ? k.require(1, MAX_INTERMEDIATE, "moe_intermediate_size") : 0;
    int shared = k.intOr(0, 0, MAX_EXPERTS, "n_shared_experts");
    int firstDense = k.intOr(0, 0, MAX_LAYERS, "first_k_dense_replace");
    int freq = k.intOr(1, 1, MAX_LAYERS, "moe_layer_freq");
    boolean correctionBias = "noaux_tc".equals(k.string("topk_method", ""));
    int mtpLayers = k.intOr(0, 0, 16, "num_nextn_predict_layers");
    boolean tie = k.bool("tie_word_embeddings", false);
    long maxPos = k.or(0, 0, MAX_POSITIONS, "max_position_embeddings");

    TensorList t = new TensorList();
    t.tokenEmbedding("model.embed_tokens.weight", vocab, h);
    int moeLayers = 0;
    for (int i = 0; i < layers + mtpLayers; i++) {
      String l = "model.layers." + i + ".";
      boolean mtp = i >= layers;
      if (mtp) {
        t.skipForInference(true);
        t.overrideComponent(Component.MTP);
        t.tokenEmbedding(l + "embed_tokens.weight", vocab, h);
        t.norm(l + "enorm.weight", h, i);
        t.norm(l + "hnorm.weight", h, i);
        t.replicated(l + "eh_proj.weight", new long[] {h, 2 * h}, TensorRole.DENSE, Component.MTP, i);
      }
      t.norm(l + "input_layernorm.weight", h, i);
      long qOut = (long) heads * (nope + rope);
      if (qLora > 0) {
        t.replicated(l + "self_attn.q_a_proj.weight", new long[] {qLora, h}, TensorRole.ATTN_Q_A, Component.ATTENTION, i);
        t.norm(l + "self_attn.q_a_layernorm.weight", qLora, i);
        t.column(l + "self_attn.q_b_proj.weight", qOut, qLora, TensorRole.ATTN_Q_B, Component.ATTENTION, i);
      } else {
        t.column(l + "self_attn.q_proj.weight", qOut, h, TensorRole.ATTN_Q, Component.ATTENTION, i);
      }
      t.replicated(l + "self_attn.kv_a_proj_with_mqa.weight", new long[] {kvLora + rope, h}, TensorRole.ATTN_KV_A, Component.ATTENTION, i);
      t.norm(l + "self_attn.kv_a_layernorm.weight", kvLora, i);
      t.column(l + "self_attn.kv_b_proj.weight", (long) heads * (nope + vHead), kvLora, TensorRole.ATTN_KV_B, Component.ATTENTION, i);
      t.row(l + "self_attn.o_proj.weight", h, (long) heads * vHead, TensorRole.ATTN_O, Component.ATTENTION, i);
      t.norm(l + "post_attention_layernorm.weight", h, i);
      boolean moe = experts > 0 && i >= firstDense && i % freq == 0;
      String m = l + "mlp.";
      if (moe) {
        if (!mtp) {
          moeLayers++;
        }
        t.replicated(m + "gate.weight", new long[] {experts, h}, TensorRole.ROUTER, Component.ROUTER, i);
        if (correctionBias) {
          t.fp32().replicated(m + "gate.e_score_correction_bias", new long[] {experts}, TensorRole.ROUTER, Component.ROUTER, i);
        }
        t.experts(m + "experts.*.gate_proj.weight", experts, moeF, h, TensorRole.EXPERT_GATE, i, 1);
        t.experts(m + "experts.*.up_proj.weight", experts, moeF, h, TensorRole.EXPERT_UP, i, 1);
        t.experts(m + "experts.*.down_proj.weight", experts, h, moeF, TensorRole.EXPERT_DOWN, i, 2);
        if (shared > 0) {
          long sf = shared * moeF;
          t.column(m + "shared_experts.gate_proj.weight", sf, h, TensorRole.SHARED_GATE, Component.SHARED_EXPERTS, i);
          t.column(m + "shared_experts.up_proj.weight", sf, h, TensorRole.SHARED_UP, Component.SHARED_EXPERTS, i);
          t.row(m + "shared_experts.down_proj.weight", h, sf, TensorRole.SHARED_DOWN, Component.SHARED_EXPERTS, i);
        }
      } else {
        t.column(m + "gate_proj.weight", denseF, h, TensorRole.MLP_GATE, Component.MLP, i);
        t.column(m + "up_proj.weight", denseF, h, TensorRole.MLP_UP, Component.MLP, i);
        t.row(m + "down_proj.weight", h, denseF, TensorRole.MLP_DOWN, Component.MLP, i);
      }
      if (mtp) {
        t.norm(l + "shared_head.norm.weight", h, i);
        t.lmHead(l + "shared_head.head.weight", vocab, h);
      }
    }
    t.skipForInference(false);
    t.overrideComponent(null);
    t.norm("model.norm.weight", h, -1);
    if (!tie) {
      t.lmHead("lm_head.weight", vocab, h);
    }

    List<AttentionLayer> attention = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      attention.add(new AttentionLayer.Latent(kvLora, rope, heads, nope, vHead));
    }
    Dimensions dims = new Dimensions(h, layers, heads, heads, nope + rope, denseF, vocab, true,
        experts, topK, moeF, shared * moeF, moeLayers, maxPos);
    List<String> notes = new ArrayList<>();
    notes.add("multi-head latent attention: the KV cache holds kv_lora_rank + qk_rope_head_dim = " + (kvLora + rope) + " values per token per layer");
    if (mtpLayers > 0) {
      notes.add("the checkpoint's " + mtpLayers + " multi-token-prediction layer(s) are counted under 'mtp' and skipped for inference weights, as engines do unless speculative decoding uses them");
    }
    return new Architecture(modelType, ModelKind.DECODER, t.build(), dims, attention, k.string("torch_dtype", null), notes);
  }
}
