package dev.vramcalc.cli;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.perf.Roofline;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.KvCacheType;
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

/** Prints the per-operation roofline of decode and prefill, tokens/s, time to first token and serving cost. */
@Command(name = "roofline", mixinStandardHelpOptions = true, description = "How fast: per-operation FLOPs, bytes, intensity and bound for decode and prefill; tokens/s, TTFT, cost per million tokens.")
final class RooflineCommand implements Callable<Integer> {

  @Mixin ModelOptions modelOptions;
  @Mixin GpuOptions gpuOptions;
  @Mixin OutputOptions output;

  @Option(names = "--batch", paramLabel = "B", description = "Sequences decoded together (default 1).")
  long batch = 1;

  @Option(names = "--seq-len", paramLabel = "L", description = "Tokens in each sequence's KV cache at the decode step (default: --prompt-len, else 4096 capped at the model's maximum).")
  Long seqLen;

  @Option(names = "--prompt-len", paramLabel = "P", description = "Prompt tokens per sequence for prefill and time to first token (default: --seq-len, else 4096 capped).")
  Long promptLen;

  @Option(names = "--weights", paramLabel = "FORMAT", description = "Weight format (default: the checkpoint's own).")
  String weights;

  @Option(names = {"--kv-cache", "--kv-cache-dtype"}, paramLabel = "TYPE", description = "KV cache type (default: the compute dtype).")
  String kvCache = "auto";

  @Option(names = {"--tp", "--tensor-parallel-size"}, paramLabel = "N", description = "Tensor-parallel size (default --gpus, else 1).")
  Integer tp;

  @Option(names = "--no-flash-attn", description = "Eager attention: the prefill writes and reads the score matrix.")
  boolean noFlash;

  @Option(names = "--memory-efficiency", paramLabel = "F", description = "Achievable share of peak bandwidth (default 0.80: serving stacks reach 60–85%%).")
  double memoryEfficiency = Roofline.DEFAULT_MEMORY_EFFICIENCY;

  @Option(names = "--compute-efficiency", paramLabel = "F", description = "Achievable share of dense peak FLOP/s (default 0.60: large GEMMs reach 60–80%%).")
  double computeEfficiency = Roofline.DEFAULT_COMPUTE_EFFICIENCY;

  @Option(names = "--allreduce-latency-us", paramLabel = "US", description = "Latency of one all-reduce under tensor parallelism (default 10 µs).")
  double allReduceLatencyUs = Roofline.DEFAULT_ALLREDUCE_LATENCY * 1e6;

  @Option(names = "--price-per-hour", paramLabel = "USD", description = "Price of one GPU-hour (default: the catalog's).")
  Double pricePerHour;

  @Option(names = "--throughput", paramLabel = "TOK/S", description = "Serving throughput for the cost per million tokens (default: the decode estimate).")
  Double throughput;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Model model = modelOptions.resolve();
    Gpu gpu = gpuOptions.required("roofline", false);
    int t = tp != null ? tp : gpuOptions.count();
    if (gpuOptions.gpus != null && tp != null && tp != gpuOptions.count()) {
      throw new BadInputException("tp", "--tp (" + tp + ") must equal --gpus (" + gpuOptions.count() + ") for the roofline of one replica");
    }
    long fallback = InferenceOptions.defaultSeqLen(model);
    long l = seqLen != null ? seqLen : promptLen != null ? promptLen : fallback;
    long p = promptLen != null ? promptLen : l;
    Roofline.Settings s = new Roofline.Settings(batch, l, p, t, weights == null ? null : Formats.named("weights", weights),
        KvCacheType.parse("kv-cache", kvCache), !noFlash, memoryEfficiency, computeEfficiency, allReduceLatencyUs / 1e6);
    Roofline.Result r = Roofline.of(model, gpu, s);
    if (throughput != null && !(throughput > 0)) {
      throw new BadInputException("throughput", "--throughput (" + throughput + ") must be positive");
    }
    if (pricePerHour != null && !(pricePerHour >= 0)) {
      throw new BadInputException("price-per-hour", "--price-per-hour (" + pricePerHour + ") must be at least 0");
    }
    Map<String, Object> doc = Documents.roofline(model, gpu, r, pricePerHour, throughput);
    PrintWriter out = spec.commandLine().getOut();
    if (output.json) {
      out.println(JsonWriter.write(doc));
      return ExitCodes.OK;
    }
    render(out, model, gpu, r, doc);
    return ExitCodes.OK;
  }

  @SuppressWarnings("unchecked")
  private void render(PrintWriter out, Model model, Gpu gpu, Roofline.Result r, Map<String, Object> doc) {
    Roofline.Settings s = r.settings();
    out.println(model.id() + " on " + (s.tp() > 1 ? s.tp() + " × " : "") + gpu.name() + String.format(Locale.ROOT,
        ": %s peak %.0f TFLOP/s, %.0f GB/s, ridge %.0f FLOPs/byte (efficiency: compute %.2f, memory %.2f)", r.peakLabel(), r.peakFlops() / 1e12,
        r.bandwidth() / 1e9, r.ridge(), s.computeEfficiency(), s.memoryEfficiency()));
    phase(out, String.format(Locale.ROOT, "decode step: batch %d, %,d tokens in cache", s.batch(), s.contextLen()), r.decode());
    phase(out, String.format(Locale.ROOT, "prefill: batch %d × %,d prompt tokens", s.batch(), s.promptLen()), r.prefill());
    out.println();
    out.println(String.format(Locale.ROOT, "decode: %.1f tokens/s per sequence, %.1f tokens/s in all (%.2f ms per step; bandwidth ceiling %.1f tokens/s)",
        r.decodeTokensPerSecondPerSequence(), r.decodeTokensPerSecond(), r.decode().seconds() * 1e3, r.bandwidthCeilingTokensPerSecond()));
    out.println(String.format(Locale.ROOT, "prefill: %.3f s for %,d tokens (%.0f tokens/s); time to first token of one request alone %.3f s",
        r.prefill().seconds(), s.batch() * s.promptLen(), s.batch() * s.promptLen() / r.prefill().seconds(), r.timeToFirstToken()));
    Map<String, Object> cost = (Map<String, Object>) doc.get("cost");
    if (cost != null) {
      out.println(String.format(Locale.ROOT, "cost: $%.2f per GPU-hour × %d GPUs at %.1f tokens/s = $%.4f per million output tokens",
          (Double) cost.get("usd_per_gpu_hour"), (Long) cost.get("gpus"), (Double) cost.get("tokens_per_second"), (Double) cost.get("usd_per_million_tokens")));
    } else {
      out.println("cost: the catalog has no hourly price for " + gpu.id() + " (give --price-per-hour)");
    }
    for (String n : r.notes()) {
      out.println("note: " + n);
    }
    out.println("efficiency: " + Roofline.MEMORY_EFFICIENCY_SOURCE);
    out.println("efficiency: " + Roofline.COMPUTE_EFFICIENCY_SOURCE);
    if (s.tp() > 1) {
      out.println("efficiency: " + Roofline.LATENCY_SOURCE);
    }
    out.println("estimate: a roofline bounds each operation by the slower of its compute and memory traffic; kernel launches, scheduling and sampling add time it does not count");
  }

  private void phase(PrintWriter out, String title, Roofline.Phase phase) {
    out.println();
    out.println(title + ":");
    Table t = new Table(false, true, true, true, false, true, false);
    t.row("operation", "GFLOP", "MiB moved", "FLOPs/byte", "bound", "ms", "formula");
    t.rule();
    for (Roofline.Operation o : phase.operations()) {
      t.row(o.name(), String.format(Locale.ROOT, "%.3f", o.flops() / 1e9), String.format(Locale.ROOT, "%.1f", o.bytes() / (1 << 20)),
          o.bound().equals("communication") ? "—" : String.format(Locale.ROOT, "%.1f", o.intensity()), o.bound(), String.format(Locale.ROOT, "%.3f", o.seconds() * 1e3),
          o.formula());
    }
    t.rule();
    t.row("total", String.format(Locale.ROOT, "%.3f", phase.flops() / 1e9), String.format(Locale.ROOT, "%.1f", phase.bytes() / (1 << 20)), "", "",
        String.format(Locale.ROOT, "%.3f", phase.seconds() * 1e3), "sum of the operations");
    out.print(t.render());
  }
}
