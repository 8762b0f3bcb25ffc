package dev.vramcalc.core.estimate;

import static dev.vramcalc.core.unit.Arith.ceilDiv;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.AttentionLayer;
import dev.vramcalc.core.model.Dimensions;
import dev.vramcalc.core.model.ModelKind;
import dev.vramcalc.core.model.TensorSpec;
import dev.vramcalc.core.parallel.PipelineStages;
import dev.vramcalc.core.parallel.TensorParallel;
import dev.vramcalc.core.precision.DataType;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.WeightFormat;
import dev.vramcalc.core.unit.Bytes;
import dev.vramcalc.core.unit.Counts;
import dev.vramcalc.core.workload.InferenceWorkload;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Returns the inference memory of the generic engine: a framework that holds the weights, a KV cache
 * sized to the requested context, runs the prompt in one prefill pass layer by layer, and computes
 * logits for the last position of each sequence (Hugging Face transformers ≥ 4.45 with a static
 * cache behaves so).
 */
public final class InferenceEstimator {

  static final String KV_SOURCE = "K and V per token per layer as engines allocate them (vLLM kv_cache_interface.py; llama.cpp llama-kv-cache.cpp); MLA caches its latent";

  private InferenceEstimator() {}

  /** Returns the element type of activations for a weight format: FP32 weights compute in FP32, FP16 checkpoints in FP16, else BF16. */
  public static DataType activationType(Model model, WeightFormat weights) {
    if (weights == Formats.FP32) {
      return DataType.F32;
    }
    if (weights == Formats.FP16 || model.checkpointFormat() == Formats.FP16) {
      return DataType.F16;
    }
    return DataType.BF16;
  }

  /**
   * Returns the estimate for the most loaded GPU.
   *
   * @throws BadInputException when the parallel layout does not suit the model
   */
  public static InferenceEstimate estimate(Model model, Gpu gpu, InferenceWorkload w) {
    WeightFormat format = w.weights() != null ? w.weights() : model.checkpointFormat();
    if (!model.hasArchitecture()) {
      return weightsOnly(model, gpu, w, format);
    }
    Architecture arch = model.architecture();
    TensorParallel.validate(arch, w.tp());
    TensorParallel.validatePipeline(arch, w.pp());
    PipelineStages stages = new PipelineStages(arch.dims().numLayers(), w.pp());
    InferenceEstimate worst = null;
    for (int s = 0; s < w.pp(); s++) {
      InferenceEstimate e = stage(model, arch, gpu, w, format, stages, s);
      if (worst == null || e.device().compareTo(worst.device()) > 0) {
        worst = e;
      }
    }
    return worst;
  }

  private static InferenceEstimate stage(Model model, Architecture arch, Gpu gpu, InferenceWorkload w, WeightFormat format,
      PipelineStages stages, int stage) {
    int tp = w.tp();
    boolean last = stage == w.pp() - 1;
    List<Term> terms = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    DataType act = activationType(model, format);
    DataType kvType = w.kvCache().resolve(act);

    long[] priced = WeightCache.stage(arch, format, tp, w.pp(), stage, () -> {
      long weightBytes = 0;
      long rounding = 0;
      long tensors = 0;
      WeightFormat.Pricer pricer = format.pricer(arch);
      for (TensorSpec t : arch.tensors()) {
        if (!t.loadedForInference() || stages.stageOf(t) != stage) {
          continue;
        }
        long b = pricer.bytes(t, t.shardShape(tp));
        weightBytes = Math.addExact(weightBytes, b);
        rounding += Overheads.roundingWaste(b);
        tensors++;
      }
      if (stage == 0) {
        weightBytes += pricer.extraBytes();
      }
      return new long[] {weightBytes, rounding, tensors};
    });
    long weightBytes = priced[0];
    long rounding = priced[1];
    long tensors = priced[2];
    terms.add(new Term("weights", Bytes.of(weightBytes), Lean.text(() -> weightsFormula(arch, format, tp, w.pp(), tensors, weightBytes)),
        "exact: every tensor of the checkpoint in " + format.label() + "; " + format.describe(), false, MemoryLevel.ALLOCATED));

    int from = stages.firstLayer(stage);
    int to = stages.endLayer(stage);
    long kv = 0;
    if (arch.kind().hasKvCache()) {
      kv = KvCache.bytes(arch, from, to, w.batch(), w.seqLen(), tp, kvType);
      long kvBytes = kv;
      terms.add(new Term("kv_cache", Bytes.of(kv), Lean.text(() -> KvCache.formula(arch, from, to, w.batch(), w.seqLen(), tp, kvType) + " = "
          + Formula.gib(Bytes.of(kvBytes))),
          "exact: " + KV_SOURCE, false, MemoryLevel.ALLOCATED));
      for (int i = from; i < Math.min(to, arch.attention().size()); i++) {
        rounding += 2 * Overheads.roundingWaste(Math.multiplyExact(Math.multiplyExact(w.batch(), arch.attention().get(i).cachedTokens(w.seqLen())),
            KvCache.bytesPerTokenPerLayer(arch.attention().get(i), tp, kvType) / 2));
      }
    }

    long tokens = Math.multiplyExact(w.batch(), arch.kind().hasKvCache() ? w.promptLen() : w.seqLen());
    long activations = activationPeak(arch, tokens, w.batch(), arch.kind().hasKvCache() ? w.promptLen() : w.seqLen(), tp, act, w.flashAttention());
    terms.add(new Term("activations", Bytes.of(activations), Lean.text(() -> activationFormula(arch, tokens, tp, act, w.flashAttention(), activations)),
        "estimate: the largest set of one layer's live intermediates in a prefill pass (MEMORY-MODEL §3; SwiGLU keeps gate, up and their product)",
        true, MemoryLevel.ALLOCATED));

    long logits = 0;
    if (last && arch.kind().hasKvCache() && arch.dims().vocabSize() > 0) {
      logits = Math.multiplyExact(Math.multiplyExact(w.batch(), arch.dims().vocabSize()), act.blockBytes() + 4L);
      long logitBytes = logits;
      terms.add(new Term("logits", Bytes.of(logits),
          Lean.text(() -> Formula.of(w.batch(), "B").times(arch.dims().vocabSize(), "V").text(" × (" + act.blockBytes() + " + 4) bytes").equals(Bytes.of(logitBytes))),
          "exact: logits of the last position per sequence in the compute dtype plus the fp32 copy sampling takes (transformers generate, logits_to_keep=1)",
          false, MemoryLevel.ALLOCATED));
    }

    long allocated = Math.addExact(Math.addExact(weightBytes, kv), Math.addExact(activations, logits));
    long transient_ = activations + logits;
    long fragmentation = (long) Math.ceil(transient_ * Overheads.TRANSIENT_FRAGMENTATION);
    long slack = rounding + fragmentation;
    long roundingAll = rounding;
    terms.add(new Term("allocator_slack", Bytes.of(slack),
        Lean.text(() -> Formula.gib(Bytes.of(roundingAll)) + " (2 MiB rounding of large tensors) + " + Overheads.TRANSIENT_FRAGMENTATION + " × "
            + Formula.gib(Bytes.of(transient_)) + " (fragmentation of transient activations) = " + Formula.gib(Bytes.of(slack))),
        "estimate: PyTorch CUDACachingAllocator rounding (kRoundLarge 2 MiB) and fragmentation", true, MemoryLevel.RESERVED));
    long reserved = allocated + slack;

    Bytes context = Overheads.context(gpu);
    long overhead = context.value();
    String overheadFormula = Formula.gib(context) + " (runtime context)";
    if (w.tp() * w.pp() > 1) {
      overhead += Overheads.NCCL_BUFFERS.value();
      overheadFormula += " + " + Formula.gib(Overheads.NCCL_BUFFERS) + " (NCCL buffers, " + (w.tp() * w.pp()) + " GPUs)";
    }
    terms.add(new Term("runtime_overhead", Bytes.of(overhead), overheadFormula + " = " + Formula.gib(Bytes.of(overhead)),
        "estimate: CUDA context with lazy loading and library handles; NCCL communicator buffers when GPUs communicate", true, MemoryLevel.DEVICE));
    long device = reserved + overhead;

    if (arch.kind() == ModelKind.MULTIMODAL_DECODER) {
      notes.add("image inputs add vision-tower activations and image tokens to the prompt; this estimate counts text tokens only");
    }
    if (w.pp() > 1) {
      notes.add("pipeline stage " + stage + " of " + w.pp() + " (layers " + from + "–" + (to - 1) + ") is the most loaded");
    }
    if (model.architecture().dims().isMoe()) {
      notes.add("MoE: every expert's weights are resident; activations use the " + arch.dims().expertsPerToken() + " experts each token is routed to");
    }
    long kvPerToken = arch.kind().hasKvCache() ? KvCache.bytesPerToken(arch, tp, kvType) : 0;
    Fit fit = Fit.of(Bytes.of(device), gpu.usable(), w.headroom());
    return new InferenceEstimate(model, gpu, w, format, terms, Bytes.of(allocated), Bytes.of(reserved), Bytes.of(device), fit, stage, kvPerToken, notes, null);
  }

  private static InferenceEstimate weightsOnly(Model model, Gpu gpu, InferenceWorkload w, WeightFormat format) {
    if (!(format == Formats.FP32 || format == Formats.FP16 || format == Formats.BF16)) {
      throw new BadInputException("weights", "--weights " + format.id() + " needs the architecture (which tensors stay unquantized); with --params only fp32, fp16 and bf16 are exact");
    }
    int bytesPer = format == Formats.FP32 ? 4 : 2;
    long weights = Math.multiplyExact(model.declaredParameters(), bytesPer) / Math.max(1, w.tp() * w.pp());
    List<Term> terms = new ArrayList<>();
    terms.add(new Term("weights", Bytes.of(weights),
        Formula.of(model.declaredParameters(), "parameters").times(bytesPer, "bytes").text(w.tp() * w.pp() > 1 ? " / " + (w.tp() * w.pp()) + " GPUs" : "").equals(Bytes.of(weights)),
        "exact for a " + format.label() + " checkpoint of this many parameters", false, MemoryLevel.ALLOCATED));
    Bytes context = Overheads.context(gpu);
    terms.add(new Term("runtime_overhead", context, Formula.gib(context) + " (runtime context)",
        "estimate: CUDA context with lazy loading and library handles", true, MemoryLevel.DEVICE));
    long device = weights + context.value();
    return new InferenceEstimate(model, gpu, w, format, terms, Bytes.of(weights), Bytes.of(weights), Bytes.of(device),
        Fit.of(Bytes.of(device), gpu.usable(), w.headroom()), 0, 0,
        List.of("--params gives the weights only: the KV cache, activations and logits need the architecture (--hidden-size, --num-layers, --num-heads, --num-kv-heads, --intermediate-size, --vocab-size)"), null);
  }

  /**
   * Returns the activation peak of one layer in a prefill of {@code T} tokens: the larger of the
   * attention phase and the MLP phase, in elements per token times {@code T} times the element size.
   *
   * <p>Attention phase: residual h + normed input h + q (a·d/t) + k and v (2·k·d/t) + attention output
   * (a·d/t), plus without flash attention the score matrix {@code B × a/t × P²} in the compute dtype
   * and its fp32 softmax. MLP phase: residual h + normed input h + 3·f/t for a gated MLP (gate, up
   * and their product are live together) or 2·f/t for a plain one; MoE layers use {@code e·f_expert
   * + f_shared}.
   *
   * <p>Example (Llama-3.1-8B, T = 8192, BF16, flash): MLP phase 2·4,096 + 3·14,336 = 51,200 elements per
   * token × 8,192 × 2 bytes = 800 MiB.
   */
  public static long activationPeak(Architecture arch, long tokens, long batch, long perSequence, int tp, DataType act, boolean flash) {
    Dimensions d = arch.dims();
    long h = d.hiddenSize();
    long heads = Math.max(d.numHeads() / tp, 1);
    long attention;
    AttentionLayer first = arch.attention().isEmpty() ? null : arch.attention().get(0);
    if (first instanceof AttentionLayer.Latent l) {
      long qk = (long) l.qkNopeHeadDim() + l.qkRopeHeadDim();
      attention = 2 * h + heads * (2 * qk + 2L * l.vHeadDim());
    } else {
      long kvHeads = Math.max(d.numKvHeads() / tp, 1);
      attention = 2 * h + heads * d.headDim() * 2 + kvHeads * d.headDim() * 2L;
    }
    long f;
    if (d.isMoe()) {
      f = Math.max(d.activeMoeIntermediate(), d.numMoeLayers() < d.numLayers() ? d.intermediateSize() : 0);
    } else {
      f = d.intermediateSize();
    }
    long mlp = 2 * h + (d.gatedMlp() ? 3 : 2) * ceilDiv(f, tp);
    long perToken = Math.max(attention, mlp);
    long peak = Math.multiplyExact(Math.multiplyExact(tokens, perToken), act.blockBytes());
    if (!flash) {
      long scores = Math.multiplyExact(Math.multiplyExact(batch, heads), Math.multiplyExact(perSequence, perSequence));
      long scoreBytes = Math.multiplyExact(scores, act.blockBytes() + 4L);
      long attentionWithScores = Math.addExact(Math.multiplyExact(Math.multiplyExact(tokens, attention), act.blockBytes()), scoreBytes);
      peak = Math.max(peak, attentionWithScores);
    }
    return peak;
  }

  private static String activationFormula(Architecture arch, long tokens, int tp, DataType act, boolean flash, long result) {
    Dimensions d = arch.dims();
    String f = d.isMoe() ? d.expertsPerToken() + " × " + d.moeIntermediateSize() + (d.sharedIntermediateSize() > 0 ? " + " + d.sharedIntermediateSize() : "") : Long.toString(d.intermediateSize());
    return String.format(Locale.ROOT, "%,d (tokens in the prefill pass) × max(attention: 2h + q + k + v + out, MLP: 2·%,d (h) + %d·%s (f)%s)%s × %d bytes = %s",
        tokens, d.hiddenSize(), d.gatedMlp() ? 3 : 2, f, tp > 1 ? " / " + tp + " (tp)" : "", flash ? "" : " + scores B·a·P²·(" + act.blockBytes() + "+4) bytes without flash attention",
        act.blockBytes(), Formula.gib(Bytes.of(result)));
  }

  private static String weightsFormula(Architecture arch, WeightFormat format, int tp, int pp, long tensors, long bytes) {
    long params = arch.parameters().total();
    StringBuilder sb = new StringBuilder();
    sb.append(Counts.grouped(params)).append(" parameters (").append(tensors).append(" tensors on this GPU) in ").append(format.label());
    if (tp > 1) {
      sb.append(", split over ").append(tp).append(" tensor-parallel ranks (norms and replicated KV heads whole on each)");
    }
    if (pp > 1) {
      sb.append(", this pipeline stage's share");
    }
    sb.append(" = ").append(Formula.gib(Bytes.of(bytes)));
    return sb.toString();
  }
}
