package dev.vramcalc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vramcalc.io.json.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end: documents, tables, exit codes and one-line errors. */
class CliTest {

  record Result(int code, String out, String err) {

    @SuppressWarnings("unchecked")
    Map<String, Object> json() {
      return (Map<String, Object>) Json.parse(out, "stdout");
    }
  }

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void paramsJsonHasTheExactCountAndCheckpointBytes() {
    Result r = run("params", "meta-llama/Llama-3.1-8B", "--json");

    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(r.json()).containsEntry("parameters", 8_030_261_248L).containsEntry("weight_bytes", 16_060_522_496L);
    assertThat(r.json()).containsKeys("model", "architecture", "active_parameters", "breakdown", "footprint");
  }

  @Test
  @SuppressWarnings("unchecked")
  void paramsWithAGpuSaysWhetherEachPrecisionFits() {
    Result r = run("params", "llama-3.1-70b", "--gpu", "rtx-4090", "--json");

    List<Map<String, Object>> footprint = (List<Map<String, Object>>) r.json().get("footprint");
    Map<String, Object> bf16 = footprint.stream().filter(f -> f.get("precision").equals("bf16")).findFirst().orElseThrow();
    Map<String, Object> q2 = footprint.stream().filter(f -> f.get("precision").equals("q2_k")).findFirst().orElseThrow();

    assertThat(bf16).containsEntry("weight_bytes", 141_107_412_992L).containsEntry("verdict", "does-not-fit");
    assertThat(q2.get("verdict")).isEqualTo("does-not-fit");
    assertThat(footprint).extracting(f -> f.get("precision")).contains("fp32", "bf16", "fp8", "int8", "gptq-int4", "nf4", "mxfp4", "q8_0",
        "q6_k", "q5_k_m", "q4_k_m", "q3_k_m", "q2_k");
  }

  @Test
  @SuppressWarnings("unchecked")
  void inferJsonFollowsTheContract() {
    Result r = run("infer", "meta-llama/Llama-3.1-8B", "--gpu", "h100-sxm-80gb", "--batch", "1", "--seq-len", "8192", "--json");

    Map<String, Object> doc = r.json();
    Map<String, Object> perGpu = (Map<String, Object>) doc.get("per_gpu");
    Map<String, Object> components = (Map<String, Object>) perGpu.get("components");

    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(doc).containsEntry("mode", "inference").containsEntry("fits", true).containsEntry("verdict", "fits");
    assertThat(components).containsEntry("kv_cache", 1_073_741_824L).containsEntry("weights", 16_060_522_496L);
    assertThat(perGpu).containsKeys("allocated_bytes", "reserved_bytes", "device_bytes");
    assertThat(doc).containsKeys("model", "gpu", "headroom_bytes", "engine");
  }

  @Test
  void inferHumanOutputShowsEachComponentWithItsFormula() {
    Result r = run("infer", "meta-llama/Llama-3.1-8B", "--gpu", "rtx-4090", "--seq-len", "8192");

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("kv_cache", "1 (B) × 8,192 (tokens) × 32 (layers: 8 KV heads × 128) × 4,096 (bytes/token/layer in BF16) = 1.00 GiB");
    assertThat(r.out()).contains("= device", "verdict: fits");
  }

  @Test
  void theHeaderSaysWhereTheSequenceLengthCameFrom() {
    // it said "(default --seq-len)" whatever set the length (found in review)
    assertThat(run("infer", "llama-3.1-8b", "--gpu", "h100-sxm-80gb").out()).contains("batch 1 × 4,096 tokens (default --seq-len)");
    assertThat(run("infer", "llama-3.1-8b", "--gpu", "h100-sxm-80gb", "--prompt-len", "6000").out()).contains("batch 1 × 6,000 tokens (--prompt-len)");
    assertThat(run("infer", "llama-3.1-8b", "--gpu", "h100-sxm-80gb", "--engine", "vllm", "--max-model-len", "8192").out())
        .contains("batch 1 × 8,192 tokens (--max-model-len)");
    assertThat(run("infer", "llama-3.1-8b", "--gpu", "h100-sxm-80gb", "--seq-len", "100").out()).contains("batch 1 × 100 tokens, weights");
  }

  @Test
  void maxBatchCountsTheLayoutsGpus() {
    // the header took the count from --gpus only: max-batch --tp 2 said "on h100-sxm-80gb" (found in review)
    assertThat(run("max-batch", "llama-3.1-8b", "--gpu", "h100-sxm-80gb", "--tp", "2", "--json").json()).containsEntry("gpus", 2L);
    assertThat(run("max-batch", "llama-3.1-8b", "--gpu", "h100-sxm-80gb", "--tp", "2").out()).startsWith("llama-3.1-8b on 2 × h100-sxm-80gb");
    assertThat(run("max-batch", "llama-3.1-8b", "--gpu", "h100-sxm-80gb", "--train", "--gpus", "4", "--json").json()).containsEntry("gpus", 4L);
  }

  @Test
  void siUnitsAreOffered() {
    Result r = run("params", "llama-3.1-8b", "--units", "si");

    assertThat(r.out()).contains("16.06 GB");
  }

  @Test
  void anUnknownModelIsExitCodeTwoWithOneLine() {
    Result r = run("infer", "no-such-model", "--gpu", "rtx-4090");

    assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err().strip()).startsWith("vramcalc: unknown model 'no-such-model'").doesNotContain("\n").doesNotContain("Exception");
  }

  @Test
  void aNegativeBatchIsNamed() {
    Result r = run("infer", "llama-3.1-8b", "--gpu", "rtx-4090", "--batch", "-1");

    assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err().strip()).isEqualTo("vramcalc: --batch (-1) must be between 1 and 1099511627776");
  }

  @Test
  void aNonNumericBatchIsNamed() {
    Result r = run("infer", "llama-3.1-8b", "--gpu", "rtx-4090", "--batch", "many");

    assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err().strip()).isEqualTo("vramcalc: Invalid value for option '--batch': 'many' is not a long");
  }

  @Test
  void aTensorParallelSizeThatDoesNotDivideTheHeadsIsRefused() {
    Result r = run("infer", "llama-3.1-8b", "--gpu", "rtx-4090", "--tp", "3");

    assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err().strip()).isEqualTo("vramcalc: --tp (3) must divide num_attention_heads (32)");
  }

  @Test
  void errorsAreJsonObjectsWithJson() {
    Result r = run("infer", "llama-3.1-8b", "--gpu", "no-such-gpu", "--json");

    assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.json()).containsKey("error");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void aMalformedConfigFileIsExitCodeTwo(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("config.json");
    Files.writeString(config, "{\"model_type\": \"llama\", \"hidden_size\": ");

    Result r = run("params", config.toString());

    assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err().strip()).isEqualTo("vramcalc: " + config + ": invalid JSON at offset 39: unexpected end of document");
  }

  @Test
  void anAbsurdConfigIsExitCodeTwo(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("config.json");
    Files.writeString(config, "{\"model_type\": \"llama\", \"hidden_size\": 99999999999, \"num_hidden_layers\": 2,"
        + " \"num_attention_heads\": 2, \"intermediate_size\": 8, \"vocab_size\": 8}");

    Result r = run("params", config.toString());

    assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err().strip()).isEqualTo("vramcalc: " + config + ": hidden_size (99999999999) must be between 1 and 1048576");
  }

  @Test
  void aCustomArchitectureFromFlagsCountsLikeItsConfig() {
    Result r = run("params", "--hidden-size", "4096", "--num-layers", "32", "--num-heads", "32", "--num-kv-heads", "8",
        "--intermediate-size", "14336", "--vocab-size", "128256", "--json");

    assertThat(r.json()).containsEntry("parameters", 8_030_261_248L);
  }

  @Test
  void aBareParameterCountGivesWeightsOnly() {
    Result r = run("params", "--params", "7B", "--json");

    assertThat(r.json()).containsEntry("parameters", 7_000_000_000L).containsEntry("weight_bytes", 14_000_000_000L);
  }

  @Test
  void catalogsList() {
    assertThat(run("models").out()).contains("llama-3.1-8b", "meta-llama/Llama-3.1-8B", "8.03B");
    assertThat(run("gpus").out()).contains("rtx-4090", "h100-sxm-80gb");
    assertThat(run("gpus", "--json").json()).containsKey("gpus");
  }

  @Test
  void maxBatchAgreesWithInfer() {
    Result r = run("max-batch", "meta-llama/Llama-3.1-8B", "--gpu", "rtx-4090", "--seq-len", "2048", "--json");

    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    long b = ((Number) r.json().get("max_batch")).longValue();
    assertThat(b).isPositive();
    assertThat(r.json()).containsEntry("limited_by", "memory").containsEntry("seq_len", 2048L).containsKey("estimate");
    assertThat(run("infer", "meta-llama/Llama-3.1-8B", "--gpu", "rtx-4090", "--seq-len", "2048", "--batch", Long.toString(b), "--json").json())
        .extractingByKey("verdict").isEqualTo("fits");
    assertThat(run("infer", "meta-llama/Llama-3.1-8B", "--gpu", "rtx-4090", "--seq-len", "2048", "--batch", Long.toString(b + 1), "--json").json())
        .extractingByKey("verdict").isNotEqualTo("fits");
  }

  @Test
  void maxContextWithTrainAgreesWithTrain() {
    Result r = run("max-context", "meta-llama/Llama-3.2-1B", "--gpu", "rtx-4090", "--train", "--method", "lora", "--lora-targets", "all-linear",
        "--checkpointing", "full", "--json");

    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    long s = ((Number) r.json().get("max_seq_len")).longValue();
    assertThat(r.json()).containsEntry("mode", "training");
    assertThat(s).isBetween(1024L, 131_072L);
    String[] train = {"train", "meta-llama/Llama-3.2-1B", "--gpu", "rtx-4090", "--method", "lora", "--lora-targets", "all-linear", "--checkpointing", "full", "--json", "--seq-len"};
    assertThat(run(append(train, Long.toString(s))).json()).extractingByKey("verdict").isEqualTo("fits");
    if (s < 131_072L) {
      assertThat(run(append(train, Long.toString(s + 1))).json()).extractingByKey("verdict").isNotEqualTo("fits");
    }
  }

  private static String[] append(String[] a, String x) {
    String[] b = java.util.Arrays.copyOf(a, a.length + 1);
    b[a.length] = x;
    return b;
  }

  @Test
  @SuppressWarnings("unchecked")
  void maxBatchCurveHasEveryPrecisionAndFallsWithLength() {
    Result r = run("max-batch", "Qwen/Qwen2.5-7B", "--gpu", "h100-sxm-80gb", "--curve", "--json");

    List<Map<String, Object>> curve = (List<Map<String, Object>>) r.json().get("curve");
    assertThat(curve).extracting(m -> m.get("precision")).containsExactly("fp32", "bf16", "int8", "gptq-int4", "q8_0", "q6_k", "q5_k_m", "q4_k_m", "q3_k_m", "q2_k");
    for (Map<String, Object> row : curve) {
      List<Map<String, Object>> bySeq = (List<Map<String, Object>>) row.get("max_batch_by_seq_len");
      assertThat(bySeq.get(0)).containsEntry("seq_len", 256L);
      for (int i = 1; i < bySeq.size(); i++) {
        assertThat((Long) bySeq.get(i).get("max_batch")).isLessThanOrEqualTo((Long) bySeq.get(i - 1).get("max_batch"));
      }
    }
    Map<String, Object> bf16 = curve.get(1);
    long atDefault = ((List<Map<String, Object>>) bf16.get("max_batch_by_seq_len")).stream()
        .filter(p -> p.get("seq_len").equals(4096L)).map(p -> (Long) p.get("max_batch")).findFirst().orElseThrow();
    assertThat(atDefault).isEqualTo(r.json().get("max_batch"));
  }

  @Test
  void maxContextRejectsASeqLenAndALlamaCppNonGgufFormat() {
    Result a = run("max-context", "meta-llama/Llama-3.1-8B", "--gpu", "rtx-4090", "--seq-len", "4096");
    Result b = run("max-batch", "meta-llama/Llama-3.1-8B", "--gpu", "rtx-4090", "--engine", "llama.cpp", "--weights", "int8");

    assertThat(a.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(a.err()).contains("--seq-len").doesNotContain("Exception");
    assertThat(b.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(b.err()).contains("GGUF").hasLineCount(1);
  }

  @Test
  @SuppressWarnings("unchecked")
  void rooflineJsonFollowsTheContract() {
    Result r = run("roofline", "meta-llama/Llama-3.1-8B", "--gpu", "h100-sxm-80gb", "--seq-len", "2048", "--json");

    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    List<Map<String, Object>> ops = (List<Map<String, Object>>) r.json().get("operations");
    assertThat(ops).extracting(o -> o.get("name")).contains("qkv_proj", "attention", "o_proj", "mlp", "norms", "lm_head");
    assertThat(ops).allSatisfy(o -> assertThat(o).containsKeys("name", "flops", "bytes", "intensity", "bound"));
    assertThat(ops).allMatch(o -> o.get("bound").equals("memory"));
    double tps = (Double) r.json().get("decode_tokens_per_second");
    // 16.06 GB of BF16 weights over 3.35 TB/s: at most ~209 steps per second
    assertThat(tps).isBetween(100.0, 3350e9 / 15.0e9);
    assertThat((Double) r.json().get("prefill_seconds")).isPositive();
    Map<String, Object> cost = (Map<String, Object>) r.json().get("cost");
    assertThat((Double) cost.get("usd_per_million_tokens")).isCloseTo((Double) cost.get("usd_per_gpu_hour") / (tps * 3600) * 1e6, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void rooflineNeedsACatalogGpuAndValidEfficiencies() {
    Result custom = run("roofline", "meta-llama/Llama-3.1-8B", "--gpu-memory", "24GiB");
    Result eff = run("roofline", "meta-llama/Llama-3.1-8B", "--gpu", "h100-sxm-80gb", "--memory-efficiency", "1.5");

    assertThat(custom.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(custom.err()).contains("bandwidth");
    assertThat(eff.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(eff.err()).contains("--memory-efficiency (1.5)");
  }

  @Test
  @SuppressWarnings("unchecked")
  void planTrainingRanksLayoutsAndCostsTheRun() {
    Result r = run("plan", "meta-llama/Llama-3.1-8B", "--gpu", "h100-sxm-80gb", "--gpus", "16", "--train", "--seq-len", "4096", "--tokens", "1T", "--json");

    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    List<Map<String, Object>> layouts = (List<Map<String, Object>>) r.json().get("layouts");
    assertThat(layouts).isNotEmpty();
    assertThat(layouts.get(0)).containsEntry("rank", 1L).containsKeys("tp", "pp", "dp", "zero", "micro_batch", "grad_accum", "device_bytes", "step_seconds",
        "communication_bytes_per_step", "reason");
    Map<String, Object> cost = (Map<String, Object>) r.json().get("cost");
    double tps = (Double) layouts.get(0).get("tokens_per_second");
    assertThat((Double) cost.get("gpu_hours")).isCloseTo(1e12 / tps / 3600 * 16, org.assertj.core.data.Offset.offset(1e-6));
    // 6 × 8B × 1T tokens at 40% of 989 TFLOP/s on 16 GPUs: about 8,400 hours of the cluster at best
    assertThat((Double) cost.get("hours")).isGreaterThan(6 * 7.5e9 * 1e12 / (16 * 989.4e12 * 0.4) / 3600);
  }

  @Test
  @SuppressWarnings("unchecked")
  void planServingAndFitFollowTheirFlags() {
    Result plan = run("plan", "meta-llama/Llama-3.1-70B", "--gpu", "h100-sxm-80gb", "--gpus", "8", "--engine", "vllm", "--json");
    Result fit = run("fit", "Qwen/Qwen2.5-7B", "--budget", "2000", "--json");
    Result fitAll = run("fit", "Qwen/Qwen2.5-7B", "--json");

    assertThat(plan.code()).isEqualTo(ExitCodes.OK);
    assertThat((List<Object>) plan.json().get("layouts")).isNotEmpty();
    List<Map<String, Object>> within = (List<Map<String, Object>>) fit.json().get("gpus");
    assertThat(within).isNotEmpty().allMatch(g -> g.get("purchase_usd") != null && (Double) g.get("purchase_usd") <= 2000);
    assertThat(((List<Object>) fitAll.json().get("gpus")).size()).isGreaterThan(within.size());
  }

  @Test
  void fitAndPlanRejectBadInput() {
    Result a = run("fit", "meta-llama/Llama-3.1-8B", "--max-gpus", "0");
    Result b = run("plan", "meta-llama/Llama-3.1-8B", "--gpu", "h100-sxm-80gb", "--gpus", "8", "--train", "--tokens", "lots");
    Result c = run("plan", "meta-llama/Llama-3.1-8B", "--gpu-memory", "80GiB", "--gpus", "8", "--train");

    assertThat(a.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(a.err()).contains("--max-gpus (0)");
    assertThat(b.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(b.err()).contains("--tokens 'lots'");
    assertThat(c.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(c.err()).contains("peak FLOP/s").hasLineCount(1);
  }

  @Test
  void anUncachedHubModelOfflineSaysWhatIsMissing(@TempDir Path cache) {
    Result r = run("params", "some-org/some-model", "--offline", "--cache-dir", cache.toString());

    assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err()).contains("some-org/some-model/config.json").contains("not in the cache").contains("--offline").hasLineCount(1);
  }
}
