package dev.vramcalc.io.catalog;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.hardware.GpuCatalog;
import dev.vramcalc.core.unit.Bytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Returns the GPU catalog read from its CSV, validated row by row with file:line errors. */
public final class GpuCatalogReader {

  static final String RESOURCE = "/dev/vramcalc/io/catalog/gpus.csv";
  private static final Set<String> SEGMENTS = Set.of("consumer", "workstation", "datacenter", "apple");
  private static volatile GpuCatalog bundled;

  private GpuCatalogReader() {}

  /** Returns the bundled catalog (read once). */
  public static GpuCatalog bundled() {
    GpuCatalog c = bundled;
    if (c == null) {
      // read once even when two threads ask at once (the launcher reads the catalogs while picocli builds the command)
      synchronized (GpuCatalogReader.class) {
        c = bundled;
        if (c == null) {
          c = parse(Resources.read(RESOURCE), "gpus.csv");
          bundled = c;
        }
      }
    }
    return c;
  }

  public static GpuCatalog parse(String text, String file) {
    List<Gpu> gpus = new ArrayList<>();
    for (Csv.Row r : Csv.parse(text, file)) {
      String id = r.required("id");
      if (!id.matches("[a-z0-9][a-z0-9.-]*")) {
        throw new BadInputException("id", file + ":" + r.line() + ": id '" + id + "' must be lowercase letters, digits, dots and hyphens");
      }
      String segment = r.required("segment");
      if (!SEGMENTS.contains(segment)) {
        throw new BadInputException("segment", file + ":" + r.line() + ": segment '" + segment + "' must be one of " + SEGMENTS);
      }
      Long memory = r.longOrNull("memory_bytes");
      if (memory == null || memory <= 0) {
        throw new BadInputException("memory_bytes", file + ":" + r.line() + ": memory_bytes must be a positive number of bytes");
      }
      Long usable = r.longOrNull("usable_bytes");
      Double bandwidth = r.doubleOrNull("bandwidth_gb_s");
      if (bandwidth == null || bandwidth <= 0) {
        throw new BadInputException("bandwidth_gb_s", file + ":" + r.line() + ": bandwidth_gb_s must be positive");
      }
      Long tdp = r.longOrNull("tdp_w");
      try {
        gpus.add(new Gpu(id, r.required("name"), r.required("vendor"), segment, Bytes.of(memory), r.get("memory_label"),
            usable == null ? null : Bytes.of(usable), emptyToNull(r.get("usable_source")), bandwidth,
            r.doubleOrNull("bf16_tflops"), r.doubleOrNull("fp8_tflops"), r.doubleOrNull("int8_tops"), r.doubleOrNull("fp32_tflops"),
            emptyToNull(r.get("interconnect")), r.doubleOrNull("interconnect_gb_s"), tdp == null ? null : tdp.intValue(),
            r.doubleOrNull("price_usd"), r.doubleOrNull("price_usd_per_hour"), r.doubleOrNull("unified_gpu_fraction"), r.required("source")));
      } catch (IllegalArgumentException e) {
        throw new BadInputException("gpu", file + ":" + r.line() + ": " + e.getMessage());
      }
    }
    try {
      return new GpuCatalog(gpus);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("gpu", file + ": " + e.getMessage());
    }
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
