package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.perf.Roofline;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.KvCacheType;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The roofline reproduces the arithmetic of worked examples and never beats the bandwidth ceiling. */
class RooflineTest {

  private final Gpu h100 = GpuCatalogReader.bundled().get("h100-sxm-80gb");

  private static Roofline.Settings settings(long batch, long context, long prompt, int tp) {
    return new Roofline.Settings(batch, context, prompt, tp, null, KvCacheType.AUTO, true, 0.8, 0.6, 10e-6);
  }

  private static Map<String, Roofline.Operation> byName(Roofline.Phase p) {
    return p.operations().stream().collect(Collectors.toMap(Roofline.Operation::name, o -> o));
  }

  @Test
  void llama31_8bDecodeOnAnH100IsMemoryBoundEverywhereAtBatchOne() {
    // Worked example: Llama-3.1-8B, BF16, one sequence with 1,024 cached tokens, H100 SXM
    // (989 TFLOP/s dense BF16, 3.35 TB/s): ridge 295 FLOPs/byte; every matrix-vector product does
    // 2 FLOPs per 2-byte weight (intensity ≈ 1), far left of the ridge.
    Roofline.Result r = Roofline.of(Fixtures.model("meta-llama/Llama-3.1-8B"), h100, settings(1, 1024, 1024, 1));
    Map<String, Roofline.Operation> ops = byName(r.decode());

    assertThat(r.ridge()).isCloseTo(h100.bf16Tflops() * 1e12 / (h100.bandwidthGBs() * 1e9), within(1e-9)).isCloseTo(295, within(1.0));
    assertThat(r.decode().operations()).allMatch(o -> o.bound().equals("memory"));
    // q (4096×4096) + k, v (1024×4096 each) per layer × 32 layers × 2 FLOPs
    assertThat(ops.get("qkv_proj").flops()).isEqualTo(2.0 * 32 * (4096L * 4096 + 2 * 1024L * 4096));
    // gate, up, down 14336×4096 each
    assertThat(ops.get("mlp").flops()).isEqualTo(2.0 * 32 * 3 * 14336L * 4096);
    // attention: 2 × 1,024 cached tokens × 32 heads × (128 + 128) per layer; reads 1,024 × 128 KiB of KV
    assertThat(ops.get("attention").flops()).isEqualTo(2.0 * 1024 * 32 * 256 * 32);
    assertThat(ops.get("attention").bytes()).isGreaterThanOrEqualTo(1024.0 * 131072);
    // the step reads every weight but the embedding table once: 16,060,522,496 − 2 × 128,256 × 4,096 + one row
    double weights = 16_060_522_496.0 - 2.0 * 128_256 * 4096;
    assertThat(r.decode().bytes()).isBetween(weights, weights * 1.02);
    assertThat(r.decodeTokensPerSecond()).isLessThan(3350e9 / weights);
    assertThat(r.decodeTokensPerSecond()).isCloseTo(0.8 * 3350e9 / r.decode().bytes(), within(0.5));
  }

  @Test
  void throughputNeverExceedsBandwidthOverBytesPerToken() {
    for (String id : new String[] {"meta-llama/Llama-3.1-70B", "Qwen/Qwen3-30B-A3B", "mistralai/Mixtral-8x7B-v0.1", "google/gemma-2-9b", "deepseek-ai/DeepSeek-V2-Lite"}) {
      Model m = Fixtures.model(id);
      for (long batch : new long[] {1, 8, 64, 512}) {
        Roofline.Result r = Roofline.of(m, h100, settings(batch, 2048, 512, id.contains("70B") ? 4 : 1));
        assertThat(r.decodeTokensPerSecond()).as(id + " at " + batch).isLessThanOrEqualTo(r.bandwidthCeilingTokensPerSecond());
        assertThat(r.decodeTokensPerSecondPerSequence()).isLessThanOrEqualTo(r.decodeTokensPerSecond());
        assertThat(r.decode().seconds()).isPositive();
      }
    }
  }

  @Test
  void largeBatchesAndPrefillsCrossTheRidge() {
    Model m = Fixtures.model("meta-llama/Llama-3.1-8B");
    Roofline.Result big = Roofline.of(m, h100, settings(1024, 1024, 4096, 1));

    assertThat(byName(big.decode()).get("mlp").bound()).isEqualTo("compute");
    assertThat(byName(big.prefill()).get("mlp").bound()).isEqualTo("compute");
    // prefill FLOPs ≈ 2 × non-embedding parameters × tokens, plus causal attention
    double matmul = 2.0 * (8_030_261_248L - 2L * 128_256 * 4096) * 1024 * 4096;
    assertThat(big.prefill().flops()).isBetween(matmul * 0.98, matmul * 1.3);
  }

  @Test
  void moeCountsActiveExpertsForFlopsAndDistinctExpertsForBytes() {
    // Mixtral-8x7B: 2 of 8 experts per token; one token reads 2, four tokens an expected 8·(1 − 0.75⁴) = 5.47
    assertThat(Roofline.expectedExperts(8, 2, 1)).isCloseTo(2.0, within(1e-12));
    assertThat(Roofline.expectedExperts(8, 2, 4)).isCloseTo(8 * (1 - Math.pow(0.75, 4)), within(1e-12));
    Model m = Fixtures.model("mistralai/Mixtral-8x7B-v0.1");
    Roofline.Operation one = byName(Roofline.of(m, h100, settings(1, 1024, 1024, 1)).decode()).get("experts");
    Roofline.Operation four = byName(Roofline.of(m, h100, settings(4, 1024, 1024, 1)).decode()).get("experts");
    // per expert: 3 × 14336 × 4096 parameters; 32 layers; 2 active → 2 × 2 × 32 × 3 × 14336 × 4096 FLOPs per token
    double perExpert = 32.0 * 3 * 14336 * 4096;
    assertThat(one.flops()).isEqualTo(2 * 2 * perExpert);
    assertThat(four.flops()).isEqualTo(4 * one.flops());
    assertThat(one.bytes()).isBetween(2 * perExpert * 2, 2 * perExpert * 2 * 1.01);
    assertThat(four.bytes() / one.bytes()).isCloseTo(5.47 / 2, within(0.01));
  }

  @Test
  void tensorParallelismSplitsTheWeightsAndAddsAllReduces() {
    Model m = Fixtures.model("meta-llama/Llama-3.1-70B");
    Roofline.Result tp1 = Roofline.of(m, h100, settings(1, 1024, 1024, 1));
    Roofline.Result tp4 = Roofline.of(m, h100, settings(1, 1024, 1024, 4));

    double io = 80.0 * 8192 * 2 * 2; // the hidden state in and out of each MLP, whole on every rank
    assertThat(byName(tp4.decode()).get("mlp").bytes() - io).isCloseTo((byName(tp1.decode()).get("mlp").bytes() - io) / 4, within(1.0));
    Roofline.Operation ar = byName(tp4.decode()).get("tp_all_reduce");
    // 80 layers × 2 all-reduces of one token's 8,192-wide BF16 hidden state, ring 2·3/4 of it each
    assertThat(ar.bytes()).isEqualTo(160 * 1.5 * 8192 * 2);
    assertThat(ar.seconds()).isCloseTo(160 * (1.5 * 8192 * 2 / (h100.interconnectGBs() * 1e9) + 10e-6), within(1e-9));
    assertThat(tp4.decode().seconds()).isLessThan(tp1.decode().seconds());
  }

  @Test
  void slidingWindowLayersReadOnlyTheirWindow() {
    // gemma-2-9b (BF16): 21 of 42 layers attend a 4,096-token window; at 8,192 cached tokens they read 4,096
    Model m = Fixtures.model("google/gemma-2-9b");
    Roofline.Settings s = new Roofline.Settings(1, 8192, 1024, 1, Formats.BF16, KvCacheType.AUTO, true, 0.8, 0.6, 10e-6);
    Roofline.Operation att = byName(Roofline.of(m, h100, s).decode()).get("attention");
    long perToken = 8L * 256 * 2 * 2; // 8 KV heads × 256 × (K + V) × 2 bytes
    double kv = 21.0 * 8192 * perToken + 21.0 * 4096 * perToken;
    assertThat(att.bytes()).isBetween(kv, kv * 1.01);
  }

  @Test
  void fp8WeightsUseTheFp8PeakAndHalveTheBytes() {
    Model m = Fixtures.model("meta-llama/Llama-3.1-8B");
    Roofline.Result bf16 = Roofline.of(m, h100, settings(1, 1024, 1024, 1));
    Roofline.Result fp8 = Roofline.of(m, h100, new Roofline.Settings(1, 1024, 1024, 1, Formats.named("weights", "fp8"), KvCacheType.AUTO, true, 0.8, 0.6, 10e-6));

    assertThat(fp8.peakFlops()).isEqualTo(h100.fp8Tflops() * 1e12);
    assertThat(byName(fp8.decode()).get("mlp").bytes() / byName(bf16.decode()).get("mlp").bytes()).isCloseTo(0.5, within(0.01));
  }

  @Test
  void theRooflineAndTrainingShareOneDefaultLink() {
    // the roofline assumed 32 GB/s and training 25 GB/s for a GPU with no link in the catalog (found in review)
    dev.vramcalc.core.hardware.Gpu bare = dev.vramcalc.core.hardware.Gpu.custom(dev.vramcalc.core.unit.Bytes.of(24L << 30));
    assertThat(Roofline.linkBandwidth(bare)).isEqualTo(dev.vramcalc.core.workload.TrainingWorkload.Interconnect.PCIE.gbPerSecond() * 1e9).isEqualTo(25e9);
  }
}
