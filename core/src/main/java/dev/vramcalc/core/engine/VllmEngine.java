package dev.vramcalc.core.engine;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.EngineDetails;
import dev.vramcalc.core.estimate.Fit;
import dev.vramcalc.core.estimate.InferenceEstimate;
import dev.vramcalc.core.estimate.InferenceEstimator;
import dev.vramcalc.core.estimate.KvCache;
import dev.vramcalc.core.estimate.MemoryLevel;
import dev.vramcalc.core.estimate.Overheads;
import dev.vramcalc.core.estimate.Term;
import dev.vramcalc.core.estimate.Verdict;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.AttentionLayer;
import dev.vramcalc.core.model.Component;
import dev.vramcalc.core.model.Dimensions;
import dev.vramcalc.core.model.TensorRole;
import dev.vramcalc.core.model.TensorSpec;
import dev.vramcalc.core.parallel.TensorParallel;
import dev.vramcalc.core.precision.DataType;
import dev.vramcalc.core.precision.WeightFormat;
import dev.vramcalc.core.unit.ByteUnits;
import dev.vramcalc.core.unit.Bytes;
import dev.vramcalc.core.workload.EngineSettings;
import dev.vramcalc.core.workload.InferenceWorkload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Returns what vLLM prints at startup: "Model loading took", "Available KV cache memory", "GPU KV
 * cache size: N tokens", "Maximum concurrency", and its refusal when one request of max_model_len does
 * not fit, with the largest length that would.
 *
 * <p>The budget is {@code gpu_memory_utilization × total}, total being the driver-reported memory.
 * From it vLLM subtracts the weights as the caching allocator charged them, the activation peak of a
 * profiling run (a forward pass over max_num_batched_tokens, then the sampler over max_num_seqs
 * rows of logits) and the non-torch memory that appeared meanwhile; the rest is KV cache, divided
 * into blocks of block_size tokens per layer group. CUDA graphs are captured afterwards, outside the
 * budget.
 *
 * <p>Sources: vllm-project/vllm vllm/v1/worker/gpu_worker.py determine_available_memory,
 * vllm/utils memory_profiling (snapshot before distributed init up to 0.10, after from 0.11),
 * vllm/v1/core/kv_cache_utils.py (page sizes, hybrid groups, tokens, concurrency,
 * check_enough_kv_cache_memory), vllm/engine/arg_utils.py (batch defaults by version, usage
 * context and GPU), vllm/model_executor/layers/vocab_parallel_embedding.py (vocabulary padded to 64),
 * quantization/mxfp4.py (Marlin padding on pre-Hopper GPUs); reproduced on the published logs in the
 * calibration data (Qwen2-7B, gpt-oss-120b, Llama-3-8B, Llama-3.1-8B).
 */
public final class VllmEngine {

  /** Activation peak of the forward pass relative to the live tensors counted (kernel workspaces; fitted on an RTX 3090 log). */
  static final double FORWARD_FACTOR = 1.07;

  /**
   * Non-torch memory that appears during vLLM's memory profiling on one GPU (lazily loaded kernel
   * modules, cuBLAS handles): published V0 ≥ 0.6.5 and V1 ≥ 0.9.1 logs show 0.1–0.35 GiB; 0.25 GiB
   * is used (estimate).
   */
  static final long NON_TORCH = 256L << 20;

  /** NCCL and custom all-reduce buffers charged per GPU when tensor parallelism starts them after the snapshot (≤ 0.10). */
  static final long NON_TORCH_TP = 128L << 20;

  /** CUDA graph memory captured after the KV cache (outside the budget); typical logs show 0.2–1 GiB. */
  static final long CUDA_GRAPHS = 512L << 20;

  private VllmEngine() {}

  /** A version as a comparable number: 0.10.1 → 1001. */
  static int version(String v) {
    String[] p = v.replaceFirst("^v", "").split("\\.");
    try {
      int major = Integer.parseInt(p[0]);
      int minor = p.length > 1 ? Integer.parseInt(p[1].replaceAll("\\D.*", "")) : 0;
      int patch = p.length > 2 ? Integer.parseInt(p[2].replaceAll("\\D.*", "")) : 0;
      return major * 10000 + minor * 100 + patch;
    } catch (NumberFormatException e) {
      throw new BadInputException("vllm-version", "--vllm-version '" + v + "' must look like 0.10.1");
    }
  }

  /** The scheduler budget of the profiling run. */
  record Budget(long tokens, int seqs) {}

  /**
   * Returns max_num_batched_tokens and max_num_seqs as the version sets them: V0 profiles a whole
   * max_model_len prefill unless chunked prefill is on (above 32K context); V1 picks by GPU memory
   * (70 GiB, A100 excluded from 0.9) and by usage (the LLM class gets larger budgets than the server).
   */
  static Budget defaults(int v, Gpu gpu, long maxModelLen, boolean offline, EngineSettings.Vllm s) {
    long t;
    int r;
    if (v < 800) {
      r = 256;
      boolean chunked = maxModelLen > 32768;
      t = chunked ? (v >= 605 ? 2048 : 512) : Math.max(maxModelLen, 2048);
    } else {
      boolean big = gpu.usable().value() >= 70L * (1L << 30) && (v < 900 || !gpu.name().toUpperCase(Locale.ROOT).contains("A100"));
      if (v < 803) {
        big = gpu.name().toUpperCase(Locale.ROOT).matches(".*H(100|200).*");
        r = 1024;
      } else {
        r = big ? 1024 : 256;
      }
      t = big ? (offline ? 16384 : 8192) : (offline ? 8192 : 2048);
    }
    if (s.maxNumBatchedTokens() > 0) {
      t = s.maxNumBatchedTokens();
    }
    if (s.maxNumSeqs() > 0) {
      r = s.maxNumSeqs();
    }
    return new Budget(t, (int) Math.min(r, t));
  }

  /** PyTorch's caching allocator: what "allocated" grows by for each tensor (see the class sources). */
  static final class Allocator {
    private final List<Long> freeLarge = new ArrayList<>();
    long allocated;

    void alloc(long nbytes) {
      long size = nbytes < 512 ? 512 : (nbytes + 511) / 512 * 512;
      if (size <= (1L << 20)) {
        allocated += size;
        return;
      }
      long best = -1;
      for (long b : freeLarge) {
        if (b >= size && (best < 0 || b < best)) {
          best = b;
        }
      }
      long block;
      if (best >= 0) {
        freeLarge.remove(best);
        block = best;
      } else {
        block = size < (10L << 20) ? 20L << 20 : (size + (2L << 20) - 1) / (2L << 20) * (2L << 20);
      }
      long remainder = block - size;
      if (remainder > (1L << 20)) {
        allocated += size;
        freeLarge.add(remainder);
      } else {
        allocated += block;
      }
    }
  }

  /** Returns the weights one rank loads, as the caching allocator charges them, in vLLM's fused layout. */
  static long weights(Architecture arch, WeightFormat format, int tp, Gpu gpu) {
    WeightFormat.Pricer p = format.pricer(arch);
    Dimensions d = arch.dims();
    boolean marlinPad = format.label().startsWith("MXFP4") && !gpu.isHopperOrNewer();
    Allocator a = new Allocator();
    Map<Integer, Map<String, Long>> layers = new LinkedHashMap<>();
    List<Long> head = new ArrayList<>();
    List<Long> tail = new ArrayList<>();
    for (TensorSpec t : arch.tensors()) {
      if (!t.loadedForInference() || t.component() == Component.VISION_TOWER || t.component() == Component.PROJECTOR) {
        continue;
      }
      long[] shape = t.shardShape(tp);
      if (t.role() == TensorRole.TOKEN_EMBEDDING || t.role() == TensorRole.LM_HEAD) {
        shape = t.shape();
        shape[0] = (shape[0] + 63) / 64 * 64 / tp;
      }
      long bytes = p.bytes(t, shape);
      if (marlinPad && t.experts() > 0) {
        // Marlin MXFP4 on pre-Hopper GPUs pads the per-rank intermediate to 128 and the hidden size to 256.
        long h = d.hiddenSize();
        long iTp = shape[t.role() == TensorRole.EXPERT_DOWN ? 2 : 1] / (t.role() == TensorRole.EXPERT_GATE_UP ? 2 : 1);
        double scale = (double) ((iTp + 127) / 128 * 128) / iTp * ((h + 255) / 256 * 256) / h;
        bytes = (long) Math.ceil(bytes * scale);
      }
      if (t.layer() < 0) {
        (t.role() == TensorRole.TOKEN_EMBEDDING || t.role() == TensorRole.POSITION_EMBEDDING ? head : tail).add(bytes);
        continue;
      }
      String group = switch (t.role()) {
        case ATTN_Q, ATTN_K, ATTN_V, ATTN_QKV -> "1qkv";
        case MLP_GATE, MLP_UP, MLP_GATE_UP -> "4gate_up";
        case EXPERT_GATE, EXPERT_UP, EXPERT_GATE_UP -> "4w13";
        case SHARED_GATE, SHARED_UP, SHARED_GATE_UP -> "5shared_gate_up";
        case ATTN_O -> "2o";
        case MLP_DOWN -> "5down";
        case EXPERT_DOWN -> "5w2";
        case NORM -> "9norm:" + t.name();
        default -> t.role() == TensorRole.BIAS && t.name().matches(".*\\.(q|k|v)_proj\\.bias") ? "1qkv_bias" : "6" + t.name();
      };
      layers.computeIfAbsent(t.layer(), k -> new java.util.TreeMap<>()).merge(group, bytes, Long::sum);
    }
    for (long b : head) {
      a.alloc(b);
    }
    boolean first = true;
    for (Map<String, Long> layer : layers.values()) {
      for (Map.Entry<String, Long> e : layer.entrySet()) {
        a.alloc(e.getValue());
        if (first && e.getKey().equals("2o")) {
          a.alloc(ropeCacheBytes(arch));
          first = false;
        }
      }
    }
    for (long b : tail) {
      a.alloc(b);
    }
    return a.allocated;
  }

  /** RoPE cos/sin cache: max_position × rotary dim in the model dtype, one per model. */
  static long ropeCacheBytes(Architecture arch) {
    Dimensions d = arch.dims();
    long rotary = arch.attention().isEmpty() || !(arch.attention().get(0) instanceof AttentionLayer.Latent l) ? d.headDim() : l.qkRopeHeadDim();
    return Math.max(0, d.maxPositionEmbeddings()) * rotary * 2;
  }

  public static InferenceEstimate estimate(Model model, Gpu gpu, InferenceWorkload w, EngineSettings.Vllm s) {
    if (!model.hasArchitecture() || !model.architecture().kind().hasKvCache()) {
      throw new BadInputException("model", "the vLLM profile needs a decoder's architecture");
    }
    Architecture arch = model.architecture();
    Dimensions d = arch.dims();
    int tp = w.tp();
    TensorParallel.validate(arch, tp);
    int v = version(s.version());
    WeightFormat format = w.weights() != null ? w.weights() : model.checkpointFormat();
    DataType act = InferenceEstimator.activationType(model, format);
    DataType kvType = s.kvCacheDtype().resolve(act);
    long maxModelLen = s.maxModelLen() > 0 ? s.maxModelLen() : Math.max(d.maxPositionEmbeddings(), 1);
    Budget budget = defaults(v, gpu, maxModelLen, s.offline(), s);
    int bs = s.blockSize();

    long total = gpu.usable().value();
    long requested = (long) Math.floor(total * s.gpuMemoryUtilization());
    long weights = weights(arch, format, tp, gpu);
    long h = d.hiddenSize();
    long f = d.isMoe() ? d.activeMoeIntermediate() : d.intermediateSize();
    // the profiling forward pass over max_num_batched_tokens: per token the residual and normed hidden states (2h) and
    // the MLP's gate, up and activated product on this rank (3f/tp) in the compute dtype, × FORWARD_FACTOR fitted to the
    // logged "PyTorch activation peak". Example: Llama-3.1-8B, 8,192 tokens, BF16: 1.07 × 8,192 × (8,192 + 43,008) × 2 = 856 MiB
    long forward = (long) Math.ceil(FORWARD_FACTOR * budget.tokens() * (2 * h + 3 * ((f + tp - 1) / tp)) * act.blockBytes());
    // the dummy sampler run over max_num_seqs rows of logits: bytes per logit fitted to published logs per version
    // (V0's fp32 logits, probabilities and log-probabilities copies; V1 0.8–0.11 one fp32 copy and its gather; later
    // versions keep logprob buffers). Example: 0.10.1, 1,024 × 128,256 × 8 = 1.0 GiB, the peak above
    int samplerBytes = v < 800 ? 40 : v < 1101 ? 8 : 28;
    long sampler = (long) budget.seqs() * d.vocabSize() * samplerBytes + budget.tokens() * h * act.blockBytes();
    long activation = Math.max(forward, sampler);
    boolean contextCharged = v < 605 || (v >= 800 && v < 901);
    long nonTorch = NON_TORCH + (tp > 1 && v < 1100 ? NON_TORCH_TP : 0) + (contextCharged ? Overheads.context(gpu).value() : 0);
    long available = requested - weights - activation - nonTorch;

    // KV layout: page per layer, groups for hybrid sliding-window models (≥ 0.9.1).
    List<AttentionLayer> layers = arch.attention();
    long page = (long) bs * KvCache.bytesPerTokenPerLayer(layers.get(0), tp, kvType);
    int full = 0;
    int sliding = 0;
    long window = 0;
    for (AttentionLayer l : layers) {
      if (l instanceof AttentionLayer.SlidingWindow sw) {
        sliding++;
        window = Math.max(window, sw.window());
      } else {
        full++;
      }
    }
    boolean hybrid = v >= 901 && sliding > 0 && full > 0;
    long numBlocks;
    long tokens;
    int groupSize = layers.size();
    int groups = 1;
    if (available <= 0) {
      numBlocks = 0;
      tokens = 0;
    } else if (hybrid) {
      groupSize = Math.min(full, sliding);
      groups = (full + groupSize - 1) / groupSize + (sliding + groupSize - 1) / groupSize;
      numBlocks = available / page / groupSize;
      tokens = numBlocks / groups * bs;
    } else {
      numBlocks = available / page / layers.size();
      tokens = numBlocks * bs;
    }
    long pagesFull = (maxModelLen + bs - 1) / bs;
    long pagesSliding = (Math.min(window - 1 + budget.tokens(), maxModelLen) + bs - 1) / bs + 1;
    double concurrency;
    if (v >= 901 && hybrid) {
      long perRequest = (long) ((full + groupSize - 1) / groupSize) * pagesFull + (long) ((sliding + groupSize - 1) / groupSize) * pagesSliding;
      concurrency = numBlocks / (double) perRequest;
    } else if (v >= 901) {
      concurrency = numBlocks / (double) pagesFull;
    } else {
      concurrency = tokens / (double) maxModelLen;
    }
    long needed = neededBytes(layers, hybrid, full, sliding, page, bs, maxModelLen, window, budget.tokens());
    boolean fitsLen = available > 0 && needed <= available;
    long largest = fitsLen ? maxModelLen : largestLength(layers, hybrid, full, sliding, page, bs, maxModelLen, window, budget.tokens(), available);

    long graphs = s.enforceEager() ? 0 : CUDA_GRAPHS;
    Bytes context = Overheads.context(gpu);
    long kvBytes = Math.max(0, numBlocks) * page * (hybrid ? groupSize : layers.size());
    List<Term> terms = new ArrayList<>();
    terms.add(new Term("weights", Bytes.of(weights), String.format(Locale.ROOT,
        "\"Model loading took %.4f GiB\": %s per rank (tp %d), fused qkv and gate_up, vocabulary padded to 64, RoPE cache, each tensor as the caching allocator rounds it",
        weights / (double) (1L << 30), format.label(), tp),
        "exact: vLLM's layout of this model's tensors, charged as PyTorch's caching allocator charges blocks", false, MemoryLevel.ALLOCATED));
    terms.add(new Term("kv_cache", Bytes.of(kvBytes), String.format(Locale.ROOT,
        "%,d blocks × %d tokens × %,d bytes per block per layer%s = %s (\"GPU KV cache size: %,d tokens\")", numBlocks, bs, page,
        hybrid ? String.format(Locale.ROOT, " × %d layers per group (%d groups: %d full, %d sliding-window layers)", groupSize, groups, full, sliding)
            : " × " + layers.size() + " layers", gib(kvBytes), tokens),
        "exact given the budget: vLLM kv_cache_utils block arithmetic", false, MemoryLevel.ALLOCATED));
    terms.add(new Term("activations", Bytes.of(activation), String.format(Locale.ROOT,
        "profiling peak: max(forward over %,d tokens %s, sampler over %d × %,d logits at %d bytes %s) = %s", budget.tokens(), gib(forward), budget.seqs(),
        d.vocabSize(), samplerBytes, gib(sampler), gib(activation)),
        "estimate: vLLM profile_run at max_num_batched_tokens and max_num_seqs; forward factor 1.07 and sampler bytes per logit from published logs", true,
        MemoryLevel.ALLOCATED));
    // the budget holds PyTorch's blocks and the non-torch memory (NCCL, cuBLAS workspaces; the context in versions that
    // charge it): what the caching allocator reserves is the budget less the non-torch part
    long reserved = Math.max(requested - nonTorch, weights + kvBytes + activation);
    long unused = Math.max(0, requested - weights - kvBytes - activation - nonTorch);
    terms.add(new Term("allocator_slack", Bytes.of(unused), "budget left over after whole blocks: " + gib(unused),
        "exact: the budget minus whole KV blocks", false, MemoryLevel.RESERVED));
    // outside the budget: the CUDA context where this version does not charge it, and the CUDA graphs; the table's
    // terms then add up: reserved + non-torch + outside = requested + outside = device
    long outside = (contextCharged ? 0 : context.value()) + graphs;
    terms.add(new Term("runtime_overhead", Bytes.of(nonTorch + outside), String.format(Locale.ROOT,
        "non-torch %s inside the budget%s + CUDA context %s + CUDA graphs %s outside it", gib(nonTorch), contextCharged ? " (this version also charges the CUDA context)" : "",
        contextCharged ? "(counted inside)" : gib(context.value()), s.enforceEager() ? "0 (--enforce-eager)" : gib(graphs)),
        "estimate: non-torch memory in published vLLM logs (0.1–0.35 GiB at tp 1); CUDA graphs are captured after the KV cache is sized", true, MemoryLevel.DEVICE));
    long device = reserved + nonTorch + outside;
    List<String> notes = new ArrayList<>();
    notes.add(String.format(Locale.ROOT, "vLLM %s budget: %.2f × %s total = %s; max_num_batched_tokens %,d, max_num_seqs %d%s", s.version(),
        s.gpuMemoryUtilization(), gib(total), gib(requested), budget.tokens(), budget.seqs(), s.offline() ? " (LLM class)" : " (API server)"));
    notes.add(String.format(Locale.ROOT, "Available KV cache memory: %.2f GiB; GPU KV cache size: %,d tokens; Maximum concurrency for %,d tokens per request: %.2fx",
        available / (double) (1L << 30), tokens, maxModelLen, concurrency));
    if (!fitsLen) {
      notes.add(available <= 0
          ? "vLLM refuses to start: no memory is left for the KV cache (raise --gpu-memory-utilization or use a smaller model or more GPUs)"
          : String.format(Locale.ROOT, "vLLM refuses to start: one request of max_model_len %,d needs %s of KV cache, more than the %s available; the largest max_model_len that fits is %,d",
              maxModelLen, gib(needed), gib(available), largest));
    }
    EngineDetails.Vllm details = new EngineDetails.Vllm(requested, weights, activation, nonTorch, 0, Math.max(0, available), tokens, numBlocks, concurrency,
        maxModelLen, budget.tokens(), budget.seqs(), fitsLen, largest, s.version());
    Fit raw = Fit.of(Bytes.of(device), gpu.usable(), 0);
    Fit fit = fitsLen ? raw : new Fit(Verdict.DOES_NOT_FIT, false, raw.usable(), raw.limit(), raw.headroomBytes(), 0);
    return new InferenceEstimate(model, gpu, w, format, terms, Bytes.of(weights + kvBytes + activation), Bytes.of(reserved), Bytes.of(device), fit, 0,
        KvCache.bytesPerToken(arch, tp, kvType), notes, details);
  }

  /** Returns the KV bytes one request of length L needs, summed over layers (vLLM check_enough_kv_cache_memory). */
  static long neededBytes(List<AttentionLayer> layers, boolean hybrid, int full, int sliding, long page, int bs, long len, long window, long batched) {
    long pagesFull = (len + bs - 1) / bs;
    long pagesSliding = hybrid ? (Math.min(window - 1 + batched, len) + bs - 1) / bs + 1 : pagesFull;
    return Math.multiplyExact(page, Math.addExact(Math.multiplyExact((long) full, pagesFull), Math.multiplyExact((long) sliding, pagesSliding)));
  }

  /** Returns the largest max_model_len whose KV need fits (vLLM's binary search). */
  static long largestLength(List<AttentionLayer> layers, boolean hybrid, int full, int sliding, long page, int bs, long len, long window, long batched, long available) {
    if (available <= 0) {
      return 0;
    }
    long lo = 0;
    long hi = len;
    while (lo < hi) {
      long mid = (lo + hi + 1) / 2;
      if (neededBytes(layers, hybrid, full, sliding, page, bs, mid, window, batched) <= available) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  private static String gib(long b) {
    return ByteUnits.BINARY.format(Bytes.of(Math.max(0, b)));
  }
}
