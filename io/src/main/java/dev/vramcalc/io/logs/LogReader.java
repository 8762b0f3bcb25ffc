package dev.vramcalc.io.logs;

import dev.vramcalc.core.BadInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Returns the facts and numbers of an engine's startup log: vLLM (V0 and V1), llama.cpp and ollama
 * load logs, nvidia-smi tables and {@code torch.cuda.memory_summary()} output.
 */
public final class LogReader {

  /** Largest log accepted. */
  public static final int MAX_CHARS = 32 << 20;

  /**
   * A decimal number as engines print them, never part of a longer run of digits and points: "1.2.3" or "5..3" match
   * nowhere, so a garbled line is skipped like any other unrecognised line rather than read as 2.3 or refused whole.
   */
  private static final String NUMBER = "(?<![0-9.])[0-9]+(?:\\.[0-9]+)?";
  private static final Pattern SIZE = Pattern.compile("(" + NUMBER + ")\\s*(MiB|GiB|KiB|MB|GB|B)\\b");

  private LogReader() {}

  /**
   * Returns the parsed log.
   *
   * @throws BadInputException when the text is no log vramcalc knows
   */
  public static EngineLog read(String text, String origin) {
    if (text.length() > MAX_CHARS) {
      throw new BadInputException("log", origin + ": " + text.length() + " characters exceeds the limit of " + MAX_CHARS);
    }
    if (text.contains("llm_load_print_meta") || text.contains("llama_model_loader") || text.contains("print_info:")
        || text.contains("llama_kv_cache") || text.contains("llama_new_context_with_model") || text.contains("load_tensors:")) {
      return llamaCpp(text);
    }
    if (text.contains("KV cache memory") || text.contains("GPU KV cache size") || text.contains("# GPU blocks") || text.contains("Model loading took")
        || text.contains("Memory profiling takes") || text.contains("model weights take") || text.contains("Loading model weights took")
        || text.contains("available_kv_cache_memory")) {
      return vllm(text);
    }
    if (text.contains("NVIDIA-SMI") || text.matches("(?s).*\\d+MiB\\s*/\\s*\\d+MiB.*")) {
      return nvidiaSmi(text);
    }
    if (text.contains("PyTorch CUDA memory summary") || text.contains("Allocated memory")) {
      return torchSummary(text);
    }
    throw new BadInputException("log", origin + ": not a log vramcalc can read; reconcile reads vLLM startup logs, llama.cpp or ollama load logs,"
        + " nvidia-smi output and torch.cuda.memory_summary()");
  }

  static double bytes(String number, String unit) {
    double v = parseNumber(number);
    return switch (unit) {
      case "GiB" -> v * (1L << 30);
      case "MiB" -> v * (1L << 20);
      case "KiB" -> v * 1024;
      case "GB" -> v * 1e9;
      case "MB" -> v * 1e6;
      default -> v;
    };
  }

  private static String after(String line, String marker) {
    int i = line.indexOf(marker);
    return i < 0 ? null : line.substring(i + marker.length()).trim();
  }

  private static final Pattern META = Pattern.compile("(?:llm_load_print_meta|print_info):\\s*([a-zA-Z_. ]+?)\\s*=\\s*(.+)$");
  private static final Pattern KV = Pattern.compile("-\\s*kv\\s+\\d+:\\s*([a-z0-9_.]+)\\s+\\S+\\s*=\\s*(.+)$");
  private static final Pattern BUFFER = Pattern.compile("(\\S+)\\s+(model |KV |compute |output )?buffer size\\s*=\\s*(" + NUMBER + ") MiB");
  private static final Pattern CTX = Pattern.compile("(?:llama_new_context_with_model|llama_context|llama_init_from_model):\\s*(n_ctx|n_batch|n_ubatch|flash_attn|n_seq_max|n_ctx_per_seq)\\s*=\\s*(\\S+)");

  static EngineLog llamaCpp(String text) {
    Map<String, String> settings = new LinkedHashMap<>();
    List<EngineLog.Reported> reported = new ArrayList<>();
    String[] lines = text.split("\\R");
    boolean kvSection = false;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      Matcher m = META.matcher(line);
      if (m.find()) {
        String key = m.group(1).trim().replace(' ', '_');
        settings.putIfAbsent("meta." + key, m.group(2).trim());
        if (key.equals("model_size") || key.equals("file_size")) {
          Matcher s = SIZE.matcher(m.group(2));
          if (s.find()) {
            reported.add(new EngineLog.Reported("model_size_bytes", "model size", bytes(s.group(1), s.group(2)), true, i + 1));
          }
        }
        continue;
      }
      Matcher kv = KV.matcher(line);
      if (kv.find()) {
        settings.putIfAbsent("gguf." + kv.group(1), kv.group(2).trim());
        continue;
      }
      Matcher c = CTX.matcher(line);
      if (c.find()) {
        settings.putIfAbsent("ctx." + c.group(1), c.group(2));
        continue;
      }
      String offloaded = after(line, "offloaded ");
      if (offloaded != null && offloaded.contains("layers to GPU")) {
        settings.put("offloaded", offloaded.substring(0, offloaded.indexOf(' ')));
        continue;
      }
      if (line.contains("llama_kv_cache_init") || line.contains("llama_kv_cache:") || line.contains("KV buffer")) {
        kvSection = true;
      }
      Matcher b = BUFFER.matcher(line);
      if (b.find()) {
        String device = b.group(1);
        String kind = b.group(2) == null ? "" : b.group(2).trim();
        double value = parseNumber(b.group(3)) * (1L << 20);
        String key;
        if (kind.equals("KV") || (kind.isEmpty() && kvSection && line.contains("kv"))) {
          key = "kv_buffer_bytes." + device;
        } else if (kind.equals("compute")) {
          key = "compute_buffer_bytes." + device;
        } else if (kind.equals("output")) {
          key = "output_buffer_bytes." + device;
        } else {
          key = "model_buffer_bytes." + device;
        }
        if (key.startsWith("kv_buffer_bytes") && line.contains("SWA")) {
          key = "kv_swa_buffer_bytes." + device;
        }
        reported.add(new EngineLog.Reported(key, device + " " + (kind.isEmpty() ? "model" : kind) + " buffer", value, true, i + 1));
        continue;
      }
      if (line.contains("KV self size")) {
        Matcher s = SIZE.matcher(line.substring(line.indexOf("KV self size")));
        if (s.find()) {
          reported.add(new EngineLog.Reported("kv_self_bytes", "KV self size", bytes(s.group(1), s.group(2)), true, i + 1));
        }
      }
    }
    return new EngineLog("llama.cpp", settings, reported);
  }

  private static final Pattern VLLM_CONFIG = Pattern.compile("(model|tensor_parallel_size|pipeline_parallel_size|max_seq_len|quantization|enforce_eager|kv_cache_dtype|dtype|gpu_memory_utilization|block_size)=([^,)]+)");
  private static final Pattern VERSION = Pattern.compile("\\((?:V1 )?(?:engine )?v?(\\d+\\.\\d+(?:\\.\\d+)*(?:\\.post\\d+)?)\\)|vLLM (?:API server )?version:?\\s*v?(\\d+\\.\\d+(?:\\.\\d+)*)");

  private static final Pattern DICT_ENTRY = Pattern.compile("'([a-z_]+)':\\s*('([^']*)'|[^,}]+)");
  private static final Pattern[] VLLM_NUMBERS = {
      Pattern.compile("(?:Model loading took|Loading model weights took|model weights take)\\s+(" + NUMBER + ")\\s*(?:GiB|GB)"),
      Pattern.compile("non_torch_memory(?: takes)?\\s+(" + NUMBER + ")\\s*GiB"),
      Pattern.compile("PyTorch activation peak memory(?: takes)?\\s+(" + NUMBER + ")\\s*GiB"),
      Pattern.compile("(?:Available KV cache memory:|available_kv_cache_memory|the rest of the memory reserved for KV Cache is)\\s+(" + NUMBER + ")\\s*GiB")};
  private static final String[][] VLLM_KEYS = {{"weights_bytes", "Model loading took"}, {"non_torch_bytes", "non_torch_memory"},
      {"activation_peak_bytes", "PyTorch activation peak memory"}, {"kv_cache_bytes", "Available KV cache memory"}};

  private static final Pattern VLLM_SERVE = Pattern.compile("vllm serve (\\S+)");
  private static final Pattern TOTAL_GPU_MEMORY = Pattern.compile("total_gpu_memory\\s*\\(?(" + NUMBER + ")\\s*GiB");
  private static final Pattern GPU_MEMORY_UTILIZATION = Pattern.compile("gpu_memory_utilization\\s*\\(?(" + NUMBER + ")");
  private static final Pattern CONCURRENCY = Pattern.compile("Maximum concurrency for ([0-9,]+) tokens per request: (" + NUMBER + ")x");
  private static final Pattern BLOCKS = Pattern.compile("# (?:GPU|CUDA|cuda) blocks: ([0-9]+)");
  private static final Pattern[] SERVE_FLAGS = {Pattern.compile("(?:-tp|--tensor-parallel-size)[ =](\\d+)"),
      Pattern.compile("--gpu-memory-utilization[ =](" + NUMBER + ")"), Pattern.compile("--max-model-len[ =](\\d+)")};
  private static final String[] SERVE_FLAG_KEYS = {"tensor_parallel_size", "gpu_memory_utilization", "max_model_len"};
  private static final Pattern SMI_USAGE = Pattern.compile("(\\d+)MiB\\s*/\\s*(\\d+)MiB");
  private static final Pattern SMI_NAME = Pattern.compile("NVIDIA ([A-Za-z0-9 -]+?)\\s{2,}");

  static EngineLog vllm(String text) {
    Map<String, String> settings = new LinkedHashMap<>();
    List<EngineLog.Reported> reported = new ArrayList<>();
    String[] lines = text.split("\\R");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      Matcher serve = VLLM_SERVE.matcher(line);
      if (serve.find()) {
        settings.putIfAbsent("model", serve.group(1));
        for (int f = 0; f < SERVE_FLAGS.length; f++) {
          Matcher fm = SERVE_FLAGS[f].matcher(line);
          if (fm.find()) {
            settings.putIfAbsent(SERVE_FLAG_KEYS[f], fm.group(1));
          }
        }
      }
      if (line.contains("non-default args")) {
        Matcher m = DICT_ENTRY.matcher(line.substring(line.indexOf("non-default args")));
        while (m.find()) {
          settings.putIfAbsent(m.group(1), m.group(3) != null ? m.group(3) : m.group(2).trim());
        }
      }
      if (line.contains("Initializing") && line.contains("config")) {
        Matcher m = VLLM_CONFIG.matcher(line);
        while (m.find()) {
          settings.putIfAbsent(m.group(1), m.group(2).replace("'", "").trim());
        }
        if (line.contains("V1 LLM engine")) {
          settings.putIfAbsent("engine_version", "V1");
        }
      }
      Matcher v = VERSION.matcher(line);
      if (!settings.containsKey("version") && v.find() && (line.contains("vLLM") || line.contains("engine"))) {
        settings.put("version", v.group(1) != null ? v.group(1) : v.group(2));
      }
      for (int k = 0; k < VLLM_NUMBERS.length; k++) {
        Matcher m = VLLM_NUMBERS[k].matcher(line);
        if (m.find()) {
          reported.add(new EngineLog.Reported(VLLM_KEYS[k][0], VLLM_KEYS[k][1], parseNumber(m.group(1)) * (1L << 30), true, i + 1));
        }
      }
      Matcher total = TOTAL_GPU_MEMORY.matcher(line);
      if (total.find()) {
        settings.put("total_gpu_memory_gib", total.group(1));
      }
      Matcher util = GPU_MEMORY_UTILIZATION.matcher(line);
      if (util.find() && !line.contains("non-default args")) {
        settings.put("gpu_memory_utilization", util.group(1));
      }
      String tokens = after(line, "GPU KV cache size:");
      if (tokens != null) {
        reported.add(new EngineLog.Reported("kv_cache_tokens", "GPU KV cache size (tokens)", parseNumber(tokens.replaceAll("[^0-9]", "")), false, i + 1));
      }
      Matcher conc = CONCURRENCY.matcher(line);
      if (conc.find()) {
        settings.putIfAbsent("max_model_len", conc.group(1).replace(",", ""));
        reported.add(new EngineLog.Reported("max_concurrency", "Maximum concurrency", parseNumber(conc.group(2)), false, i + 1));
      }
      Matcher blocks = BLOCKS.matcher(line);
      if (blocks.find()) {
        reported.add(new EngineLog.Reported("num_blocks", "# GPU blocks", parseNumber(blocks.group(1)), false, i + 1));
      }
    }
    return new EngineLog("vllm", settings, reported);
  }

  static EngineLog nvidiaSmi(String text) {
    Map<String, String> settings = new LinkedHashMap<>();
    List<EngineLog.Reported> reported = new ArrayList<>();
    Matcher m = SMI_USAGE.matcher(text);
    int gpu = 0;
    while (m.find()) {
      reported.add(new EngineLog.Reported("device_bytes.GPU" + gpu, "GPU " + gpu + " memory used", parseNumber(m.group(1)) * (1L << 20), true, 0));
      settings.put("total_mib.GPU" + gpu, m.group(2));
      gpu++;
    }
    Matcher name = SMI_NAME.matcher(text);
    if (name.find()) {
      settings.put("gpu_name", name.group(1).trim());
    }
    return new EngineLog("nvidia-smi", settings, reported);
  }

  static EngineLog torchSummary(String text) {
    List<EngineLog.Reported> reported = new ArrayList<>();
    String[] lines = text.split("\\R");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      String key = line.contains("Allocated memory") ? "allocated" : line.contains("GPU reserved memory") || line.contains("Reserved memory") ? "reserved" : null;
      if (key == null) {
        continue;
      }
      // Columns: Cur Usage | Peak Usage | Tot Alloc | Tot Freed.
      String[] cells = line.split("\\|");
      if (cells.length >= 3) {
        Matcher s = SIZE.matcher(cells[2]);
        if (s.find()) {
          reported.add(new EngineLog.Reported(key + "_bytes", key + " memory (peak)", bytes(s.group(1), s.group(2)), true, i + 1));
        }
      }
    }
    return new EngineLog("torch", Map.of(), reported);
  }

  /** Returns a llama.cpp "model ftype" text as a mix id ({@code Q4_K - Medium} → q4_k_m). */
  public static String ftypeToMix(String ftype) {
    if (ftype == null) {
      return null;
    }
    String s = ftype.trim().toUpperCase(Locale.ROOT);
    int paren = s.indexOf('(');
    if (paren >= 0) {
      s = s.substring(0, paren).trim();
    }
    s = s.replace("- MEDIUM", "_M").replace("- SMALL", "_S").replace("- LARGE", "_L").replace(" ", "");
    s = s.replace("MOSTLY", "");
    if (s.equals("MXFP4MOE")) {
      return "mxfp4_moe";
    }
    if (s.equals("ALLF32")) {
      return "fp32";
    }
    return s.toLowerCase(Locale.ROOT);
  }

  /** Parses a number a pattern matched; patterns such as [0-9.]+ also match "1.2.3", which is refused by name. */
  static double parseNumber(String text) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new dev.vramcalc.core.BadInputException("log", "the log has '" + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "' where a number belongs");
    }
  }
}
