package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.Communication;
import dev.vramcalc.core.estimate.TrainingEstimate;
import dev.vramcalc.core.estimate.TrainingEstimator;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.workload.TrainingWorkload;
import dev.vramcalc.core.workload.TrainingWorkload.Builder;
import dev.vramcalc.core.workload.TrainingWorkload.Checkpointing;
import dev.vramcalc.core.workload.TrainingWorkload.Lora;
import dev.vramcalc.core.workload.TrainingWorkload.Method;
import dev.vramcalc.core.workload.TrainingWorkload.Optimizer;
import dev.vramcalc.core.workload.TrainingWorkload.Precision;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Training memory: the sources' worked examples, exact trainable counts, properties and invalid layouts. */
class TrainingEstimateTest {

  private static final Gpu H100 = GpuCatalogReader.bundled().get("h100-sxm-80gb");

  private static TrainingEstimate estimate(String model, Builder b) {
    return TrainingEstimator.estimate(Fixtures.model(model), H100, b.build());
  }

  private static long perParam(TrainingEstimate e, long psi) {
    var s = e.state();
    return (s.get("weights") + s.get("gradients") + s.get("master_weights") + s.get("optimizer_states")) / psi;
  }

  @Test
  void mixedPrecisionAdamIsSixteenBytesPerParameter() {
    // ZeRO (Rajbhandari et al. 2020) §3.1: 2Ψ (fp16 weights) + 2Ψ (gradients) + 12Ψ (fp32 master, momentum, variance).
    Model m = Fixtures.model("llama-2-7b");
    long psi = m.parameters();

    TrainingEstimate e = TrainingEstimator.estimate(m, H100, TrainingWorkload.builder().precision(Precision.BF16_MIXED).build());

    assertThat(perParam(e, psi)).isEqualTo(16);
    assertThat(e.state().get("weights") + e.state().get("gradients") + e.state().get("master_weights") + e.state().get("optimizer_states"))
        .isEqualTo(16 * psi);
  }

  @Test
  void megatronAccountingWithFp32GradientsIsEighteen() {
    Model m = Fixtures.model("llama-2-7b");

    TrainingEstimate e = TrainingEstimator.estimate(m, H100, TrainingWorkload.builder().fp32Gradients(true).build());

    assertThat(perParam(e, m.parameters())).isEqualTo(18);
  }

  @Test
  void pureBf16IsEightAndFp32IsSixteen() {
    Model m = Fixtures.model("llama-2-7b");

    assertThat(perParam(TrainingEstimator.estimate(m, H100, TrainingWorkload.builder().precision(Precision.BF16).build()), m.parameters())).isEqualTo(8);
    assertThat(perParam(TrainingEstimator.estimate(m, H100, TrainingWorkload.builder().precision(Precision.FP32).build()), m.parameters())).isEqualTo(16);
  }

  @Test
  void zeroStagesShardAsThePaperSays() {
    // ZeRO §5, Figure 1: per GPU (2 + 2 + K)Ψ baseline; P_os 2Ψ + 2Ψ + KΨ/N; P_os+g 2Ψ + (2 + K)Ψ/N;
    // P_os+g+p (2 + 2 + K)Ψ/N, with K = 12 and N = 64.
    Model m = Fixtures.model("llama-2-7b");
    long psi = m.parameters();
    int n = 64;
    long[] expected = {16 * psi, 4 * psi + 12 * psi / n, 2 * psi + 14 * psi / n, 16 * psi / n};

    for (int stage = 0; stage <= 3; stage++) {
      TrainingEstimate e = TrainingEstimator.estimate(m, H100, TrainingWorkload.builder().gpus(n).zero(stage).build());
      var s = e.state();

      long total = s.get("weights") + s.get("gradients") + s.get("master_weights") + s.get("optimizer_states");

      assertThat((double) total).as("ZeRO-" + stage).isCloseTo(expected[stage], org.assertj.core.data.Offset.offset(64.0 * 16));
    }
  }

  @Test
  void loraTrainableParametersMatchPeft() {
    // calibration training.json peftcmp-*: num_trainable_params reported by PEFT for Llama-3.2-3B.
    record Case(String method, int rank, List<String> targets, long expected) {}
    List<Case> cases = List.of(
        new Case("lora", 32, List.of("v_proj", "q_proj"), 9_175_040L),
        new Case("lora", 64, List.of("q_proj", "v_proj"), 18_350_080L),
        new Case("dora", 32, List.of("q_proj", "v_proj"), 9_289_728L),
        new Case("lora", 10, List.of("up_proj", "gate_proj", "down_proj"), 9_461_760L));

    for (Case c : cases) {
      TrainingEstimate e = estimate("meta-llama/Llama-3.2-3B", TrainingWorkload.builder()
          .method(c.method().equals("dora") ? Method.DORA : Method.LORA).precision(Precision.BF16)
          .lora(new Lora(c.rank(), 2 * c.rank(), c.targets(), 0, true)));

      assertThat(e.trainableParameters()).as(c.toString()).isEqualTo(c.expected());
    }
  }

  @Test
  void dataParallelAllReduceMovesTwiceTheGradientsAndZero3OneAndAHalfTimes() {
    Model m = Fixtures.model("llama-3.1-8b");
    long grads = m.parameters() * 2;
    int n = 8;

    Communication ddp = TrainingEstimator.estimate(m, H100, TrainingWorkload.builder().gpus(n).build()).communication();
    Communication z3 = TrainingEstimator.estimate(m, H100, TrainingWorkload.builder().gpus(n).zero(3).build()).communication();

    assertThat(ddp.bytesPerStep()).isEqualTo(Communication.allReduce(grads, n));
    assertThat((double) z3.bytesPerStep() / ddp.bytesPerStep()).isCloseTo(1.5, org.assertj.core.data.Offset.offset(0.001));
  }

  @Test
  void memoryNeverRisesWithMoreShardingParallelismOrRecomputation() {
    String model = "llama-3.1-8b";
    Builder base = TrainingWorkload.builder().microBatch(2).seqLen(4096).gradAccum(8);
    // More GPUs at each ZeRO stage.
    for (int stage = 0; stage <= 3; stage++) {
      long previous = Long.MAX_VALUE;
      for (int n : new int[] {2, 4, 8, 16, 64}) {
        long d = estimate(model, new Builder(base.build()).gpus(n).zero(stage)).device().value();
        assertThat(d).as("ZeRO-" + stage + " N=" + n).isLessThanOrEqualTo(previous);
        previous = d;
      }
    }
    // Higher ZeRO stage on 8 GPUs.
    long previous = Long.MAX_VALUE;
    for (int stage = 0; stage <= 3; stage++) {
      long d = estimate(model, new Builder(base.build()).gpus(8).zero(stage)).device().value();
      assertThat(d).as("ZeRO-" + stage).isLessThanOrEqualTo(previous);
      previous = d;
    }
    // More tensor and pipeline parallelism on 8 GPUs.
    previous = Long.MAX_VALUE;
    for (int tp : new int[] {1, 2, 4, 8}) {
      long d = estimate(model, new Builder(base.build()).gpus(8).zero(1).tp(tp).sequenceParallel(true)).device().value();
      assertThat(d).as("tp=" + tp).isLessThanOrEqualTo(previous);
      previous = d;
    }
    previous = Long.MAX_VALUE;
    for (int pp : new int[] {1, 2, 4, 8}) {
      long d = estimate(model, new Builder(base.build()).gpus(8).zero(1).pp(pp)).device().value();
      assertThat(d).as("pp=" + pp).isLessThanOrEqualTo(previous);
      previous = d;
    }
    // More recomputation.
    previous = Long.MAX_VALUE;
    for (Checkpointing c : Checkpointing.values()) {
      long d = estimate(model, new Builder(base.build()).flashAttention(false).checkpointing(c)).device().value();
      assertThat(d).as(c.name()).isLessThanOrEqualTo(previous);
      previous = d;
    }
    // Lighter optimizers.
    previous = Long.MAX_VALUE;
    for (Optimizer o : List.of(Optimizer.ADAMW, Optimizer.LION, Optimizer.SGD_MOMENTUM, Optimizer.ADAMW_8BIT, Optimizer.ADAFACTOR, Optimizer.SGD)) {
      long d = estimate(model, new Builder(base.build()).optimizer(o)).device().value();
      assertThat(d).as(o.name()).isLessThanOrEqualTo(previous);
      previous = d;
    }
  }

  @Test
  void memoryNeverFallsWithLargerBatchSequenceOrRank() {
    Random random = new Random(7L);
    List<String> models = List.of("llama-3.2-3b", "qwen3-30b-a3b", "gemma-2-9b", "gpt2", "bert-base-uncased", "deepseek-v2-lite");
    for (int i = 0; i < 60; i++) {
      String model = models.get(random.nextInt(models.size()));
      long b = 1 + random.nextInt(8);
      long s = 128 + random.nextInt(4096);
      int r = 1 + random.nextInt(64);
      Method method = random.nextBoolean() ? Method.FULL : Method.LORA;
      Builder base = TrainingWorkload.builder().method(method).microBatch(b).seqLen(s)
          .lora(method == Method.LORA ? new Lora(r, r, List.of("all-linear"), 0, true) : null);
      long d = estimate(model, base).device().value();

      assertThat(estimate(model, new Builder(base.build()).microBatch(b + 1)).device().value()).as(model).isGreaterThanOrEqualTo(d);
      assertThat(estimate(model, new Builder(base.build()).seqLen(s + 64)).device().value()).as(model).isGreaterThanOrEqualTo(d);
      if (method == Method.LORA) {
        assertThat(estimate(model, new Builder(base.build()).lora(new Lora(r + 8, r, List.of("all-linear"), 0, true))).device().value())
            .as(model).isGreaterThanOrEqualTo(d);
      }
    }
  }

  @Test
  void invalidCombinationsAreNamed() {
    assertThatThrownBy(() -> TrainingWorkload.builder().method(Method.QLORA).precision(Precision.FP32).lora(new Lora(8, 8, List.of("q_proj"), 0, true)).build())
        .isInstanceOf(BadInputException.class)
        .hasMessage("QLoRA computes in 16-bit over an NF4 base: use --precision bf16-mixed, fp16-mixed or bf16, not fp32");
    assertThatThrownBy(() -> estimate("llama-3.1-8b", TrainingWorkload.builder().gpus(3).tp(3)))
        .hasMessage("--tp (3) must divide num_attention_heads (32)");
    assertThatThrownBy(() -> estimate("llama-3.2-1b", TrainingWorkload.builder().gpus(32).pp(32)))
        .hasMessage("--pp (32) must not exceed num_hidden_layers (16)");
    assertThatThrownBy(() -> estimate("llama-3.1-8b", TrainingWorkload.builder().gpus(2).ep(2)))
        .hasMessage("--ep (2) needs a mixture-of-experts model; llama is dense");
    assertThatThrownBy(() -> estimate("llama-3.1-8b", TrainingWorkload.builder().method(Method.LORA).lora(new Lora(8, 8, List.of("wq"), 0, true))))
        .hasMessageStartingWith("--lora-targets 'wq' matches no linear module of this model; its linear modules are: down_proj, gate_proj, k_proj,");
  }

  @Test
  void zero3OnOneGpuIsAllowedButSaysItShardsNothing() {
    TrainingEstimate e = estimate("llama-3.2-1b", TrainingWorkload.builder().zero(3));

    assertThat(e.notes()).contains("ZeRO-3/FSDP on one data-parallel rank shards nothing: it only adds gather buffers");
  }

  @Test
  void pipelineFirstStageHoldsInFlightMicroBatches() {
    TrainingEstimate e = estimate("llama-3.1-8b", TrainingWorkload.builder().gpus(4).pp(4).gradAccum(16).microBatch(1).seqLen(4096));

    assertThat(e.mostLoaded()).startsWith("pipeline stage 0 of 4 (first: embeddings, 4 micro-batches in flight)");
  }

  @Test
  void optimizerInBackwardRemovesTheStepPeak() {
    TrainingEstimate plain = estimate("llama-3.2-1b", TrainingWorkload.builder().seqLen(256));
    TrainingEstimate fused = estimate("llama-3.2-1b", TrainingWorkload.builder().seqLen(256).optimizerInBackward(true));

    assertThat(plain.peakPhase()).isEqualTo("optimizer_step");
    assertThat(fused.phases()).doesNotContainKey("optimizer_step");
    assertThat(fused.allocated().value()).isLessThan(plain.allocated().value());
  }

  @Test
  void qloraStoresTheBaseInNf4() {
    TrainingEstimate lora = estimate("llama-3.1-8b", TrainingWorkload.builder().method(Method.LORA).lora(new Lora(16, 32, List.of("all-linear"), 0, true)));
    TrainingEstimate qlora = estimate("llama-3.1-8b", TrainingWorkload.builder().method(Method.QLORA).lora(new Lora(16, 32, List.of("all-linear"), 0, true)));

    // The 6.98B linear weights go from 2 bytes to ~0.53; embeddings and LM head stay bf16.
    assertThat(qlora.state().get("weights")).isLessThan(lora.state().get("weights") * 10 / 27);
    assertThat(qlora.trainableParameters()).isEqualTo(lora.trainableParameters());
  }
}
