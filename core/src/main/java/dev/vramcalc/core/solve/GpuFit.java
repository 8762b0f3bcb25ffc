package dev.vramcalc.core.solve;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.Communication;
import dev.vramcalc.core.estimate.InferenceEstimate;
import dev.vramcalc.core.estimate.TrainingEstimate;
import dev.vramcalc.core.estimate.TrainingEstimator;
import dev.vramcalc.core.engine.Engines;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.perf.Roofline;
import dev.vramcalc.core.perf.StepTime;
import dev.vramcalc.core.workload.EngineSettings;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.core.workload.TrainingWorkload;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * For every GPU of a catalog, returns the smallest count of it that runs a workload, the layout that
 * count implies, what the layout costs in communication, and the price. Memory is always per device,
 * from the same estimators as infer and train; nothing is summed across devices.
 */
public final class GpuFit {

  /** Counts tried: powers of two. */
  static final int[] COUNTS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

  /**
   * One GPU's answer.
   *
   * @param count the smallest count that fits, or 0 when none up to the cap does
   * @param layout the parallel layout ("tp 4", "tp 8 × pp 2", "ZeRO-3 over 8", …)
   * @param deviceBytes memory per GPU of the layout
   * @param communication the layout's communication per step (training) or per decode step (serving), or null
   * @param tokensPerSecond decode tokens/s (serving) or training tokens/s, when the catalog has the peak figures
   */
  public record Entry(Gpu gpu, int count, String layout, long deviceBytes, String verdict, String parallelism, Communication communication,
      double communicationSeconds, Double tokensPerSecond, Double purchaseUsd, Double usdPerHour, String reason) {

    public boolean fits() {
      return count > 0;
    }
  }

  private GpuFit() {}

  /** Returns the serving fit of every GPU, cheapest first; GPUs that cannot run it last. */
  public static List<Entry> serving(Model model, List<Gpu> gpus, InferenceWorkload w, int maxGpus, int gpusPerNode) {
    if (w.engine() instanceof EngineSettings.LlamaCpp) {
      throw new BadInputException("engine", "fit lays out tensor-parallel replicas: use --engine vllm, transformers or generic");
    }
    List<Entry> out = new ArrayList<>();
    for (Gpu gpu : gpus) {
      out.add(servingOne(model, gpu, w, maxGpus, gpusPerNode));
    }
    out.sort(ORDER);
    return out;
  }

  private static Entry servingOne(Model model, Gpu gpu, InferenceWorkload w, int maxGpus, int gpusPerNode) {
    String why = "does not fit on " + maxGpus + " or fewer";
    for (int n : COUNTS) {
      if (n > maxGpus) {
        break;
      }
      for (int[] layout : servingLayouts(n, gpusPerNode)) {
        InferenceWorkload x = new InferenceWorkload(w.batch(), w.seqLen(), w.promptLen(), w.weights(), w.kvCache(), layout[0], layout[1], w.flashAttention(),
            w.headroom(), w.engine());
        InferenceEstimate e;
        try {
          e = Limits.inferIfFits(model, gpu, x, w.batch(), w.seqLen());
          if (e == null) {
            continue;
          }
        } catch (BadInputException ex) {
          why = ex.getMessage();
          continue;
        }
        Double tps = null;
        double comm = 0;
        if (model.hasArchitecture()) {
          try {
            Roofline.Result r = Roofline.of(model, gpu, new Roofline.Settings(w.batch(), w.seqLen(), w.promptLen(), layout[0], w.weights(), w.kvCache(),
                w.flashAttention(), Roofline.DEFAULT_MEMORY_EFFICIENCY, Roofline.DEFAULT_COMPUTE_EFFICIENCY, Roofline.DEFAULT_ALLREDUCE_LATENCY));
            tps = r.decodeTokensPerSecond();
            comm = r.decode().operations().stream().filter(o -> o.bound().equals("communication")).mapToDouble(Roofline.Operation::seconds).sum();
          } catch (BadInputException noPeak) {
            // the roofline decides which peak the model computes at (FP32 for an FP32 checkpoint); a GPU the catalog gives
            // no such peak or bandwidth for still fits, with its speed unknown (found in review: fit gpt2 failed on gaudi3)
          }
        }
        String name = layout[0] * layout[1] == 1 ? "one GPU" : (layout[0] > 1 ? "tp " + layout[0] : "") + (layout[1] > 1 ? (layout[0] > 1 ? " × " : "") + "pp " + layout[1] : "");
        String parallelism = layout[0] * layout[1] == 1 ? "none"
            : (layout[0] > 1 ? "tensor parallel " + layout[0] + " (two all-reduces of the hidden state per layer per step)" : "")
                + (layout[1] > 1 ? (layout[0] > 1 ? " and " : "") + "pipeline parallel " + layout[1] + (n > gpusPerNode ? " across nodes" : "") : "");
        return new Entry(gpu, n, name, e.device().value(), e.fit().verdict().label(), parallelism, null, comm, tps, price(gpu.priceUsd(), n),
            price(gpu.priceUsdPerHour(), n), "smallest count whose most loaded GPU fits under the margin");
      }
    }
    return new Entry(gpu, 0, null, 0, "does-not-fit", null, null, 0, null, price(gpu.priceUsd(), 0), price(gpu.priceUsdPerHour(), 0), why);
  }

  /** tp within a node first, then pipeline stages across nodes. */
  private static List<int[]> servingLayouts(int n, int gpusPerNode) {
    List<int[]> out = new ArrayList<>();
    int tp = Math.min(n, gpusPerNode);
    while (tp >= 1) {
      if (n % tp == 0) {
        out.add(new int[] {tp, n / tp});
      }
      tp /= 2;
    }
    return out;
  }

  /** Returns the training fit of every GPU: the smallest count with a layout that fits, and the planner's fastest layout there. */
  public static List<Entry> training(Model model, List<Gpu> gpus, TrainingWorkload w, int maxGpus, double mfu) {
    List<Entry> out = new ArrayList<>();
    for (Gpu gpu : gpus) {
      out.add(trainingOne(model, gpu, w, maxGpus, mfu));
    }
    out.sort(ORDER);
    return out;
  }

  private static Entry trainingOne(Model model, Gpu gpu, TrainingWorkload w, int maxGpus, double mfu) {
    String why = "does not fit on " + maxGpus + " or fewer";
    for (int n : COUNTS) {
      if (n > maxGpus) {
        break;
      }
      if (!anyFrugalLayoutFits(model, gpu, w, n)) {
        continue;
      }
      Planner.Plan plan = StepTime.peakFlops(gpu, w) <= 0 ? null : Planner.plan(model, gpu, w, n, new Planner.Constraints(null, null, null, null, null, null,
          (int) w.microBatch(), (long) w.microBatch() * w.gradAccum() * n, true, 1, mfu));
      if (plan == null || plan.layouts().isEmpty()) {
        // no peak figures, or no layout of the planner's global batch: report the frugal layout that fits
        TrainingEstimate e = frugal(model, gpu, w, n);
        StepTime.Result t = plan == null ? null : StepTime.of(model, gpu, e.workload(), e.communication(), mfu, StepTime.activeLinearParameters(model.architecture()),
            e.trainableParameters());
        return new Entry(gpu, n, describe(e.workload()), e.device().value(), e.fit().verdict().label(), parallelism(e.workload()), e.communication(),
            t != null ? t.exposedCommunicationSeconds() : e.communication() == null ? 0 : e.communication().secondsPerStep(),
            t == null ? null : t.tokensPerSecond(), price(gpu.priceUsd(), n), price(gpu.priceUsdPerHour(), n),
            plan == null ? "smallest count that fits (the catalog has no peak FLOP/s to rank layouts by speed)" : "smallest count that fits (a memory-frugal layout)");
      }
      Planner.Layout best = plan.layouts().get(0);
      TrainingWorkload x = best.workload();
      return new Entry(gpu, n, describe(x), best.estimate().device().value(), best.estimate().fit().verdict().label(), parallelism(x),
          best.estimate().communication(), best.time().exposedCommunicationSeconds(), best.time().tokensPerSecond(), price(gpu.priceUsd(), n),
          price(gpu.priceUsdPerHour(), n), "smallest count that fits; the planner's fastest layout at that count");
    }
    return new Entry(gpu, 0, null, 0, "does-not-fit", null, null, 0, null, price(gpu.priceUsd(), 0), price(gpu.priceUsdPerHour(), 0), why);
  }

  /** Returns whether the most memory-frugal layouts of n GPUs fit: ZeRO-3 with full checkpointing and offload, or TP within a node and PP across. */
  private static boolean anyFrugalLayoutFits(Model model, Gpu gpu, TrainingWorkload w, int n) {
    return frugal(model, gpu, w, n) != null;
  }

  private static TrainingEstimate frugal(Model model, Gpu gpu, TrainingWorkload w, int n) {
    List<TrainingWorkload> probes = new ArrayList<>();
    TrainingWorkload.Builder zero3 = new TrainingWorkload.Builder(w).gpus(n).tp(1).pp(1).cp(1).ep(1).zero(n > 1 ? 3 : 0)
        .checkpointing(TrainingWorkload.Checkpointing.FULL).gradAccum(Math.max(1, w.gradAccum()));
    probes.add(zero3.build());
    probes.add(new TrainingWorkload.Builder(zero3.build()).offload(TrainingWorkload.Offload.OPTIMIZER).build());
    int tp = Math.min(n, w.gpusPerNode());
    if (tp > 1) {
      probes.add(new TrainingWorkload.Builder(w).gpus(n).tp(tp).sequenceParallel(true).pp(n / tp).cp(1).ep(1).zero(0)
          .checkpointing(TrainingWorkload.Checkpointing.FULL).build());
    }
    for (TrainingWorkload p : probes) {
      try {
        TrainingEstimate e = TrainingEstimator.estimate(model, gpu, p);
        if (e.fit().fits()) {
          return e;
        }
      } catch (BadInputException | ArithmeticException ex) {
        // this probe's layout does not suit the model (heads or layers not divisible)
      }
    }
    return null;
  }

  private static String describe(TrainingWorkload x) {
    List<String> parts = new ArrayList<>();
    if (x.tp() > 1) {
      parts.add("tp " + x.tp());
    }
    if (x.pp() > 1) {
      parts.add("pp " + x.pp());
    }
    if (x.cp() > 1) {
      parts.add("cp " + x.cp());
    }
    if (x.dp() > 1) {
      parts.add("dp " + x.dp() + (x.shardingStage() > 0 ? " ZeRO-" + x.shardingStage() : ""));
    }
    if (x.ep() > 1) {
      parts.add("ep " + x.ep());
    }
    if (x.offload() != TrainingWorkload.Offload.NONE) {
      parts.add("optimizer offload");
    }
    parts.add(x.checkpointing() == TrainingWorkload.Checkpointing.NONE ? "no checkpointing" : x.checkpointing().name().toLowerCase(Locale.ROOT) + " checkpointing");
    return parts.size() == 1 && x.gpus() == 1 ? "one GPU, " + parts.get(0) : String.join(" × ", parts.subList(0, parts.size() - 1)) + ", " + parts.get(parts.size() - 1);
  }

  private static String parallelism(TrainingWorkload x) {
    if (x.gpus() == 1) {
      return "none";
    }
    List<String> parts = new ArrayList<>();
    if (x.dp() > 1) {
      parts.add("data parallel " + x.dp() + (x.shardingStage() > 0 ? " with ZeRO-" + x.shardingStage() : ""));
    }
    if (x.tp() > 1) {
      parts.add("tensor parallel " + x.tp());
    }
    if (x.pp() > 1) {
      parts.add("pipeline parallel " + x.pp());
    }
    if (x.cp() > 1) {
      parts.add("context parallel " + x.cp());
    }
    if (x.ep() > 1) {
      parts.add("expert parallel " + x.ep());
    }
    return String.join(", ", parts);
  }

  private static Double price(Double each, int n) {
    return each == null ? null : each * Math.max(n, 1);
  }

  /** Fitting GPUs first, by hourly price, then purchase price, then count; the rest by name. */
  static final Comparator<Entry> ORDER = Comparator.comparing((Entry e) -> !e.fits())
      .thenComparing((Entry e) -> e.usdPerHour() == null ? Double.MAX_VALUE : e.usdPerHour())
      .thenComparing((Entry e) -> e.purchaseUsd() == null ? Double.MAX_VALUE : e.purchaseUsd())
      .thenComparingInt(Entry::count)
      .thenComparing(e -> e.gpu().id());
}
