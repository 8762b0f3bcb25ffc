package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.io.config.ModelFactory;
import dev.vramcalc.io.json.JsonException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed, incomplete and hostile configs fail with one clear message naming the key or offset. */
class ConfigReaderTest {

  private static Model read(String json) {
    return ModelFactory.fromConfigText(json, "config.json", "test", null, "test", List.of());
  }

  private static final String LLAMA = """
      {"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
       "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 128256, "torch_dtype": "bfloat16"}""";

  @Test
  void aLlamaConfigCountsLikeTheCatalog() {
    assertThat(read(LLAMA).parameters()).isEqualTo(8_030_261_248L);
  }

  @Test
  void truncatedJsonNamesTheOffset() {
    assertThatThrownBy(() -> read("{\"model_type\": \"llama\", \"hidden_size\": 40"))
        .isInstanceOf(JsonException.class)
        .hasMessage("config.json: invalid JSON at offset 41: unexpected end of document inside an object");
  }

  @Test
  void duplicateKeysAreRejected() {
    assertThatThrownBy(() -> read("{\"model_type\": \"llama\", \"model_type\": \"gpt2\"}"))
        .hasMessage("config.json: invalid JSON at offset 24: duplicate key 'model_type'");
  }

  @Test
  void anUnknownModelTypeListsTheSupportedOnes() {
    assertThatThrownBy(() -> read("{\"model_type\": \"mamba\"}"))
        .isInstanceOf(BadInputException.class)
        .hasMessageStartingWith("config.json: unsupported model_type 'mamba'; supported: llama, mistral, mixtral, qwen2,");
  }

  @Test
  void aMissingKeyIsNamed() {
    assertThatThrownBy(() -> read("{\"model_type\": \"llama\", \"hidden_size\": 4096}"))
        .hasMessage("config.json: num_hidden_layers is required for model_type llama");
  }

  @Test
  void absurdSizesAreRejectedWithTheirLimit() {
    assertThatThrownBy(() -> read(LLAMA.replace("\"hidden_size\": 4096", "\"hidden_size\": 10000000000")))
        .hasMessage("config.json: hidden_size (10000000000) must be between 1 and 1048576");
  }

  @Test
  void sizesWhoseProductOverflowsAreRejected() {
    String huge = """
        {"model_type": "qwen3_moe", "hidden_size": 1048576, "num_hidden_layers": 10000, "num_attention_heads": 1024,
         "num_key_value_heads": 1024, "intermediate_size": 16777216, "moe_intermediate_size": 16777216,
         "num_experts": 65536, "num_experts_per_tok": 8, "vocab_size": 1000}""";

    assertThatThrownBy(() -> read(huge)).hasMessage("config.json: the sizes in this config overflow 64-bit counts (model_type qwen3_moe)");
  }

  @Test
  void kvHeadsMustDivideHeads() {
    assertThatThrownBy(() -> read(LLAMA.replace("\"num_key_value_heads\": 8", "\"num_key_value_heads\": 6")))
        .hasMessage("config.json: num_key_value_heads (6) must divide num_attention_heads (32)");
  }

  @Test
  void aValueOfTheWrongTypeIsNamed() {
    assertThatThrownBy(() -> read(LLAMA.replace("\"hidden_size\": 4096", "\"hidden_size\": \"4096\"")))
        .hasMessage("config.json: hidden_size must be a whole number");
  }

  @Test
  void anUnsupportedQuantizationMethodIsNeverSizedAsSixteenBit() {
    String cfg = LLAMA.replace("\"torch_dtype\": \"bfloat16\"", "\"torch_dtype\": \"bfloat16\", \"quantization_config\": {\"quant_method\": \"hqq\"}");

    assertThatThrownBy(() -> read(cfg)).hasMessageContaining("quant_method 'hqq' is not supported");
  }

  @Test
  void aModelFolderIsReadThroughItsConfig(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("config.json"), LLAMA);

    Model m = ModelResolver.fromPath(dir);

    assertThat(m.parameters()).isEqualTo(8_030_261_248L);
  }

  @Test
  void aFolderWithoutConfigIsNamed(@TempDir Path dir) {
    assertThatThrownBy(() -> ModelResolver.fromPath(dir)).hasMessage(dir + " has no config.json");
  }

  @Test
  void anUnknownModelSuggestsCatalogIds() {
    assertThatThrownBy(() -> ModelResolver.bundled().resolve("llama-3.1-9b"))
        .hasMessageStartingWith("unknown model 'llama-3.1-9b' (did you mean");
  }
}
