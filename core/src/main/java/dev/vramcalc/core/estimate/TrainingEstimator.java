package dev.vramcalc.core.estimate;

import static dev.vramcalc.core.unit.Arith.ceilDiv;
import static dev.vramcalc.core.unit.Arith.elements;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.LayerIndex;
import dev.vramcalc.core.model.TensorRole;
import dev.vramcalc.core.model.TensorSpec;
import dev.vramcalc.core.parallel.PipelineStages;
import dev.vramcalc.core.parallel.TensorParallel;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.WeightFormat;
import dev.vramcalc.core.unit.Bytes;
import dev.vramcalc.core.unit.Counts;
import dev.vramcalc.core.workload.TrainingWorkload;
import dev.vramcalc.core.workload.TrainingWorkload.Checkpointing;
import dev.vramcalc.core.workload.TrainingWorkload.Method;
import dev.vramcalc.core.workload.TrainingWorkload.Offload;
import dev.vramcalc.core.workload.TrainingWorkload.Precision;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Returns the training memory of the most loaded GPU: static state (weights, gradients, optimizer
 * states, master weights, adapters), dynamic state (activations, logits, temporaries), buffers and
 * overheads, taken at the peak of the step rather than summed.
 *
 * <p>The step has two candidate peaks. At the start of backward every saved activation, the logits
 * and the loss gradient are alive, but gradients are not yet (they were freed by {@code
 * zero_grad(set_to_none=True)}, unless micro-batches accumulate). At the optimizer step all
 * gradients are alive with the optimizer's temporaries, and the activations are gone. Between the
 * two, memory moves linearly as each layer frees its activations and allocates its gradients, so
 * the peak is the larger of the two.
 *
 * <p>Sources: ZeRO (Rajbhandari et al. 2020, §3 and §5: 2 + 2 + 12 = 16 bytes per parameter for
 * mixed-precision Adam; per-GPU formulas for ZeRO-1/2/3); Megatron-LM accounting with fp32 gradients
 * (18 bytes per parameter, Narayanan et al. 2021); activations from {@link Activations}.
 */
public final class TrainingEstimator {

  /**
   * Reserved memory exceeds allocated memory in training by fragmentation of the activation, logit
   * and gradient allocations, typically 5–15 % (MEMORY-MODEL §4). With padded batches the sequence
   * length changes from step to step, so the caching allocator's blocks from one step rarely fit the
   * next: the high end applies (estimate; compared with the PEFT method comparison's
   * max_memory_reserved in docs and tests).
   */
  public static final double FRAGMENTATION_PADDED = 0.15;

  /** With packed or fixed-length batches every step allocates the same sizes: the low end (estimate). */
  public static final double FRAGMENTATION_PACKED = 0.05;

  /** Chunks torchtune's CEWithChunkedOutputLoss splits the sequence into (num_output_chunks). */
  public static final int LOSS_CHUNKS = 8;

  /**
   * fp32 bytes per logit at the start of backward beyond the logits themselves: cross-entropy keeps
   * its fp32 log-softmax (4), nll_loss's backward makes an fp32 gradient of it (4) and
   * log_softmax's backward another (4). Source: PyTorch aten cross_entropy = log_softmax + nll_loss.
   */
  static final long LOSS_FP32_BYTES = 4 + 4 + 4;

  /** Tokens a fused linear cross-entropy kernel materializes logits for at a time (Liger's chunking). */
  public static final long FUSED_LOSS_TOKENS = 1024;

  private TrainingEstimator() {}

  /** Bytes per element of weights, gradients and states for a precision mode. */
  record Bytes4(int weight, int gradient, int master, int state, int activation) {}

  static Bytes4 bytes(TrainingWorkload w) {
    return switch (w.precision()) {
      case FP32 -> new Bytes4(4, 4, 0, 4, 4);
      case BF16_MIXED, FP16_MIXED -> new Bytes4(2, w.fp32Gradients() ? 4 : 2, 4, 4, 2);
      case BF16 -> new Bytes4(2, 2, 0, 2, 2);
    };
  }

  /**
   * Returns the estimate for the most loaded GPU.
   *
   * @throws BadInputException for layouts the model cannot take
   */
  public static TrainingEstimate estimate(Model model, Gpu gpu, TrainingWorkload w) {
    if (!model.hasArchitecture()) {
      throw new BadInputException("model", "training estimates need the architecture (activations depend on it); --params gives weights only");
    }
    Architecture arch = model.architecture();
    validate(arch, w);
    TrainingPlan plan = new TrainingPlan(arch, w);
    PipelineStages stages = new PipelineStages(arch.dims().numLayers(), w.pp());
    LayerIndex index = LayerIndex.of(arch);
    TrainingEstimate worst = null;
    java.util.Set<List<Object>> seen = new java.util.HashSet<>();
    for (int s = 0; s < w.pp(); s++) {
      boolean middle = s > 0 && s < w.pp() - 1;
      if (middle && !seen.add(signature(index, plan, stages, s))) {
        // Middle stages with the same layers differ only in micro-batches in flight, which fall
        // with the stage index: an earlier stage with this signature already bounds this one.
        continue;
      }
      TrainingEstimate e = stage(model, arch, gpu, w, plan, stages, s, tensorsOf(index, stages, s));
      if (worst == null || e.device().compareTo(worst.device()) > 0) {
        worst = e;
      }
    }
    return worst;
  }

  /**
   * Returns the communication of a step computed for the pipeline stage with the fewest trainable
   * parameters and layers: a lower bound on what {@link #estimate} reports for the most loaded
   * stage, without the memory model (the layout planner ranks candidates with it).
   */
  public static Communication communicationBound(Model model, Gpu gpu, TrainingWorkload w) {
    Architecture arch = model.architecture();
    validate(arch, w);
    TrainingPlan plan = new TrainingPlan(arch, w);
    PipelineStages stages = new PipelineStages(arch.dims().numLayers(), w.pp());
    LayerIndex index = LayerIndex.of(arch);
    long minTrainable = Long.MAX_VALUE;
    int minLayers = Integer.MAX_VALUE;
    long[] adapters = new long[w.pp()];
    for (TrainingPlan.AdapterSite a : plan.adapters()) {
      adapters[stages.stageOf(a.base())] += a.parameters();
    }
    for (int s = 0; s < w.pp(); s++) {
      long trainable = adapters[s];
      for (TensorSpec t : tensorsOf(index, stages, s)) {
        if (t.loadedForInference() && plan.trains(t)) {
          trainable += elements(localShape(t, w));
        }
      }
      minTrainable = Math.min(minTrainable, trainable);
      minLayers = Math.min(minLayers, stages.layersOn(s));
    }
    long tokens = w.microBatch() * w.seqLen() / w.cp();
    return communication(arch, gpu, w, bytes(w), minTrainable, minLayers, tokens, w.shardingStage(), shardGroup(w));
  }

  private static List<Object> signature(LayerIndex index, TrainingPlan plan, PipelineStages stages, int s) {
    List<Object> sig = new ArrayList<>();
    for (int i = stages.firstLayer(s); i < stages.endLayer(s); i++) {
      sig.add(index.structure(i));
      sig.add(plan.layer(i));
    }
    return sig;
  }

  /** Returns the tensors pipeline stage {@code s} holds, in checkpoint order within each group. */
  private static List<TensorSpec> tensorsOf(LayerIndex index, PipelineStages stages, int s) {
    List<TensorSpec> out = new ArrayList<>();
    for (TensorSpec t : index.outside()) {
      if (stages.stageOf(t) == s) {
        out.add(t);
      }
    }
    for (int i = stages.firstLayer(s); i < stages.endLayer(s); i++) {
      out.addAll(index.layer(i));
    }
    return out;
  }

  /** Returns normally when the model can take the layout, else throws naming the flag. */
  public static void validate(Architecture arch, TrainingWorkload w) {
    TensorParallel.validate(arch, w.tp());
    TensorParallel.validatePipeline(arch, w.pp());
    int experts = arch.dims().numExperts();
    if (w.ep() > 1) {
      if (experts == 0) {
        throw new BadInputException("ep", "--ep (" + w.ep() + ") needs a mixture-of-experts model; " + arch.modelType() + " is dense");
      }
      if (experts % w.ep() != 0) {
        throw new BadInputException("ep", "--ep (" + w.ep() + ") must divide the expert count (" + experts + ")");
      }
    }
    if (w.cp() > 1 && w.seqLen() % (2L * w.cp()) != 0) {
      throw new BadInputException("cp", "--seq-len (" + w.seqLen() + ") must be a multiple of 2 × --cp (" + 2 * w.cp() + ") for load-balanced context parallelism");
    }
    if (w.schedule() == TrainingWorkload.Schedule.INTERLEAVED) {
      if (w.pp() < 2) {
        throw new BadInputException("pp-schedule", "the interleaved schedule needs --pp of at least 2");
      }
      if (arch.dims().numLayers() % (w.pp() * w.virtualStages()) != 0) {
        throw new BadInputException("virtual-stages", "num_hidden_layers (" + arch.dims().numLayers() + ") must be a multiple of --pp × --virtual-stages ("
            + w.pp() * w.virtualStages() + ")");
      }
    } else if (w.virtualStages() > 1) {
      throw new BadInputException("virtual-stages", "--virtual-stages needs --pp-schedule interleaved");
    }
    if (w.method() == Method.QLORA && w.shardingStage() == 3) {
      // FSDP/ZeRO-3 can shard NF4 weights (QLoRA + FSDP); allowed.
      return;
    }
  }

  private static int shardGroup(TrainingWorkload w) {
    int dp = w.dp();
    if (w.fsdp() == TrainingWorkload.Fsdp.HYBRID) {
      return Math.max(1, Math.min(dp, w.gpusPerNode() / Math.max(1, w.tp() * w.cp())));
    }
    return dp;
  }

  private static long[] localShape(TensorSpec t, TrainingWorkload w) {
    long[] shape = t.shardShape(w.tp());
    if (t.experts() > 0 && w.ep() > 1) {
      shape[0] = (shape[0] + w.ep() - 1) / w.ep();
    }
    return shape;
  }

  private static TrainingEstimate stage(Model model, Architecture arch, Gpu gpu, TrainingWorkload w, TrainingPlan plan,
      PipelineStages stages, int stage, List<TensorSpec> tensors) {
    Bytes4 b = bytes(w);
    int zero = w.shardingStage();
    int shard = shardGroup(w);
    boolean first = stage == 0;
    boolean last = stage == w.pp() - 1;
    List<String> notes = new ArrayList<>();

    WeightFormat frozenFormat;
    if (w.method() == Method.QLORA) {
      frozenFormat = Formats.named("weights", w.doubleQuant() ? "nf4-dq" : "nf4");
    } else {
      frozenFormat = w.precision() == Precision.FP32 ? Formats.FP32 : (w.precision() == Precision.FP16_MIXED ? Formats.FP16 : Formats.BF16);
    }
    WeightFormat.Pricer frozenPricer = frozenFormat.pricer(arch);

    long trainable = 0;
    long trainableWeightBytes = 0;
    long frozenBytes = 0;
    long optimizerBytes = 0;
    long largestTensor = 0;
    long largestQuantized = 0;
    Map<Integer, Long> layerParams = new LinkedHashMap<>();
    for (TensorSpec t : tensors) {
      if (!t.loadedForInference()) {
        continue;
      }
      long[] shape = localShape(t, w);
      long n = elements(shape);
      layerParams.merge(t.layer(), n, Long::sum);
      if (plan.trains(t)) {
        trainable += n;
        trainableWeightBytes += n * b.weight();
        long cols = shape.length == 0 ? 1 : shape[shape.length - 1]; // a scalar (CLIP's logit_scale) is one row of one
        long rows = n / cols;
        optimizerBytes += Optimizers.stateBytes(w.optimizer(), t.isVector() ? 1 : rows, t.isVector() ? n : cols, b.state());
        largestTensor = Math.max(largestTensor, n);
      } else {
        frozenBytes += frozenPricer.bytes(t, shape);
        if (w.method() == Method.QLORA && t.role().isBlockLinear()) {
          largestQuantized = Math.max(largestQuantized, n / Math.max(1, t.experts() > 0 ? shape[0] : 1));
        }
      }
    }
    long adapterParams = 0;
    long adapterStates = 0;
    int adapterBytes = w.method().usesAdapters() && (w.lora().fp32Adapters() || w.precision() == Precision.FP32) ? 4 : b.weight();
    int adapterStateBytes = adapterBytes == 4 ? 4 : b.state();
    for (TrainingPlan.AdapterSite a : plan.adapters()) {
      if (stages.stageOf(a.base()) != stage) {
        continue;
      }
      adapterParams += a.parameters();
      int r = w.lora().rank();
      long perCopy = Optimizers.stateBytes(w.optimizer(), r, a.in(), adapterStateBytes) + Optimizers.stateBytes(w.optimizer(), a.out(), r, adapterStateBytes);
      if (w.method() == Method.DORA) {
        perCopy += Optimizers.stateBytes(w.optimizer(), 1, a.out(), adapterStateBytes);
      }
      adapterStates += perCopy * a.copies();
      largestTensor = Math.max(largestTensor, (long) r * Math.max(a.in(), a.out()));
    }
    long adapterWeightBytes = adapterParams * adapterBytes;
    boolean adapterMaster = w.precision().mixed() && adapterBytes != 4;

    // Gradients, master weights and states, with ZeRO sharding and offload.
    long gradBytes = trainable * b.gradient() + adapterParams * adapterBytes;
    long masterBytes = (w.precision().mixed() ? trainable * 4L : 0) + (adapterMaster ? adapterParams * 4L : 0);
    long stateBytes = optimizerBytes + adapterStates;
    if (zero >= 1) {
      masterBytes = ceilDiv(masterBytes, shard);
      stateBytes = ceilDiv(stateBytes, shard);
    }
    if (zero >= 2) {
      gradBytes = ceilDiv(gradBytes, shard);
    }
    long weightBytes = trainableWeightBytes + frozenBytes;
    long gathered = 0;
    if (zero == 3) {
      weightBytes = ceilDiv(weightBytes, shard);
      long maxLayer = 0;
      for (Map.Entry<Integer, Long> e : layerParams.entrySet()) {
        if (e.getKey() >= 0) {
          maxLayer = Math.max(maxLayer, e.getValue());
        }
      }
      gathered = shard > 1 ? 2 * maxLayer * b.weight() : 0;
    }
    long cpu = 0;
    if (w.offload() != Offload.NONE) {
      cpu += masterBytes + stateBytes + (w.offload() == Offload.OPTIMIZER || w.offload() == Offload.PARAMS ? ceilDiv((long) trainable * 4, zero >= 2 ? shard : 1) : 0);
      masterBytes = 0;
      stateBytes = 0;
      if (w.offload() == Offload.PARAMS) {
        cpu += weightBytes;
        weightBytes = 0;
        if (gathered == 0) {
          long maxLayer = layerParams.entrySet().stream().filter(e -> e.getKey() >= 0).mapToLong(Map.Entry::getValue).max().orElse(0);
          gathered = 2 * maxLayer * b.weight();
        }
      }
    }

    // Activations of the micro-batches in flight on this stage.
    long tokens = w.microBatch() * w.seqLen() / w.cp();
    long perSequence = w.seqLen() / w.cp();
    Activations.Settings settings = new Activations.Settings(b.activation(), w.tp(), w.sequenceParallel(), w.flashAttention(),
        w.checkpointing() == Checkpointing.SELECTIVE);
    long perTokenAllLayers = 0;
    long maxLayerPerToken = 0;
    int layersHere = 0;
    for (int i = stages.firstLayer(stage); i < stages.endLayer(stage); i++) {
      Activations.PerToken pt = Activations.perTokenPerLayer(arch, i, plan.layer(i), settings, perSequence);
      long onRank = pt.onRank(settings);
      maxLayerPerToken = Math.max(maxLayerPerToken, onRank);
      if (w.checkpointing() == Checkpointing.FULL && plan.layer(i).gradientsFlow()) {
        long input = (long) b.activation() * arch.dims().hiddenSize();
        perTokenAllLayers += w.sequenceParallel() ? ceilDiv(input, w.tp()) : input;
      } else {
        perTokenAllLayers += onRank;
      }
      layersHere++;
    }
    if (w.checkpointing() == Checkpointing.FULL) {
      perTokenAllLayers += maxLayerPerToken;
    }
    long headPerToken = 0;
    if (last && arch.kind().hasKvCache()) {
      long h = arch.dims().hiddenSize();
      headPerToken = (long) b.activation() * h * (plan.trainsHead() ? 2 : 1);
      if (w.sequenceParallel()) {
        headPerToken = ceilDiv(headPerToken, w.tp());
      }
    }
    if (first && arch.block().hasHiddenDropout()) {
      // the embedding dropout's mask: one byte per hidden element per token (torch keeps a bool mask; Korthikanti et
      // al. 2022 §4.1 count 1 byte for each dropout mask). Example: GPT-2 (h 768), 1,024 tokens: 768 KiB
      headPerToken += arch.dims().hiddenSize();
    }
    // 1F1B keeps the activations of the micro-batches it has started but not finished: pp − stage on stage `stage`
    // (counting from 0), never more than the micro-batches of the step (Narayanan et al. 2021 §2.2; Korthikanti et al.
    // 2022 §4.2.3). Example: pp 4, 8 micro-batches: stage 0 holds 4, stage 3 holds 1
    int inFlight = 1;
    if (w.pp() > 1) {
      inFlight = Math.min(w.pp() - stage, w.gradAccum());
    }
    // the interleaved schedule makes the first stage hold 1 + (p − 1)/(p·v) times the 1F1B activations (Korthikanti et
    // al. 2022 §4.2.3, Narayanan et al. 2021 §2.2). Example: pp 4 with 2 virtual stages: 1 + 3/8 = 1.375×
    double interleave = w.schedule() == TrainingWorkload.Schedule.INTERLEAVED && first
        ? 1 + (double) (w.pp() - 1) / ((long) w.pp() * w.virtualStages()) : 1;
    long activationsPerMicroBatch = Math.multiplyExact(tokens, perTokenAllLayers + headPerToken);
    long activations = (long) Math.ceil(activationsPerMicroBatch * (double) inFlight * interleave);
    long dequant = largestQuantized * b.activation();
    String offloadNote = "";
    if (w.activationOffload()) {
      long keep = Math.min(activations, 2 * tokens * maxLayerPerToken);
      cpu += activations - keep;
      offloadNote = "; offloaded to CPU except two layers in flight";
      activations = keep;
    }
    long activationTerm = activations + dequant;

    long logits = 0;
    String lossFormula = "";
    if (last && arch.kind().hasKvCache() && arch.dims().vocabSize() > 0) {
      long vocab = ceilDiv(arch.dims().vocabSize(), w.tp());
      long t = tokens;
      switch (w.loss()) {
        case FULL -> {
          logits = Math.multiplyExact(Math.multiplyExact(t, vocab), b.activation() + LOSS_FP32_BYTES);
          lossFormula = String.format(Locale.ROOT, "%,d (tokens) × %,d (V%s) × (%d + 4 + 4 + 4) bytes: logits, the fp32 log-softmax saved by cross-entropy,"
              + " and the fp32 gradients of nll_loss and log_softmax at the start of backward", t, vocab, w.tp() > 1 ? "/t" : "", b.activation());
        }
        case CHUNKED -> {
          logits = Math.multiplyExact(Math.multiplyExact(t, vocab), (long) b.activation())
              + Math.multiplyExact(ceilDiv(t, LOSS_CHUNKS) * vocab, LOSS_FP32_BYTES);
          lossFormula = String.format(Locale.ROOT, "%,d × %,d × %d bytes (all logits) + %,d × %,d × 12 bytes (one of %d chunks in fp32 with its gradients)",
              t, vocab, b.activation(), ceilDiv(t, LOSS_CHUNKS), vocab, LOSS_CHUNKS);
        }
        case FUSED -> {
          logits = Math.multiplyExact(Math.min(t, FUSED_LOSS_TOKENS) * vocab, LOSS_FP32_BYTES);
          lossFormula = String.format(Locale.ROOT, "%,d (tokens per fused chunk) × %,d × 12 bytes: logits never materialize beyond one chunk",
              Math.min(t, FUSED_LOSS_TOKENS), vocab);
        }
      }
    }

    // Communication buffers.
    long buffers = 0;
    String bufferFormula = "none";
    int dp = w.dp();
    if (dp > 1 && zero == 0) {
      buffers = gradBytes;
      bufferFormula = "DDP gradient buckets: a copy of every gradient (gradient_as_bucket_view=False, the default) = " + Formula.gib(Bytes.of(buffers));
    } else if (dp > 1 && zero < 3) {
      // transformers' DeepSpeed integration fills reduce_bucket_size "auto" with hidden_size² elements; the all-gather
      // bucket is taken the same size (an assumption: DeepSpeed's own default is larger, 5e8). Example: h 4,096 in BF16:
      // 2 × 4,096² × 2 bytes = 64 MiB
      long h = arch.dims().hiddenSize();
      buffers = 2 * h * h * b.gradient();
      bufferFormula = String.format(Locale.ROOT, "reduce and all-gather buckets of h² = %,d elements each (DeepSpeed 'auto' sizes) × %d bytes = %s",
          h * h, b.gradient(), Formula.gib(Bytes.of(buffers)));
    } else if (zero == 3 && shard > 1) {
      long maxLayer = layerParams.entrySet().stream().filter(e -> e.getKey() >= 0).mapToLong(Map.Entry::getValue).max().orElse(0);
      buffers = maxLayer * b.gradient();
      bufferFormula = String.format(Locale.ROOT, "one layer's unsharded gradients before reduce-scatter: %,d × %d bytes = %s", maxLayer, b.gradient(), Formula.gib(Bytes.of(buffers)));
    }
    if (w.pp() > 1) {
      long p2p = 2 * tokens * arch.dims().hiddenSize() * b.activation();
      buffers += p2p;
      bufferFormula += String.format(Locale.ROOT, " + pipeline send/receive buffers 2 × %,d × %,d × %d bytes", tokens, arch.dims().hiddenSize(), b.activation());
    }

    // The two phases.
    long grads = gradBytes;
    long localTrainable = trainable + adapterParams;
    long stepTemp = w.offload() != Offload.NONE || w.optimizerInBackward() ? 0
        : Optimizers.stepTemporaries(w.optimizer(), zero >= 1 ? ceilDiv(localTrainable, shard) : localTrainable, largestTensor, adapterParams > 0 ? adapterStateBytes : b.state());
    long statics = weightBytes + masterBytes + stateBytes + adapterWeightBytes + buffers;
    long gradsInBackward = w.gradAccum() > 1 ? grads : 0;
    if (w.optimizerInBackward()) {
      gradsInBackward = largestTensor * b.gradient();
    }
    long backward = statics + gathered + gradsInBackward + activationTerm + logits;
    long step = w.optimizerInBackward() ? 0 : statics + grads + stepTemp;
    boolean peakAtStep = step > backward;
    Map<String, Long> phases = new LinkedHashMap<>();
    phases.put("backward_start", backward);
    if (!w.optimizerInBackward()) {
      phases.put("optimizer_step", step);
    }

    List<Term> terms = new ArrayList<>();
    String shardNote = zero >= 1 ? " / " + shard + " (ZeRO-" + zero + " shards)" : "";
    terms.add(new Term("weights", Bytes.of(weightBytes + (peakAtStep ? 0 : gathered)),
        weightsFormula(w, b, trainable, trainableWeightBytes, frozenBytes, frozenFormat, zero, shard, gathered, peakAtStep),
        "exact: tensor shapes on this GPU after tensor, pipeline and expert splits" + (zero == 3 ? "; ZeRO-3/FSDP gathers the layer in flight and the next one" : ""),
        false, MemoryLevel.ALLOCATED));
    if (adapterParams > 0) {
      terms.add(new Term("adapters", Bytes.of(adapterWeightBytes),
          String.format(Locale.ROOT, "%,d adapter parameters (r × (in + out) per targeted linear%s) × %d bytes = %s", adapterParams,
              w.method() == Method.DORA ? " + a magnitude per output" : "", adapterBytes, Formula.gib(Bytes.of(adapterWeightBytes))),
          "exact: LoRA A [r, in] and B [out, r] per target (Hu et al. 2021); DoRA adds a magnitude vector per output (Liu et al. 2024); PEFT keeps adapters in fp32", false, MemoryLevel.ALLOCATED));
    }
    long gradTerm = peakAtStep ? grads : gradsInBackward;
    terms.add(new Term("gradients", Bytes.of(gradTerm), gradientFormula(w, b, trainable, adapterParams, adapterBytes, zero, shard, peakAtStep, gradTerm),
        "exact: one gradient per trainable parameter in " + (b.gradient() == 4 ? "fp32" : "16-bit") + "; freed by zero_grad(set_to_none=True) before each forward",
        false, MemoryLevel.ALLOCATED));
    if (masterBytes > 0 || w.precision().mixed()) {
      terms.add(new Term("master_weights", Bytes.of(masterBytes),
          String.format(Locale.ROOT, "%,d trainable parameters × 4 bytes (fp32 master copy)%s%s = %s", trainable, shardNote,
              w.offload() != Offload.NONE ? ", offloaded to CPU" : "", Formula.gib(Bytes.of(masterBytes))),
          "exact: mixed precision keeps an fp32 copy of trainable weights for the update (Micikevicius et al. 2018)", false, MemoryLevel.ALLOCATED));
    }
    long stateTerm = stateBytes + (peakAtStep ? stepTemp : 0);
    terms.add(new Term("optimizer_states", Bytes.of(stateTerm), optimizerFormula(w, b, localTrainable, stateBytes, stepTemp, peakAtStep, shardNote),
        "exact for the states (see Optimizers); the step's temporaries follow PyTorch's foreach implementation", peakAtStep && stepTemp > 0, MemoryLevel.ALLOCATED));
    if (!peakAtStep) {
      terms.add(new Term("activations", Bytes.of(activationTerm),
          activationFormula(arch, w, tokens, perTokenAllLayers, headPerToken, layersHere, inFlight, interleave, activations, dequant) + offloadNote,
          "estimate: saved tensors per layer from the architecture (Korthikanti et al. 2022 eq. 1–2; Fujii et al. 2024 for Llama blocks)", true, MemoryLevel.ALLOCATED));
      if (logits > 0) {
        terms.add(new Term("logits", Bytes.of(logits), lossFormula + " = " + Formula.gib(Bytes.of(logits)),
            "exact for the tensors named: cross-entropy upcasts logits to fp32 and keeps its log-softmax for the backward", false, MemoryLevel.ALLOCATED));
      }
    } else {
      terms.add(new Term("activations", Bytes.ZERO, "freed before the optimizer step (" + Formula.gib(Bytes.of(activationTerm)) + " at the start of backward)",
          "estimate: see the backward_start phase", true, MemoryLevel.ALLOCATED));
    }
    if (buffers > 0) {
      terms.add(new Term("communication_buffers", Bytes.of(buffers), bufferFormula,
          "estimate: PyTorch DDP reducer buckets, DeepSpeed reduce/all-gather buckets, FSDP unsharded gradients, pipeline p2p buffers", true, MemoryLevel.ALLOCATED));
    }
    long allocated = peakAtStep ? step : backward;
    long dynamic = peakAtStep ? grads + stepTemp : activationTerm + logits + gradsInBackward;
    double fragmentation = w.packed() ? FRAGMENTATION_PACKED : FRAGMENTATION_PADDED;
    long slack = (long) Math.ceil(dynamic * fragmentation);
    terms.add(new Term("allocator_slack", Bytes.of(slack),
        fragmentation + " × " + Formula.gib(Bytes.of(dynamic)) + " (dynamic state at the peak" + (w.packed() ? ", packed batches" : ", padded batches of varying length")
            + ") = " + Formula.gib(Bytes.of(slack)),
        "estimate: caching-allocator fragmentation in training, 5–15 % (MEMORY-MODEL §4); high end when batch shapes vary", true, MemoryLevel.RESERVED));
    long reserved = allocated + slack;
    Bytes context = Overheads.context(gpu);
    long overhead = context.value() + (w.gpus() > 1 ? Overheads.NCCL_BUFFERS.value() : 0);
    terms.add(new Term("runtime_overhead", Bytes.of(overhead),
        Formula.gib(context) + " (runtime context)" + (w.gpus() > 1 ? " + " + Formula.gib(Overheads.NCCL_BUFFERS) + " (NCCL buffers)" : "") + " = " + Formula.gib(Bytes.of(overhead)),
        "estimate: CUDA context with lazy loading and library handles; NCCL communicator buffers", true, MemoryLevel.DEVICE));
    long device = reserved + overhead;

    String mostLoaded = w.pp() > 1
        ? "pipeline stage " + stage + " of " + w.pp() + (first ? " (first: embeddings, " + inFlight + " micro-batches in flight)" : last ? " (last: LM head and logits)" : "")
        : (w.gpus() > 1 ? "every GPU holds the same share" : "the only GPU");
    if (zero == 3 && w.dp() == 1) {
      notes.add("ZeRO-3/FSDP on one data-parallel rank shards nothing: it only adds gather buffers");
    } else if (zero > 0 && w.dp() == 1) {
      notes.add("ZeRO-" + zero + " with one data-parallel rank shards nothing");
    }
    if (w.gradAccum() > 1) {
      notes.add("gradient accumulation over " + w.gradAccum() + " micro-batches adds no activation memory; gradients persist between micro-batches; global batch "
          + (w.microBatch() * w.gradAccum() * w.dp()) + " sequences");
    }
    if (w.precision().mixed() && trainable > 0) {
      notes.add(w.fp32Gradients()
          ? "gradients are kept in fp32 (Megatron main_grad): 2 + 4 + 4 + 8 = 18 bytes per trainable parameter with Adam"
          : "gradients are kept in " + (w.precision() == Precision.FP16_MIXED ? "fp16" : "bf16") + " beside the fp32 master weights (ZeRO accounting: 2 + 2 + 4 + 8 = 16 bytes with Adam);"
              + " PyTorch AMP instead keeps fp32 weights and fp32 gradients, also 16; --grad-dtype fp32 gives Megatron's 18");
    }
    if (w.method() == Method.QLORA) {
      notes.add("QLoRA: the frozen base is NF4" + (w.doubleQuant() ? " with double quantization" : "") + "; one linear is dequantized to 16-bit at a time ("
          + Formula.gib(Bytes.of(dequant)) + ", under activations)");
    }
    if (w.packed()) {
      notes.add("packed sequences: the same memory per token as padded ones of length S, without padding waste");
    }
    if (arch.kind() == dev.vramcalc.core.model.ModelKind.DUAL_ENCODER) {
      notes.add("dual encoder: activations are computed for the text tower's shape only");
    }
    Communication comm = communication(arch, gpu, w, b, trainable + adapterParams, layersHere, tokens, zero, shard);
    long trainableAll = plan.trainableParameters();
    Fit fit = Fit.of(Bytes.of(device), gpu.usable(), w.headroom());
    Map<String, Long> state = new LinkedHashMap<>();
    state.put("weights", weightBytes);
    state.put("gradients", grads);
    state.put("master_weights", masterBytes);
    state.put("optimizer_states", stateBytes);
    state.put("adapters", adapterWeightBytes);
    return new TrainingEstimate(model, gpu, w, terms, Bytes.of(allocated), Bytes.of(reserved), Bytes.of(device), fit, phases,
        peakAtStep ? "optimizer_step" : "backward_start", trainableAll, mostLoaded, Bytes.of(cpu), comm, state, notes);
  }

  private static String weightsFormula(TrainingWorkload w, Bytes4 b, long trainable, long trainableBytes, long frozenBytes, WeightFormat frozenFormat,
      int zero, int shard, long gathered, boolean atStep) {
    StringBuilder sb = new StringBuilder();
    if (trainable > 0) {
      sb.append(String.format(Locale.ROOT, "%,d trainable × %d bytes", trainable, b.weight()));
    }
    if (frozenBytes > 0) {
      if (sb.length() > 0) {
        sb.append(" + ");
      }
      sb.append("frozen in ").append(frozenFormat.label()).append(' ').append(Formula.gib(Bytes.of(frozenBytes)));
    }
    if (zero == 3) {
      sb.append(" / ").append(shard).append(" (sharded)");
      if (!atStep && gathered > 0) {
        sb.append(" + 2 gathered layers ").append(Formula.gib(Bytes.of(gathered)));
      }
    }
    if (w.offload() == Offload.PARAMS) {
      sb.append(", offloaded to CPU");
    }
    return sb.toString();
  }

  private static String gradientFormula(TrainingWorkload w, Bytes4 b, long trainable, long adapters, int adapterBytes, int zero, int shard, boolean atStep, long bytes) {
    if (!atStep && w.gradAccum() == 1 && !w.optimizerInBackward()) {
      return "none alive at the start of backward (zero_grad frees them; " + (trainable + adapters > 0 ? "they build up as layers finish" : "") + ")";
    }
    if (!atStep && w.optimizerInBackward()) {
      return "optimizer fused into backward: one tensor's gradient at a time = " + Formula.gib(Bytes.of(bytes));
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%,d × %d bytes", trainable, b.gradient()));
    if (adapters > 0) {
      sb.append(String.format(Locale.ROOT, " + %,d adapter × %d bytes", adapters, adapterBytes));
    }
    if (zero >= 2) {
      sb.append(" / ").append(shard).append(" (ZeRO-").append(zero).append(')');
    }
    return sb.append(" = ").append(Formula.gib(Bytes.of(bytes))).toString();
  }

  private static String optimizerFormula(TrainingWorkload w, Bytes4 b, long trainable, long states, long temp, boolean atStep, String shardNote) {
    String per = String.format(Locale.ROOT, "%.2f", Optimizers.bytesPerParameter(w.optimizer(), b.state()));
    String s = String.format(Locale.ROOT, "%s: %,d trainable × %s bytes%s%s = %s", w.optimizer().id(), trainable, per, shardNote,
        w.offload() != Offload.NONE ? ", offloaded to CPU" : "", Formula.gib(Bytes.of(states)));
    if (atStep && temp > 0) {
      s += " + step temporaries " + Formula.gib(Bytes.of(temp));
    }
    return s;
  }

  private static String activationFormula(Architecture arch, TrainingWorkload w, long tokens, long perToken, long head, int layers, int inFlight,
      double interleave, long activations, long dequant) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%,d tokens (B %d × S %d%s) × %,d bytes/token over %d layers%s", tokens, w.microBatch(), w.seqLen(),
        w.cp() > 1 ? " / cp " + w.cp() : "", perToken + head, layers,
        w.checkpointing() == Checkpointing.FULL ? " (full recomputation: each layer's input plus one layer)" : ""));
    if (inFlight > 1 || interleave > 1) {
      sb.append(String.format(Locale.ROOT, " × %d micro-batches in flight", inFlight));
      if (interleave > 1) {
        sb.append(String.format(Locale.ROOT, " × %.3f (interleaved)", interleave));
      }
    }
    sb.append(" = ").append(Formula.gib(Bytes.of(activations)));
    if (dequant > 0) {
      sb.append(" + dequantized linear ").append(Formula.gib(Bytes.of(dequant)));
    }
    return sb.toString();
  }

  private static double linkFor(Gpu gpu, TrainingWorkload w, boolean crossNode) {
    if (w.interconnect() != null) {
      if (w.interconnect().name().equals("nvlink") && gpu.interconnect() != null && gpu.interconnect().startsWith("nvlink") && gpu.interconnectGBs() != null) {
        return gpu.interconnectGBs();
      }
      return w.interconnect().gbPerSecond();
    }
    if (crossNode) {
      return TrainingWorkload.Interconnect.INFINIBAND.gbPerSecond();
    }
    return gpu.linkGBs();
  }

  private static String linkName(Gpu gpu, TrainingWorkload w, boolean crossNode) {
    if (w.interconnect() != null) {
      return w.interconnect().name();
    }
    if (crossNode) {
      return "infiniband";
    }
    return gpu.interconnect() != null ? gpu.interconnect() : "pcie";
  }

  private static Communication.Collective collective(String name, String group, long bytes, Gpu gpu, TrainingWorkload w, boolean crossNode, String formula) {
    double gbs = linkFor(gpu, w, crossNode);
    return new Communication.Collective(name, group, bytes, gbs, linkName(gpu, w, crossNode), bytes / (gbs * 1e9), formula);
  }

  private static Communication communication(Architecture arch, Gpu gpu, TrainingWorkload w, Bytes4 b, long localTrainable, int layers, long tokens,
      int zero, int shard) {
    if (w.gpus() <= 1) {
      return null;
    }
    List<Communication.Collective> out = new ArrayList<>();
    int dp = w.dp();
    boolean dpCrossNode = w.gpus() > w.gpusPerNode();
    long grads = localTrainable * b.gradient();
    long params = localTrainable * b.weight();
    int accum = w.gradAccum();
    if (dp > 1) {
      if (zero <= 1) {
        long bytes = Communication.allReduce(grads, dp);
        out.add(collective("gradient all-reduce", "data parallel (" + dp + ")", bytes, gpu, w, dpCrossNode,
            String.format(Locale.ROOT, "2(N−1)/N × %s of gradients, N = %d", Formula.gib(Bytes.of(grads)), dp)));
      } else {
        int n = zero == 3 ? shard : dp;
        out.add(collective("gradient reduce-scatter", "data parallel (" + n + ")", Communication.scatterOrGather(grads, n), gpu, w, dpCrossNode,
            String.format(Locale.ROOT, "(N−1)/N × %s, N = %d", Formula.gib(Bytes.of(grads)), n)));
        if (zero == 2) {
          out.add(collective("parameter all-gather after the step", "data parallel (" + n + ")", Communication.scatterOrGather(params, n), gpu, w, dpCrossNode,
              String.format(Locale.ROOT, "(N−1)/N × %s", Formula.gib(Bytes.of(params)))));
        } else {
          long gathers = Math.multiplyExact(2L * accum, Communication.scatterOrGather(params, n));
          out.add(collective("ZeRO-3 parameter all-gathers (forward and backward)", "data parallel (" + n + ")", gathers, gpu, w, dpCrossNode,
              String.format(Locale.ROOT, "2 × %d micro-batches × (N−1)/N × %s", accum, Formula.gib(Bytes.of(params)))));
          if (w.fsdp() == TrainingWorkload.Fsdp.HYBRID && dp > shard) {
            out.add(collective("gradient all-reduce across replicas", "replicas (" + dp / shard + ")", Communication.allReduce(grads / shard, dp / shard), gpu, w, true,
                "2(R−1)/R × the gradient shard"));
          }
        }
      }
    }
    long activation = tokens * arch.dims().hiddenSize() * b.activation();
    if (w.tp() > 1) {
      long bytes = Math.multiplyExact(Math.multiplyExact(4L * layers * accum, Communication.allReduce(activation, w.tp())), 1);
      out.add(collective(w.sequenceParallel() ? "TP all-gather / reduce-scatter (sequence parallel)" : "TP all-reduces", "tensor parallel (" + w.tp() + ")",
          bytes, gpu, w, false,
          String.format(Locale.ROOT, "4 per layer × %d layers × %d micro-batches × 2(t−1)/t × %,d tokens × h %,d × %d bytes", layers, accum, tokens,
              arch.dims().hiddenSize(), b.activation())));
    }
    if (w.pp() > 1) {
      long bytes = 2L * accum * activation;
      out.add(collective("pipeline sends (activations forward, gradients backward)", "pipeline (" + w.pp() + ")", bytes, gpu, w, dpCrossNode,
          String.format(Locale.ROOT, "2 × %d micro-batches × %,d tokens × h × %d bytes", accum, tokens, b.activation())));
    }
    if (w.cp() > 1) {
      // ring attention (Liu et al. 2023; Megatron-Core context parallelism): each rank passes its K and V chunk around
      // the ring in forward and again in backward with their gradients (3 passes a layer), each an all-gather volume of
      // (cp − 1)/cp of the whole K and V. Example: Llama-3.1-8B, cp 2, one 8,192-token sequence in BF16: K+V of the
      // sequence 2 × 8,192 × 8 × 128 × 2 = 32 MiB a layer, of which a rank receives 16 MiB; 3 × 32 layers × 16 MiB = 1.5 GiB
      long kv = 2L * tokens * arch.dims().numKvHeads() * arch.dims().headDim() * b.activation();
      long bytes = Math.multiplyExact(3L * layers * accum, Communication.scatterOrGather(kv * w.cp(), w.cp()));
      out.add(collective("context-parallel K/V exchange (ring attention)", "context parallel (" + w.cp() + ")", bytes, gpu, w, false,
          "per layer: K and V of the other ranks' chunks in forward, again in backward with their gradients"));
    }
    if (w.ep() > 1 && arch.dims().isMoe()) {
      // expert parallelism (GShard, Lepikhin et al. 2020; DeepSpeed-MoE): every MoE layer sends each token's hidden state
      // to its e experts and back, in forward and in backward (4 all-to-alls), (ep − 1)/ep of it leaving the rank.
      // Example: Mixtral-8x7B (e 2, h 4,096), ep 8, 4,096 tokens, BF16: 4,096 × 2 × 4,096 × 2 = 64 MiB × 7/8 × 4 = 224 MiB a layer
      long dispatched = tokens * arch.dims().expertsPerToken() * arch.dims().hiddenSize() * b.activation();
      long bytes = Math.multiplyExact(4L * Math.min(layers, arch.dims().numMoeLayers()) * accum, Communication.scatterOrGather(dispatched, w.ep()));
      out.add(collective("expert-parallel all-to-all (dispatch and combine)", "expert parallel (" + w.ep() + ")", bytes, gpu, w, false,
          String.format(Locale.ROOT, "4 per MoE layer × (x−1)/x × %,d tokens × e %d × h × %d bytes", tokens, arch.dims().expertsPerToken(), b.activation())));
    }
    return Communication.of(out);
  }

  /** Returns the trainable-parameter summary used in notes, such as {@code 9,175,040 (0.29%)}. */
  public static String trainableSummary(long trainable, long total) {
    return Counts.grouped(trainable) + String.format(Locale.ROOT, " (%.2f%% of %s)", 100.0 * trainable / total, Counts.format(total));
  }
}
