package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vramcalc.core.engine.Engines;
import dev.vramcalc.core.engine.LlamaCppEngine;
import dev.vramcalc.core.estimate.EngineDetails;
import dev.vramcalc.core.estimate.InferenceEstimate;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.KvCacheType;
import dev.vramcalc.core.workload.EngineSettings;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** llama.cpp buffers against published llama.cpp and ollama logs. */
class LlamaCppEngineTest {

  private static EngineDetails.LlamaCpp run(String model, String gpu, int devices, String mix, EngineSettings.LlamaCpp s) {
    InferenceWorkload w = new InferenceWorkload(1, 4096, 4096, Formats.named("weights", mix), KvCacheType.AUTO, 1, devices, true, 0.2, s);
    InferenceEstimate e = Engines.estimate(Fixtures.model(model), GpuCatalogReader.bundled().get(gpu), w);
    return (EngineDetails.LlamaCpp) e.engine();
  }

  private static String mib(long b) {
    return LlamaCppEngine.mib(b);
  }

  @Test
  void llama31_8bQ4KMMatchesTheOllamaLog() {
    // Ollama log of Llama-3.1-8B-Instruct Q4_K_M (n_ctx 8192, n_seq_max 4, n_ubatch 512, flash off):
    // "CPU model buffer size = 281.81 MiB", "CUDA0 model buffer size = 4403.49 MiB",
    // "KV self size = 1024.00 MiB", "CUDA0 compute buffer size = 560.00 MiB",
    // "CUDA_Host compute buffer size = 24.01 MiB".
    EngineDetails.LlamaCpp l = run("meta-llama/Llama-3.1-8B-Instruct", "rtx-4090", 1, "q4_k_m",
        new EngineSettings.LlamaCpp(8192, 2048, 512, 999, List.of(), KvCacheType.FP16, KvCacheType.FP16, false, 4, false));
    EngineDetails.LlamaCpp.Device d = l.devices().get(0);

    assertThat(mib(l.hostModelBytes())).isEqualTo("281.81 MiB");
    assertThat(mib(d.modelBufferBytes())).isEqualTo("4403.49 MiB");
    assertThat(mib(d.kvBufferBytes())).isEqualTo("1024.00 MiB");
    assertThat(mib(d.computeBufferBytes())).isEqualTo("560.00 MiB");
    assertThat(l.hostComputeBytes() / 1048576.0).isCloseTo(24.01, org.assertj.core.data.Offset.offset(0.02));
  }

  @Test
  void commandRSplitOverTwoGpusMatchesItsLog() {
    // calibration llamacpp.json llamacpp6122: "CUDA0 buffer size = 5434.38 MiB", "CUDA1 = 13989.53 MiB",
    // "CPU = 1640.62 MiB", KV 1536.00 / 3584.00 MiB at n_ctx 4096, CUDA0 compute 672.01 MiB. The log does
    // not name the quantization; Q4_K_S is the mix whose tensor types reproduce all three model buffers, and
    // the split that puts 12 layers on CUDA0 is given as a proportion.
    EngineDetails.LlamaCpp l = run("CohereForAI/c4ai-command-r-v01", "rtx-3090", 2, "q4_k_s",
        new EngineSettings.LlamaCpp(4096, 2048, 512, 999, List.of(0.29, 0.71), KvCacheType.FP16, KvCacheType.FP16, false, 1, false));

    assertThat(mib(l.devices().get(0).modelBufferBytes())).isEqualTo("5434.38 MiB");
    assertThat(mib(l.devices().get(1).modelBufferBytes())).isEqualTo("13989.53 MiB");
    assertThat(mib(l.hostModelBytes())).isEqualTo("1640.62 MiB");
    assertThat(mib(l.devices().get(0).kvBufferBytes())).isEqualTo("1536.00 MiB");
    assertThat(mib(l.devices().get(1).kvBufferBytes())).isEqualTo("3584.00 MiB");
    double compute = l.devices().get(0).computeBufferBytes() / 1048576.0;
    assertThat(Math.abs(compute - 672.01) / 672.01).as("compute %.2f MiB vs 672.01", compute).isLessThan(0.15);
  }

  @Test
  void seventyBQ4_0ModelBuffersSumToTheLoggedSize() {
    // calibration llamacpp.json ollama6279: "model size = 37.22 GiB".
    EngineDetails.LlamaCpp l = run("meta-llama/Llama-3.1-70B-Instruct", "a100-sxm-80gb", 1, "q4_0",
        new EngineSettings.LlamaCpp(2048, 2048, 512, 999, List.of(), KvCacheType.FP16, KvCacheType.FP16, true, 1, false));

    long total = l.hostModelBytes() + l.devices().get(0).modelBufferBytes();

    assertThat(String.format(java.util.Locale.ROOT, "%.2f", total / (double) (1L << 30))).isEqualTo("37.22");
  }

  @Test
  void slidingWindowLayersGetASmallerCache() {
    // gemma-2-9b: 21 sliding layers (window 4096) and 21 global ones; n_ctx 32768, one sequence, ubatch 512:
    // the SWA cache holds pad256(4096 + 512) = 4608 cells.
    EngineDetails.LlamaCpp l = run("gemma-2-9b", "rtx-4090", 1, "q4_k_m",
        new EngineSettings.LlamaCpp(32768, 2048, 512, 999, List.of(), KvCacheType.FP16, KvCacheType.FP16, true, 1, false));
    long perLayerPerCell = 8L * 256 * 2 * 2;

    assertThat(l.swaCells()).isEqualTo(4608);
    assertThat(l.devices().get(0).kvBufferBytes()).isEqualTo(21 * 32768 * perLayerPerCell + 21 * 4608 * perLayerPerCell);
  }

  @Test
  void fewerGpuLayersMoveWeightsAndCacheToTheHost() {
    EngineDetails.LlamaCpp all = run("llama-3.1-8b", "rtx-3060-12gb", 1, "q8_0",
        new EngineSettings.LlamaCpp(8192, 2048, 512, 999, List.of(), KvCacheType.FP16, KvCacheType.FP16, true, 1, false));
    EngineDetails.LlamaCpp half = run("llama-3.1-8b", "rtx-3060-12gb", 1, "q8_0",
        new EngineSettings.LlamaCpp(8192, 2048, 512, 16, List.of(), KvCacheType.FP16, KvCacheType.FP16, true, 1, false));

    assertThat(half.devices().get(0).modelBufferBytes()).isLessThan(all.devices().get(0).modelBufferBytes() / 2);
    assertThat(half.devices().get(0).kvBufferBytes()).isEqualTo(all.devices().get(0).kvBufferBytes() / 2);
    assertThat(all.maxGpuLayersThatFit()).isBetween(0, 33);
  }

  @Test
  void aQuantizedVCacheNeedsFlashAttention() {
    assertThatThrownBy(() -> new EngineSettings.LlamaCpp(4096, 2048, 512, 999, List.of(), KvCacheType.Q8_0, KvCacheType.Q4_0, false, 1, false))
        .hasMessage("a quantized V cache (--cache-type-v q4_0) needs --flash-attn");
  }
}
