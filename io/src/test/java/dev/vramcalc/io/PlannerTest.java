package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.engine.Engines;
import dev.vramcalc.core.estimate.TrainingEstimate;
import dev.vramcalc.core.estimate.TrainingEstimator;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.perf.Roofline;
import dev.vramcalc.core.perf.StepTime;
import dev.vramcalc.core.precision.KvCacheType;
import dev.vramcalc.core.solve.Limits;
import dev.vramcalc.core.solve.Planner;
import dev.vramcalc.core.solve.ServingPlanner;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.core.workload.TrainingWorkload;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** plan: layouts are valid, fit, reach the global batch, and the first is the fastest of all that fit. */
class PlannerTest {

  private final Gpu h100 = GpuCatalogReader.bundled().get("h100-sxm-80gb");

  private static Planner.Constraints free(long globalBatch) {
    return new Planner.Constraints(null, null, null, null, null, null, null, globalBatch, true, 5, 0.4);
  }

  @Test
  void deepSeekV3On1024H100sHasABestLayoutThatFits() {
    Model m = Fixtures.model("deepseek-ai/DeepSeek-V3");
    TrainingWorkload base = TrainingWorkload.builder().seqLen(4096).build();
    Planner.Plan p = Planner.plan(m, h100, base, 1024, free(Planner.defaultGlobalBatch(4096, 1024)));

    assertThat(p.layouts()).isNotEmpty();
    assertThat(p.candidates()).isGreaterThan(1000);
    for (Planner.Layout l : p.layouts()) {
      TrainingWorkload w = l.workload();
      assertThat(w.gpus()).isEqualTo(1024);
      assertThat((long) w.tp() * w.pp() * w.cp() * w.dp()).isEqualTo(1024);
      assertThat(w.microBatch() * w.gradAccum() * w.dp()).isEqualTo(p.globalBatch());
      // the memory model, run again on the layout, agrees that it fits
      assertThat(TrainingEstimator.estimate(m, h100, w).fit().fits()).isTrue();
      assertThat(256 % w.ep()).isZero();
    }
    for (int i = 1; i < p.layouts().size(); i++) {
      assertThat(p.layouts().get(i).time().seconds()).isGreaterThanOrEqualTo(p.layouts().get(i - 1).time().seconds() * 0.998);
      assertThat(p.layouts().get(i).reason()).contains("#" + i);
    }
  }

  @Test
  void branchAndBoundFindsWhatAnExhaustiveSearchFinds() {
    // Llama-3.2-1B on 8 H100s, 64 sequences of 4,096 tokens per step: enumerate every layout and
    // micro-batch with the memory model and step time, and compare the best with the planner's.
    Model m = Fixtures.model("meta-llama/Llama-3.2-1B");
    TrainingWorkload base = TrainingWorkload.builder().seqLen(4096).build();
    long g = 64;
    double active = StepTime.activeLinearParameters(m.architecture());
    double trainable = new dev.vramcalc.core.estimate.TrainingPlan(m.architecture(), base).trainableParameters();
    double best = Double.MAX_VALUE;
    int fitting = 0;
    for (int tp : new int[] {1, 2, 4, 8}) {
      for (int pp : new int[] {1, 2, 4, 8}) {
        if (tp * pp > 8) {
          continue;
        }
        int dp = 8 / (tp * pp);
        for (int v : new int[] {1, 2}) {
          for (int zero : pp > 1 ? new int[] {0, 1} : (dp == 1 ? new int[] {0} : new int[] {0, 1, 2, 3})) {
            for (TrainingWorkload.Checkpointing c : TrainingWorkload.Checkpointing.values()) {
              for (boolean off : zero >= 1 || dp == 1 ? new boolean[] {false, true} : new boolean[] {false}) {
                for (long mb = 1; mb <= g / dp; mb *= 2) {
                  if (v > 1 && (pp == 1 || 16 % (pp * v) != 0 || (g / dp / mb) % pp != 0)) {
                    continue;
                  }
                  TrainingWorkload w;
                  TrainingEstimate e;
                  try {
                    w = new TrainingWorkload.Builder(base).gpus(8).tp(tp).sequenceParallel(tp > 1).pp(pp).virtualStages(v)
                        .schedule(v > 1 ? TrainingWorkload.Schedule.INTERLEAVED : TrainingWorkload.Schedule.ONE_F_ONE_B).zero(zero).checkpointing(c)
                        .offload(off ? TrainingWorkload.Offload.OPTIMIZER : TrainingWorkload.Offload.NONE).microBatch(mb).gradAccum((int) (g / dp / mb)).build();
                    e = TrainingEstimator.estimate(m, h100, w);
                  } catch (BadInputException ex) {
                    continue;
                  }
                  if (e.fit().fits()) {
                    fitting++;
                    best = Math.min(best, StepTime.of(m, h100, w, e.communication(), 0.4, active, trainable).seconds());
                  }
                }
              }
            }
          }
        }
      }
    }
    Planner.Plan p = Planner.plan(m, h100, base, 8, free(g));

    assertThat(fitting).isGreaterThan(20);
    assertThat(p.layouts().get(0).time().seconds()).isCloseTo(best, org.assertj.core.data.Offset.offset(best * 0.001));
    assertThat(p.evaluated()).isLessThan(fitting);
  }

  @Test
  void layoutsTheModelCannotTakeAreDiscardedWithTheReason() {
    // Qwen2.5-7B: 28 attention heads and 4 KV heads; tensor parallelism of 8 does not divide them
    Model m = Fixtures.model("Qwen/Qwen2.5-7B");
    Planner.Plan p = Planner.plan(m, h100, TrainingWorkload.builder().seqLen(2048).build(), 8, free(64));

    assertThat(p.discarded().keySet()).anyMatch(k -> k.startsWith("tp 8"));
    assertThat(p.layouts()).allMatch(l -> l.workload().tp() <= 4);
  }

  @Test
  void servingLayoutsFitAndAreRankedByThroughput() {
    Model m = Fixtures.model("meta-llama/Llama-3.1-70B");
    InferenceWorkload w = new InferenceWorkload(1, 4096, 4096, null, KvCacheType.AUTO, 1, 1, true, 0.2);
    Roofline.Settings speed = new Roofline.Settings(1, 4096, 4096, 1, null, KvCacheType.AUTO, true, 0.8, 0.6, 10e-6);
    ServingPlanner.Plan p = ServingPlanner.plan(m, h100, w, 8, 8, 0, speed, 10, null, null);

    assertThat(p.layouts()).isNotEmpty();
    for (ServingPlanner.Layout l : p.layouts()) {
      InferenceWorkload x = new InferenceWorkload(l.batchPerReplica(), 4096, 4096, null, KvCacheType.AUTO, l.tp(), l.pp(), true, 0.2);
      assertThat(Engines.estimate(m, h100, x).fit().fits()).isTrue();
      assertThat(Limits.inferenceFits(m, h100, x, l.batchPerReplica() + 1, 4096)).isFalse();
      assertThat(l.tp() * l.pp() * l.replicas()).isEqualTo(8);
    }
    List<ServingPlanner.Layout> ls = p.layouts();
    for (int i = 1; i < ls.size(); i++) {
      assertThat(ls.get(i).tokensPerSecond()).isLessThanOrEqualTo(ls.get(i - 1).tokensPerSecond());
    }
    // 140 GB of BF16 weights need at least two H100s per replica
    assertThat(ls).allMatch(l -> l.tp() * l.pp() >= 2);
  }

  @Test
  void servingLayoutsKeepAGivenTpAndPp() {
    // plan --tp 2 --pp 2 on 8 GPUs: once ignored (tp 4 ranked first; found in review), now the only layout searched
    Model m = Fixtures.model("meta-llama/Llama-3.1-8B");
    InferenceWorkload w = new InferenceWorkload(1, 4096, 4096, null, KvCacheType.AUTO, 1, 1, true, 0.2);
    Roofline.Settings speed = new Roofline.Settings(1, 4096, 4096, 1, null, KvCacheType.AUTO, true, 0.8, 0.6, 10e-6);
    ServingPlanner.Plan p = ServingPlanner.plan(m, h100, w, 8, 8, 0, speed, 10, 2, 2);

    assertThat(p.candidates()).isEqualTo(1);
    assertThat(p.layouts()).singleElement().satisfies(l -> {
      assertThat(l.tp()).isEqualTo(2);
      assertThat(l.pp()).isEqualTo(2);
      assertThat(l.replicas()).isEqualTo(2);
    });
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServingPlanner.plan(m, h100, w, 8, 8, 0, speed, 10, 3, null))
        .hasMessage("--tp (3) must divide --gpus (8)");
  }
}
