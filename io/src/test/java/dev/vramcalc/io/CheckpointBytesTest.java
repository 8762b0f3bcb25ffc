package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.Footprint;
import dev.vramcalc.core.model.TensorSpec;
import dev.vramcalc.core.precision.WeightFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Checkpoint bytes in the checkpoint's own format equal the published safetensors sizes. */
class CheckpointBytesTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // model, model.safetensors.index.json total_size, source
    "meta-llama/Llama-3.1-8B, 16060522496, calibration params.json llama31-8b",
    "Qwen/Qwen2.5-7B-Instruct, 15231233024, calibration params.json qwen25-7b",
    "mistralai/Mistral-7B-v0.1, 14483464192, calibration params.json mistral-7b (v0.2 index of identical shapes)",
    "mistralai/Mistral-7B-Instruct-v0.3, 14496047104, public index total_size of v0.3",
    "meta-llama/Llama-3.1-70B, 141107412992, public training report: checkpoint bytes of Llama-3.1-70B@349b2ddb",
    "mistralai/Mixtral-8x7B-v0.1, 93405585408, public Mixtral index total_size",
    "meta-llama/Llama-3.2-3B, 6425499648, calibration params.json llama32-3b bf16_checkpoint_bytes",
  })
  void sixteenBitCheckpointsAreTwoBytesPerParameter(String name, long totalSize, String source) {
    Model model = Fixtures.model(name);

    long bytes = Footprint.weights(model, model.checkpointFormat()).value();

    assertThat(bytes).as(source).isEqualTo(totalSize);
  }

  @Test
  void gptOss20bMxfp4CheckpointMatchesItsIndexTotalSize() {
    // calibration gpt-oss-20b: 2 × 1,804,459,584 (BF16) + 19,110,297,600 / 2 (MXFP4 codes)
    // + 597,196,800 (E8M0 scales) = 13,761,264,768, the index's total_size.
    Model model = Fixtures.model("openai/gpt-oss-20b");

    long bytes = Footprint.weights(model, model.checkpointFormat()).value();

    assertThat(bytes).isEqualTo(13_761_264_768L);
  }

  @Test
  void deepSeekV3Fp8CheckpointHoldsItsBlockScales() {
    // Hub API for deepseek-ai/DeepSeek-V3: BF16 3,918,786,560 + F8_E4M3 680,571,043,840 + F32 41,555,600
    // elements, so 2 × 3,918,786,560 + 680,571,043,840 + 4 × 41,555,600 bytes of tensors.
    Model model = Fixtures.model("deepseek-ai/DeepSeek-V3");

    long bytes = Footprint.weights(model, model.checkpointFormat()).value();

    assertThat(bytes).isEqualTo(2 * 3_918_786_560L + 680_571_043_840L + 4 * 41_555_600L);
  }

  @Test
  void deepSeekV3KeepsRoutersEmbeddingsAndTheMtpProjectionInBf16() {
    Model model = Fixtures.model("deepseek-v3");
    WeightFormat.Pricer p = model.checkpointFormat().pricer(model.architecture());

    TensorSpec router = find(model, "model.layers.3.mlp.gate.weight");
    TensorSpec expert = find(model, "model.layers.3.mlp.experts.*.down_proj.weight");
    TensorSpec mtp = find(model, "model.layers.61.eh_proj.weight");

    assertThat(p.typeOf(router)).isEqualTo("BF16");
    assertThat(p.typeOf(expert)).isEqualTo("FP8");
    assertThat(p.typeOf(mtp)).isEqualTo("BF16");
  }

  private static TensorSpec find(Model model, String name) {
    return model.architecture().tensors().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
  }
}
