package dev.vramcalc.core.solve;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.TrainingEstimate;
import dev.vramcalc.core.estimate.TrainingEstimator;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.workload.TrainingWorkload;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Recommends micro-batch, gradient accumulation and data-parallel size for a target global batch:
 * global = micro-batch × accumulation × data-parallel, exactly, with the largest micro-batch that
 * fits under the margin (a power of two when one is at least half as large).
 */
public final class BatchPlanner {

  /** Most data-parallel sizes listed. */
  public static final int MAX_OPTIONS = 8;

  /** Divisors enumerated per replica batch (the per-replica batch is at most 2^31 sequences). */
  private static final int MAX_DIVISORS = 4096;

  /**
   * One way to reach the target.
   *
   * @param dataParallel replicas
   * @param microBatch sequences per micro-batch per replica
   * @param gradAccum micro-batches per step
   * @param estimate the training estimate of that setting, or null when none fits
   * @param reason why this micro-batch, or why this data-parallel size cannot reach the target
   */
  public record Option(int dataParallel, long microBatch, long gradAccum, TrainingEstimate estimate, String reason) {
    public boolean reaches() {
      return estimate != null && estimate.fit().fits();
    }
  }

  /**
   * The recommendation.
   *
   * @param targetSequences the global batch in sequences (0 when the token target is not a whole number of sequences)
   * @param options one per data-parallel size, the full size first
   * @param summary the recommendation, or why the target cannot be reached
   */
  public record Plan(long targetSequences, long targetTokens, List<Option> options, String summary) {}

  private BatchPlanner() {}

  /**
   * Returns the plan for a global batch of {@code sequences} (or {@code tokens} when sequences is 0)
   * on the workload's GPUs and layout.
   */
  public static Plan plan(Model model, Gpu gpu, TrainingWorkload w, long sequences, long tokens) {
    long seq = w.seqLen();
    if (sequences <= 0) {
      if (tokens <= 0) {
        throw new BadInputException("global-batch", "--global-batch must be a positive number of sequences or tokens");
      }
      if (tokens % seq != 0) {
        long lo = tokens / seq;
        long hi = lo + 1;
        String why = String.format(Locale.ROOT, "%,d tokens is not a whole number of %,d-token sequences: the nearest are %,d sequences (%,d tokens) and %,d sequences (%,d tokens)",
            tokens, seq, lo, lo * seq, hi, hi * seq);
        return new Plan(0, tokens, List.of(), "cannot reach the target exactly: " + why);
      }
      sequences = tokens / seq;
    }
    int layout = w.tp() * w.pp() * w.cp();
    int dpMax = w.dp();
    List<Option> options = new ArrayList<>();
    for (int dp = dpMax; dp >= 1 && options.size() < MAX_OPTIONS; dp--) {
      if (dpMax % dp != 0 || ((long) dp * w.cp()) % w.ep() != 0) {
        continue;
      }
      if (sequences % dp != 0) {
        if (dp == dpMax) {
          options.add(new Option(dp, 0, 0, null, String.format(Locale.ROOT, "%,d sequences do not split evenly over %d data-parallel replicas (the nearest that do: %,d and %,d)",
              sequences, dp, sequences / dp * dp, (sequences / dp + 1) * dp)));
        }
        continue;
      }
      options.add(option(model, gpu, w, dp, dp * layout, sequences / dp));
    }
    Option best = options.stream().filter(Option::reaches).findFirst().orElse(null);
    String summary = best == null
        ? "cannot reach the target: micro-batch 1 does not fit under the margin on any data-parallel size that divides the batch; shard more (ZeRO-3/FSDP), checkpoint activations, or use more GPUs"
        : String.format(Locale.ROOT, "micro-batch %d × accumulation %d × data-parallel %d = %,d sequences (%,d tokens) per step on %d GPUs",
            best.microBatch(), best.gradAccum(), best.dataParallel(), sequences, sequences * seq, best.dataParallel() * layout);
    return new Plan(sequences, sequences * seq, options, summary);
  }

  private static Option option(Model model, Gpu gpu, TrainingWorkload w, int dp, int gpus, long perReplica) {
    List<Long> divisors = divisors(perReplica);
    // With accumulation the gradients persist through the micro-batches: the largest micro-batch at
    // two steps bounds every divisor below the whole replica batch, which is checked on its own.
    TrainingWorkload accumulating = new TrainingWorkload.Builder(w).gpus(gpus).gradAccum(2).build();
    long bound = Limits.maxMicroBatch(model, gpu, accumulating).value();
    long largest = 0;
    TrainingEstimate largestEstimate = null;
    long pow2 = 0;
    TrainingEstimate pow2Estimate = null;
    for (int i = divisors.size() - 1; i >= 0; i--) {
      long mb = divisors.get(i);
      long accum = perReplica / mb;
      if (accum > Integer.MAX_VALUE || mb > Limits.MAX_BATCH || (accum > 1 && mb > bound)) {
        continue;
      }
      TrainingEstimate e;
      try {
        e = TrainingEstimator.estimate(model, gpu, new TrainingWorkload.Builder(w).gpus(gpus).microBatch(mb).gradAccum((int) accum).build());
      } catch (ArithmeticException | BadInputException ex) {
        continue;
      }
      if (!e.fit().fits()) {
        continue;
      }
      if (largest == 0) {
        largest = mb;
        largestEstimate = e;
      }
      if (Long.bitCount(mb) == 1) {
        pow2 = mb;
        pow2Estimate = e;
        break;
      }
    }
    if (largest == 0) {
      return new Option(dp, 0, 0, null, String.format(Locale.ROOT, "no divisor of the %,d sequences per replica fits as a micro-batch, not even 1", perReplica));
    }
    boolean preferPow2 = pow2 > 0 && pow2 * 2 > largest;
    long mb = preferPow2 ? pow2 : largest;
    TrainingEstimate e = preferPow2 ? pow2Estimate : largestEstimate;
    String reason;
    if (mb == largest) {
      reason = String.format(Locale.ROOT, "%d is the largest micro-batch that divides %,d sequences per replica and fits under the margin%s", mb, perReplica,
          Long.bitCount(mb) == 1 ? " (a power of two)" : "");
    } else {
      reason = String.format(Locale.ROOT, "%d fits and divides %,d; %d, a power of two, is preferred: it is more than half as large and tiles the GPU's kernels evenly",
          largest, perReplica, mb);
    }
    return new Option(dp, mb, perReplica / mb, e, reason);
  }

  /** Returns the divisors of n in increasing order (at most MAX_DIVISORS of them). */
  static List<Long> divisors(long n) {
    List<Long> small = new ArrayList<>();
    List<Long> large = new ArrayList<>();
    for (long d = 1; d * d <= n && small.size() + large.size() < MAX_DIVISORS; d++) {
      if (n % d == 0) {
        small.add(d);
        if (d != n / d) {
          large.add(0, n / d);
        }
      }
    }
    small.addAll(large);
    return small;
  }
}
