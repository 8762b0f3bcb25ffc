package dev.vramcalc.core.workload;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.hardware.Gpu;
import java.util.List;
import java.util.Locale;

/**
 * Returns the settings of a training or fine-tuning run: method, precision, optimizer, batch,
 * activation handling and the parallel layout.
 *
 * @param method how weights are trained
 * @param precision where weights, gradients and optimizer states are kept, in which types
 * @param fp32Gradients whether mixed precision keeps gradients in fp32 (Megatron's main_grad: 18
 *     bytes per parameter instead of 16)
 * @param optimizer the optimizer
 * @param optimizerInBackward whether each parameter is stepped as soon as its gradient is ready,
 *     so at most one tensor's gradient is alive
 * @param microBatch B, sequences per micro-batch per data-parallel rank
 * @param seqLen S, tokens per sequence (the padded length, or the pack length)
 * @param gradAccum micro-batches accumulated per optimizer step (no activation memory)
 * @param checkpointing activation recomputation
 * @param activationOffload whether saved activations go to CPU memory between forward and backward
 * @param loss how logits and the loss are computed
 * @param packed whether sequences are packed (no padding) rather than padded to S
 * @param flashAttention whether attention runs without materializing the score matrix
 * @param gpus N, GPUs in all
 * @param zero ZeRO stage 0–3 (FSDP full shard is 3, grad-op shard 2)
 * @param fsdp the FSDP sharding strategy, or NONE
 * @param gpusPerNode GPUs per node (hybrid sharding shards within a node; links within and across)
 * @param offload CPU offload of optimizer states or of parameters (and states)
 * @param tp tensor-parallel size t
 * @param sequenceParallel whether TP also splits the sequence in norms and dropout (Megatron SP)
 * @param pp pipeline-parallel size p
 * @param schedule the pipeline schedule
 * @param virtualStages layer chunks per pipeline rank in the interleaved schedule
 * @param cp context-parallel size c
 * @param ep expert-parallel size x
 * @param lora LoRA settings, for the LoRA, QLoRA and DoRA methods
 * @param doubleQuant QLoRA: whether the NF4 absmax values are themselves quantized
 * @param frozenLayers the first this many decoder layers are frozen
 * @param freezeEmbeddings whether the token embedding is frozen
 * @param interconnect the link used for communication time, or null for the GPU's own
 * @param headroom the safety margin for the fit verdict
 */
public record TrainingWorkload(
    Method method,
    Precision precision,
    boolean fp32Gradients,
    Optimizer optimizer,
    boolean optimizerInBackward,
    long microBatch,
    long seqLen,
    int gradAccum,
    Checkpointing checkpointing,
    boolean activationOffload,
    Loss loss,
    boolean packed,
    boolean flashAttention,
    int gpus,
    int zero,
    Fsdp fsdp,
    int gpusPerNode,
    Offload offload,
    int tp,
    boolean sequenceParallel,
    int pp,
    Schedule schedule,
    int virtualStages,
    int cp,
    int ep,
    Lora lora,
    boolean doubleQuant,
    int frozenLayers,
    boolean freezeEmbeddings,
    Interconnect interconnect,
    double headroom) {

  /** How the model is trained. */
  public enum Method {
    FULL, LORA, QLORA, DORA, FREEZE;

    public boolean usesAdapters() {
      return this == LORA || this == QLORA || this == DORA;
    }

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Where weights, gradients and optimizer states live and in which types. */
  public enum Precision {
    /** Everything in fp32: weights 4, gradients 4, optimizer states fp32. */
    FP32("fp32"),
    /** bf16 weights and activations with fp32 master weights and fp32 optimizer states. */
    BF16_MIXED("bf16-mixed"),
    /** fp16 weights and activations with fp32 master weights, fp32 states and a loss scaler. */
    FP16_MIXED("fp16-mixed"),
    /** Pure bf16: weights, gradients and optimizer states in bf16, no master copy. */
    BF16("bf16");

    private final String id;

    Precision(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    public boolean mixed() {
      return this == BF16_MIXED || this == FP16_MIXED;
    }
  }

  public enum Optimizer {
    ADAMW("adamw"),
    ADAMW_8BIT("adamw-8bit"),
    PAGED_ADAMW_8BIT("paged-adamw-8bit"),
    PAGED_ADAMW("paged-adamw"),
    ADAFACTOR("adafactor"),
    ADAFACTOR_MOMENTUM("adafactor-momentum"),
    SGD("sgd"),
    SGD_MOMENTUM("sgd-momentum"),
    LION("lion");

    private final String id;

    Optimizer(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    public static Optimizer parse(String text) {
      String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
      for (Optimizer o : values()) {
        if (o.id.equals(s)) {
          return o;
        }
      }
      return switch (s) {
        case "adam", "adamw-torch", "adamw-torch-fused" -> ADAMW;
        case "adamw8bit", "adamw-bnb-8bit", "adam-8bit" -> ADAMW_8BIT;
        case "paged-adamw-32bit", "paged-adamw32bit" -> PAGED_ADAMW;
        case "paged-adamw8bit" -> PAGED_ADAMW_8BIT;
        default -> throw new BadInputException("optimizer", "--optimizer '" + text + "' is not known; use adamw, adamw-8bit, paged-adamw-8bit, paged-adamw, adafactor, adafactor-momentum, sgd, sgd-momentum or lion");
      };
    }
  }

  public enum Checkpointing {
    NONE, SELECTIVE, FULL;

    /** Returns the rank of how much it saves, for comparisons (none < selective < full). */
    public int level() {
      return ordinal();
    }
  }

  public enum Loss {
    /** Full logits in the compute dtype, an fp32 copy for cross-entropy and its fp32 gradient. */
    FULL,
    /** Logits computed in chunks of the sequence; only one chunk is upcast at a time (torchtune). */
    CHUNKED,
    /** Fused linear cross-entropy: logits never materialize beyond one chunk of tokens (Liger, CCE). */
    FUSED
  }

  public enum Fsdp {
    NONE, FULL, GRAD_OP, HYBRID
  }

  public enum Offload {
    NONE, OPTIMIZER, PARAMS
  }

  public enum Schedule {
    ONE_F_ONE_B, INTERLEAVED
  }

  /**
   * LoRA settings.
   *
   * @param rank r
   * @param alpha the scaling numerator (memory-neutral; reported)
   * @param targets module names ({@code q_proj}) or {@code all-linear}
   * @param dropout the LoRA dropout probability (a dropped copy of each adapter's input is saved)
   * @param fp32Adapters whether adapter weights are kept in fp32 when the base is 16-bit (PEFT's
   *     autocast_adapter_dtype, on by default)
   */
  public record Lora(int rank, double alpha, List<String> targets, double dropout, boolean fp32Adapters) {
    public Lora {
      if (rank < 1 || rank > 65536) {
        throw new BadInputException("lora-rank", "--lora-rank (" + rank + ") must be between 1 and 65536");
      }
      if (targets == null || targets.isEmpty()) {
        throw new BadInputException("lora-targets", "--lora-targets needs at least one module name or all-linear");
      }
      targets = List.copyOf(targets);
      if (!(dropout >= 0 && dropout < 1)) {
        throw new BadInputException("lora-dropout", "--lora-dropout (" + dropout + ") must be in [0, 1)");
      }
    }

    public boolean allLinear() {
      return targets.contains("all-linear");
    }
  }

  /** A link for communication: its name and one-direction bandwidth in GB/s. */
  public record Interconnect(String name, double gbPerSecond) {
    public Interconnect {
      if (!(gbPerSecond > 0) || Double.isInfinite(gbPerSecond)) {
        throw new BadInputException("interconnect", "--interconnect bandwidth (" + gbPerSecond + ") must be a positive number of GB/s");
      }
    }

    /** PCIe 4.0 x16: about 25 GB/s achievable per direction (32 GB/s nominal). */
    public static final Interconnect PCIE = new Interconnect("pcie", Gpu.PCIE_GB_S);
    /** InfiniBand NDR, one 400 Gb/s port per GPU: 50 GB/s per direction. */
    public static final Interconnect INFINIBAND = new Interconnect("infiniband", 50);

    public static Interconnect parse(String text) {
      String s = text.trim().toLowerCase(Locale.ROOT);
      return switch (s) {
        case "pcie" -> PCIE;
        case "infiniband", "ib" -> INFINIBAND;
        case "nvlink" -> new Interconnect("nvlink", 450);
        default -> {
          try {
            yield new Interconnect(s + " GB/s", Double.parseDouble(s.replace("gb/s", "").trim()));
          } catch (NumberFormatException e) {
            throw new BadInputException("interconnect", "--interconnect '" + text + "' must be nvlink, pcie, infiniband or a bandwidth in GB/s");
          }
        }
      };
    }
  }

  public TrainingWorkload {
    if (microBatch < 1 || microBatch > 1 << 20) {
      throw new BadInputException("micro-batch", "--micro-batch (" + microBatch + ") must be between 1 and 1048576");
    }
    if (seqLen < 1 || seqLen > InferenceWorkload.MAX_TOKENS) {
      throw new BadInputException("seq-len", "--seq-len (" + seqLen + ") must be between 1 and " + InferenceWorkload.MAX_TOKENS);
    }
    if (microBatch * seqLen > InferenceWorkload.MAX_TOKENS) {
      throw new BadInputException("micro-batch", "--micro-batch × --seq-len exceeds " + InferenceWorkload.MAX_TOKENS + " tokens");
    }
    if (gradAccum < 1 || gradAccum > 1 << 20) {
      throw new BadInputException("grad-accum", "--grad-accum (" + gradAccum + ") must be between 1 and 1048576");
    }
    if (gpus < 1 || gpus > 1 << 20) {
      throw new BadInputException("gpus", "--gpus (" + gpus + ") must be between 1 and 1048576");
    }
    if (zero < 0 || zero > 3) {
      throw new BadInputException("zero", "--zero (" + zero + ") must be 0, 1, 2 or 3");
    }
    for (int[] v : new int[][] {{tp}, {pp}, {cp}, {ep}, {virtualStages}, {gpusPerNode}}) {
      if (v[0] < 1 || v[0] > 1 << 16) {
        throw new BadInputException("parallel", "parallel sizes must be between 1 and 65536 (got " + v[0] + ")");
      }
    }
    // as a long: three sizes of up to 2^16 each overflow an int (--tp 65536 --pp 65536 made the product 0; found in review)
    long modelParallel = (long) tp * pp * cp;
    if (modelParallel > gpus || gpus % modelParallel != 0) {
      throw new BadInputException("gpus", "--gpus (" + gpus + ") must be a multiple of --tp × --pp × --cp (" + tp + " × " + pp + " × " + cp + ")");
    }
    if ((gpus / (tp * pp)) % ep != 0) {
      throw new BadInputException("ep", "--ep (" + ep + ") must divide the data- and context-parallel GPUs (" + gpus / (tp * pp) + ")");
    }
    if (fsdp != Fsdp.NONE && zero != 0) {
      throw new BadInputException("fsdp", "give either --zero or --fsdp, not both");
    }
    if (method == Method.QLORA && (precision == Precision.FP32)) {
      throw new BadInputException("precision", "QLoRA computes in 16-bit over an NF4 base: use --precision bf16-mixed, fp16-mixed or bf16, not fp32");
    }
    if (method.usesAdapters() && lora == null) {
      throw new BadInputException("lora-rank", "--method " + method.id() + " needs --lora-rank and --lora-targets");
    }
    if (frozenLayers < 0) {
      throw new BadInputException("freeze-layers", "--freeze-layers (" + frozenLayers + ") must not be negative");
    }
    if (!(headroom >= 0 && headroom < 1)) {
      throw new BadInputException("headroom", "--headroom (" + headroom + ") must be at least 0 and below 1");
    }
    if (sequenceParallel && tp == 1) {
      sequenceParallel = false;
    }
  }

  /** Returns the data-parallel size: {@code N / (t · p · c)}. */
  public int dp() {
    return gpus / (tp * pp * cp);
  }

  /** Returns the effective ZeRO stage, with FSDP strategies mapped to their ZeRO equivalents. */
  public int shardingStage() {
    return switch (fsdp) {
      case FULL, HYBRID -> 3;
      case GRAD_OP -> 2;
      case NONE -> zero;
    };
  }

  /** Returns a copy with another micro-batch. */
  public TrainingWorkload withMicroBatch(long b) {
    return new Builder(this).microBatch(b).build();
  }

  public TrainingWorkload withSeqLen(long s) {
    return new Builder(this).seqLen(s).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds workloads: defaults are full fine-tuning in bf16-mixed with AdamW on one GPU. */
  public static final class Builder {
    Method method = Method.FULL;
    Precision precision = Precision.BF16_MIXED;
    boolean fp32Gradients;
    Optimizer optimizer = Optimizer.ADAMW;
    boolean optimizerInBackward;
    long microBatch = 1;
    long seqLen = 2048;
    int gradAccum = 1;
    Checkpointing checkpointing = Checkpointing.NONE;
    boolean activationOffload;
    Loss loss = Loss.FULL;
    boolean packed;
    boolean flashAttention = true;
    int gpus = 1;
    int zero;
    Fsdp fsdp = Fsdp.NONE;
    int gpusPerNode = 8;
    Offload offload = Offload.NONE;
    int tp = 1;
    boolean sequenceParallel;
    int pp = 1;
    Schedule schedule = Schedule.ONE_F_ONE_B;
    int virtualStages = 1;
    int cp = 1;
    int ep = 1;
    Lora lora;
    boolean doubleQuant = true;
    int frozenLayers;
    boolean freezeEmbeddings;
    Interconnect interconnect;
    double headroom = InferenceWorkload.DEFAULT_HEADROOM;

    public Builder() {}

    public Builder(TrainingWorkload w) {
      method = w.method;
      precision = w.precision;
      fp32Gradients = w.fp32Gradients;
      optimizer = w.optimizer;
      optimizerInBackward = w.optimizerInBackward;
      microBatch = w.microBatch;
      seqLen = w.seqLen;
      gradAccum = w.gradAccum;
      checkpointing = w.checkpointing;
      activationOffload = w.activationOffload;
      loss = w.loss;
      packed = w.packed;
      flashAttention = w.flashAttention;
      gpus = w.gpus;
      zero = w.zero;
      fsdp = w.fsdp;
      gpusPerNode = w.gpusPerNode;
      offload = w.offload;
      tp = w.tp;
      sequenceParallel = w.sequenceParallel;
      pp = w.pp;
      schedule = w.schedule;
      virtualStages = w.virtualStages;
      cp = w.cp;
      ep = w.ep;
      lora = w.lora;
      doubleQuant = w.doubleQuant;
      frozenLayers = w.frozenLayers;
      freezeEmbeddings = w.freezeEmbeddings;
      interconnect = w.interconnect;
      headroom = w.headroom;
    }

    public Builder method(Method v) { method = v; return this; }
    public Builder precision(Precision v) { precision = v; return this; }
    public Builder fp32Gradients(boolean v) { fp32Gradients = v; return this; }
    public Builder optimizer(Optimizer v) { optimizer = v; return this; }
    public Builder optimizerInBackward(boolean v) { optimizerInBackward = v; return this; }
    public Builder microBatch(long v) { microBatch = v; return this; }
    public Builder seqLen(long v) { seqLen = v; return this; }
    public Builder gradAccum(int v) { gradAccum = v; return this; }
    public Builder checkpointing(Checkpointing v) { checkpointing = v; return this; }
    public Builder activationOffload(boolean v) { activationOffload = v; return this; }
    public Builder loss(Loss v) { loss = v; return this; }
    public Builder packed(boolean v) { packed = v; return this; }
    public Builder flashAttention(boolean v) { flashAttention = v; return this; }
    public Builder gpus(int v) { gpus = v; return this; }
    public Builder zero(int v) { zero = v; return this; }
    public Builder fsdp(Fsdp v) { fsdp = v; return this; }
    public Builder gpusPerNode(int v) { gpusPerNode = v; return this; }
    public Builder offload(Offload v) { offload = v; return this; }
    public Builder tp(int v) { tp = v; return this; }
    public Builder sequenceParallel(boolean v) { sequenceParallel = v; return this; }
    public Builder pp(int v) { pp = v; return this; }
    public Builder schedule(Schedule v) { schedule = v; return this; }
    public Builder virtualStages(int v) { virtualStages = v; return this; }
    public Builder cp(int v) { cp = v; return this; }
    public Builder ep(int v) { ep = v; return this; }
    public Builder lora(Lora v) { lora = v; return this; }
    public Builder doubleQuant(boolean v) { doubleQuant = v; return this; }
    public Builder frozenLayers(int v) { frozenLayers = v; return this; }
    public Builder freezeEmbeddings(boolean v) { freezeEmbeddings = v; return this; }
    public Builder interconnect(Interconnect v) { interconnect = v; return this; }
    public Builder headroom(double v) { headroom = v; return this; }

    public TrainingWorkload build() {
      return new TrainingWorkload(method, precision, fp32Gradients, optimizer, optimizerInBackward, microBatch, seqLen, gradAccum,
          checkpointing, activationOffload, loss, packed, flashAttention, gpus, zero, fsdp, gpusPerNode, offload, tp, sequenceParallel,
          pp, schedule, virtualStages, cp, ep, lora, doubleQuant, frozenLayers, freezeEmbeddings, interconnect, headroom);
    }
  }
}
