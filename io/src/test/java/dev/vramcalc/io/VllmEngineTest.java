package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vramcalc.core.engine.Engines;
import dev.vramcalc.core.estimate.EngineDetails;
import dev.vramcalc.core.estimate.InferenceEstimate;
import dev.vramcalc.core.estimate.Verdict;
import dev.vramcalc.core.precision.KvCacheType;
import dev.vramcalc.core.workload.EngineSettings;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import org.junit.jupiter.api.Test;

/** vLLM's block arithmetic, weights as loaded, concurrency and refusal. */
class VllmEngineTest {

  private static InferenceEstimate run(String model, String gpu, int tp, double util, long maxLen, String version) {
    EngineSettings.Vllm s = new EngineSettings.Vllm(util, maxLen, 0, 0, 16, KvCacheType.AUTO, false, version, false);
    InferenceWorkload w = new InferenceWorkload(1, Math.max(1, maxLen), Math.max(1, maxLen), null, KvCacheType.AUTO, tp, 1, true, 0.2, s);
    return Engines.estimate(Fixtures.model(model), GpuCatalogReader.bundled().get(gpu), w);
  }

  @Test
  void weightsAreChargedAsTheCachingAllocatorCharges() {
    // vLLM logs: "Model loading took 14.2488 GiB" (Qwen2-7B-Instruct, tp 1; calibration dl-qwen2-7b-*),
    // "14.9595 GB" (Llama-3-8B, V0), "Loading model weights took 67.7229 GB" (70B W8A8, PR #12569).
    assertThat(gib(run("Qwen/Qwen2-7B-Instruct", "a100-sxm-80gb", 1, 0.9, 16384, "0.10.1"))).isEqualTo("14.2487");
    assertThat(gib(run("Qwen/Qwen2-7B-Instruct", "a100-sxm-80gb", 2, 0.9, 16384, "0.10.1"))).isEqualTo("7.1216");
    assertThat(gib(run("meta-llama/Meta-Llama-3-8B", "h100-sxm-80gb", 1, 0.9, 8192, "0.6.5"))).isEqualTo("14.9595");
    assertThat(gib(run("neuralmagic/Meta-Llama-3.1-70B-Instruct-quantized.w8a8", "h100-sxm-80gb", 1, 0.98, 2048, "0.7.1"))).isEqualTo("67.7228");
  }

  private static String gib(InferenceEstimate e) {
    return String.format(java.util.Locale.ROOT, "%.4f", ((EngineDetails.Vllm) e.engine()).weightsBytes() / (double) (1L << 30));
  }

  @Test
  void tokensAreWholeBlocksAndConcurrencyDividesByTheRequestLength() {
    EngineDetails.Vllm v = (EngineDetails.Vllm) run("Qwen/Qwen2-7B-Instruct", "a100-sxm-80gb", 1, 0.5, 16384, "0.10.1").engine();

    assertThat(v.kvCacheTokens() % 16).isZero();
    assertThat(v.kvCacheTokens()).isEqualTo(v.numBlocks() * 16);
    // 28 layers × 2 × 16 × 4 KV heads × 128 × 2 bytes = 917,504 bytes per block; the pool never exceeds the budget.
    assertThat(v.numBlocks() * 917_504L).isLessThanOrEqualTo(v.kvCacheBytes());
    assertThat(v.kvCacheBytes() - v.numBlocks() * 917_504L).isLessThan(917_504L);
    assertThat(v.maxConcurrency()).isEqualTo(v.numBlocks() / 1024.0);
  }

  @Test
  void hybridSlidingWindowModelsPoolLayerGroups() {
    // gpt-oss-120b: 18 sliding (window 128) and 18 full layers → 2 groups of 18; a 16,384-token request
    // needs 1,024 full pages and ceil((128 − 1 + 2,048) / 16) + 1 = 137 sliding pages (calibration dl-gpt-oss-120b).
    EngineDetails.Vllm v = (EngineDetails.Vllm) run("openai/gpt-oss-120b", "a100-sxm-80gb", 4, 0.8, 16384, "0.10.1").engine();

    assertThat(v.kvCacheTokens()).isEqualTo(v.numBlocks() / 2 * 16);
    assertThat(v.maxConcurrency()).isEqualTo(v.numBlocks() / 1161.0);
  }

  @Test
  void aRequestThatDoesNotFitIsRefusedWithTheLargestLengthThatWould() {
    InferenceEstimate e = run("meta-llama/Llama-3.1-8B", "rtx-4090", 1, 0.9, 131072, "0.10.1");
    EngineDetails.Vllm v = (EngineDetails.Vllm) e.engine();
    long perToken = 131_072; // 32 layers × 8 KV heads × 128 × 2 × 2 bytes

    assertThat(v.fitsMaxModelLen()).isFalse();
    assertThat(e.fit().verdict()).isEqualTo(Verdict.DOES_NOT_FIT);
    assertThat(v.largestModelLen() % 16).isZero();
    assertThat(v.largestModelLen() * perToken).isLessThanOrEqualTo(v.kvCacheBytes());
    assertThat((v.largestModelLen() + 16) * perToken).isGreaterThan(v.kvCacheBytes());
    assertThat(e.notes()).anyMatch(n -> n.startsWith("vLLM refuses to start: one request of max_model_len 131,072 needs 16.00 GiB of KV cache"));
  }

  @Test
  void mlaCachesOneLatentPerTokenPerLayerOnEveryRank() {
    EngineDetails.Vllm one = (EngineDetails.Vllm) run("deepseek-ai/DeepSeek-V2-Lite", "h100-sxm-80gb", 1, 0.9, 32768, "0.10.1").engine();
    EngineDetails.Vllm two = (EngineDetails.Vllm) run("deepseek-ai/DeepSeek-V2-Lite", "h100-sxm-80gb", 2, 0.9, 32768, "0.10.1").engine();

    // 27 layers × 576 × 2 bytes per token: the latent is not split by tensor parallelism.
    assertThat(one.kvCacheTokens()).isEqualTo(one.kvCacheBytes() / (16L * 27 * 576 * 2) * 16);
    assertThat(two.kvCacheTokens()).isEqualTo(two.kvCacheBytes() / (16L * 27 * 576 * 2) * 16);
  }

  @Test
  void theTermsAddUpToEachLevel() {
    // found in review: non-torch memory sat in both the reserved level and runtime_overhead, and versions that charge the
    // CUDA context inside the budget counted it twice; now reserved = budget − non-torch, device = reserved + overhead
    for (String version : new String[] {"0.10.1", "0.6.0"}) {
      InferenceEstimate e = run("meta-llama/Llama-3.1-8B", "h100-sxm-80gb", 1, 0.9, 8192, version);
      EngineDetails.Vllm v = (EngineDetails.Vllm) e.engine();
      long overhead = e.terms().stream().filter(t -> t.name().equals("runtime_overhead")).findFirst().orElseThrow().bytes().value();
      long upToReserved = e.terms().stream().filter(t -> t.level() != dev.vramcalc.core.estimate.MemoryLevel.DEVICE).mapToLong(t -> t.bytes().value()).sum();
      assertThat(e.reserved().value()).as(version).isEqualTo(upToReserved);
      assertThat(e.reserved().value()).as(version).isEqualTo(v.budgetBytes() - v.nonTorchBytes());
      assertThat(e.device().value()).as(version).isEqualTo(e.reserved().value() + overhead);
    }
  }
}
