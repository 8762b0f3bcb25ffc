package dev.vramcalc.core.estimate;

import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.unit.Bytes;

/**
 * Returns the memory outside the framework's allocator and the allocator's own slack: the named
 * empirical constants of vramcalc, each with its source.
 */
public final class Overheads {

  /**
   * CUDA context with lazy module loading plus cuBLAS/cuDNN handles, as a process using PyTorch
   * sees it on Ampere/Hopper with CUDA 12 (estimate). The Hugging Face "model memory anatomy" guide
   * measured 1,343 MiB on a V100 under CUDA 11 without lazy loading (calibration case
   * hf-anatomy-bert-large-load); lazy loading (CUDA ≥ 11.7, default since 12.2) roughly halves it.
   */
  public static final Bytes CUDA_CONTEXT = Bytes.ofMiB(512);

  /** ROCm/HIP runtime context, taken equal to CUDA's (estimate; no public measurement found). */
  public static final Bytes ROCM_CONTEXT = Bytes.ofMiB(512);

  /**
   * NCCL communicator buffers per GPU when ranks communicate (estimate): NCCL_BUFFSIZE 4 MiB per
   * channel and peer for send and receive, with tens of channels on NVLink, plus the library's
   * own allocations.
   */
  public static final Bytes NCCL_BUFFERS = Bytes.ofMiB(512);

  /** PyTorch CUDACachingAllocator: allocations of at least this size get their own segment. */
  public static final long LARGE_ALLOCATION = 10L * 1024 * 1024;

  /** PyTorch CUDACachingAllocator: large segments are rounded up to multiples of 2 MiB (kRoundLarge). */
  public static final long LARGE_ROUNDING = 2L * 1024 * 1024;

  /**
   * Fragmentation of transient activations in the caching allocator (estimate): reserved exceeds
   * allocated by 5–15 % in training; inference intermediates, freed layer by layer, are taken at the
   * low end.
   */
  public static final double TRANSIENT_FRAGMENTATION = 0.05;

  private Overheads() {}

  /** Returns the runtime context of a device's vendor (none is counted for Apple unified memory). */
  public static Bytes context(Gpu gpu) {
    if (gpu.isApple()) {
      return Bytes.ZERO;
    }
    return "amd".equalsIgnoreCase(gpu.vendor()) ? ROCM_CONTEXT : CUDA_CONTEXT;
  }

  /**
   * Returns the bytes the caching allocator adds by rounding a tensor of {@code size} bytes: large
   * tensors get a segment rounded up to 2 MiB; smaller ones share segments and waste little.
   *
   * <p>Source: pytorch/pytorch:c10/cuda/CUDACachingAllocator.cpp (kMinLargeAlloc 10 MiB, kRoundLarge
   * 2 MiB). Example: a 33,554,432-byte tensor wastes 0; a 525,336,576-byte one wastes 0; a
   * 11,010,048-byte one wastes 524,288.
   */
  public static long roundingWaste(long size) {
    if (size < LARGE_ALLOCATION) {
      return 0;
    }
    long rem = size % LARGE_ROUNDING;
    return rem == 0 ? 0 : LARGE_ROUNDING - rem;
  }
}
