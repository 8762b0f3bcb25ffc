package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.TrainingEstimator;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.precision.KvCacheType;
import dev.vramcalc.core.solve.GpuFit;
import dev.vramcalc.core.solve.Limits;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.core.workload.TrainingWorkload;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** fit never reports what infer or train says does not fit, and never sums memory across devices. */
class GpuFitTest {

  private final List<Gpu> catalog = GpuCatalogReader.bundled().all();

  @Test
  void servingFitsAgreeWithInferAndTheCountIsTheSmallest() {
    Model m = Fixtures.model("meta-llama/Llama-3.1-70B");
    InferenceWorkload w = new InferenceWorkload(4, 8192, 8192, null, KvCacheType.AUTO, 1, 1, true, 0.2);
    List<GpuFit.Entry> entries = GpuFit.serving(m, catalog, w, 16, 8);

    assertThat(entries).hasSize(catalog.size());
    int fitting = 0;
    for (GpuFit.Entry e : entries) {
      if (!e.fits()) {
        continue;
      }
      fitting++;
      int[] layout = parse(e.layout());
      InferenceWorkload x = new InferenceWorkload(4, 8192, 8192, null, KvCacheType.AUTO, layout[0], layout[1], true, 0.2);
      assertThat(Limits.inferenceFits(m, e.gpu(), x, 4, 8192)).as(e.gpu().id()).isTrue();
      // per device: never more than the device's own usable memory under the margin
      assertThat(e.deviceBytes()).isLessThanOrEqualTo((long) (e.gpu().usable().value() * 0.8) + 1);
      if (e.count() > 1) {
        int half = e.count() / 2;
        for (int tp = Math.min(half, 8); tp >= 1; tp /= 2) {
          InferenceWorkload smaller = new InferenceWorkload(4, 8192, 8192, null, KvCacheType.AUTO, tp, half / tp, true, 0.2);
          boolean fits;
          try {
            fits = Limits.inferenceFits(m, e.gpu(), smaller, 4, 8192);
          } catch (BadInputException ex) {
            fits = false;
          }
          assertThat(fits).as(e.gpu().id() + " at " + half).isFalse();
        }
      }
    }
    // 141 GB of BF16 weights: no single GPU of under 141 GB usable memory holds them
    assertThat(entries).filteredOn(e -> e.fits() && e.count() == 1).allMatch(e -> e.gpu().usable().value() * 0.8 > 141e9);
    assertThat(fitting).isGreaterThan(20);
    // sorted: fitting GPUs first, by hourly price where there is one
    for (int i = 1; i < entries.size(); i++) {
      GpuFit.Entry a = entries.get(i - 1);
      GpuFit.Entry b = entries.get(i);
      if (a.fits() && b.fits() && a.usdPerHour() != null && b.usdPerHour() != null) {
        assertThat(a.usdPerHour()).isLessThanOrEqualTo(b.usdPerHour());
      }
      assertThat(!a.fits() && b.fits()).isFalse();
    }
  }

  private static int[] parse(String layout) {
    int tp = 1;
    int pp = 1;
    for (String part : layout.split(" × ")) {
      if (part.startsWith("tp ")) {
        tp = Integer.parseInt(part.substring(3));
      } else if (part.startsWith("pp ")) {
        pp = Integer.parseInt(part.substring(3));
      }
    }
    return new int[] {tp, pp};
  }

  @Test
  void trainingFitsAgreeWithTrain() {
    Model m = Fixtures.model("meta-llama/Llama-3.1-8B");
    TrainingWorkload w = TrainingWorkload.builder().method(TrainingWorkload.Method.LORA)
        .lora(new TrainingWorkload.Lora(16, 16, List.of("all-linear"), 0, true)).seqLen(2048).build();
    List<Gpu> some = catalog.stream().filter(g -> List.of("rtx-3060-12gb", "rtx-4090", "a100-sxm-40gb", "h100-sxm-80gb", "t4").contains(g.id())).toList();
    List<GpuFit.Entry> entries = GpuFit.training(m, some, w, 8, 0.4);

    assertThat(entries).hasSize(5);
    for (GpuFit.Entry e : entries) {
      assertThat(e.fits()).as(e.gpu().id()).isTrue();
      assertThat(e.deviceBytes()).isLessThanOrEqualTo((long) (e.gpu().usable().value() * 0.8) + 1);
    }
    // 16 GB of BF16 weights plus activations: one H100 suffices, one 12 GB card does not
    assertThat(entries.stream().filter(e -> e.gpu().id().equals("h100-sxm-80gb")).findFirst().orElseThrow().count()).isEqualTo(1);
    GpuFit.Entry small = entries.stream().filter(e -> e.gpu().id().equals("rtx-3060-12gb")).findFirst().orElseThrow();
    assertThat(small.count()).isGreaterThan(1);
    assertThat(TrainingEstimator.estimate(m, small.gpu(), new TrainingWorkload.Builder(w).gpus(1).build()).fit().fits()).isFalse();
  }
}
