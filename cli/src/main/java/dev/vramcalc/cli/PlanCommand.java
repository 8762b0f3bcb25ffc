package dev.vramcalc.cli;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.perf.Roofline;
import dev.vramcalc.core.perf.StepTime;
import dev.vramcalc.core.solve.Planner;
import dev.vramcalc.core.solve.ServingPlanner;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.core.workload.TrainingWorkload;
import dev.vramcalc.io.json.JsonWriter;
import dev.vramcalc.io.report.Documents;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Ranks the parallel layouts of N GPUs for serving or, with --train, for training. */
@Command(name = "plan", mixinStandardHelpOptions = true, description = "Best parallel layouts for N GPUs: serving (tp × pp × replicas) or, with --train, training (TP, PP, CP, DP, EP, ZeRO, checkpointing, micro-batch, offload), ranked by speed.")
final class PlanCommand implements Callable<Integer> {

  @Mixin ModelOptions modelOptions;
  @Mixin GpuOptions gpuOptions;
  @Mixin OutputOptions output;
  @Mixin SharedOptions shared;
  @Mixin InferenceOptions inference;
  @Mixin TrainCommand.TrainingOptions training;

  @Option(names = "--train", description = "Plan a training run (the flags of train); without it, plan serving (the flags of infer).")
  boolean train;

  @Option(names = "--global-batch", paramLabel = "N", description = "Training: sequences (or 4Mi-tokens) per optimizer step (default about 4Mi tokens, a multiple of --gpus).")
  String globalBatch;

  @Option(names = "--top", paramLabel = "K", description = "Layouts shown (default 5).")
  int top = Planner.DEFAULT_TOP;

  @Option(names = "--mfu", paramLabel = "F", description = "Training: achievable share of dense peak FLOP/s (default 0.40).")
  double mfu = StepTime.DEFAULT_MFU;

  @Option(names = "--no-offload", description = "Training: leave CPU offload of optimizer states out of the search.")
  boolean noOffload;

  @Option(names = "--tokens", paramLabel = "N", description = "Training: tokens to train on (100B, 2T) for GPU-hours and cost.")
  String tokens;

  @Option(names = "--price-per-hour", paramLabel = "USD", description = "Price of one GPU-hour (default: the catalog's).")
  Double pricePerHour;

  @Option(names = "--memory-efficiency", paramLabel = "F", description = "Serving: achievable share of peak bandwidth (default 0.80).")
  double memoryEfficiency = Roofline.DEFAULT_MEMORY_EFFICIENCY;

  @Option(names = "--compute-efficiency", paramLabel = "F", description = "Serving: achievable share of dense peak FLOP/s (default 0.60).")
  double computeEfficiency = Roofline.DEFAULT_COMPUTE_EFFICIENCY;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  private boolean given(String name) {
    return spec.commandLine().getParseResult().hasMatchedOption(name);
  }

  @Override
  public Integer call() {
    Model model = modelOptions.resolve();
    Gpu gpu = gpuOptions.required("plan", false);
    int gpus = gpuOptions.count();
    Double price = pricePerHour != null ? pricePerHour : gpu.priceUsdPerHour();
    if (price != null && !(price >= 0)) {
      throw new BadInputException("price-per-hour", "--price-per-hour (" + price + ") must be at least 0");
    }
    Map<String, Object> doc;
    if (train) {
      TrainingWorkload base = training.workload(model, shared.withoutLayout(), 1);
      long g;
      if (globalBatch != null) {
        long[] target = LimitCommand.globalBatch(globalBatch);
        if (target[0] == 0 && target[1] % base.seqLen() != 0) {
          throw new BadInputException("global-batch", String.format(Locale.ROOT, "--global-batch %s is not a whole number of %,d-token sequences", globalBatch, base.seqLen()));
        }
        g = target[0] > 0 ? target[0] : target[1] / base.seqLen();
      } else {
        g = Planner.defaultGlobalBatch(base.seqLen(), gpus);
      }
      Planner.Constraints c = new Planner.Constraints(shared.tp, shared.pp, given("--cp") ? training.cp : null, given("--ep") ? training.ep : null,
          given("--zero") ? training.zero : null, given("--checkpointing") ? base.checkpointing() : null, given("--micro-batch") ? (int) training.microBatch : null,
          g, !noOffload, top, mfu);
      long t0 = System.nanoTime();
      Planner.Plan plan = Planner.plan(model, gpu, base, gpus, c);
      double elapsed = (System.nanoTime() - t0) / 1e9;
      doc = Documents.trainingPlan(model, gpu, gpus, plan, tokens == null ? 0 : parseTokens(tokens), price, elapsed, mfu);
    } else {
      InferenceWorkload w = inference.workload(model, shared.withoutLayout(), null);
      Roofline.Settings speed = new Roofline.Settings(1, w.seqLen(), w.promptLen(), 1, w.weights(), w.kvCache(), w.flashAttention(), memoryEfficiency,
          computeEfficiency, Roofline.DEFAULT_ALLREDUCE_LATENCY);
      ServingPlanner.Plan plan = ServingPlanner.plan(model, gpu, w, gpus, training.gpusPerNode, given("--batch") ? inference.batch : 0, speed, top,
          shared.tp, shared.pp);
      doc = Documents.servingPlan(model, gpu, gpus, plan, price);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json) {
      out.println(JsonWriter.write(doc));
    } else if (train) {
      renderTraining(out, doc);
    } else {
      renderServing(out, doc);
    }
    return ExitCodes.OK;
  }

  /** Returns a token count: 2T, 100B, 500M, 4Mi or a plain number, at most 10^16. */
  static long parseTokens(String text) {
    try {
      return dev.vramcalc.core.unit.Counts.parse(text, 1e16, "10^16");
    } catch (IllegalArgumentException e) {
      throw new BadInputException("tokens", "--tokens " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private void renderTraining(PrintWriter out, Map<String, Object> doc) {
    out.println(String.format(Locale.ROOT, "%s on %d × %s, training: global batch %,d sequences; %d candidate layouts, %d memory estimates, %.0f ms",
        doc.get("model"), (Long) doc.get("gpus"), doc.get("gpu"), (Long) doc.get("global_batch"), (Long) doc.get("candidates"), (Long) doc.get("evaluated"),
        (Double) doc.get("search_seconds") * 1e3));
    List<Object> layouts = (List<Object>) doc.get("layouts");
    if (layouts.isEmpty()) {
      out.println("no layout fits: " + doc.get("discarded"));
      return;
    }
    Table t = new Table(true, true, true, true, true, true, true, false, false, true, true, true, true, true, false);
    t.row("#", "tp", "pp", "v", "cp", "dp", "ep", "ZeRO", "ckpt", "mb", "accum", output.unit() + "/GPU", "step s", "tokens/s", "why");
    t.rule();
    for (Object o : layouts) {
      Map<String, Object> m = (Map<String, Object>) o;
      t.row(String.valueOf(m.get("rank")), String.valueOf(m.get("tp")), String.valueOf(m.get("pp")), String.valueOf(m.get("virtual_stages")),
          String.valueOf(m.get("cp")), String.valueOf(m.get("dp")), String.valueOf(m.get("ep")), m.get("zero") + ((Boolean) m.get("offload") ? "+off" : ""),
          (String) m.get("checkpointing"), String.valueOf(m.get("micro_batch")), String.valueOf(m.get("grad_accum")), output.gib((Long) m.get("device_bytes")),
          String.format(Locale.ROOT, "%.3f", (Double) m.get("step_seconds")), String.format(Locale.ROOT, "%,.0f", (Double) m.get("tokens_per_second")),
          (String) m.get("reason"));
    }
    out.print(t.render());
    Map<String, Object> best = (Map<String, Object>) layouts.get(0);
    out.println("best: " + best.get("time_breakdown") + String.format(Locale.ROOT, "; communication %s %s per step",
        output.gib((Long) best.get("communication_bytes_per_step")), output.unit()));
    if (doc.get("cost") != null) {
      Map<String, Object> cost = (Map<String, Object>) doc.get("cost");
      out.println(String.format(Locale.ROOT, "cost: %,.0f tokens → %,.1f hours on %d GPUs = %,.0f GPU-hours%s", ((Number) cost.get("tokens")).doubleValue(),
          (Double) cost.get("hours"), (Long) doc.get("gpus"), (Double) cost.get("gpu_hours"),
          cost.get("usd") == null ? " (no catalog price: give --price-per-hour)" : String.format(Locale.ROOT, " × $%.2f = $%,.0f", (Double) cost.get("usd_per_gpu_hour"), (Double) cost.get("usd"))));
    }
    out.println("discarded: " + doc.get("discarded"));
    out.println("estimate: step time = FLOPs / (peak × MFU " + doc.get("mfu") + ") + recomputation + bubble + communication compute does not hide; " + StepTime.MFU_SOURCE);
  }

  @SuppressWarnings("unchecked")
  private void renderServing(PrintWriter out, Map<String, Object> doc) {
    out.println(String.format(Locale.ROOT, "%s on %d × %s, serving: %d candidate layouts", doc.get("model"), (Long) doc.get("gpus"), doc.get("gpu"),
        (Long) doc.get("candidates")));
    List<Object> layouts = (List<Object>) doc.get("layouts");
    if (layouts.isEmpty()) {
      out.println("no layout fits: " + doc.get("discarded"));
      return;
    }
    Table t = new Table(true, true, true, true, true, true, true, true, true, false);
    t.row("#", "tp", "pp", "replicas", "batch/replica", output.unit() + "/GPU", "tokens/s", "tok/s/seq", "TTFT s", "why");
    t.rule();
    for (Object o : layouts) {
      Map<String, Object> m = (Map<String, Object>) o;
      t.row(String.valueOf(m.get("rank")), String.valueOf(m.get("tp")), String.valueOf(m.get("pp")), String.valueOf(m.get("replicas")),
          String.valueOf(m.get("batch_per_replica")), output.gib((Long) m.get("device_bytes")), String.format(Locale.ROOT, "%,.0f", (Double) m.get("tokens_per_second")),
          String.format(Locale.ROOT, "%.1f", (Double) m.get("tokens_per_second_per_sequence")), String.format(Locale.ROOT, "%.3f", (Double) m.get("time_to_first_token_seconds")),
          (String) m.get("reason"));
    }
    out.print(t.render());
    Map<String, Object> best = (Map<String, Object>) layouts.get(0);
    if (best.get("usd_per_million_tokens") != null) {
      out.println(String.format(Locale.ROOT, "cost of #1: $%.4f per million output tokens", (Double) best.get("usd_per_million_tokens")));
    }
    out.println("discarded: " + doc.get("discarded"));
    out.println("estimate: decode speed from the roofline (see 'vramcalc roofline'); memory per GPU from the " + doc.get("engine") + " profile");
  }
}
