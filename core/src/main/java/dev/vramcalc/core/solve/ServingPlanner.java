package dev.vramcalc.core.solve;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.InferenceEstimate;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.perf.Roofline;
import dev.vramcalc.core.workload.EngineSettings;
import dev.vramcalc.core.workload.InferenceWorkload;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Searches the serving layouts of N GPUs: tensor-parallel size t, pipeline stages p and r = N/(t·p)
 * replicas; keeps those where one replica holds the requested sequences under the margin, and ranks
 * them by aggregate decode throughput from the roofline (ties: per-sequence speed).
 *
 * <p>With {@code --batch B} the B sequences are spread over the replicas; without it each replica
 * serves the largest batch that fits. Pipeline stages hold a share of the layers but do not speed a
 * sequence up: a token still passes every layer in turn.
 */
public final class ServingPlanner {

  /** One ranked layout. */
  public record Layout(int tp, int pp, int replicas, long batchPerReplica, InferenceEstimate estimate, Roofline.Result roofline, double tokensPerSecond,
      String reason) {}

  public record Plan(List<Layout> layouts, long candidates, Map<String, Long> discarded) {}

  private ServingPlanner() {}

  /**
   * Returns the ranked layouts.
   *
   * @param totalBatch sequences served at once across all replicas, or 0 for the largest that fits
   * @param fixedTp the tensor-parallel size every layout must use, or null to search powers of two within a node
   * @param fixedPp the pipeline-parallel size every layout must use, or null to search every divisor
   */
  public static Plan plan(Model model, Gpu gpu, InferenceWorkload w, int gpus, int gpusPerNode, long totalBatch, Roofline.Settings speed, int top,
      Integer fixedTp, Integer fixedPp) {
    if (fixedTp != null && (fixedTp < 1 || gpus % fixedTp != 0)) {
      throw new BadInputException("tp", "--tp (" + fixedTp + ") must divide --gpus (" + gpus + ")");
    }
    if (fixedPp != null && (fixedPp < 1 || gpus % (fixedPp * (long) (fixedTp == null ? 1 : fixedTp)) != 0)) {
      throw new BadInputException("pp", "--pp (" + fixedPp + ")" + (fixedTp == null ? "" : " × --tp (" + fixedTp + ")") + " must divide --gpus (" + gpus + ")");
    }
    if (w.engine() instanceof EngineSettings.LlamaCpp) {
      throw new BadInputException("engine", "plan searches tensor-parallel layouts: use --engine vllm or generic (llama.cpp splits layers; see infer --gpus)");
    }
    Map<String, Long> discarded = new LinkedHashMap<>();
    List<Layout> out = new ArrayList<>();
    long candidates = 0;
    for (int tp = fixedTp != null ? fixedTp : 1; tp <= (fixedTp != null ? fixedTp : Math.min(gpus, gpusPerNode)); tp *= 2) {
      if (gpus % tp != 0) {
        continue;
      }
      for (int pp = fixedPp != null ? fixedPp : 1; pp <= (fixedPp != null ? fixedPp : gpus / tp); pp++) {
        if ((gpus / tp) % pp != 0) {
          continue;
        }
        int replicas = gpus / (tp * pp);
        candidates++;
        InferenceWorkload layout = new InferenceWorkload(w.batch(), w.seqLen(), w.promptLen(), w.weights(), w.kvCache(), tp, pp, w.flashAttention(),
            w.headroom(), w.engine());
        long batch;
        try {
          if (totalBatch > 0) {
            batch = (totalBatch + replicas - 1) / replicas;
            if (!Limits.inferenceFits(model, gpu, layout, batch, w.seqLen())) {
              discarded.merge("does not fit under the margin", 1L, Long::sum);
              continue;
            }
          } else {
            batch = Limits.maxBatch(model, gpu, layout).value();
            if (batch == 0) {
              discarded.merge("does not fit under the margin", 1L, Long::sum);
              continue;
            }
          }
        } catch (BadInputException e) {
          discarded.merge(e.getMessage(), 1L, Long::sum);
          continue;
        }
        InferenceEstimate e = Limits.infer(model, gpu, layout, batch, w.seqLen());
        Roofline.Settings s = new Roofline.Settings(Math.min(batch, 1L << 20), speed.contextLen(), speed.promptLen(), tp, w.weights(), w.kvCache(), speed.flash(),
            speed.memoryEfficiency(), speed.computeEfficiency(), speed.allReduceLatency());
        Roofline.Result r = Roofline.of(model, gpu, s);
        out.add(new Layout(tp, pp, replicas, batch, e, r, replicas * r.decodeTokensPerSecond(), null));
      }
    }
    out.sort(Comparator.comparingDouble((Layout l) -> -l.tokensPerSecond()).thenComparingDouble(l -> -l.roofline().decodeTokensPerSecondPerSequence()));
    List<Layout> ranked = new ArrayList<>();
    for (int i = 0; i < Math.min(top, out.size()); i++) {
      Layout l = out.get(i);
      String reason = i == 0 ? "highest throughput that fits" : lostTo(l, out.get(i - 1), i);
      ranked.add(new Layout(l.tp(), l.pp(), l.replicas(), l.batchPerReplica(), l.estimate(), l.roofline(), l.tokensPerSecond(), reason));
    }
    return new Plan(ranked, candidates, discarded);
  }

  private static String lostTo(Layout l, Layout above, int rank) {
    double pct = 100 * (1 - l.tokensPerSecond() / above.tokensPerSecond());
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%.1f%% less throughput than #%d", pct, rank));
    if (l.batchPerReplica() * l.replicas() < above.batchPerReplica() * above.replicas()) {
      sb.append(String.format(Locale.ROOT, ": holds %d sequences in all instead of %d", l.batchPerReplica() * l.replicas(), above.batchPerReplica() * above.replicas()));
    } else if (l.roofline().decode().seconds() > above.roofline().decode().seconds()) {
      sb.append(String.format(Locale.ROOT, ": %.2f ms per decode step instead of %.2f", l.roofline().decode().seconds() * 1e3, above.roofline().decode().seconds() * 1e3));
    }
    if (l.tp() != above.tp() || l.pp() != above.pp()) {
      sb.append(String.format(Locale.ROOT, " (tp %d × pp %d × %d replicas instead of tp %d × pp %d × %d)", l.tp(), l.pp(), l.replicas(), above.tp(), above.pp(),
          above.replicas()));
    }
    return sb.toString();
  }
}
