package dev.vramcalc.core.estimate;

import dev.vramcalc.core.unit.Bytes;
import java.util.List;

/**
 * Returns what an engine would report for an inference setup: the numbers it prints at startup, so
 * they can be compared with its log.
 */
public sealed interface EngineDetails
    permits EngineDetails.Generic, EngineDetails.LlamaCpp, EngineDetails.Vllm, EngineDetails.Transformers {

  /** The generic engine reports nothing beyond the terms. */
  record Generic() implements EngineDetails {}

  /**
   * llama.cpp's buffers.
   *
   * @param devices one entry per GPU, in order
   * @param hostModelBytes the CPU (or CPU_Mapped) model buffer: token embedding and layers not offloaded
   * @param hostComputeBytes the host compute buffer
   * @param outputBufferBytes the host output buffer (logits of the sequences served)
   * @param kvCells KV cells of the full-attention cache
   * @param swaCells KV cells of the sliding-window cache (0 when the model has no SWA layers)
   * @param gpuLayers layers offloaded (more than the layer count means the output layer too)
   * @param maxGpuLayersThatFit the largest --n-gpu-layers under the safety margin on these devices
   * @param weightsFormat the GGUF mix priced
   */
  record LlamaCpp(List<Device> devices, long hostModelBytes, long hostComputeBytes, long outputBufferBytes, long kvCells, long swaCells,
      int gpuLayers, int maxGpuLayersThatFit, String weightsFormat) implements EngineDetails {

    /** One GPU's buffers. */
    public record Device(String name, int firstLayer, int endLayer, boolean output, long modelBufferBytes, long kvBufferBytes,
        long computeBufferBytes, Bytes deviceBytes) {}
  }

  /**
   * vLLM's startup numbers.
   *
   * @param budgetBytes gpu_memory_utilization × total device memory
   * @param weightsBytes "Model loading took" (per GPU)
   * @param activationPeakBytes the profiling run's torch activation peak
   * @param nonTorchBytes memory outside torch: CUDA context, NCCL, cuBLAS
   * @param cudaGraphBytes the CUDA graph reserve counted against the budget (0 where the version does not)
   * @param kvCacheBytes available KV cache memory per GPU
   * @param kvCacheTokens "GPU KV cache size: N tokens"
   * @param numBlocks KV blocks per GPU
   * @param maxConcurrency "Maximum concurrency for max_model_len tokens per request"
   * @param maxModelLen the max_model_len used
   * @param maxNumBatchedTokens the profiled token budget
   * @param maxNumSeqs the profiled sequence budget
   * @param fitsMaxModelLen whether one request of max_model_len fits (vLLM refuses to start otherwise)
   * @param largestModelLen the largest max_model_len that would fit
   */
  record Vllm(long budgetBytes, long weightsBytes, long activationPeakBytes, long nonTorchBytes, long cudaGraphBytes, long kvCacheBytes,
      long kvCacheTokens, long numBlocks, double maxConcurrency, long maxModelLen, long maxNumBatchedTokens, int maxNumSeqs,
      boolean fitsMaxModelLen, long largestModelLen, String version) implements EngineDetails {}

  /**
   * transformers generate() peaks.
   *
   * @param prefillPeakBytes allocated at the prefill peak
   * @param decodePeakBytes allocated at the end of decoding
   */
  record Transformers(long prefillPeakBytes, long decodePeakBytes, String loading, String attention) implements EngineDetails {}
}
