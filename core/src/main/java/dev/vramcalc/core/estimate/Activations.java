package dev.vramcalc.core.estimate;

import static dev.vramcalc.core.unit.Arith.ceilDiv;

import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.AttentionLayer;
import dev.vramcalc.core.model.BlockShape;
import dev.vramcalc.core.model.LayerIndex;
import dev.vramcalc.core.model.Dimensions;
import dev.vramcalc.core.model.TensorRole;
import dev.vramcalc.core.model.TensorSpec;
import java.util.List;

/**
 * Returns the activations training saves for the backward pass, per token and per layer, from the
 * architecture: every tensor an operation keeps to compute its gradients.
 *
 * <p>A block saves: the input of each norm; the input of each linear whose weight is trained (or
 * that carries an adapter); the attention core's q, k, v and output (flash attention) or also its
 * score matrix (eager); the MLP's activation input, activation output and up projection for a gated
 * MLP; dropout masks (one byte per element). Linears whose weights are frozen need only their
 * weights to pass gradients on, so they save nothing.
 *
 * <p>Sources: Korthikanti et al., "Reducing Activation Recomputation in Large Transformer Models"
 * (arXiv 2205.05198) §4.1, eq. 1–2: {@code sbh(34 + 5as/h)} for a GPT block, {@code sbh(10 + 24/t +
 * 5as/(ht))} with tensor parallelism, {@code sbh(34/t + 5as/(ht))} with sequence parallelism;
 * Fujii et al., "Accelerating Large Language Model Training with 4D Parallelism and Memory
 * Consumption Estimator" (arXiv 2411.06465) §3 for Llama blocks: {@code sbh(12 + 4k/a + 8f/h)} with
 * flash attention and no dropout. This class reproduces both (see the tests).
 */
public final class Activations {

  /** How a layer's linears are trained, which decides what their backward needs. */
  public record LayerTraining(
      boolean attentionInputs,
      boolean outputProjectionInput,
      boolean mlpInputs,
      boolean downInput,
      boolean gradientsFlow,
      List<Adapter> adapters) {

    /** Full fine-tuning: every linear trained. */
    public static final LayerTraining FULL = new LayerTraining(true, true, true, true, true, List.of());
    /** A frozen layer with nothing trainable before it: no gradient reaches it, it saves nothing. */
    public static final LayerTraining NONE = new LayerTraining(false, false, false, false, false, List.of());
    /** A frozen layer that gradients pass through (trainable parameters sit before it). */
    public static final LayerTraining PASS_THROUGH = new LayerTraining(false, false, false, false, true, List.of());
  }

  /**
   * One adapter on one linear.
   *
   * @param role the adapted linear's role
   * @param in input features
   * @param out output features
   * @param copies how many matrices (routed experts) carry one
   * @param rank r
   * @param adapterBytes bytes per adapter element (4 when adapters are fp32)
   * @param dropout whether the adapter's input passes a dropout
   * @param dora whether it is a DoRA adapter
   */
  public record Adapter(TensorRole role, long in, long out, long copies, int rank, int adapterBytes, boolean dropout, boolean dora) {}

  /** The settings that shape activations. */
  public record Settings(int bytes, int tp, boolean sequenceParallel, boolean flash, boolean selective) {}

  /** Bytes per token of one layer, split into the part TP replicates (without SP) and the part it splits. */
  public record PerToken(long replicated, long sharded) {

    /** Returns bytes per token on one rank. */
    public long onRank(Settings s) {
      long r = s.sequenceParallel() ? ceilDiv(replicated, s.tp()) : replicated;
      return r + ceilDiv(sharded, s.tp());
    }

    public long total() {
      return replicated + sharded;
    }
  }

  private Activations() {}

  /**
   * Returns the activation bytes per token Korthikanti et al. give for one GPT block (eq. 1–2 and
   * §5): {@code h·(34 + 5·a·s/h)} without parallelism, {@code h·(10 + 24/t + 5·a·s/(h·t))} with tensor
   * parallelism, {@code h·(34/t + 5·a·s/(h·t))} with sequence parallelism; selective recomputation
   * drops the {@code 5as/h} term. Multiply by {@code s·b} for a layer.
   *
   * <p>Example (GPT-3 175B: h = 12,288, a = 96, s = 2,048, t = 8, SP, selective): 2,048 × 12,288 ×
   * 34 / 8 = 106,954,752 bytes per sequence per layer.
   */
  public static double korthikantiPerToken(long h, long a, long s, int t, boolean sp, boolean selective) {
    double scores = selective ? 0 : 5.0 * a * s / h;
    if (t <= 1) {
      return h * (34 + scores);
    }
    return sp ? h * (34.0 / t + scores / t) : h * (10 + 24.0 / t + scores / t);
  }

  /**
   * Returns the bytes one token saves in one decoder or encoder layer.
   *
   * <p>Example (Llama-3.1-8B, full fine-tuning, BF16, flash attention): norms 2 × 2h + qkv input 2h +
   * MLP input 2h + q 2h + k, v 2 × 2·(k/a)h + attention output 2h + gate output, activation output, up
   * output and down input 4 × 2f = 12·4,096 + 4·4,096·8/32 + 8·14,336 = 167,936 bytes.
   *
   * @param perSequence tokens per sequence (the score matrix of eager attention is a·s per token)
   */
  public static PerToken perTokenPerLayer(Architecture arch, int layer, LayerTraining training, Settings s, long perSequence) {
    if (!training.gradientsFlow()) {
      return new PerToken(0, 0);
    }
    Dimensions d = arch.dims();
    BlockShape block = arch.block();
    long b = s.bytes();
    long h = d.hiddenSize();
    long replicated = block.norms() * b * h;
    if (training.attentionInputs()) {
      replicated += b * h;
    }
    if (training.mlpInputs()) {
      replicated += b * h;
    }
    if (block.hasHiddenDropout()) {
      replicated += 2 * h;
    }

    long sharded = 0;
    AttentionLayer attention = layer < arch.attention().size() ? arch.attention().get(layer) : null;
    long heads = d.numHeads();
    if (attention instanceof AttentionLayer.Latent l) {
      long qk = (long) l.qkNopeHeadDim() + l.qkRopeHeadDim();
      long qLora = LayerIndex.of(arch).qLora(layer);
      sharded += b * (2 * qLora + 2L * l.kvLoraRank() + l.qkRopeHeadDim());
      sharded += b * heads * (2 * qk + 2L * l.vHeadDim());
    } else {
      long hq = heads * d.headDim();
      long hkv = (long) d.numKvHeads() * d.headDim();
      sharded += b * (2 * hq + 2 * hkv);
      if (block.qkNorm()) {
        sharded += b * (hq + hkv);
      }
    }
    if (!s.flash() && !s.selective()) {
      // The softmax output in the compute dtype, and with attention dropout its mask (1 byte) and
      // the dropped output (Korthikanti: 2 + 1 + 2 = 5 bytes per score in 16-bit).
      sharded += heads * perSequence * (b + (block.hasAttentionDropout() ? 1 + b : 0));
    }
    boolean moe = d.isMoe() && isMoeLayer(arch, layer);
    if (moe) {
      long e = d.expertsPerToken();
      long f = d.moeIntermediateSize();
      // per token: the router's logits over every expert in fp32 (4 bytes × E, kept for the softmax's backward) and the
      // token's hidden state copied to each of its e experts by the dispatch (e × h in the compute dtype), as the
      // Mixtral and DeepSeek MoE blocks in transformers gather per expert. Example: Mixtral-8x7B (E 8, e 2, h 4,096) in
      // BF16: 32 + 16,384 bytes a token, before each expert's MLP activations
      sharded += 4L * d.numExperts() + e * b * h;
      sharded += e * mlpBytes(b, f, d.gatedMlp(), training.downInput());
      if (d.sharedIntermediateSize() > 0) {
        sharded += mlpBytes(b, d.sharedIntermediateSize(), true, training.downInput());
      }
    } else {
      sharded += mlpBytes(b, d.intermediateSize(), d.gatedMlp(), training.downInput());
    }
    for (Adapter a : training.adapters()) {
      long perCopy = (long) a.rank() * a.adapterBytes();
      if (a.adapterBytes() != b) {
        perCopy += (long) a.adapterBytes() * a.in();
      } else if (!inputAlreadySaved(a.role(), training)) {
        perCopy += b * a.in();
      }
      if (a.dropout()) {
        perCopy += a.in() + (long) a.adapterBytes() * a.in();
      }
      if (a.dora()) {
        perCopy += a.out() * (4 + b);
      }
      long copies = a.role().isExpert() ? Math.max(1, d.expertsPerToken()) : 1;
      sharded += perCopy * copies;
    }
    return new PerToken(replicated, sharded);
  }

  private static boolean inputAlreadySaved(TensorRole role, LayerTraining t) {
    return switch (role) {
      case ATTN_Q, ATTN_K, ATTN_V, ATTN_QKV, ATTN_Q_A, ATTN_KV_A -> t.attentionInputs();
      case ATTN_O -> true;
      case MLP_DOWN, EXPERT_DOWN, SHARED_DOWN -> t.downInput();
      default -> t.mlpInputs();
    };
  }

  /** Gated MLP: activation input, activation output, up output (3·f), and the down input when trained. */
  private static long mlpBytes(long b, long f, boolean gated, boolean downInput) {
    long saved = gated ? 3 * f : f;
    if (downInput) {
      saved += f;
    }
    return b * saved;
  }

  static boolean isMoeLayer(Architecture arch, int layer) {
    if (layer >= 0 && layer < arch.dims().numLayers()) {
      return LayerIndex.of(arch).isMoeLayer(layer);
    }
    for (TensorSpec t : arch.tensors()) {
      if (t.layer() == layer && t.role().isExpert()) {
        return true;
      }
    }
    return false;
  }

}
