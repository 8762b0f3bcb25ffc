package dev.vramcalc.io.logs;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.engine.Engines;
import dev.vramcalc.core.estimate.EngineDetails;
import dev.vramcalc.core.estimate.InferenceEstimate;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.hardware.GpuCatalog;
import dev.vramcalc.core.model.MapConfig;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.KvCacheType;
import dev.vramcalc.core.precision.WeightFormat;
import dev.vramcalc.core.unit.Bytes;
import dev.vramcalc.core.workload.EngineSettings;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.io.ModelResolver;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import dev.vramcalc.io.config.ModelFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Locale;
import java.util.Map;

/**
 * Returns an engine log's numbers beside vramcalc's estimate of the same setup: the model and
 * settings come from the log where it states them, from the caller's overrides otherwise.
 */
public final class Reconciler {

  /** One reported number and its estimate. */
  public record Row(String quantity, String label, double reported, Double estimated, boolean bytes) {

    /** Returns {@code (estimated − reported) / reported}, or null when there is no estimate. */
    public Double relativeError() {
      return estimated == null || reported == 0 ? null : (estimated - reported) / reported;
    }
  }

  /** The reconciliation: what was recognized and the rows. */
  public record Result(EngineLog log, Model model, Gpu gpu, InferenceEstimate estimate, List<Row> rows, List<String> notes) {}

  /**
   * Overrides the caller gives: any may be null.
   *
   * @param model a MODEL name or path
   * @param gpu a catalog GPU id
   * @param gpuMemoryUtilization vLLM's budget share
   */
  public record Overrides(String model, String gpu, Double gpuMemoryUtilization, Long maxModelLen, Integer tp, String weights, String vllmVersion) {}

  private Reconciler() {}

  public static Result reconcile(String text, String origin, Overrides o) {
    List<String[]> one = new ArrayList<>();
    one.add(new String[] {text, origin});
    return reconcile(one, o);
  }

  /**
   * Returns the reconciliation of an engine log, with any nvidia-smi or torch.cuda.memory_summary()
   * snapshots taken of the same run compared against the device and allocator levels.
   *
   * @param files pairs of {text, origin}; exactly one must be an engine log
   */
  public static Result reconcile(List<String[]> files, Overrides o) {
    EngineLog engine = null;
    List<EngineLog> snapshots = new ArrayList<>();
    for (String[] f : files) {
      EngineLog log = LogReader.read(f[0], f[1]);
      if (log.engine().equals("vllm") || log.engine().equals("llama.cpp")) {
        if (engine != null) {
          throw new BadInputException("log", f[1] + ": a second engine log; reconcile reads one engine log and any number of nvidia-smi or torch snapshots");
        }
        engine = log;
      } else {
        snapshots.add(log);
      }
    }
    if (engine == null) {
      throw new BadInputException("log", "no vLLM or llama.cpp log given: an nvidia-smi or torch snapshot alone names no model or settings to estimate from");
    }
    Result r = engine.engine().equals("llama.cpp") ? llamaCpp(engine, o) : vllm(engine, o);
    List<Row> rows = new ArrayList<>(r.rows());
    for (EngineLog snap : snapshots) {
      for (EngineLog.Reported rep : snap.reported()) {
        Double est = switch (rep.key().replaceAll("\\..*", "")) {
          case "device_bytes" -> (double) r.estimate().device().value();
          case "allocated_bytes" -> (double) r.estimate().allocated().value();
          case "reserved_bytes" -> (double) r.estimate().reserved().value();
          default -> null;
        };
        rows.add(new Row(rep.key(), snap.engine() + ": " + rep.label(), rep.value(), est, rep.bytes()));
      }
    }
    return new Result(r.log(), r.model(), r.gpu(), r.estimate(), rows, r.notes());
  }

  private static Model llamaCppModel(EngineLog log, Overrides o, List<String> notes) {
    if (o.model() != null) {
      return ModelResolver.bundled().resolve(o.model());
    }
    String name = log.setting("meta.general.name");
    if (name != null) {
      String guess = name.trim().toLowerCase(Locale.ROOT).replace(' ', '-').replaceFirst("^meta-", "");
      if (ModelResolver.bundled().catalog().find(guess) != null) {
        notes.add("model recognized from general.name '" + name + "' as the catalog's " + guess);
        return ModelResolver.bundled().resolve(guess);
      }
    }
    String arch = log.setting("gguf.general.architecture");
    Map<String, Object> c = new LinkedHashMap<>();
    String type = arch == null ? "llama" : switch (arch) {
      case "llama", "qwen2", "qwen3", "gemma", "gemma2", "gemma3", "phi3", "cohere2" -> arch;
      case "command-r" -> "cohere";
      case "qwen2moe" -> "qwen2_moe";
      case "qwen3moe" -> "qwen3_moe";
      default -> null;
    };
    if (type == null) {
      throw new BadInputException("model", "the log's architecture '" + arch + "' is not one vramcalc models; pass the MODEL to reconcile against");
    }
    String[][] keys = {{"n_embd", "hidden_size"}, {"n_layer", "num_hidden_layers"}, {"n_head", "num_attention_heads"}, {"n_head_kv", "num_key_value_heads"},
        {"n_ff", "intermediate_size"}, {"n_vocab", "vocab_size"}, {"n_embd_head_k", "head_dim"}, {"n_ctx_train", "max_position_embeddings"}};
    for (String[] k : keys) {
      String v = log.setting("meta." + k[0]);
      if (v != null && v.matches("\\d+")) {
        c.put(k[1], (long) LogReader.parseNumber(v));
      }
    }
    if (!c.containsKey("hidden_size")) {
      throw new BadInputException("model", "the log does not print the model's hyper-parameters (n_embd, n_layer, …); pass the MODEL to reconcile against");
    }
    c.put("model_type", type);
    c.put("tie_word_embeddings", false);
    notes.add("model built from the log's hyper-parameters (" + type + ", " + c.get("num_hidden_layers") + " layers × " + c.get("hidden_size") + ")");
    return ModelFactory.fromConfig(new MapConfig(c, "log"), name == null ? "log model" : name, null, "log", List.of("architecture from the log's print_meta lines"));
  }

  private static Gpu gpu(EngineLog log, Overrides o, GpuCatalog catalog, List<String> notes) {
    if (o.gpu() != null) {
      return catalog.get(o.gpu());
    }
    notes.add("no --gpu given: the verdict uses an H100 SXM 80GB (the log's buffers do not depend on it)");
    return catalog.get("h100-sxm-80gb");
  }

  private static final Pattern CUDA_DEVICE = Pattern.compile("\\.CUDA(\\d{1,9})$");

  private static Result llamaCpp(EngineLog log, Overrides o) {
    List<String> notes = new ArrayList<>();
    Model model = llamaCppModel(log, o, notes);
    GpuCatalog catalog = GpuCatalogReader.bundled();
    Gpu gpu = gpu(log, o, catalog, notes);
    int devices = 0;
    for (EngineLog.Reported r : log.reported()) {
      // CUDA0, CUDA1, … are devices; CUDA_Host (pinned host memory in older logs) is not
      Matcher device = CUDA_DEVICE.matcher(r.key());
      if ((r.key().startsWith("model_buffer_bytes.") || r.key().startsWith("kv_buffer_bytes.")) && device.find()) {
        devices = Math.max(devices, (int) Math.min(64, LogReader.parseNumber(device.group(1))) + 1);
      }
    }
    devices = Math.max(devices, 1);
    String mix = o.weights() != null ? o.weights() : LogReader.ftypeToMix(log.setting("meta.model_ftype") != null ? log.setting("meta.model_ftype") : log.setting("meta.file_type"));
    if (mix == null) {
      mix = "q4_k_m";
      notes.add("the log does not name the quantization: priced as Q4_K_M (pass --weights)");
    }
    WeightFormat format = Formats.named("weights", mix);
    long ctx = parse(log.setting("ctx.n_ctx"), 4096);
    long batch = parse(log.setting("ctx.n_batch"), 2048);
    long ubatch = parse(log.setting("ctx.n_ubatch"), 512);
    boolean fa = "1".equals(log.setting("ctx.flash_attn")) || "true".equalsIgnoreCase(log.setting("ctx.flash_attn")) || "enabled".equalsIgnoreCase(log.setting("ctx.flash_attn"));
    int offloaded = 999;
    if (log.setting("offloaded") != null) {
      offloaded = (int) Math.min(Integer.MAX_VALUE, LogReader.parseNumber(log.setting("offloaded").split("/")[0]));
    }
    int seqs = (int) parse(log.setting("ctx.n_seq_max"), 1);
    List<Double> split = new ArrayList<>();
    if (devices > 1) {
      // llama.cpp puts layer il on the first device whose cumulative share exceeds il / (layers + 1):
      // give each device its logged share of the KV buffers in whole layers, the last one also the output.
      int layers = model.architecture().dims().numLayers();
      double totalKv = 0;
      for (int d = 0; d < devices; d++) {
        EngineLog.Reported kv = log.find("kv_buffer_bytes.CUDA" + d);
        totalKv += kv == null ? 0 : kv.value();
      }
      int assigned = 0;
      for (int d = 0; d < devices; d++) {
        EngineLog.Reported kv = log.find("kv_buffer_bytes.CUDA" + d);
        long n = d == devices - 1 ? layers - assigned : Math.round(layers * (kv == null || totalKv == 0 ? 1.0 / devices : kv.value() / totalKv));
        assigned += n;
        split.add((double) n + (d == devices - 1 && offloaded > layers ? 1 : 0));
      }
      notes.add("layers split across GPUs as the logged KV buffers show: " + split);
    }
    EngineSettings.LlamaCpp s = new EngineSettings.LlamaCpp(ctx, batch, ubatch, offloaded, split, KvCacheType.FP16, KvCacheType.FP16, fa, seqs, false);
    InferenceWorkload w = new InferenceWorkload(1, Math.max(1, ctx), Math.max(1, ctx), format, KvCacheType.AUTO, 1, devices, true, 0.2, s);
    InferenceEstimate e = Engines.estimate(model, gpu, w);
    EngineDetails.LlamaCpp l = (EngineDetails.LlamaCpp) e.engine();
    List<Row> rows = new ArrayList<>();
    for (EngineLog.Reported r : log.reported()) {
      Double est = null;
      String k = r.key();
      if (k.equals("model_size_bytes")) {
        est = (double) format.totalBytes(model.architecture(), true);
      } else if (k.startsWith("model_buffer_bytes.")) {
        String dev = k.substring(k.indexOf('.') + 1);
        // a device's share, or the host's (CPU, CPU_Mapped, and CUDA_Host: the same weights in pinned memory)
        est = isDevice(dev) ? device(l, dev).map(d -> (double) d.modelBufferBytes()).orElse(null) : Double.valueOf(l.hostModelBytes());
      } else if (k.startsWith("kv_buffer_bytes.") && isDevice(k.substring(k.indexOf('.') + 1))) {
        est = device(l, k.substring(k.indexOf('.') + 1)).map(d -> (double) d.kvBufferBytes()).orElse(null);
      } else if (k.equals("kv_self_bytes")) {
        est = (double) l.devices().stream().mapToLong(EngineDetails.LlamaCpp.Device::kvBufferBytes).sum();
      } else if (k.startsWith("compute_buffer_bytes.")) {
        String dev = k.substring(k.indexOf('.') + 1);
        est = isDevice(dev) ? device(l, dev).map(d -> (double) d.computeBufferBytes()).orElse(null) : Double.valueOf(l.hostComputeBytes());
      } else if (k.startsWith("output_buffer_bytes")) {
        est = (double) l.outputBufferBytes();
      }
      rows.add(new Row(k, r.label(), r.value(), est, r.bytes()));
    }
    return new Result(log, model, gpu, e, rows, notes);
  }

  /** Whether a buffer's owner is a GPU (CUDA0, CUDA1, …) rather than the host (CPU, CPU_Mapped, CUDA_Host). */
  private static boolean isDevice(String owner) {
    return CUDA_DEVICE.matcher("." + owner).find();
  }

  private static java.util.Optional<EngineDetails.LlamaCpp.Device> device(EngineDetails.LlamaCpp l, String name) {
    return l.devices().stream().filter(d -> d.name().equals(name)).findFirst();
  }

  private static Result vllm(EngineLog log, Overrides o) {
    List<String> notes = new ArrayList<>();
    String name = o.model() != null ? o.model() : log.setting("model");
    if (name == null) {
      throw new BadInputException("model", "the log does not name the model; pass --model");
    }
    Model model;
    try {
      model = ModelResolver.bundled().resolve(name);
    } catch (BadInputException e) {
      String tail = name.contains("/") ? name.substring(name.lastIndexOf('/') + 1) : name;
      model = ModelResolver.bundled().resolve(tail.toLowerCase(Locale.ROOT));
      notes.add("model '" + name + "' taken as the catalog's " + model.id());
    }
    GpuCatalog catalog = GpuCatalogReader.bundled();
    Gpu gpu = gpu(log, o, catalog, notes);
    int tp = o.tp() != null ? o.tp() : (int) parse(log.setting("tensor_parallel_size"), 1);
    double util = o.gpuMemoryUtilization() != null ? o.gpuMemoryUtilization()
        : log.setting("gpu_memory_utilization") != null ? LogReader.parseNumber(log.setting("gpu_memory_utilization")) : 0.9;
    if (o.gpuMemoryUtilization() == null && log.setting("gpu_memory_utilization") == null) {
      notes.add("the log does not give gpu_memory_utilization: vLLM's default 0.9 assumed");
    }
    long maxLen = o.maxModelLen() != null ? o.maxModelLen() : parse(log.setting("max_model_len"), parse(log.setting("max_seq_len"), 0));
    String version = o.vllmVersion() != null ? o.vllmVersion() : log.setting("version") != null ? log.setting("version") : "0.10.1";
    if (o.vllmVersion() == null && log.setting("version") == null) {
      notes.add("the log does not give the vLLM version: 0.10.1 assumed (pass --vllm-version)");
    }
    WeightFormat format = o.weights() != null ? Formats.named("weights", o.weights()) : null;
    EngineSettings.Vllm s = new EngineSettings.Vllm(util, maxLen, 0, 0, 16, KvCacheType.AUTO, false, version, false);
    InferenceWorkload w = new InferenceWorkload(1, Math.max(1, maxLen > 0 ? maxLen : 1), Math.max(1, maxLen > 0 ? maxLen : 1), format, KvCacheType.AUTO, tp, 1, true, 0.2, s);
    InferenceEstimate e = Engines.estimate(model, gpu, w);
    EngineDetails.Vllm v = (EngineDetails.Vllm) e.engine();
    List<Row> rows = new ArrayList<>();
    for (EngineLog.Reported r : log.reported()) {
      Double est = switch (r.key()) {
        case "weights_bytes" -> (double) v.weightsBytes();
        case "non_torch_bytes" -> (double) v.nonTorchBytes();
        case "activation_peak_bytes" -> (double) v.activationPeakBytes();
        case "kv_cache_bytes" -> (double) v.kvCacheBytes();
        case "kv_cache_tokens" -> (double) v.kvCacheTokens();
        case "max_concurrency" -> v.maxConcurrency();
        case "num_blocks" -> (double) v.numBlocks();
        default -> null;
      };
      rows.add(new Row(r.key(), r.label(), r.value(), est, r.bytes()));
    }
    return new Result(log, model, gpu, e, rows, notes);
  }

  static long parse(String s, long fallback) {
    if (s == null) {
      return fallback;
    }
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  /** Returns a number for display: MiB for bytes, else as is. */
  public static String show(double v, boolean bytes) {
    if (bytes) {
      return v >= (1L << 30) ? String.format(Locale.ROOT, "%.4f GiB", v / (1L << 30)) : String.format(Locale.ROOT, "%.2f MiB", v / (1L << 20));
    }
    return v == Math.rint(v) ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%,.2f", v);
  }

  static Bytes b(long v) {
    return Bytes.of(v);
  }
}
