package dev.vramcalc.core.workload;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.precision.KvCacheType;
import java.util.List;

/**
 * Returns the settings of the engine that serves a model, named as each engine names its flags.
 */
public sealed interface EngineSettings
    permits EngineSettings.Generic, EngineSettings.Vllm, EngineSettings.LlamaCpp, EngineSettings.Transformers {

  String name();

  /** A framework that holds weights, a KV cache sized to the request, and runs prefill in one pass. */
  record Generic() implements EngineSettings {
    @Override
    public String name() {
      return "generic";
    }
  }

  /**
   * vLLM's memory flags.
   *
   * @param gpuMemoryUtilization {@code --gpu-memory-utilization}, the share of total device memory vLLM may use
   * @param maxModelLen {@code --max-model-len}, or 0 for the model's maximum
   * @param maxNumSeqs {@code --max-num-seqs}, or 0 for the version's default
   * @param maxNumBatchedTokens {@code --max-num-batched-tokens}, or 0 for the version's default
   * @param blockSize {@code --block-size} in tokens
   * @param kvCacheDtype {@code --kv-cache-dtype}
   * @param enforceEager {@code --enforce-eager}: no CUDA graphs
   * @param version the vLLM version whose behaviour to follow ({@code 0.10}, {@code 0.6})
   * @param offline whether the LLM class (offline) rather than the API server sets the defaults
   */
  record Vllm(double gpuMemoryUtilization, long maxModelLen, int maxNumSeqs, long maxNumBatchedTokens, int blockSize,
      KvCacheType kvCacheDtype, boolean enforceEager, String version, boolean offline) implements EngineSettings {
    public Vllm {
      if (!(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1)) {
        throw new BadInputException("gpu-memory-utilization", "--gpu-memory-utilization (" + gpuMemoryUtilization + ") must be in (0, 1]");
      }
      if (maxModelLen < 0 || maxNumSeqs < 0 || maxNumBatchedTokens < 0) {
        throw new BadInputException("max-model-len", "--max-model-len, --max-num-seqs and --max-num-batched-tokens must not be negative");
      }
      if (blockSize < 1 || blockSize > 4096) {
        throw new BadInputException("block-size", "--block-size (" + blockSize + ") must be between 1 and 4096");
      }
      if (kvCacheDtype == null) {
        kvCacheDtype = KvCacheType.AUTO;
      }
    }

    @Override
    public String name() {
      return "vllm";
    }
  }

  /**
   * llama.cpp's memory flags.
   *
   * @param ctxSize {@code --ctx-size}, total KV cells (0: the model's training context)
   * @param batchSize {@code --batch-size}
   * @param ubatchSize {@code --ubatch-size}
   * @param nGpuLayers {@code --n-gpu-layers}; more than the layer count also offloads the output layer
   * @param tensorSplit {@code --tensor-split} proportions per GPU, or empty for an even split
   * @param cacheTypeK {@code --cache-type-k}
   * @param cacheTypeV {@code --cache-type-v}
   * @param flashAttn {@code --flash-attn}
   * @param parallel {@code --parallel}, sequences served at once
   * @param swaFull {@code --swa-full}: sliding-window layers get a full-size cache
   */
  record LlamaCpp(long ctxSize, long batchSize, long ubatchSize, int nGpuLayers, List<Double> tensorSplit, KvCacheType cacheTypeK,
      KvCacheType cacheTypeV, boolean flashAttn, int parallel, boolean swaFull) implements EngineSettings {
    public LlamaCpp {
      if (ctxSize < 0 || ctxSize > InferenceWorkload.MAX_TOKENS) {
        throw new BadInputException("ctx-size", "--ctx-size (" + ctxSize + ") must be between 0 and " + InferenceWorkload.MAX_TOKENS);
      }
      if (batchSize < 1 || ubatchSize < 1 || ubatchSize > batchSize) {
        throw new BadInputException("ubatch-size", "--ubatch-size (" + ubatchSize + ") must be between 1 and --batch-size (" + batchSize + ")");
      }
      if (nGpuLayers < 0) {
        throw new BadInputException("n-gpu-layers", "--n-gpu-layers (" + nGpuLayers + ") must not be negative");
      }
      if (parallel < 1 || parallel > 4096) {
        throw new BadInputException("parallel", "--parallel (" + parallel + ") must be between 1 and 4096");
      }
      tensorSplit = tensorSplit == null ? List.of() : List.copyOf(tensorSplit);
      for (double s : tensorSplit) {
        if (!(s >= 0) || Double.isInfinite(s)) {
          throw new BadInputException("tensor-split", "--tensor-split values must be non-negative numbers");
        }
      }
      if (cacheTypeK == null || cacheTypeK == KvCacheType.AUTO) {
        cacheTypeK = KvCacheType.FP16;
      }
      if (cacheTypeV == null || cacheTypeV == KvCacheType.AUTO) {
        cacheTypeV = KvCacheType.FP16;
      }
      if (cacheTypeV.resolve(null).isBlockQuantized() && !flashAttn) {
        throw new BadInputException("cache-type-v", "a quantized V cache (--cache-type-v " + cacheTypeV.id() + ") needs --flash-attn");
      }
    }

    @Override
    public String name() {
      return "llama.cpp";
    }
  }

  /**
   * Hugging Face transformers generate().
   *
   * @param loading how weights are loaded: bf16, fp16, fp32, 8bit or 4bit (bitsandbytes)
   * @param attention eager, sdpa or flash_attention_2
   * @param maxNewTokens tokens generated after the prompt
   * @param version the transformers version whose generate() to follow ({@code 4.45}); before 4.45
   *     the prefill computes logits for every prompt position, before 4.42 decoding keeps the previous
   *     cache alive while building the next
   */
  record Transformers(String loading, String attention, long maxNewTokens, String version) implements EngineSettings {
    public Transformers {
      if (!List.of("bf16", "fp16", "fp32", "8bit", "4bit", "nf4").contains(loading)) {
        throw new BadInputException("load", "--load '" + loading + "' must be bf16, fp16, fp32, 8bit, 4bit or nf4");
      }
      if (!List.of("eager", "sdpa", "flash_attention_2").contains(attention)) {
        throw new BadInputException("attn-implementation", "--attn-implementation '" + attention + "' must be eager, sdpa or flash_attention_2");
      }
      if (maxNewTokens < 0) {
        throw new BadInputException("max-new-tokens", "--max-new-tokens must not be negative");
      }
      if (version == null || !version.matches("\\d+(\\.\\d+)*")) {
        throw new BadInputException("transformers-version", "--transformers-version '" + version + "' must look like 4.45");
      }
    }

    /** Returns whether this version is older than major.minor. */
    public boolean olderThan(int major, int minor) {
      String[] parts = version.split("\\.");
      int ma = Integer.parseInt(parts[0]);
      int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      return ma < major || (ma == major && mi < minor);
    }

    @Override
    public String name() {
      return "transformers";
    }
  }
}
