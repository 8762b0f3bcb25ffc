package dev.vramcalc.core.hardware;

import dev.vramcalc.core.NotFoundException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Returns the devices of the GPU catalog by id. */
public final class GpuCatalog {

  private final Map<String, Gpu> byId = new LinkedHashMap<>();

  public GpuCatalog(List<Gpu> gpus) {
    for (Gpu g : gpus) {
      if (byId.put(g.id(), g) != null) {
        throw new IllegalArgumentException("duplicate gpu id " + g.id());
      }
    }
  }

  public List<Gpu> all() {
    return new ArrayList<>(byId.values());
  }

  /**
   * Returns the device with this id (case and spaces forgiven: "RTX 4090" finds rtx-4090).
   *
   * @throws NotFoundException naming the id and suggesting close ones
   */
  public Gpu get(String id) {
    String key = normalize(id);
    Gpu g = byId.get(key);
    if (g != null) {
      return g;
    }
    for (Gpu candidate : byId.values()) {
      if (normalize(candidate.name()).equals(key) || normalize(candidate.name()).endsWith("-" + key)) {
        return candidate;
      }
    }
    List<String> close = new ArrayList<>();
    for (String known : byId.keySet()) {
      if (known.contains(key) || key.contains(known)) {
        close.add(known);
      }
    }
    String hint = close.isEmpty() ? "run 'vramcalc gpus' for the list" : "did you mean " + String.join(", ", close.subList(0, Math.min(6, close.size()))) + "?";
    throw new NotFoundException("gpu", "--gpu '" + id + "' is not in the GPU catalog; " + hint);
  }

  static String normalize(String s) {
    return s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("^-|-$", "");
  }
}
