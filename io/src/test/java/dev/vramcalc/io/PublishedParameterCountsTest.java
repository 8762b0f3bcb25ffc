package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.model.Component;
import dev.vramcalc.io.catalog.Csv;
import dev.vramcalc.io.json.Json;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bundled preset with a published exact parameter count matches it to the parameter. Sources
 * are cited per row in published-parameters.csv and in the calibration data.
 */
class PublishedParameterCountsTest {

  static Stream<Csv.Row> published() {
    return Fixtures.csv("/published-parameters.csv").stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("published")
  void catalogCountEqualsThePublishedCount(Csv.Row row) {
    Model model = Fixtures.model(row.required("hf_id"));

    long parameters = model.parameters();

    assertThat(parameters).as(row.required("hf_id") + " — " + row.get("source")).isEqualTo(Long.parseLong(row.required("parameters")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyCalibrationRecordWithAnExactCountMatches() {
    List<Object> records = (List<Object>) Json.parse(Fixtures.resource("/calibration/params.json"), "params.json");
    int checked = 0;

    for (Object o : records) {
      Map<String, Object> r = (Map<String, Object>) o;
      Map<String, Object> measured = (Map<String, Object>) r.get("measured");
      Object exact = measured.get("params_exact");
      if (exact == null) {
        exact = measured.get("qwen2.5_0.5b_params_exact");
      }
      String id = (String) r.get("id");
      String model = switch (id) {
        case "llama31-8b" -> "meta-llama/Llama-3.1-8B";
        case "llama32-3b" -> "meta-llama/Llama-3.2-3B";
        case "qwen2-0.5b-arch" -> "Qwen/Qwen2.5-0.5B";
        case "qwen25-7b" -> "Qwen/Qwen2.5-7B-Instruct";
        case "gpt2" -> "openai-community/gpt2";
        case "gpt-oss-20b" -> "openai/gpt-oss-20b";
        default -> null;
      };
      if (exact instanceof Long count && model != null) {
        assertThat(Fixtures.model(model).parameters()).as(id).isEqualTo(count);
        checked++;
      }
    }

    assertThat(checked).isEqualTo(6);
  }

  @Test
  void bertBaseCheckpointIsTheBareModelPlusPretrainingHeads() {
    // calibration bert-base-uncased: 110,106,428 tensors in model.safetensors; 109,482,240 is BertModel.
    var p = Fixtures.model("bert-base-uncased").architecture().parameters();

    long bareModel = p.total() - p.breakdown().get(Component.HEADS);

    assertThat(bareModel).isEqualTo(109_482_240L);
  }

  @Test
  void gptOssSplitsIntoItsPaperComponents() {
    // gpt-oss model card (arXiv 2508.10925) Table 1: 120b has 116.83B total, 5.13B active without
    // the embedding; MXFP4 covers the expert weights: 19,110,297,600 for 20b (calibration gpt-oss-20b).
    Model m20 = Fixtures.model("openai/gpt-oss-20b");

    long expertWeights = m20.architecture().tensors().stream().filter(t -> t.role().isExpert()).mapToLong(t -> t.elements()).sum();

    assertThat(expertWeights).isEqualTo(19_110_297_600L);
    assertThat(m20.parameters() - expertWeights).isEqualTo(1_804_459_584L);
  }

  @Test
  void deepSeekV3CountsTheMainModelAndItsMtpModule() {
    // deepseek-ai/DeepSeek-V3 README: 685B on the hub = 671B main model + 14B MTP module. The hub API
    // reports BF16 3,918,786,560 + F8_E4M3 680,571,043,840 + F32 41,555,600, where the F32 are the
    // block scales plus the 59 × 256 router score-correction biases (15,104).
    Model v3 = Fixtures.model("deepseek-v3");
    var p = v3.architecture().parameters();

    assertThat(p.total()).isEqualTo(3_918_786_560L + 680_571_043_840L + 15_104L);
    assertThat(p.total() - p.breakdown().get(Component.MTP)).isBetween(671_000_000_000L, 671_100_000_000L);
    assertThat(p.active()).isBetween(37_000_000_000L, 38_000_000_000L);
  }

  @Test
  void moeActiveParametersMatchTheModelCards() {
    // Mixtral card: 12.9B active; Qwen3-30B-A3B card: 3.3B activated; Qwen3-235B-A22B: 22B activated.
    assertThat(Fixtures.model("mixtral-8x7b").architecture().parameters().active()).isEqualTo(12_879_925_248L);
    assertThat(Fixtures.model("qwen3-30b-a3b").architecture().parameters().active() / 100_000_000).isEqualTo(33);
    assertThat(Fixtures.model("qwen3-235b-a22b").architecture().parameters().active() / 1_000_000_000).isEqualTo(22);
  }
}
