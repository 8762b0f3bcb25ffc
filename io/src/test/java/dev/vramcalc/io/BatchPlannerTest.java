package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.TrainingEstimator;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.solve.BatchPlanner;
import dev.vramcalc.core.solve.Limits;
import dev.vramcalc.core.workload.TrainingWorkload;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Recommendations reach the target global batch exactly, or say why they cannot. */
class BatchPlannerTest {

  private final Gpu h100 = GpuCatalogReader.bundled().get("h100-sxm-80gb");

  @Test
  void everyRecommendationMultipliesOutToTheTargetAndFits() {
    Model m = Fixtures.model("meta-llama/Llama-3.2-1B");
    for (long target : List.of(8L, 64L, 96L, 256L, 1000L, 1536L)) {
      for (int gpus : List.of(1, 2, 8)) {
        TrainingWorkload w = TrainingWorkload.builder().gpus(gpus).zero(gpus > 1 ? 2 : 0).seqLen(2048).build();
        BatchPlanner.Plan p = BatchPlanner.plan(m, h100, w, target, 0);
        int checked = 0;
        for (BatchPlanner.Option o : p.options()) {
          if (o.estimate() != null) {
            checked++;
            assertThat(o.microBatch() * o.gradAccum() * o.dataParallel()).as(target + " on " + gpus).isEqualTo(target);
            assertThat(o.estimate().fit().fits()).isTrue();
            // the micro-batch is the largest that fits at all, or a power of two more than half of it
            long max = Limits.maxMicroBatch(m, h100, new TrainingWorkload.Builder(w).gpus(o.dataParallel()).gradAccum(o.gradAccum() > 1 ? 2 : 1).build()).value();
            assertThat(o.microBatch()).isLessThanOrEqualTo(max);
            assertThat(o.microBatch() * 2).isGreaterThan(Math.min(max, largestDivisorAtMost(target / o.dataParallel(), max)));
          }
        }
        // at least one recommendation was estimated and checked (a plan of unestimated options would pass the loop)
        assertThat(checked).as(target + " on " + gpus).isPositive();
        assertThat(p.options().get(0).dataParallel()).isEqualTo(gpus);
      }
    }
  }

  private static long largestDivisorAtMost(long n, long cap) {
    for (long d = Math.min(n, cap); d >= 1; d--) {
      if (n % d == 0) {
        return d;
      }
    }
    return 1;
  }

  @Test
  void aPowerOfTwoIsPreferredWhenItIsMoreThanHalfTheLargest() {
    // 1B on an H100 at 2,048 tokens fits a micro-batch in the tens; 96 sequences per replica: divisors 48, 32, 24, 16, 12 …
    Model m = Fixtures.model("meta-llama/Llama-3.2-1B");
    TrainingWorkload w = TrainingWorkload.builder().seqLen(2048).checkpointing(TrainingWorkload.Checkpointing.FULL).build();
    BatchPlanner.Option o = BatchPlanner.plan(m, h100, w, 96, 0).options().get(0);

    assertThat(Long.bitCount(o.microBatch())).isEqualTo(1);
    assertThat(o.reason()).containsAnyOf("power of two");
    assertThat(o.microBatch() * o.gradAccum()).isEqualTo(96);
    TrainingWorkload chosen = new TrainingWorkload.Builder(w).microBatch(o.microBatch()).gradAccum((int) o.gradAccum()).build();
    assertThat(TrainingEstimator.estimate(m, h100, chosen).device()).isEqualTo(o.estimate().device());
  }

  @Test
  void tokenTargetsMustBeWholeSequences() {
    Model m = Fixtures.model("meta-llama/Llama-3.2-1B");
    TrainingWorkload w = TrainingWorkload.builder().gpus(8).seqLen(4096).build();

    BatchPlanner.Plan exact = BatchPlanner.plan(m, h100, w, 0, 4L << 20);
    BatchPlanner.Plan inexact = BatchPlanner.plan(m, h100, w, 0, 4_000_000);

    assertThat(exact.targetSequences()).isEqualTo(1024);
    assertThat(exact.summary()).contains("= 1,024 sequences (4,194,304 tokens)");
    assertThat(inexact.options()).isEmpty();
    assertThat(inexact.summary()).contains("cannot reach the target exactly").contains("976 sequences (3,997,696 tokens)").contains("977 sequences");
  }

  @Test
  void anUnevenSplitOrAnUnfittableModelIsExplained() {
    Model big = Fixtures.model("meta-llama/Llama-3.1-70B");
    TrainingWorkload w = TrainingWorkload.builder().gpus(8).seqLen(4096).build();
    BatchPlanner.Plan p = BatchPlanner.plan(big, h100, w, 100, 0);

    assertThat(p.options().get(0).reason()).contains("do not split evenly over 8").contains("96 and 104");
    assertThat(p.options()).noneMatch(BatchPlanner.Option::reaches);
    assertThat(p.summary()).startsWith("cannot reach the target");
  }
}
