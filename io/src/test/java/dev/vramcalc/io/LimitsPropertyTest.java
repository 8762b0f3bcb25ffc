package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.engine.Engines;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.KvCacheType;
import dev.vramcalc.core.precision.WeightFormat;
import dev.vramcalc.core.solve.Limits;
import dev.vramcalc.core.solve.MonotoneSearch;
import dev.vramcalc.core.workload.EngineSettings;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.core.workload.TrainingWorkload;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * max-batch and max-context agree with infer and train: the value returned fits and the next one
 * does not, over a grid of models, precisions, engines and devices.
 */
class LimitsPropertyTest {

  private static final List<String> MODELS = List.of("meta-llama/Llama-3.1-8B", "Qwen/Qwen3-30B-A3B", "google/gemma-2-9b", "mistralai/Mistral-7B-v0.1",
      "openai-community/gpt2", "microsoft/Phi-3-mini-4k-instruct", "deepseek-ai/DeepSeek-V2-Lite");
  private static final List<String> FORMATS = List.of("bf16", "int8", "gptq-int4", "q4_k_m");
  private static final List<String> GPUS = List.of("rtx-4090", "h100-sxm-80gb");

  private static List<EngineSettings> engines() {
    return List.of(new EngineSettings.Generic(),
        new EngineSettings.Vllm(0.9, 0, 0, 0, 16, KvCacheType.AUTO, false, "0.10.1", false),
        new EngineSettings.LlamaCpp(4096, 2048, 512, 999, null, KvCacheType.parse("k", "f16"), KvCacheType.parse("v", "f16"), true, 1, false),
        new EngineSettings.Transformers("bf16", "sdpa", 128, "4.45"));
  }

  @Test
  void theLargestBatchFitsAndOneMoreDoesNot() {
    int checked = 0;
    for (String id : MODELS) {
      Model m = Fixtures.model(id);
      for (String gpuId : GPUS) {
        Gpu gpu = GpuCatalogReader.bundled().get(gpuId);
        for (String f : FORMATS) {
          WeightFormat format = Formats.named("weights", f);
          for (EngineSettings engine : engines()) {
            if (engine instanceof EngineSettings.Transformers && !f.equals("bf16")) {
              continue;
            }
            InferenceWorkload w = new InferenceWorkload(1, 1024, 1024, format, KvCacheType.AUTO, 1, 1, true, 0.2, engine);
            String at = id + " " + gpuId + " " + f + " " + engine.name();
            if (engine instanceof EngineSettings.LlamaCpp && (f.equals("int8") || f.equals("gptq-int4"))) {
              // llama.cpp runs GGUF types only: the search reports the engine's refusal, never "0 fits"
              assertThatThrownBy(() -> Limits.maxBatch(m, gpu, w)).as(at).isInstanceOf(BadInputException.class).hasMessageContaining("GGUF");
              continue;
            }
            Limits.Result r = Limits.maxBatch(m, gpu, w);
            if (r.value() > 0) {
              assertThat(Limits.inferenceFits(m, gpu, w, r.value(), 1024)).as(at).isTrue();
              if (engine instanceof EngineSettings.Generic) {
                // the same verdict infer prints
                assertThat(Engines.estimate(m, gpu, w.withBatch(r.value())).fit().fits()).as(at).isTrue();
              }
            }
            if (r.value() < Limits.MAX_BATCH) {
              assertThat(Limits.inferenceFits(m, gpu, w, r.value() + 1, 1024)).as(at + " at " + (r.value() + 1)).isFalse();
              checked++;
            }
          }
        }
      }
    }
    assertThat(checked).isGreaterThan(150);
  }

  @Test
  void theLongestContextFitsAndOneMoreDoesNotOrIsTheModelsMaximum() {
    for (String id : MODELS) {
      Model m = Fixtures.model(id);
      Gpu gpu = GpuCatalogReader.bundled().get("rtx-4090");
      for (String f : List.of("bf16", "q4_k_m")) {
        for (EngineSettings engine : engines()) {
          InferenceWorkload w = new InferenceWorkload(2, 1024, 1024, Formats.named("weights", f), KvCacheType.AUTO, 1, 1, true, 0.2, engine);
          Limits.Result r = Limits.maxContext(m, gpu, w);
          String at = id + " " + f + " " + engine.name();
          if (r.value() > 0) {
            assertThat(Limits.inferenceFits(m, gpu, w, 2, r.value())).as(at).isTrue();
          }
          assertThat(Limits.inferenceFits(m, gpu, w, 2, r.value() + 1)).as(at).isFalse();
          assertThat(r.limitedBy()).as(at).isEqualTo(r.value() == Limits.contextCap(m) ? "the model's maximum context" : "memory");
        }
      }
    }
  }

  @Test
  void theHeadroomMovesTheAnswer() {
    Model m = Fixtures.model("meta-llama/Llama-3.1-8B");
    Gpu gpu = GpuCatalogReader.bundled().get("h100-sxm-80gb");
    InferenceWorkload safe = new InferenceWorkload(1, 4096, 4096, null, KvCacheType.AUTO, 1, 1, true, 0.2);
    InferenceWorkload raw = new InferenceWorkload(1, 4096, 4096, null, KvCacheType.AUTO, 1, 1, true, 0.0);

    long a = Limits.maxBatch(m, gpu, safe).value();
    long b = Limits.maxBatch(m, gpu, raw).value();
    // Each 4,096-token sequence adds 0.5 GiB of KV (128 KiB per token) and its prefill activations;
    // the 20% margin of ~79 GiB usable is worth that many more sequences.
    double perSequence = Engines.estimate(m, gpu, raw.withBatch(11)).device().value() - Engines.estimate(m, gpu, raw.withBatch(10)).device().value();
    assertThat((double) (b - a)).isCloseTo(0.2 * gpu.usable().value() / perSequence, org.assertj.core.data.Offset.offset(1.5));
    assertThat(Engines.estimate(m, gpu, raw.withBatch(b)).device().value()).isLessThanOrEqualTo(gpu.usable().value());
    assertThat(Engines.estimate(m, gpu, raw.withBatch(b + 1)).device().value()).isGreaterThan(gpu.usable().value());
  }

  @Test
  void trainingMicroBatchAndContextFitAndOneMoreDoesNot() {
    Gpu gpu = GpuCatalogReader.bundled().get("h100-sxm-80gb");
    for (String id : List.of("meta-llama/Llama-3.2-1B", "meta-llama/Llama-3.1-8B", "Qwen/Qwen3-30B-A3B")) {
      Model m = Fixtures.model(id);
      for (TrainingWorkload w : List.of(
          TrainingWorkload.builder().method(TrainingWorkload.Method.LORA).lora(new TrainingWorkload.Lora(16, 16, List.of("all-linear"), 0, true)).seqLen(2048).build(),
          TrainingWorkload.builder().method(TrainingWorkload.Method.QLORA).lora(new TrainingWorkload.Lora(16, 16, List.of("all-linear"), 0, true))
              .checkpointing(TrainingWorkload.Checkpointing.FULL).seqLen(4096).build(),
          TrainingWorkload.builder().gpus(8).zero(3).seqLen(4096).build(),
          TrainingWorkload.builder().gpus(8).tp(2).cp(2).seqLen(4096).checkpointing(TrainingWorkload.Checkpointing.SELECTIVE).build())) {
        String at = id + " " + w.method() + " zero " + w.shardingStage() + " cp " + w.cp();
        long b = Limits.maxMicroBatch(m, gpu, w).value();
        if (b > 0) {
          assertThat(Limits.trainingFits(m, gpu, w, b, w.seqLen())).as(at).isTrue();
        }
        assertThat(Limits.trainingFits(m, gpu, w, b + 1, w.seqLen())).as(at).isFalse();
        long s = Limits.maxTrainingContext(m, gpu, w).value();
        long step = w.cp() > 1 ? 2L * w.cp() : 1;
        assertThat(s % step).as(at).isZero();
        if (s > 0) {
          assertThat(Limits.trainingFits(m, gpu, w, w.microBatch(), s)).as(at).isTrue();
        }
        assertThat(Limits.trainingFits(m, gpu, w, w.microBatch(), s + step)).as(at).isFalse();
      }
    }
  }

  @Test
  void theSearchIsLogarithmicAndExact() {
    Random random = new Random(42);
    for (int i = 0; i < 2000; i++) {
      long threshold = random.nextInt(5) == 0 ? random.nextInt(3) : (long) Math.exp(random.nextDouble() * 40);
      long limit = 1 + (long) Math.exp(random.nextDouble() * 42);
      List<Long> asked = new ArrayList<>();
      long v = MonotoneSearch.largest(x -> {
        asked.add(x);
        return x <= threshold;
      }, limit);
      assertThat(v).isEqualTo(Math.min(threshold, limit));
      assertThat(asked.size()).isLessThanOrEqualTo(2 * 64 + 2);
      assertThat(asked).allMatch(x -> x >= 1 && x <= limit);
    }
  }

  @Test
  void theGuidedSearchIsExactForAnyMonotoneSlackAndCheapForLinearOnes() {
    Random random = new Random(7);
    for (int i = 0; i < 3000; i++) {
      // thresholds below 2^52, where the test's own slack, computed in doubles, is exact at every integer
      long threshold = random.nextInt(6) == 0 ? random.nextInt(3) : (long) Math.exp(random.nextDouble() * 36);
      long limit = 1 + (long) Math.exp(random.nextDouble() * 42);
      int shape = random.nextInt(4);
      double a = 1 + random.nextDouble() * 1e6;
      // slack ≥ 0 exactly up to the threshold, with a linear, curved, stepped or wildly scaled magnitude
      java.util.function.LongToDoubleFunction slack = x -> {
        double d = (double) threshold - x + 0.5;
        return switch (shape) {
          case 0 -> a * d;
          case 1 -> d >= 0 ? Math.sqrt(d) * a : -Math.sqrt(-d) * a;
          case 2 -> d >= 0 ? Math.floor(d / 1000) : -1 - Math.floor(-d / 1000);
          default -> d * (1 + (x % 7));
        };
      };
      List<Long> asked = new ArrayList<>();
      long v = MonotoneSearch.largestGuided(x -> {
        asked.add(x);
        return slack.applyAsDouble(x);
      }, limit);
      assertThat(v).as("shape " + shape + " threshold " + threshold + " limit " + limit).isEqualTo(Math.min(threshold, limit));
      assertThat(asked).allMatch(x -> x >= 1 && x <= limit);
      assertThat(asked.size()).isLessThanOrEqualTo(4 * 64 + 4);
      if (shape == 0 && threshold > 2 && threshold < limit && threshold < (1L << 30)) {
        assertThat(asked.size()).as("linear: the straight-line guess is the answer: T " + threshold + " limit " + limit + " a " + a + " asked " + asked).isLessThanOrEqualTo(5);
      }
    }
  }
}
