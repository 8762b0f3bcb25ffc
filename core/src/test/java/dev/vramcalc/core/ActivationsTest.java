package dev.vramcalc.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vramcalc.core.estimate.Activations;
import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.Families;
import dev.vramcalc.core.model.MapConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-layer activation model reproduces the published formulas. */
class ActivationsTest {

  /** A GPT-3 175B block (Korthikanti et al. Table 3): h = 12,288, a = 96, 4h MLP, dropout 0.1. */
  static Architecture gpt3() {
    return Families.read(new MapConfig(Map.of("model_type", "gpt2", "n_embd", 12288, "n_head", 96, "n_layer", 2,
        "vocab_size", 51200, "n_positions", 2048, "resid_pdrop", 0.1, "attn_pdrop", 0.1), "test"));
  }

  static Architecture llama31_8b() {
    return Families.read(new MapConfig(Map.of("model_type", "llama", "hidden_size", 4096, "num_hidden_layers", 32,
        "num_attention_heads", 32, "num_key_value_heads", 8, "intermediate_size", 14336, "vocab_size", 128256), "test"));
  }

  private static long perToken(Architecture a, int t, boolean sp, boolean flash, boolean selective, long s) {
    Activations.Settings settings = new Activations.Settings(2, t, sp, flash, selective);
    return Activations.perTokenPerLayer(a, 0, Activations.LayerTraining.FULL, settings, s).onRank(settings);
  }

  @Test
  void gptBlockSavesThirtyFourHPlusFiveAsBytesPerToken() {
    // Korthikanti et al. 2022, eq. 1: activations per layer = sbh(34 + 5as/h).
    long s = 2048;

    long bytes = perToken(gpt3(), 1, false, false, false, s);

    assertThat((double) bytes).isEqualTo(Activations.korthikantiPerToken(12288, 96, s, 1, false, false));
    assertThat(bytes).isEqualTo(12288L * 34 + 5L * 96 * s);
  }

  @Test
  void tensorParallelismReplicatesTenHWithoutSequenceParallelism() {
    // eq. 2: sbh(10 + 24/t + 5as/(ht)); with sequence parallelism sbh(34/t + 5as/(ht)).
    long s = 2048;
    int t = 8;

    assertThat((double) perToken(gpt3(), t, false, false, false, s)).isEqualTo(Activations.korthikantiPerToken(12288, 96, s, t, false, false));
    assertThat((double) perToken(gpt3(), t, true, false, false, s)).isEqualTo(Activations.korthikantiPerToken(12288, 96, s, t, true, false));
  }

  @Test
  void selectiveRecomputationDropsTheScoreTerm() {
    // §5: with selective recomputation and SP the block keeps sbh·34/t.
    long s = 2048;

    assertThat(perToken(gpt3(), 8, true, false, true, s)).isEqualTo(12288L * 34 / 8);
    // Worked example of the Javadoc: 2,048 × 12,288 × 34 / 8 per sequence and layer.
    assertThat(Activations.korthikantiPerToken(12288, 96, s, 8, true, true) * s).isEqualTo(106_954_752.0);
  }

  @Test
  void llamaBlockSavesTheFujiiCount() {
    // Fujii et al. 2024: sbh(12 + 4k/a + 8f/h) = 167,936 bytes per token per layer for Llama-3.1-8B.
    assertThat(perToken(llama31_8b(), 1, false, true, false, 8192)).isEqualTo(167_936L);
  }

  @Test
  void frozenLinearsSaveNoInputs() {
    Architecture a = llama31_8b();
    Activations.Settings s = new Activations.Settings(2, 1, false, true, false);

    long frozen = Activations.perTokenPerLayer(a, 0, Activations.LayerTraining.PASS_THROUGH, s, 1024).onRank(s);

    // norms 2 × 2h, attention core 2(2h + 2h/4), gate output, activation output, up output 3 × 2f.
    assertThat(frozen).isEqualTo(4L * 4096 + 2 * (2 * 4096 + 2 * 1024) + 6L * 14336);
  }
}
