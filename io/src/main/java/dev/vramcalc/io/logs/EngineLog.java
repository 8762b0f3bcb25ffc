package dev.vramcalc.io.logs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Returns what an engine log says: which engine, the model and settings it names, and the numbers it
 * reports, each with the line it came from.
 *
 * @param engine {@code vllm}, {@code llama.cpp}, {@code nvidia-smi} or {@code torch}
 * @param settings facts the log states (model name, hyper-parameters, flags), by key
 * @param reported the numbers the engine printed, in log order
 */
public record EngineLog(String engine, Map<String, String> settings, List<Reported> reported) {

  public EngineLog {
    settings = new LinkedHashMap<>(settings);
    reported = List.copyOf(reported);
  }

  /**
   * One number the engine printed.
   *
   * @param key a stable name ({@code kv_buffer_bytes.CUDA0})
   * @param label what the engine called it
   * @param value the number in its unit (bytes for memory)
   * @param bytes whether the value is an amount of memory
   * @param line the line number in the log
   */
  public record Reported(String key, String label, double value, boolean bytes, int line) {}

  public String setting(String key) {
    return settings.get(key);
  }

  public Reported find(String key) {
    for (Reported r : reported) {
      if (r.key().equals(key)) {
        return r;
      }
    }
    return null;
  }
}
