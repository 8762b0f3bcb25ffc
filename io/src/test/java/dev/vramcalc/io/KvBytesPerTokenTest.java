package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.KvCache;
import dev.vramcalc.core.precision.DataType;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** KV bytes per token equal what the vLLM and llama.cpp logs of the calibration data imply, exactly. */
class KvBytesPerTokenTest {

  private static long perToken(String model, int tp, DataType type) {
    Model m = Fixtures.model(model);
    return KvCache.bytesPerToken(m.architecture(), tp, type);
  }

  @ParameterizedTest(name = "{0} tp={1}")
  @CsvSource({
    // model, tp, bytes per token per rank, source
    "Qwen/Qwen2-7B-Instruct, 1, 57344, calibration vllm.json dl-qwen2-7b-*: 28 layers × 4 KV heads × 128 × 2 × 2 B",
    "Qwen/Qwen2-7B-Instruct, 2, 28672, calibration vllm.json dl-qwen2-7b-tp2-*: KV heads split over 2 ranks",
    "meta-llama/Meta-Llama-3-8B, 1, 131072, calibration vllm.json pr10511-llama3-8b-h100-tp1",
    "meta-llama/Llama-3.1-8B-Instruct, 1, 131072, calibration vllm.json pr17122-llama31-8b-l40s",
    "RedHatAI/Meta-Llama-3.1-70B-Instruct-quantized.w8a8, 1, 327680, calibration vllm.json pr12569-llama31-70b-w8a8",
    "meta-llama/Llama-2-7b-hf, 1, 524288, calibration vllm.json pr2031: a 16-token block is 8 MiB",
    "CohereForAI/c4ai-command-r-v01, 1, 1310720, calibration llamacpp.json llamacpp6122: 5120 MiB / 4096 tokens",
    "openai/gpt-oss-120b, 4, 18432, calibration vllm.json dl-gpt-oss-120b-tp4: 36 layers × 2 KV heads per rank × 64 × 2 × 2 B",
  })
  void matchesTheEngineLogs(String model, int tp, long expected, String source) {
    assertThat(perToken(model, tp, DataType.BF16)).as(source).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // model, tp, logged GPU KV cache size (tokens), logged available KV memory (GiB, 2 decimals)
    "Qwen/Qwen2-7B-Instruct, 1, 93872, 5.01",
    "Qwen/Qwen2-7B-Instruct, 1, 464848, 24.83",
    "Qwen/Qwen2-7B-Instruct, 2, 450192, 12.02",
    "Qwen/Qwen2-7B-Instruct, 2, 1192160, 31.83",
    "openai/gpt-oss-120b, 4, 2640144, 45.32",
  })
  void loggedTokensTimesBytesPerTokenIsTheLoggedKvMemory(String model, int tp, long tokens, String gib) {
    // vLLM logs "Available KV cache memory: X GiB" and "GPU KV cache size: N tokens"; N × bytes per
    // token per rank must round to X.
    long bytes = tokens * perToken(model, tp, DataType.BF16);

    assertThat(String.format(Locale.ROOT, "%.2f", bytes / (double) (1L << 30))).isEqualTo(gib);
  }

  @Test
  void llamaCppKvBufferForLlama31At32kInF16AndQ4_0() {
    // calibration llamacpp.json ollama6276: 32768 × 32 layers × 8 KV × 128 × 2 × 2 B = 4.0 GiB in f16;
    // q4_0 stores 18 bytes per 32 values, 4.5/16 of that: 1.125 GiB.
    Model m = Fixtures.model("meta-llama/Llama-3.1-8B");

    long f16 = KvCache.bytes(m.architecture(), 0, 32, 1, 32768, 1, DataType.F16);
    long q40 = KvCache.bytes(m.architecture(), 0, 32, 1, 32768, 1, DataType.Q4_0);

    assertThat(f16).isEqualTo(4L << 30);
    assertThat(q40).isEqualTo(1_207_959_552L);
  }

  @Test
  void llamaCppKvBuffersPerDeviceFollowTheLayerSplit() {
    // calibration llamacpp.json llamacpp6122: n_ctx 4096, layers split 12 / 28: KV 1536.00 / 3584.00 MiB.
    Model m = Fixtures.model("command-r-v01");

    long cuda0 = KvCache.bytes(m.architecture(), 0, 12, 1, 4096, 1, DataType.F16);
    long cuda1 = KvCache.bytes(m.architecture(), 12, 40, 1, 4096, 1, DataType.F16);

    assertThat(cuda0).isEqualTo(1536L << 20);
    assertThat(cuda1).isEqualTo(3584L << 20);
  }

  @Test
  void mlaCachesTheLatentNotFullHeads() {
    // calibration params.json deepseek-v2-lite: latent 512 + rope 64 = 576 values per token per layer.
    Model m = Fixtures.model("deepseek-ai/DeepSeek-V2-Lite");

    assertThat(KvCache.bytesPerToken(m.architecture(), 1, DataType.BF16)).isEqualTo(27L * 576 * 2);
  }

  @Test
  void slidingWindowLayersHoldAtMostTheWindow() {
    // gemma-2-9b: 42 layers alternating sliding (4096) and global; 8 KV heads × 256.
    Model m = Fixtures.model("gemma-2-9b");
    long perLayer = 8L * 256 * 2 * 2;

    long at8k = KvCache.bytes(m.architecture(), 0, 42, 1, 8192, 1, DataType.BF16);

    assertThat(at8k).isEqualTo(21 * 8192 * perLayer + 21 * 4096 * perLayer);
  }
}
