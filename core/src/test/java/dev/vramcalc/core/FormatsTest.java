package dev.vramcalc.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.Families;
import dev.vramcalc.core.model.MapConfig;
import dev.vramcalc.core.model.TensorSpec;
import dev.vramcalc.core.precision.DataType;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.WeightFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Block formats count whole blocks; schemes keep embeddings, norms and the LM head unquantized. */
class FormatsTest {

  /** A Llama-3.1-8B-shaped config. */
  static Architecture llama8b() {
    return Families.read(new MapConfig(Map.of("model_type", "llama", "hidden_size", 4096, "num_hidden_layers", 32,
        "num_attention_heads", 32, "num_key_value_heads", 8, "intermediate_size", 14336, "vocab_size", 128256,
        "torch_dtype", "bfloat16"), "test"));
  }

  @Test
  void ggmlBlockSizesAreTheBlockStructs() {
    // ggml-common.h: block_q4_K = 2 + 2 + 12 + 128 bytes per 256 values; block_q8_0 = 2 + 32 per 32.
    assertThat(DataType.Q4_K.blockBytes()).isEqualTo(144);
    assertThat(DataType.Q6_K.blockBytes()).isEqualTo(210);
    assertThat(DataType.Q8_0.bytesFor(4096)).isEqualTo(4096 / 32 * 34);
    assertThat(DataType.MXFP4.bytesFor(2880)).isEqualTo(90 * 17);
  }

  @Test
  void partialBlocksRoundUpToWholeBlocks() {
    assertThat(DataType.Q4_K.bytesFor(257)).isEqualTo(2 * 144);
    assertThat(DataType.Q4_0.bytesFor(1)).isEqualTo(18);
  }

  @Test
  void nf4KeepsEmbeddingsNormsAndTheLmHeadInBf16() {
    Architecture a = llama8b();
    WeightFormat.Pricer p = Formats.named("weights", "nf4").pricer(a);
    TensorSpec embed = a.tensors().get(0);
    TensorSpec q = a.tensors().stream().filter(t -> t.name().endsWith("layers.0.self_attn.q_proj.weight")).findFirst().orElseThrow();

    assertThat(p.typeOf(embed)).isEqualTo("BF16");
    assertThat(p.bytes(embed, embed.shape())).isEqualTo(128256L * 4096 * 2);
    // q_proj 4096 × 4096: 8,388,608 code bytes + 262,144 fp32 absmax (one per 64) + a 64-byte code table.
    assertThat(p.bytes(q, q.shape())).isEqualTo(16_777_216L / 2 + 16_777_216L / 64 * 4 + 64);
  }

  @Test
  void gptqCountsPackedCodesScalesZerosAndGroupIndex() {
    Architecture a = llama8b();
    WeightFormat.Pricer p = Formats.named("weights", "gptq-int4").pricer(a);
    TensorSpec q = a.tensors().stream().filter(t -> t.name().endsWith("layers.0.self_attn.q_proj.weight")).findFirst().orElseThrow();

    // qweight 4096·4/32 × 4096 int32, qzeros 32 groups × 4096·4/32 int32, scales 32 × 4096 fp16, g_idx 4096 int32.
    long expected = 512L * 4 * 4096 + 32L * 512 * 4 + 32L * 4096 * 2 + 4096L * 4;

    assertThat(p.bytes(q, q.shape())).isEqualTo(expected);
  }

  @Test
  void unknownFormatsListTheKnownOnes() {
    assertThatThrownBy(() -> Formats.named("weights", "int3")).hasMessageStartingWith("weights 'int3' is not a known format; known: fp32, fp16, bf16,");
  }

  @Test
  void formatNamesAreForgivingAboutCaseAndSeparators() {
    assertThat(Formats.named("weights", "Q4_K_M").id()).isEqualTo("q4_k_m");
    assertThat(Formats.named("weights", "INT4").id()).isEqualTo("gptq-int4");
    assertThat(Formats.named("weights", "bfloat16").id()).isEqualTo("bf16");
  }
}
