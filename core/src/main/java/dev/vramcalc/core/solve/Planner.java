package dev.vramcalc.core.solve;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.Communication;
import dev.vramcalc.core.estimate.TrainingEstimate;
import dev.vramcalc.core.estimate.TrainingEstimator;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.perf.StepTime;
import dev.vramcalc.core.workload.TrainingWorkload;
import dev.vramcalc.core.workload.TrainingWorkload.Checkpointing;
import dev.vramcalc.core.workload.TrainingWorkload.Offload;
import dev.vramcalc.core.workload.TrainingWorkload.Schedule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Searches the training layouts of N GPUs: tensor (TP), pipeline (PP, with interleaved virtual
 * stages), context (CP), data (DP) and expert (EP) parallel sizes, ZeRO stage, activation
 * checkpointing, micro-batch and optimizer offload; discards what the model cannot take or what does
 * not fit; ranks the rest by step time.
 *
 * <p>The search is exact branch and bound: every candidate gets a lower bound on its step time from
 * the compute, the smallest possible bubble and the communication of its least loaded stage; they are
 * visited in bound order, and the memory model runs only while a bound can still beat the ranking.
 * Within one layout a candidate that uses at least the memory of one that did not fit (less
 * sharding, less recomputation, no offload) is skipped.
 */
public final class Planner {

  /** Most layouts returned. */
  public static final int DEFAULT_TOP = 5;

  /**
   * What the user fixed; null leaves a dimension to the search.
   *
   * @param globalBatch sequences per optimizer step (mb × accumulation × dp)
   */
  public record Constraints(Integer tp, Integer pp, Integer cp, Integer ep, Integer zero, Checkpointing checkpointing, Integer microBatch, long globalBatch,
      boolean allowOffload, int top, double mfu) {
    public Constraints {
      if (globalBatch < 1 || globalBatch > 1L << 20) {
        throw new BadInputException("global-batch", "--global-batch (" + globalBatch + " sequences) must be between 1 and 1048576 for the planner");
      }
      if (top < 1 || top > 100) {
        throw new BadInputException("top", "--top (" + top + ") must be between 1 and 100");
      }
      if (!(mfu > 0 && mfu <= 1)) {
        throw new BadInputException("mfu", "--mfu (" + mfu + ") must be in (0, 1]");
      }
    }
  }

  /** One ranked layout. */
  public record Layout(TrainingWorkload workload, TrainingEstimate estimate, StepTime.Result time, String reason) {}

  /**
   * The plan.
   *
   * @param candidates layouts enumerated (valid for the model)
   * @param evaluated memory estimates run
   * @param discarded why candidates were dropped, with counts
   */
  public record Plan(List<Layout> layouts, long candidates, long evaluated, Map<String, Long> discarded, long globalBatch) {}

  private record Candidate(TrainingWorkload base, double bound, int layoutId, int zero, Checkpointing ckpt, boolean offload) {}

  /** Faster first; within 0.1% of step time, less memory first. */
  static final Comparator<Layout> ORDER = Comparator.<Layout>comparingLong(l -> Math.round(Math.log(l.time().seconds()) / Math.log(1.001)))
      .thenComparingLong(l -> l.estimate().device().value());

  private Planner() {}

  /**
   * Returns the default global batch: about 4 Mi tokens a step, the batch Llama 2 and Llama 3 pre-trained with (Touvron
   * et al. 2023 §2.2; Llama Team 2024 §3.4: 4M tokens), rounded up to a multiple of the GPU count and at most 2^20
   * sequences. Example: 4,096-token sequences on 8 GPUs → 4,194,304 / 4,096 = 1,024 sequences (already a multiple of 8).
   */
  public static long defaultGlobalBatch(long seqLen, int gpus) {
    long sequences = Math.max(1, (4L << 20) / seqLen);
    return Math.min(1L << 20, ((sequences + gpus - 1) / gpus) * gpus);
  }

  public static Plan plan(Model model, Gpu gpu, TrainingWorkload base, int gpus, Constraints c) {
    if (!model.hasArchitecture()) {
      throw new BadInputException("model", "the planner needs the architecture, not only --params");
    }
    if (StepTime.peakFlops(gpu, base) <= 0) {
      throw new BadInputException("gpu", "the planner ranks by step time and needs the GPU's peak FLOP/s: pick a catalog GPU (--gpu)");
    }
    Architecture arch = model.architecture();
    double active = StepTime.activeLinearParameters(arch);
    double all = new dev.vramcalc.core.estimate.TrainingPlan(arch, base).trainableParameters();
    Map<String, Long> discarded = new LinkedHashMap<>();
    List<Candidate> candidates = new ArrayList<>();
    int layoutId = 0;
    long g = c.globalBatch();
    for (int tp : sizes(gpus, Math.min(base.gpusPerNode(), gpus), c.tp())) {
      try {
        TrainingEstimator.validate(arch, new TrainingWorkload.Builder(base).gpus(tp).tp(tp).pp(1).cp(1).ep(1).zero(0).build());
      } catch (BadInputException e) {
        discarded.merge("tp " + tp + ": " + e.getMessage(), 1L, Long::sum);
        continue;
      }
      for (int pp : divisors(gpus / tp, c.pp())) {
        if (pp > arch.dims().numLayers()) {
          discarded.merge("pp above the layer count", 1L, Long::sum);
          continue;
        }
        for (int v : pp > 1 ? new int[] {1, 2} : new int[] {1}) {
          if (v > 1 && arch.dims().numLayers() % (pp * v) != 0) {
            continue;
          }
          for (int cp : divisors(gpus / (tp * pp), c.cp())) {
            if (cp > 8 || (cp > 1 && (base.seqLen() % (2L * cp) != 0 || (c.cp() == null && base.seqLen() < 8192)))) {
              continue;
            }
            int dp = gpus / (tp * pp * cp);
            if (g % dp != 0) {
              discarded.merge("global batch not divisible by data-parallel size", 1L, Long::sum);
              continue;
            }
            for (int ep : expertSizes(arch, dp * cp, c.ep())) {
              layoutId++;
              for (int zero : zeroStages(pp, dp, c.zero())) {
                for (Checkpointing ckpt : c.checkpointing() != null ? List.of(c.checkpointing()) : List.of(Checkpointing.values())) {
                  for (boolean offload : c.allowOffload() && !base.method().usesAdapters() && (zero >= 1 || dp == 1) ? new boolean[] {false, true} : new boolean[] {false}) {
                    TrainingWorkload w;
                    try {
                      w = new TrainingWorkload.Builder(base).gpus(gpus).tp(tp).sequenceParallel(tp > 1).pp(pp)
                          .schedule(v > 1 ? Schedule.INTERLEAVED : Schedule.ONE_F_ONE_B).virtualStages(v).cp(cp).ep(ep).zero(zero)
                          .fsdp(TrainingWorkload.Fsdp.NONE).checkpointing(ckpt).offload(offload ? Offload.OPTIMIZER : Offload.NONE)
                          .microBatch(g / dp).gradAccum(1).build();
                      TrainingEstimator.validate(arch, w);
                    } catch (BadInputException e) {
                      discarded.merge(e.getMessage(), 1L, Long::sum);
                      continue;
                    }
                    Communication bound = TrainingEstimator.communicationBound(model, gpu, w);
                    // mb = G/dp, one micro-batch: the fewest ZeRO-3 gathers; the bubble at its smallest, m = G/dp
                    StepTime.Result t = StepTime.of(model, gpu, w, bound, c.mfu(), active, all);
                    double bubble = pp > 1 ? (t.computeSeconds() + t.recomputeSeconds()) * (pp - 1) / ((double) v * (g / dp)) : 0;
                    double lb = t.seconds() - t.bubbleSeconds() + bubble;
                    candidates.add(new Candidate(w, lb, layoutId, zero, ckpt, offload));
                  }
                }
              }
            }
          }
        }
      }
    }
    candidates.sort(Comparator.comparingDouble(Candidate::bound));
    List<Layout> ranked = new ArrayList<>();
    List<Candidate> failed = new ArrayList<>();
    long evaluated = 0;
    long notFit = 0;
    for (Candidate cand : candidates) {
      if (ranked.size() >= c.top() && cand.bound() >= ranked.get(c.top() - 1).time().seconds()) {
        break;
      }
      if (dominatedByFailure(cand, failed)) {
        notFit++;
        continue;
      }
      int dp = cand.base().dp();
      long perReplica = g / dp;
      Layout best = null;
      boolean tried = false;
      for (long mb = 1; mb <= perReplica; mb *= 2) {
        if (perReplica % mb != 0 || (c.microBatch() != null && mb != c.microBatch())) {
          continue;
        }
        long accum = perReplica / mb;
        if (accum > Integer.MAX_VALUE || (cand.base().virtualStages() > 1 && accum % cand.base().pp() != 0)) {
          continue;
        }
        tried = true;
        TrainingWorkload w = new TrainingWorkload.Builder(cand.base()).microBatch(mb).gradAccum((int) accum).build();
        TrainingEstimate e;
        try {
          e = TrainingEstimator.estimate(model, gpu, w);
        } catch (ArithmeticException | BadInputException ex) {
          break;
        }
        evaluated++;
        if (!e.fit().fits()) {
          break;
        }
        StepTime.Result t = StepTime.of(model, gpu, w, e.communication(), c.mfu(), active, all);
        if (best == null || t.seconds() <= best.time().seconds() * (1 + 1e-9)) {
          // ties go to the larger micro-batch: fewer, larger kernels
          best = new Layout(w, e, t, null);
        }
      }
      if (best == null && !tried) {
        discarded.merge("no power-of-two micro-batch divides the batch per replica (interleaving needs accumulation steps in multiples of pp)", 1L, Long::sum);
        continue;
      }
      if (best == null) {
        failed.add(cand);
        notFit++;
        continue;
      }
      ranked.add(best);
      ranked.sort(ORDER);
      if (ranked.size() > c.top()) {
        ranked.remove(ranked.size() - 1);
      }
    }
    if (notFit > 0) {
      discarded.merge("does not fit under the margin", notFit, Long::sum);
    }
    List<Layout> withReasons = new ArrayList<>();
    for (int i = 0; i < ranked.size(); i++) {
      Layout l = ranked.get(i);
      withReasons.add(new Layout(l.workload(), l.estimate(), l.time(), i == 0 ? "fastest that fits" : lostTo(l, ranked.get(i - 1), i)));
    }
    return new Plan(withReasons, candidates.size(), evaluated, discarded, g);
  }

  /** A candidate needs at least the memory of a failed one in the same layout when it shards, recomputes and offloads no more. */
  private static boolean dominatedByFailure(Candidate c, List<Candidate> failed) {
    for (Candidate f : failed) {
      if (f.layoutId() == c.layoutId() && c.zero() <= f.zero() && c.ckpt().ordinal() <= f.ckpt().ordinal() && (!c.offload() || f.offload())) {
        return true;
      }
    }
    return false;
  }

  /** Returns why layout {@code l} ranks below {@code above} (rank {@code rank}): the components that grew, and what differs. */
  static String lostTo(Layout l, Layout above, int rank) {
    StepTime.Result a = above.time();
    StepTime.Result b = l.time();
    double pct = 100 * (b.seconds() / a.seconds() - 1);
    StringBuilder sb = new StringBuilder();
    if (pct < 0.1) {
      sb.append(String.format(Locale.ROOT, "ties with #%d on step time (%+.2f%%) but needs more memory per GPU", rank, pct));
    } else {
      sb.append(String.format(Locale.ROOT, "%.1f%% slower than #%d:", pct, rank));
      Map<String, Double> diff = new LinkedHashMap<>();
      diff.put("compute", b.computeSeconds() - a.computeSeconds());
      diff.put("recomputation", b.recomputeSeconds() - a.recomputeSeconds());
      diff.put("pipeline bubble", b.bubbleSeconds() - a.bubbleSeconds());
      diff.put("exposed communication", b.exposedCommunicationSeconds() - a.exposedCommunicationSeconds());
      diff.put("optimizer offload", b.offloadSeconds() - a.offloadSeconds());
      diff.entrySet().stream().filter(e -> e.getValue() > 1e-6).sorted((x, y) -> Double.compare(y.getValue(), x.getValue())).limit(3)
          .forEach(e -> sb.append(String.format(Locale.ROOT, " %s %+.3f s,", e.getKey(), e.getValue())));
      sb.setLength(sb.length() - 1);
    }
    List<String> changes = new ArrayList<>();
    TrainingWorkload x = l.workload();
    TrainingWorkload y = above.workload();
    compare(changes, "tp", x.tp(), y.tp());
    compare(changes, "pp", x.pp(), y.pp());
    compare(changes, "virtual stages", x.virtualStages(), y.virtualStages());
    compare(changes, "cp", x.cp(), y.cp());
    compare(changes, "dp", x.dp(), y.dp());
    compare(changes, "ep", x.ep(), y.ep());
    compare(changes, "ZeRO", x.zero(), y.zero());
    compare(changes, "micro-batch", x.microBatch(), y.microBatch());
    if (x.checkpointing() != y.checkpointing()) {
      changes.add(x.checkpointing().name().toLowerCase(Locale.ROOT) + " checkpointing instead of " + y.checkpointing().name().toLowerCase(Locale.ROOT));
    }
    if (x.offload() != y.offload()) {
      changes.add(x.offload() == Offload.NONE ? "no offload" : "optimizer offloaded to CPU");
    }
    if (!changes.isEmpty()) {
      sb.append(" (").append(String.join(", ", changes)).append(')');
    }
    return sb.toString();
  }

  private static void compare(List<String> changes, String what, long mine, long theirs) {
    if (mine != theirs) {
      changes.add(what + " " + mine + " instead of " + theirs);
    }
  }

  /** Returns powers of two up to {@code max} dividing {@code n}, or the fixed value. */
  private static List<Integer> sizes(int n, int max, Integer fixed) {
    List<Integer> out = new ArrayList<>();
    if (fixed != null) {
      if (n % fixed != 0) {
        throw new BadInputException("tp", "--tp (" + fixed + ") must divide --gpus (" + n + ")");
      }
      out.add(fixed);
      return out;
    }
    for (int s = 1; s <= max; s *= 2) {
      if (n % s == 0) {
        out.add(s);
      }
    }
    return out;
  }

  /** Returns the divisors of n (at most 64 of them), or the fixed value when it divides n. */
  private static List<Integer> divisors(int n, Integer fixed) {
    List<Integer> out = new ArrayList<>();
    if (fixed != null) {
      if (fixed >= 1 && n % fixed == 0) {
        out.add(fixed);
      }
      return out;
    }
    for (int d = 1; d <= n && out.size() < 64; d++) {
      if (n % d == 0) {
        out.add(d);
      }
    }
    return out;
  }

  private static List<Integer> expertSizes(Architecture arch, int group, Integer fixed) {
    if (!arch.dims().isMoe()) {
      return fixed != null && fixed > 1 ? List.of() : List.of(1);
    }
    if (fixed != null) {
      return group % fixed == 0 && arch.dims().numExperts() % fixed == 0 ? List.of(fixed) : List.of();
    }
    List<Integer> out = new ArrayList<>();
    for (int e = 1; e <= group; e *= 2) {
      if (group % e == 0 && arch.dims().numExperts() % e == 0) {
        out.add(e);
      }
    }
    return out;
  }

  /** ZeRO stages the layout allows: none when one replica; with pipelines at most 1 (DeepSpeed and Megatron's distributed optimizer). */
  private static List<Integer> zeroStages(int pp, int dp, Integer fixed) {
    if (fixed != null) {
      return List.of(fixed);
    }
    if (dp == 1) {
      return List.of(0);
    }
    return pp > 1 ? List.of(0, 1) : List.of(0, 1, 2, 3);
  }
}
