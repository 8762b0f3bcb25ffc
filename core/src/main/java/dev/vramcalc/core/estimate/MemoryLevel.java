package dev.vramcalc.core.estimate;

/**
 * Returns which of the three nested memory levels a term belongs to: live tensors, what the
 * framework's allocator holds, or what the device shows as used.
 */
public enum MemoryLevel {
  /** Live tensors at the peak: {@code torch.cuda.max_memory_allocated()}, engine buffer sums. */
  ALLOCATED,
  /** Allocator slack on top: {@code torch.cuda.max_memory_reserved()}. */
  RESERVED,
  /** Outside the allocator: CUDA context, NCCL, library workspaces; {@code nvidia-smi}, NVML. */
  DEVICE
}
