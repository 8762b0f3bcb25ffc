package dev.vramcalc.cli;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.unit.ByteUnits;
import dev.vramcalc.core.unit.Bytes;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import picocli.CommandLine.Option;

/** Returns the device flags: a catalog GPU or a custom memory size, and a count. */
public final class GpuOptions {

  @Option(names = "--gpu", paramLabel = "ID", description = "A GPU from the catalog (rtx-4090, h100-sxm-80gb, …); see 'vramcalc gpus'.")
  String gpu;

  @Option(names = "--gpu-memory", paramLabel = "SIZE", description = "A custom device with this much memory (24GiB, 80GB).")
  String gpuMemory;

  @Option(names = "--gpus", paramLabel = "N", description = "Number of GPUs.")
  Integer gpus;

  /** Returns the device, or null when none was given. */
  Gpu device() {
    if (gpu != null && gpuMemory != null) {
      throw new BadInputException("gpu", "give either --gpu or --gpu-memory, not both");
    }
    if (gpuMemory != null) {
      Bytes b;
      try {
        b = ByteUnits.parse(gpuMemory);
      } catch (IllegalArgumentException e) {
        throw new BadInputException("gpu-memory", "--gpu-memory: " + e.getMessage());
      }
      if (b.value() <= 0) {
        throw new BadInputException("gpu-memory", "--gpu-memory (" + gpuMemory + ") must be positive");
      }
      return Gpu.custom(b);
    }
    if (gpu != null) {
      return GpuCatalogReader.bundled().get(gpu);
    }
    return null;
  }

  /**
   * Returns the device a command cannot run without; the error names the flags that give one
   * ({@code --gpu-memory} only where a bare memory size is enough: not for speeds and layouts).
   */
  Gpu required(String command, boolean customMemoryAllowed) {
    Gpu g = device();
    if (g == null) {
      throw new BadInputException("gpu", command + " needs a device: --gpu ID (see 'vramcalc gpus')" + (customMemoryAllowed ? " or --gpu-memory SIZE" : ""));
    }
    return g;
  }

  /** Returns --gpus checked, or null when it was not given (inference then takes the count from --tp × --pp). */
  Integer given() {
    return gpus == null ? null : count();
  }

  int count() {
    if (gpus == null) {
      return 1;
    }
    if (gpus < 1 || gpus > 65536) {
      throw new BadInputException("gpus", "--gpus (" + gpus + ") must be between 1 and 65536");
    }
    return gpus;
  }
}
