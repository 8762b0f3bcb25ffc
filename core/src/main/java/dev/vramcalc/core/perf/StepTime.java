package dev.vramcalc.core.perf;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.Communication;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.AttentionLayer;
import dev.vramcalc.core.model.Component;
import dev.vramcalc.core.model.TensorRole;
import dev.vramcalc.core.model.TensorSpec;
import dev.vramcalc.core.workload.TrainingWorkload;
import java.util.Locale;

/**
 * Returns the time of one training step on a layout: the compute of the step's FLOPs at an
 * achievable share of the GPU's dense peak, the pipeline bubble, recomputation, and the part of
 * each collective that compute does not hide.
 *
 * <p>FLOPs: 2 per active linear parameter per token forward, twice that backward when the weights
 * train (input and weight gradients; once when they are frozen, as under LoRA), and causal
 * attention {@code 2·pairs·heads·(d_qk + d_v)} forward, twice backward (Narayanan et al., "Efficient
 * Large-Scale Language Model Training on GPU Clusters Using Megatron-LM", SC'21, §5.1; Kaplan et al.
 * 2020, 6N per token). Bubble: {@code (p − 1)/(v·m)} of the ideal time for 1F1B with v virtual
 * stages and m micro-batches (Narayanan et al. §2.2). Overlap: data-parallel gradient collectives
 * hide behind the last micro-batch's backward (PyTorch DDP buckets), ZeRO-3 gathers behind the whole
 * compute (prefetch), ring attention behind attention; TP, EP and pipeline transfers sit on the
 * critical path.
 */
public final class StepTime {

  /** Default model FLOPs utilization of training. */
  public static final double DEFAULT_MFU = 0.40;

  public static final String MFU_SOURCE = "assumed 0.40: Llama 3 405B pre-training reached 38–43% BF16 MFU on H100 (Dubey et al. 2024, Table 4); "
      + "Megatron-LM reports up to 52% on A100 (Narayanan et al. 2021); --mfu to change";

  /** Assumed host memory bandwidth per GPU for a CPU optimizer step (a 2-socket node shared by 8 GPUs). */
  public static final double CPU_BYTES_PER_SECOND = 25e9;

  /**
   * A step's time.
   *
   * @param computeSeconds forward and backward at the achievable FLOP rate, per GPU
   * @param recomputeSeconds recomputation of checkpointed activations
   * @param bubbleSeconds pipeline idle time
   * @param exposedCommunicationSeconds collectives compute does not hide
   * @param offloadSeconds CPU optimizer step and the PCIe copies it needs
   * @param flopsPerStep the model FLOPs of the step (without recomputation), all GPUs
   */
  public record Result(double computeSeconds, double recomputeSeconds, double bubbleSeconds, double exposedCommunicationSeconds, double offloadSeconds,
      double flopsPerStep, double tokensPerStep) {

    public double seconds() {
      return computeSeconds + recomputeSeconds + bubbleSeconds + exposedCommunicationSeconds + offloadSeconds;
    }

    public double tokensPerSecond() {
      return tokensPerStep / seconds();
    }
  }

  private StepTime() {}

  /** Returns the active linear parameters a token passes through (experts: the routed share), and whether they train. */
  public static double activeLinearParameters(Architecture arch) {
    double active = 0;
    boolean tiedHead = true;
    double embedding = 0;
    for (TensorSpec t : arch.tensors()) {
      if (!t.loadedForInference() || t.component() == Component.VISION_TOWER || t.component() == Component.PROJECTOR) {
        continue;
      }
      TensorRole r = t.role();
      double n = t.elements();
      if (r == TensorRole.TOKEN_EMBEDDING) {
        embedding = n;
      } else if (r == TensorRole.LM_HEAD) {
        tiedHead = false;
        active += n;
      } else if (r.isExpert()) {
        active += n * arch.dims().expertsPerToken() / Math.max(1, t.experts());
      } else if (r.isBlockLinear() || r == TensorRole.ROUTER) {
        active += n;
      }
    }
    if (tiedHead && arch.kind().hasKvCache()) {
      active += embedding;
    }
    return active;
  }

  /** Returns the forward attention FLOPs per token summed over layers for sequences of {@code seq} tokens. */
  public static double attentionFlopsPerToken(Architecture arch, long seq) {
    double total = 0;
    int heads = arch.dims().numHeads();
    for (AttentionLayer layer : arch.attention()) {
      // training runs MLA unabsorbed: per-head scores over qk_nope + qk_rope, values of v_head_dim
      double qk = layer.scoreDim(false);
      double v = layer.valueDim(false);
      total += 2.0 * Roofline.causalPairs(seq, layer.window()) / seq * heads * (qk + v);
    }
    return total;
  }

  /** Returns the peak FLOP/s training runs at: BF16/FP16 tensor cores for mixed and pure 16-bit, FP32 otherwise. */
  public static double peakFlops(Gpu gpu, TrainingWorkload w) {
    Double tf = w.precision() == TrainingWorkload.Precision.FP32 ? gpu.fp32Tflops() : gpu.bf16Tflops();
    return tf == null ? 0 : tf * 1e12;
  }

  /**
   * Returns the step time of a workload on its layout given the step's communication (from the
   * training estimate, or a lower bound on it).
   */
  public static Result of(Model model, Gpu gpu, TrainingWorkload w, Communication comm, double mfu, double activeLinear, double trainableParameters) {
    Architecture arch = model.architecture();
    double tokens = (double) w.microBatch() * w.gradAccum() * w.dp() * w.seqLen();
    double linear = 2.0 * activeLinear;
    double attention = attentionFlopsPerToken(arch, w.seqLen());
    boolean frozen = w.method().usesAdapters();
    double forward = linear + attention;
    double backward = (frozen ? 1 : 2) * linear + 2 * attention;
    double recompute = switch (w.checkpointing()) {
      case FULL -> forward;
      case SELECTIVE -> attention;
      case NONE -> 0;
    };
    double rate = peakFlops(gpu, w) * mfu;
    double perGpu = tokens / w.gpus();
    double compute = perGpu * (forward + backward) / rate;
    double recomputeSeconds = perGpu * recompute / rate;
    double bubble = 0;
    if (w.pp() > 1) {
      bubble = (compute + recomputeSeconds) * (w.pp() - 1) / ((double) w.virtualStages() * w.gradAccum());
    }
    double busy = compute + recomputeSeconds;
    double lastBackward = perGpu * backward / rate / w.gradAccum();
    double attentionSeconds = perGpu * 3 * attention / rate;
    double exposed = 0;
    if (comm != null) {
      for (Communication.Collective c : comm.collectives()) {
        String n = c.name();
        if (n.startsWith("ZeRO-3")) {
          exposed += Math.max(0, c.seconds() - busy);
        } else if (n.startsWith("gradient") || n.startsWith("parameter all-gather after")) {
          exposed += Math.max(0, c.seconds() - lastBackward);
        } else if (n.startsWith("context-parallel")) {
          exposed += Math.max(0, c.seconds() - attentionSeconds);
        } else {
          exposed += c.seconds();
        }
      }
    }
    double offload = 0;
    if (w.offload() != TrainingWorkload.Offload.NONE) {
      // ZeRO-Offload (Ren et al. 2021, USENIX ATC, §4): the CPU runs Adam over the trainable parameters' fp32
      // master weights, gradients and two moments (16 bytes a parameter), each read and written once (× 2), while
      // 16-bit gradients go down and 16-bit parameters come back up over PCIe (2 + 2 bytes). Example: Llama-3.1-8B on
      // 8 GPUs, 1.0e9 parameters each: 1.0e9 × 32 / 25 GB/s = 1.28 s on the CPU + 1.0e9 × 4 / 25 GB/s = 0.16 s on PCIe
      double params = trainableParameters / Math.max(1, w.gpus());
      offload = params * 16 * 2 / CPU_BYTES_PER_SECOND + params * 4 / (TrainingWorkload.Interconnect.PCIE.gbPerSecond() * 1e9);
    }
    return new Result(compute, recomputeSeconds, bubble, exposed, offload, tokens * (forward + backward), tokens);
  }


  /** Returns one line describing the time. */
  public static String describe(Result r) {
    return String.format(Locale.ROOT, "%.3f s compute + %.3f s recompute + %.3f s bubble + %.3f s exposed communication + %.3f s offload",
        r.computeSeconds(), r.recomputeSeconds(), r.bubbleSeconds(), r.exposedCommunicationSeconds(), r.offloadSeconds());
  }
}
