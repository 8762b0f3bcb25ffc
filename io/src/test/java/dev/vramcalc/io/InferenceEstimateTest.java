package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.InferenceEstimate;
import dev.vramcalc.core.estimate.InferenceEstimator;
import dev.vramcalc.core.estimate.Verdict;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.KvCacheType;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The generic inference estimate: exact terms, monotone behaviour, parallel layouts and verdicts. */
class InferenceEstimateTest {

  private static final Gpu H100 = GpuCatalogReader.bundled().get("h100-sxm-80gb");

  private static InferenceEstimate estimate(String model, InferenceWorkload w) {
    return InferenceEstimator.estimate(Fixtures.model(model), H100, w);
  }

  private static InferenceWorkload w(long batch, long seq) {
    return InferenceWorkload.of(batch, seq);
  }

  @Test
  void llama31At8kTokensHoldsOneGibOfKvCache() {
    // 8192 (S) × 32 (L) × 8 (k) × 128 (d) × 2 (K and V) × 2 bytes = 1,073,741,824 bytes.
    InferenceEstimate e = estimate("meta-llama/Llama-3.1-8B", w(1, 8192));

    assertThat(e.bytesOf("kv_cache")).isEqualTo(1_073_741_824L);
    assertThat(e.bytesOf("weights")).isEqualTo(16_060_522_496L);
  }

  @Test
  void theLevelsNestAndSumTheirTerms() {
    InferenceEstimate e = estimate("qwen3-30b-a3b", w(4, 16384));

    long allocated = e.bytesOf("weights") + e.bytesOf("kv_cache") + e.bytesOf("activations") + e.bytesOf("logits");

    assertThat(e.allocated().value()).isEqualTo(allocated);
    assertThat(e.reserved().value()).isEqualTo(allocated + e.bytesOf("allocator_slack"));
    assertThat(e.device().value()).isEqualTo(e.reserved().value() + e.bytesOf("runtime_overhead"));
  }

  @Test
  void memoryNeverFallsWhenBatchSequenceOrPrecisionGrows() {
    Random random = new Random(20261124L);
    List<String> models = List.of("llama-3.1-8b", "qwen3-30b-a3b", "gemma-2-9b", "deepseek-v2-lite", "gpt-oss-20b", "phi-3-mini-4k-instruct", "bloom-560m");
    List<String> widening = List.of("q2_k", "q3_k_m", "q4_k_m", "q5_k_m", "q6_k", "q8_0", "bf16", "fp32");
    for (int i = 0; i < 200; i++) {
      String model = models.get(random.nextInt(models.size()));
      long batch = 1 + random.nextInt(64);
      long seq = 1 + random.nextInt(32768);
      InferenceWorkload base = w(batch, seq);
      long device = estimate(model, base).device().value();

      assertThat(estimate(model, base.withBatch(batch + 1 + random.nextInt(8))).device().value()).as(model).isGreaterThanOrEqualTo(device);
      assertThat(estimate(model, base.withSeqLen(seq + 1 + random.nextInt(4096))).device().value()).as(model).isGreaterThanOrEqualTo(device);

      int k = random.nextInt(widening.size() - 1);
      long narrow = estimate(model, base.withWeights(Formats.named("weights", widening.get(k)))).device().value();
      long wide = estimate(model, base.withWeights(Formats.named("weights", widening.get(k + 1)))).device().value();
      assertThat(wide).as(model + " " + widening.get(k) + " -> " + widening.get(k + 1)).isGreaterThanOrEqualTo(narrow);
    }
  }

  @Test
  void tensorParallelismNeverRaisesPerGpuWeights() {
    for (String model : List.of("llama-3.1-70b", "qwen2.5-72b", "mixtral-8x22b", "deepseek-v3", "gpt-oss-120b", "qwen3-235b-a22b")) {
      long previous = Long.MAX_VALUE;
      for (int tp : new int[] {1, 2, 4, 8}) {
        long weights = estimate(model, w(1, 4096).withTp(tp)).bytesOf("weights");

        assertThat(weights).as(model + " tp=" + tp).isLessThanOrEqualTo(previous);
        previous = weights;
      }
    }
  }

  @Test
  void kvHeadsAreReplicatedWhenRanksExceedThem() {
    // Llama-3.1-70B has 8 KV heads: at tp=16 each rank still holds one whole head.
    long perToken8 = estimate("llama-3.1-70b", w(1, 1024).withTp(8)).kvBytesPerToken();
    long perToken16 = estimate("llama-3.1-70b", w(1, 1024).withTp(16)).kvBytesPerToken();

    assertThat(perToken8).isEqualTo(80L * 1 * 128 * 2 * 2);
    assertThat(perToken16).isEqualTo(perToken8);
  }

  @Test
  void aTensorParallelSizeThatSplitsNoHeadEvenlyIsRefused() {
    assertThatThrownBy(() -> estimate("llama-3.1-8b", w(1, 1024).withTp(3)))
        .isInstanceOf(BadInputException.class)
        .hasMessage("--tp (3) must divide num_attention_heads (32)");
    assertThatThrownBy(() -> estimate("qwen2.5-7b", w(1, 1024).withTp(14)))
        .hasMessage("--tp (14) must divide num_key_value_heads (4) or be a multiple of it");
  }

  @Test
  void quantizedKvCacheShrinksTheCache() {
    long bf16 = estimate("llama-3.1-8b", w(1, 8192)).bytesOf("kv_cache");
    long fp8 = estimate("llama-3.1-8b", w(1, 8192).withKvCache(KvCacheType.FP8)).bytesOf("kv_cache");

    assertThat(fp8 * 2).isEqualTo(bf16);
  }

  @Test
  void verdictsFollowTheEightyPercentRule() {
    Gpu rtx4090 = GpuCatalogReader.bundled().get("rtx-4090");
    Model llama = Fixtures.model("llama-3.1-8b");

    assertThat(InferenceEstimator.estimate(llama, rtx4090, w(1, 4096)).fit().verdict()).isEqualTo(Verdict.FITS);
    assertThat(InferenceEstimator.estimate(llama, rtx4090, w(1, 32768)).fit().verdict()).isEqualTo(Verdict.TIGHT);
    assertThat(InferenceEstimator.estimate(llama, rtx4090, w(1, 131072)).fit().verdict()).isEqualTo(Verdict.DOES_NOT_FIT);
  }

  @Test
  void mtpLayersAreNotLoadedForInference() {
    Model v3 = Fixtures.model("deepseek-v3");
    long all = v3.checkpointFormat().totalBytes(v3.architecture(), false);

    long loaded = estimate("deepseek-v3", w(1, 1024).withTp(8)).bytesOf("weights") * 8;

    assertThat(loaded).isLessThan(all);
  }

  @Test
  void encodersHaveNoKvCache() {
    InferenceEstimate e = estimate("bert-base-uncased", w(32, 512));

    assertThat(e.term("kv_cache")).isNull();
    assertThat(e.bytesOf("weights")).isEqualTo(110_106_428L * 4);
  }
}
