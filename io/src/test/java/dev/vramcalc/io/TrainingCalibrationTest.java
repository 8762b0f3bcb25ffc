package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vramcalc.core.estimate.TrainingEstimate;
import dev.vramcalc.core.estimate.TrainingEstimator;
import dev.vramcalc.core.workload.TrainingWorkload;
import dev.vramcalc.core.workload.TrainingWorkload.Lora;
import dev.vramcalc.core.workload.TrainingWorkload.Method;
import dev.vramcalc.core.workload.TrainingWorkload.Precision;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import dev.vramcalc.io.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The training cases of the calibration data whose configuration is exact (the PEFT method
 * comparison on Llama-3.2-3B: model, dtype, batch, truncation length, optimizer and targets are all
 * given) stay within 10 % of the measured max_memory_reserved.
 */
class TrainingCalibrationTest {

  @SuppressWarnings("unchecked")
  private static Map<String, Object> record(String id) {
    List<Object> all = (List<Object>) Json.parse(Fixtures.resource("/calibration/training.json"), "training.json");
    return all.stream().map(o -> (Map<String, Object>) o).filter(r -> id.equals(r.get("id"))).findFirst().orElseThrow();
  }

  @SuppressWarnings("unchecked")
  private static void check(String id) {
    Map<String, Object> r = record(id);
    Map<String, Object> config = (Map<String, Object>) r.get("config");
    Map<String, Object> measured = (Map<String, Object>) r.get("measured");
    TrainingWorkload.Builder b = TrainingWorkload.builder()
        .precision(Precision.BF16)
        .microBatch((Long) config.get("batch_size"))
        .seqLen((Long) config.get("max_seq_length"));
    Object peft = config.get("peft_config");
    if (peft instanceof Map<?, ?> p) {
      Map<String, Object> pc = (Map<String, Object>) p;
      boolean dora = Boolean.TRUE.equals(pc.get("use_dora"));
      b.method(dora ? Method.DORA : Method.LORA)
          .lora(new Lora(((Long) pc.get("r")).intValue(), ((Long) pc.get("lora_alpha")).doubleValue(), (List<String>) pc.get("target_modules"), 0, true));
    }

    TrainingEstimate e = TrainingEstimator.estimate(Fixtures.model((String) config.get("model_id")), GpuCatalogReader.bundled().get("l40s"), b.build());

    double measuredGiB = ((Number) measured.get("max_reserved_GiB")).doubleValue();
    double estimatedGiB = e.reserved().value() / (double) (1L << 30);
    assertThat(e.trainableParameters()).as(id + " trainable").isEqualTo((Long) measured.get("num_trainable_params"));
    assertThat(Math.abs(estimatedGiB - measuredGiB) / measuredGiB).as(id + ": estimated %.2f GiB reserved vs measured %.2f", estimatedGiB, measuredGiB)
        .isLessThan(0.10);
  }

  @Test
  void fullFineTuning() {
    check("peftcmp-full-finetuning-lr-0.00001");
  }

  @Test
  void loraRank32() {
    check("peftcmp-lora-rank32");
  }

  @Test
  void loraRank64() {
    check("peftcmp-lora-rank64");
  }

  @Test
  void doraRank32() {
    check("peftcmp-lora-rank32-dora");
  }

  @Test
  void loraRank10OnTheMlp() {
    check("peftcmp-lora-rank10-target-mlp");
  }
}
