package dev.vramcalc.core.hardware;

import dev.vramcalc.core.unit.Bytes;

/**
 * Returns one device of the GPU catalog.
 *
 * @param memory the marketed capacity as exact bytes ("80 GB" HBM is 80 GiB)
 * @param reported the total the driver gives a process ({@code cudaMemGetInfo}), when a public
 *     source shows it; null when unknown
 * @param reportedSource where the reported total was read
 * @param bandwidthGBs memory bandwidth in GB/s (10^9 bytes per second)
 * @param bf16Tflops dense BF16 tensor throughput; null when unknown
 * @param fp8Tflops dense FP8 tensor throughput; null when the device has none
 * @param int8Tops dense INT8 tensor throughput; null when unknown
 * @param interconnectGBs per-GPU link bandwidth to its peers in GB/s, one direction
 * @param unifiedFraction for unified-memory machines, the share of memory the GPU may use
 */
public record Gpu(
    String id,
    String name,
    String vendor,
    String segment,
    Bytes memory,
    String memoryLabel,
    Bytes reported,
    String reportedSource,
    double bandwidthGBs,
    Double bf16Tflops,
    Double fp8Tflops,
    Double int8Tops,
    Double fp32Tflops,
    String interconnect,
    Double interconnectGBs,
    Integer tdpWatts,
    Double priceUsd,
    Double priceUsdPerHour,
    Double unifiedFraction,
    String source) {

  public Gpu {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("gpu id must not be empty");
    }
    if (memory == null || memory.value() <= 0) {
      throw new IllegalArgumentException("gpu " + id + ": memory must be positive");
    }
    if (reported != null && reported.isGreaterThan(memory)) {
      throw new IllegalArgumentException("gpu " + id + ": reported memory " + reported.value() + " exceeds marketed " + memory.value());
    }
    if (unifiedFraction != null && (unifiedFraction <= 0 || unifiedFraction > 1)) {
      throw new IllegalArgumentException("gpu " + id + ": unified_gpu_fraction (" + unifiedFraction + ") must be in (0, 1]");
    }
  }

  /** Returns a device described only by its memory ({@code --gpu-memory 24GiB}). */
  public static Gpu custom(Bytes memory) {
    return new Gpu("custom", "custom device (" + memory + ")", "unknown", "custom", memory, memory.toString(), null,
        null, 0, null, null, null, null, null, null, null, null, null, null, "--gpu-memory");
  }

  /**
   * Returns the memory a process can use: for unified-memory machines the GPU's share, else the
   * driver-reported total when known, else the marketed capacity.
   */
  public Bytes usable() {
    if (unifiedFraction != null) {
      return memory.scaledFloor(unifiedFraction);
    }
    return reported != null ? reported : memory;
  }

  /** Returns which of the three the usable figure is, for the output. */
  public String usableBasis() {
    if (unifiedFraction != null) {
      return "unified memory × " + unifiedFraction + " (the GPU's default working-set limit)";
    }
    return reported != null ? "driver-reported total" : "marketed capacity (driver-reported total unknown)";
  }

  public boolean isNvidia() {
    return "nvidia".equalsIgnoreCase(vendor);
  }

  /** PCIe 4.0 x16: about 25 GB/s achievable per direction (32 GB/s nominal), the link of a GPU the catalog gives none. */
  public static final double PCIE_GB_S = 25;

  /** Returns the per-GPU link bandwidth to its peers in GB/s, one direction: the catalog's, else PCIe 4.0 x16. */
  public double linkGBs() {
    return interconnectGBs != null && interconnectGBs > 0 ? interconnectGBs : PCIE_GB_S;
  }

  /**
   * Whether the catalog id names a Hopper or newer NVIDIA data-center part (h100, h200, gh200, b200, …): the kernels
   * engines pick (Marlin padding in vLLM, cuBLAS workspaces in transformers) change there.
   */
  public boolean isHopperOrNewer() {
    return id.matches("^(h|gh|b)\\d.*");
  }

  public boolean isApple() {
    return "apple".equalsIgnoreCase(vendor);
  }
}
