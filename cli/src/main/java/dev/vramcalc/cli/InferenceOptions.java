package dev.vramcalc.cli;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.KvCacheType;
import dev.vramcalc.core.precision.WeightFormat;
import dev.vramcalc.core.workload.EngineSettings;
import dev.vramcalc.core.workload.InferenceWorkload;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The flags of a serving workload and its engine, shared by infer, max-batch, max-context, fit, plan and roofline. */
final class InferenceOptions {

  static final long DEFAULT_SEQ_LEN = 4096;

  @Option(names = "--weights", paramLabel = "FORMAT", description = "Weight format (default: the checkpoint's own): fp32, fp16, bf16, fp8, int8, gptq-int4, awq-int4, nf4, nf4-dq, mxfp4, nvfp4, q8_0, q6_k, q5_k_m, q4_k_m, q4_0, q3_k_m, q2_k, …")
  String weights;

  @Option(names = {"--kv-cache", "--kv-cache-dtype"}, paramLabel = "TYPE", description = "KV cache type: auto (the compute dtype), fp16, bf16, fp8, q8_0, q4_0, …")
  String kvCache = "auto";

  @Option(names = "--batch", paramLabel = "B", description = "Sequences served at once (default 1).")
  long batch = 1;

  @Option(names = "--prompt-len", paramLabel = "P", description = "Prompt tokens processed in one prefill pass (default: the whole sequence).")
  Long promptLen;

  @Option(names = "--engine", paramLabel = "NAME", description = "Engine profile: generic (default), vllm, llama.cpp or transformers.")
  String engine = "generic";

  @Option(names = {"--ctx-size", "-c"}, paramLabel = "N", description = "llama.cpp: KV cells in all (default --seq-len × --batch).")
  Long ctxSize;

  @Option(names = {"--batch-size", "-b"}, paramLabel = "N", description = "llama.cpp: logical batch (default 2048).")
  long batchSize = 2048;

  @Option(names = {"--ubatch-size", "-ub"}, paramLabel = "N", description = "llama.cpp: physical batch (default 512).")
  long ubatchSize = 512;

  @Option(names = {"--n-gpu-layers", "-ngl"}, paramLabel = "N", description = "llama.cpp: layers on the GPUs (default all, and the output layer).")
  Integer nGpuLayers;

  @Option(names = {"--tensor-split", "-ts"}, paramLabel = "LIST", split = ",", description = "llama.cpp: proportions of layers per GPU (3,1).")
  List<Double> tensorSplit;

  @Option(names = {"--cache-type-k", "-ctk"}, paramLabel = "TYPE", description = "llama.cpp: K cache type (f16 default, q8_0, q4_0, …).")
  String cacheTypeK = "f16";

  @Option(names = {"--cache-type-v", "-ctv"}, paramLabel = "TYPE", description = "llama.cpp: V cache type (f16 default; quantized needs --flash-attn).")
  String cacheTypeV = "f16";

  @Option(names = {"--flash-attn", "-fa"}, paramLabel = "on|off", arity = "0..1", fallbackValue = "on",
      description = "llama.cpp: flash attention (default on, as llama.cpp's 'auto' picks on CUDA).")
  String flashAttn = "on";

  @Option(names = {"--parallel", "-np"}, paramLabel = "N", description = "llama.cpp: sequences served at once (default --batch).")
  Integer parallel;

  @Option(names = "--swa-full", description = "llama.cpp: full-size cache for sliding-window layers.")
  boolean swaFull;

  @Option(names = "--gpu-memory-utilization", paramLabel = "F", description = "vLLM: share of total device memory vLLM may use (default 0.9).")
  double gpuMemoryUtilization = 0.9;

  @Option(names = "--max-model-len", paramLabel = "N", description = "vLLM: longest request (default the model's maximum).")
  long maxModelLen;

  @Option(names = "--max-num-seqs", paramLabel = "N", description = "vLLM: sequences per step (default: the version's).")
  int maxNumSeqs;

  @Option(names = "--max-num-batched-tokens", paramLabel = "N", description = "vLLM: tokens per step (default: the version's).")
  long maxNumBatchedTokens;

  @Option(names = "--block-size", paramLabel = "N", description = "vLLM: tokens per KV block (default 16).")
  int blockSize = 16;

  @Option(names = "--enforce-eager", description = "vLLM: no CUDA graphs.")
  boolean enforceEager;

  @Option(names = "--vllm-version", paramLabel = "V", description = "vLLM: version whose behaviour to follow (default 0.10.1).")
  String vllmVersion = "0.10.1";

  @Option(names = "--offline-inference", description = "vLLM: the LLM class (offline inference) rather than 'vllm serve' sets the batch defaults.")
  boolean offline;

  @Option(names = "--load", paramLabel = "MODE", description = "transformers: bf16 (default), fp16, fp32, 8bit, 4bit (bitsandbytes fp4) or nf4.")
  String load = "bf16";

  @Option(names = "--attn-implementation", paramLabel = "IMPL", description = "transformers: sdpa (default), flash_attention_2 or eager.")
  String attnImplementation = "sdpa";

  @Option(names = "--max-new-tokens", paramLabel = "N", description = "transformers: tokens generated after the prompt (default --seq-len − --prompt-len).")
  Long maxNewTokens;

  @Option(names = "--transformers-version", paramLabel = "V", description = "transformers: version whose generate() to follow (default 4.45; earlier keep logits for every prompt position).")
  String transformersVersion = "4.45";

  /** Returns the workload these flags describe on {@code gpusFlag} devices (checked by {@link GpuOptions#given}; null: --tp × --pp). */
  InferenceWorkload workload(Model model, SharedOptions shared, Integer gpusFlag) {
    if (!List.of("generic", "llama.cpp", "llamacpp", "transformers", "vllm").contains(engine)) {
      throw new BadInputException("engine", "--engine '" + engine + "' must be generic, vllm, llama.cpp or transformers");
    }
    int gpus = gpusFlag == null ? 1 : gpusFlag;
    int pp = shared.pp();
    int t = shared.tp != null ? shared.tp : (gpusFlag != null ? gpus / Math.max(pp, 1) : 1);
    if (gpusFlag != null && (long) t * pp != gpus) {
      throw new BadInputException("gpus", "--gpus (" + gpus + ") must equal --tp × --pp (" + t + " × " + pp + ")");
    }
    long s = shared.seqLen != null ? shared.seqLen
        : engine.equals("vllm") && maxModelLen > 0 ? maxModelLen
        : promptLen != null && maxNewTokens != null ? Math.addExact(promptLen, maxNewTokens)
        : Math.max(defaultSeqLen(model), promptLen != null ? promptLen : 0);
    WeightFormat w = weights == null ? null : Formats.named("weights", weights);
    EngineSettings settings = new EngineSettings.Generic();
    if (engine.startsWith("llama")) {
      if (shared.tp != null && shared.tp > 1) {
        throw new BadInputException("tp", "llama.cpp splits layers across GPUs: use --gpus N (and --tensor-split), not --tp");
      }
      boolean fa = switch (flashAttn.toLowerCase(Locale.ROOT)) {
        case "on", "1", "true", "auto" -> true;
        case "off", "0", "false" -> false;
        default -> throw new BadInputException("flash-attn", "--flash-attn '" + flashAttn + "' must be on, off or auto");
      };
      settings = new EngineSettings.LlamaCpp(ctxSize != null ? ctxSize : Math.multiplyExact(s, batch), batchSize, ubatchSize,
          nGpuLayers != null ? nGpuLayers : 999, tensorSplit, KvCacheType.parse("cache-type-k", cacheTypeK), KvCacheType.parse("cache-type-v", cacheTypeV),
          fa, parallel != null ? parallel : (int) Math.min(batch, 4096), swaFull);
      t = 1;
      pp = gpus;
    }
    if (engine.equals("vllm")) {
      settings = new EngineSettings.Vllm(gpuMemoryUtilization, maxModelLen > 0 ? maxModelLen : (shared.seqLen != null ? shared.seqLen : 0), maxNumSeqs,
          maxNumBatchedTokens, blockSize, KvCacheType.parse("kv-cache-dtype", kvCache), enforceEager, vllmVersion, offline);
    }
    long prompt = promptLen != null ? promptLen : s;
    if (engine.equals("transformers")) {
      long newTokens = maxNewTokens != null ? maxNewTokens : s - prompt;
      if (promptLen == null && maxNewTokens != null) {
        prompt = Math.max(1, s - newTokens);
      }
      settings = new EngineSettings.Transformers(load, attnImplementation, newTokens, transformersVersion);
    }
    return new InferenceWorkload(batch, s, prompt, w, KvCacheType.parse("kv-cache", kvCache), t, pp, !shared.noFlash, shared.headroom(), settings);
  }

  /**
   * Returns where the sequence length came from when --seq-len was not given (null when it was): the same order
   * {@link #workload} applies, for the header line of infer.
   */
  String seqLenOrigin(SharedOptions shared, Model model) {
    if (shared.seqLen != null) {
      return null;
    }
    if (engine.equals("vllm") && maxModelLen > 0) {
      return "--max-model-len";
    }
    if (promptLen != null && maxNewTokens != null) {
      return "--prompt-len + --max-new-tokens";
    }
    return promptLen != null && promptLen > defaultSeqLen(model) ? "--prompt-len" : "default --seq-len";
  }

  static long defaultSeqLen(Model model) {
    if (!model.hasArchitecture()) {
      return DEFAULT_SEQ_LEN;
    }
    long max = model.architecture().dims().maxPositionEmbeddings();
    return max > 0 ? Math.min(DEFAULT_SEQ_LEN, max) : DEFAULT_SEQ_LEN;
  }
}
