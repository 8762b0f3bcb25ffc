package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.model.TensorSpec;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.WeightFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * GGUF mixes reproduce llama.cpp's published sizes. llama.cpp prints "size = bytes / 2^30 GiB" and
 * "BPW = 8 · bytes / elements", where elements count every GGUF tensor (Llama 3.1 adds a 64-value
 * rope_freqs tensor).
 */
class GgufMixTest {

  private static long bytes(Model m, String mix) {
    return Formats.named("weights", mix).totalBytes(m.architecture(), true);
  }

  private static long ggufElements(Model m) {
    return m.parameters() + m.architecture().ggufRopeFreqs();
  }

  /**
   * Source: ggml-org/llama.cpp tools/quantize/README.md, table "meta-llama/Llama-3.1-8B", columns
   * bits/weight and size (GiB). The exact bytes are this implementation's, checked by both columns.
   */
  @ParameterizedTest(name = "Llama-3.1-8B {0}")
  @CsvSource({
    "q8_0,   8.5008, 7.95, 8532934912",
    "q6_k,   6.5633, 6.14, 6588170496",
    "q5_k_m, 5.7036, 5.33, 5725151488",
    "q5_k_s, 5.5704, 5.21, 5591458048",
    "q4_k_m, 4.8944, 4.58, 4912898304",
    "q4_k_s, 4.6672, 4.36, 4684833024",
    "q3_k_l, 4.2979, 4.02, 4314120448",
    "q3_k_s, 3.6429, 3.41, 3656663296",
    "q2_k,   3.1593, 2.95, 3171295488",
    "iq4_xs, 4.4597, 4.17, 4476526848",
    "iq4_nl, 4.6818, 4.38, 0",
    "f16,   16.0005, 14.96, 16061055232",
  })
  void llama31MixesMatchTheQuantizeReadme(String mix, String bpw, String gib, long exact) {
    Model m = Fixtures.model("meta-llama/Llama-3.1-8B");

    long b = bytes(m, mix);

    assertThat(String.format(Locale.ROOT, "%.4f", b * 8.0 / ggufElements(m))).isEqualTo(bpw);
    assertThat(String.format(Locale.ROOT, "%.2f", b / (double) (1L << 30))).isEqualTo(gib);
    if (exact > 0) {
      assertThat(b).isEqualTo(exact);
    }
  }

  @Test
  void llama31_70bQ4_0MatchesItsLoadLog() {
    // ollama/ollama PR #6279: "model params = 70.55 B", "model size = 37.22 GiB", 4.53 BPW.
    Model m = Fixtures.model("meta-llama/Llama-3.1-70B-Instruct");

    long b = bytes(m, "q4_0");

    assertThat(b).isEqualTo(39_961_870_592L);
    assertThat(String.format(Locale.ROOT, "%.2f", b / (double) (1L << 30))).isEqualTo("37.22");
    assertThat(String.format(Locale.ROOT, "%.2f", b * 8.0 / ggufElements(m))).isEqualTo("4.53");
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    // model, mix, printed GiB, printed BPW, source
    "Qwen/Qwen2.5-7B-Instruct, q4_k_m, 4.36, 4.91, ollama/ollama#8509 (Qwen2.5-Coder-7B-Instruct: same shapes) model size = 4.36 GiB (4.91 BPW)",
    "Qwen/Qwen2.5-14B, q4_k_m, 8.37, 4.87, Jeffser/Alpaca#572 (DeepSeek-R1-Distill-Qwen-14B: Qwen2.5-14B shapes) 8.37 GiB (4.87 BPW)",
    "meta-llama/Llama-3.2-3B, q4_k_m, 1.87, , geerlingguy/ai-benchmarks#54 llama-bench 'llama 3B Q4_K - Medium | 1.87 GiB | 3.21 B'",
    "meta-llama/Meta-Llama-3-8B, q8_0, 7.95, 8.50, llama.cpp load log of Llama-3-8B-Instruct Q8_0: model size = 7.95 GiB (8.50 BPW)",
    "meta-llama/Meta-Llama-3-8B, q6_k, 6.14, 6.56, llama.cpp load log of Llama-3-8B-Instruct Q6_K: model size = 6.14 GiB (6.56 BPW)",
    "meta-llama/Meta-Llama-3-8B, q4_0, 4.33, , llama-bench 'llama 8B Q4_0 | 4.33 GiB | 8.03 B'",
    "mistralai/Mistral-7B-v0.1, q4_k_m, 4.07, 4.83, llama.cpp load log of Mistral-7B-Instruct Q4_K_M: model size = 4.07 GiB (4.83 BPW)",
    "openai/gpt-oss-20b, mxfp4_moe, 11.27, 4.63, llama.cpp load log of ggml-org gpt-oss-20b: file size = 11.27 GiB (4.63 BPW)",
  })
  void mixesMatchPublishedLoadLogs(String model, String mix, String gib, String bpw, String source) {
    Model m = Fixtures.model(model);

    long b = bytes(m, mix);

    assertThat(String.format(Locale.ROOT, "%.2f", b / (double) (1L << 30))).as(source).isEqualTo(gib);
    if (bpw != null) {
      assertThat(String.format(Locale.ROOT, "%.2f", b * 8.0 / ggufElements(m))).as(source).isEqualTo(bpw);
    }
  }

  private static Map<String, Integer> typeCounts(Model m, String mix) {
    WeightFormat.Pricer p = Formats.named("weights", mix).pricer(m.architecture());
    Map<String, Integer> counts = new TreeMap<>();
    for (TensorSpec t : m.architecture().tensors()) {
      counts.merge(p.typeOf(t), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void qwen25_14bQ4KMHasThePublishedTypeCounts() {
    // ollama/ollama#8588: type f32: 241 tensors, type q4_K: 289 tensors, type q6_K: 49 tensors.
    assertThat(typeCounts(Fixtures.model("Qwen/Qwen2.5-14B"), "q4_k_m")).isEqualTo(Map.of("F32", 241, "Q4_K", 289, "Q6_K", 49));
  }

  @Test
  void qwen25_05bFallsBackWhereRowsAreNotWholeKBlocks() {
    // ollama/ollama#9031 (qwen2.5:0.5b Q4_K_M, n_embd 896 = 3.5 × 256): f32 121, q5_0 132, q8_0 13,
    // q4_K 12, q6_K 12.
    assertThat(typeCounts(Fixtures.model("Qwen/Qwen2.5-0.5B"), "q4_k_m"))
        .isEqualTo(Map.of("F32", 121, "Q5_0", 132, "Q8_0", 13, "Q4_K", 12, "Q6_K", 12));
  }
}
