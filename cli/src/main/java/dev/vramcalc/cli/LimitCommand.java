package dev.vramcalc.cli;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.EngineDetails;
import dev.vramcalc.core.estimate.InferenceEstimate;
import dev.vramcalc.core.estimate.TrainingEstimate;
import dev.vramcalc.core.estimate.TrainingEstimator;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.solve.BatchPlanner;
import dev.vramcalc.core.solve.Limits;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.core.workload.TrainingWorkload;
import dev.vramcalc.io.json.JsonWriter;
import dev.vramcalc.io.report.Documents;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The largest batch or the longest context that fits, for inference or (with --train) for training. */
abstract class LimitCommand implements Callable<Integer> {

  @Mixin ModelOptions modelOptions;
  @Mixin GpuOptions gpuOptions;
  @Mixin OutputOptions output;
  @Mixin SharedOptions shared;
  @Mixin InferenceOptions inference;
  @Mixin TrainCommand.TrainingOptions training;

  @Option(names = "--train", description = "Search the training workload (--micro-batch, --method, --optimizer, …) instead of serving.")
  boolean train;

  @Option(names = "--curve", description = "Add the curve behind the maximum: per precision, the largest batch per sequence length and the longest sequence per batch.")
  boolean curve;

  @Option(names = "--global-batch", paramLabel = "N", description = "With --train: a target global batch in sequences (512) or tokens (4Mi-tokens, 4M-tokens): recommends micro-batch, accumulation and data-parallel size.")
  String globalBatch;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  private static final java.util.regex.Pattern GLOBAL = java.util.regex.Pattern.compile(
      "([0-9.]+\\s*[a-z]{0,2}?)\\s*-?\\s*(seq|seqs|sequences|tok|toks|tokens)?", java.util.regex.Pattern.CASE_INSENSITIVE);

  /** Returns {sequences, tokens} of --global-batch: one of them is 0. */
  static long[] globalBatch(String text) {
    java.util.regex.Matcher m = GLOBAL.matcher(text.trim());
    if (!m.matches()) {
      throw new BadInputException("global-batch", "--global-batch '" + text + "' must be a count of sequences (512) or tokens (4Mi-tokens, 4M-tokens)");
    }
    if (m.group(1).matches("[0-9]*\\.[0-9]*\\s*")) {
      throw new BadInputException("global-batch", "--global-batch '" + text + "' must be a whole number of sequences or tokens");
    }
    long v;
    try {
      v = dev.vramcalc.core.unit.Counts.parse(m.group(1), 1L << 40, "2^40");
    } catch (IllegalArgumentException e) {
      throw new BadInputException("global-batch", "--global-batch " + e.getMessage());
    }
    boolean tokens = m.group(2) != null && m.group(2).toLowerCase(Locale.ROOT).startsWith("tok");
    return tokens ? new long[] {0, v} : new long[] {v, 0};
  }

  /** True for max-batch, false for max-context. */
  abstract boolean batchSearch();

  @Override
  public Integer call() {
    Model model = modelOptions.resolve();
    Gpu gpu = gpuOptions.required(batchSearch() ? "max-batch" : "max-context", true);
    if (globalBatch != null && !(train && batchSearch())) {
      throw new BadInputException("global-batch", "--global-batch recommends a training batch: use it with max-batch --train");
    }
    Map<String, Object> doc = train ? training(model, gpu) : inference(model, gpu);
    PrintWriter out = spec.commandLine().getOut();
    if (output.json) {
      out.println(JsonWriter.write(doc));
    } else {
      render(out, doc);
    }
    return ExitCodes.OK;
  }

  private Map<String, Object> inference(Model model, Gpu gpu) {
    InferenceWorkload w = inference.workload(model, shared, gpuOptions.given());
    if (!batchSearch() && shared.seqLen != null) {
      throw new BadInputException("seq-len", "max-context searches the sequence length: drop --seq-len (give --batch)");
    }
    Limits.Result r = batchSearch() ? Limits.maxBatch(model, gpu, w) : Limits.maxContext(model, gpu, w);
    long v = r.value();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put(batchSearch() ? "max_batch" : "max_seq_len", v);
    doc.put("mode", "inference");
    doc.put("model", model.id());
    doc.put("gpu", gpu.id());
    doc.put("gpus", (long) w.tp() * w.pp());
    doc.put("engine", w.engine().name());
    doc.put(batchSearch() ? "seq_len" : "batch", batchSearch() ? w.seqLen() : w.batch());
    doc.put("limited_by", r.limitedBy());
    doc.put("headroom", w.headroom());
    doc.put("criterion", criterion(w));
    List<Object> around = new ArrayList<>(Limits.around(v, x -> {
      long b = batchSearch() ? x : w.batch();
      long s = batchSearch() ? w.seqLen() : x;
      InferenceEstimate e = Limits.infer(model, gpu, w, b, s);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("batch", b);
      m.put("seq_len", s);
      m.put("device_bytes", e.device().value());
      m.put("verdict", e.fit().verdict().label());
      m.put("fits", Limits.inferenceFits(model, gpu, w, b, s));
      if (s > Limits.contextCap(model)) {
        m.put("note", "beyond the model's maximum context (max_position_embeddings " + Limits.contextCap(model) + ")");
      }
      if (e.engine() instanceof EngineDetails.Vllm vl) {
        m.put("kv_cache_tokens", vl.kvCacheTokens());
        m.put("max_concurrency", vl.maxConcurrency());
      }
      return m;
    }));
    doc.put("around", around);
    if (v > 0) {
      doc.put("estimate", Documents.infer(Limits.infer(model, gpu, w, batchSearch() ? v : w.batch(), batchSearch() ? w.seqLen() : v)));
    }
    if (curve) {
      List<Object> rows = new ArrayList<>();
      for (Limits.CurveRow row : Limits.curve(model, gpu, w, Limits.CURVE_FORMATS)) {
        Map<String, Object> m = curveRow(row);
        InferenceWorkload at = w.withWeights(dev.vramcalc.core.precision.Formats.named("weights", row.precision()));
        try {
          m.put("device_bytes_at_workload", Limits.infer(model, gpu, at, w.batch(), w.seqLen()).device().value());
        } catch (ArithmeticException | BadInputException e) {
          m.put("device_bytes_at_workload", null);
        }
        rows.add(m);
      }
      doc.put("curve", rows);
    }
    return doc;
  }

  private static String criterion(InferenceWorkload w) {
    return switch (w.engine().name()) {
      case "vllm" -> "vLLM starts with --max-model-len and its KV cache holds the batch (maximum concurrency ≥ batch), under --gpu-memory-utilization";
      case "llama.cpp" -> "llama.cpp with --ctx-size = batch × seq-len and --parallel = batch fits every device under the margin";
      default -> "device memory at most (1 − headroom) × usable memory per GPU";
    };
  }

  private Map<String, Object> training(Model model, Gpu gpu) {
    TrainingWorkload w = training.workload(model, shared, gpuOptions.count());
    if (!batchSearch() && shared.seqLen != null) {
      throw new BadInputException("seq-len", "max-context searches the sequence length: drop --seq-len (give --micro-batch)");
    }
    Limits.Result r = batchSearch() ? Limits.maxMicroBatch(model, gpu, w) : Limits.maxTrainingContext(model, gpu, w);
    long v = r.value();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put(batchSearch() ? "max_batch" : "max_seq_len", v);
    doc.put("mode", "training");
    doc.put("model", model.id());
    doc.put("gpu", gpu.id());
    doc.put("gpus", (long) w.gpus());
    doc.put(batchSearch() ? "seq_len" : "micro_batch", batchSearch() ? w.seqLen() : w.microBatch());
    doc.put("limited_by", r.limitedBy());
    doc.put("headroom", w.headroom());
    doc.put("criterion", "micro-batch per GPU whose step peak on the most loaded GPU is at most (1 − headroom) × usable memory");
    long step = !batchSearch() && w.cp() > 1 ? 2L * w.cp() : 1;
    List<Object> around = new ArrayList<>();
    for (long x : v > 0 ? new long[] {v, v + step} : new long[] {step}) {
      long b = batchSearch() ? x : w.microBatch();
      long s = batchSearch() ? w.seqLen() : x;
      try {
        TrainingEstimate e = TrainingEstimator.estimate(model, gpu, new TrainingWorkload.Builder(w).microBatch(b).seqLen(s).build());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("micro_batch", b);
        m.put("seq_len", s);
        m.put("device_bytes", e.device().value());
        m.put("verdict", e.fit().verdict().label());
        m.put("fits", e.fit().fits());
        around.add(m);
      } catch (ArithmeticException | BadInputException e) {
        // beyond representable sizes
      }
    }
    doc.put("around", around);
    if (v > 0) {
      doc.put("estimate", Documents.train(TrainingEstimator.estimate(model, gpu,
          new TrainingWorkload.Builder(w).microBatch(batchSearch() ? v : w.microBatch()).seqLen(batchSearch() ? w.seqLen() : v).build())));
    }
    if (globalBatch != null) {
      long[] target = globalBatch(globalBatch);
      doc.put("recommendation", Documents.batchPlan(BatchPlanner.plan(model, gpu, w, target[0], target[1])));
    }
    if (curve) {
      List<Object> rows = new ArrayList<>();
      for (Limits.CurveRow row : Limits.trainingCurve(model, gpu, w)) {
        rows.add(curveRow(row));
      }
      doc.put("curve", rows);
    }
    return doc;
  }

  private static Map<String, Object> curveRow(Limits.CurveRow row) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("precision", row.precision());
    List<Object> bySeq = new ArrayList<>();
    for (long[] p : row.batchBySeqLen()) {
      bySeq.add(Map.of("seq_len", p[0], "max_batch", p[1]));
    }
    List<Object> byBatch = new ArrayList<>();
    for (long[] p : row.seqLenByBatch()) {
      byBatch.add(Map.of("batch", p[0], "max_seq_len", p[1]));
    }
    m.put("max_batch_by_seq_len", bySeq);
    m.put("max_seq_len_by_batch", byBatch);
    return m;
  }

  @SuppressWarnings("unchecked")
  private void render(PrintWriter out, Map<String, Object> doc) {
    String key = batchSearch() ? "max_batch" : "max_seq_len";
    boolean training = "training".equals(doc.get("mode"));
    String what = batchSearch() ? (training ? "micro-batch" : "batch") : "sequence length";
    // the layout's GPUs (--tp × --pp, or --gpus for training), not only --gpus: max-batch --tp 2 ran on two
    long gpus = (Long) doc.get("gpus");
    out.println(doc.get("model") + " on " + (gpus > 1 ? gpus + " × " : "") + doc.get("gpu") + ", "
        + (training ? "training" : doc.get("engine") + " inference")
        + (batchSearch() ? String.format(Locale.ROOT, ", %,d tokens per sequence", (Long) doc.get("seq_len"))
            : String.format(Locale.ROOT, ", %s %d", training ? "micro-batch" : "batch", (Long) doc.get(training ? "micro_batch" : "batch"))));
    out.println(String.format(Locale.ROOT, "largest %s: %,d (limited by %s)", what, (Long) doc.get(key), doc.get("limited_by")));
    out.println("criterion: " + doc.get("criterion") + (training || !"vllm".equals(doc.get("engine"))
        ? String.format(Locale.ROOT, ", headroom %d%%", Math.round((Double) doc.get("headroom") * 100)) : ""));
    for (Object o : (List<Object>) doc.get("around")) {
      Map<String, Object> m = (Map<String, Object>) o;
      out.println(String.format(Locale.ROOT, "  %s %,d × %,d tokens: %s %s per GPU, %s%s", training ? "micro-batch" : "batch",
          (Long) m.get(training ? "micro_batch" : "batch"), (Long) m.get("seq_len"), output.gib((Long) m.get("device_bytes")), output.unit(),
          m.containsKey("note") ? m.get("note") : m.get("verdict"), m.containsKey("max_concurrency")
              ? String.format(Locale.ROOT, " (KV cache %,d tokens, maximum concurrency %.2f)", (Long) m.get("kv_cache_tokens"), (Double) m.get("max_concurrency"))
              : ""));
    }
    if (doc.containsKey("recommendation")) {
      Map<String, Object> rec = (Map<String, Object>) doc.get("recommendation");
      out.println();
      out.println("global batch: " + rec.get("summary"));
      List<Object> opts = (List<Object>) rec.get("options");
      Table t = new Table(true, true, true, true, true, false);
      t.row("data-parallel", "micro-batch", "accumulation", output.unit() + " per GPU", "verdict", "why");
      t.rule();
      for (Object o : opts) {
        Map<String, Object> m = (Map<String, Object>) o;
        t.row(String.valueOf(m.get("data_parallel")), m.get("micro_batch").equals(0L) ? "—" : String.valueOf(m.get("micro_batch")),
            m.get("grad_accum").equals(0L) ? "—" : String.valueOf(m.get("grad_accum")),
            m.get("device_bytes") == null ? "—" : output.gib((Long) m.get("device_bytes")), m.get("verdict") == null ? "—" : (String) m.get("verdict"),
            (String) m.get("reason"));
      }
      if (!opts.isEmpty()) {
        out.print(t.render());
      }
    }
    if (doc.containsKey("curve")) {
      List<Object> rows = (List<Object>) doc.get("curve");
      renderCurve(out, rows, "max_batch_by_seq_len", "seq_len", "max_batch", "largest " + (training ? "micro-batch" : "batch") + " by sequence length");
      renderCurve(out, rows, "max_seq_len_by_batch", "batch", "max_seq_len", "longest sequence by " + (training ? "micro-batch" : "batch"));
      if (!training) {
        Table t = new Table(false, true);
        t.row("precision", output.unit() + " at this workload");
        t.rule();
        for (Object o : rows) {
          Map<String, Object> m = (Map<String, Object>) o;
          Object b = m.get("device_bytes_at_workload");
          t.row((String) m.get("precision"), b == null ? "—" : output.gib((Long) b));
        }
        out.println();
        out.print(t.render());
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static void renderCurve(PrintWriter out, List<Object> rows, String series, String x, String y, String title) {
    if (rows.isEmpty()) {
      return;
    }
    List<Object> first = (List<Object>) ((Map<String, Object>) rows.get(0)).get(series);
    boolean[] right = new boolean[first.size() + 1];
    java.util.Arrays.fill(right, true);
    right[0] = false;
    Table t = new Table(right);
    List<String> head = new ArrayList<>();
    head.add(x.replace('_', ' ') + " →");
    for (Object p : first) {
      head.add(compact((Long) ((Map<String, Object>) p).get(x)));
    }
    t.row(head.toArray(String[]::new));
    t.rule();
    for (Object o : rows) {
      Map<String, Object> m = (Map<String, Object>) o;
      List<String> cells = new ArrayList<>();
      cells.add((String) m.get("precision"));
      for (Object p : (List<Object>) m.get(series)) {
        cells.add(String.format(Locale.ROOT, "%,d", (Long) ((Map<String, Object>) p).get(y)));
      }
      t.row(cells.toArray(String[]::new));
    }
    out.println();
    out.println(title + ":");
    out.print(t.render());
  }

  /** Returns 131072 as 128K and 1000 as 1000: sequence lengths and batches as people write them. */
  static String compact(long v) {
    if (v >= 1024 && v % 1024 == 0) {
      return v % (1024 * 1024) == 0 ? v / (1024 * 1024) + "M" : v / 1024 + "K";
    }
    return Long.toString(v);
  }
}
