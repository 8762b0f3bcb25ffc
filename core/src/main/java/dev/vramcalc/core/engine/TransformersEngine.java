package dev.vramcalc.core.engine;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.EngineDetails;
import dev.vramcalc.core.estimate.Fit;
import dev.vramcalc.core.estimate.InferenceEstimate;
import dev.vramcalc.core.estimate.KvCache;
import dev.vramcalc.core.estimate.MemoryLevel;
import dev.vramcalc.core.estimate.Overheads;
import dev.vramcalc.core.estimate.Term;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.Dimensions;
import dev.vramcalc.core.model.TensorRole;
import dev.vramcalc.core.model.TensorSpec;
import dev.vramcalc.core.precision.DataType;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.WeightFormat;
import dev.vramcalc.core.unit.ByteUnits;
import dev.vramcalc.core.unit.Bytes;
import dev.vramcalc.core.workload.EngineSettings;
import dev.vramcalc.core.workload.InferenceWorkload;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Returns the peak {@code torch.cuda.max_memory_allocated()} of Hugging Face transformers'
 * {@code generate()}: the larger of loading, prefill and decoding.
 *
 * <p>Loading: bitsandbytes quantizes linear by linear from an fp16 copy on the GPU, so loading the
 * largest linear adds 3 bytes per parameter (8-bit: fp16 copy, row and column int8) or 2 (4-bit).
 * Prefill over P prompt tokens: the KV cache of the prompt, five hidden-sized tensors and the MLP's
 * gate, up and product (3 × P × f), the eager score matrix (GPTBigCode: bf16 scores and two fp32
 * softmax intermediates, 10 bytes per score, plus a bool mask; Llama-style: 8 bytes plus a 2-byte
 * mask), the 4-bit dequantized largest linear (fp16, and an fp32 copy when the compute dtype is
 * fp32), and logits: every prompt position before transformers 4.45 (upcast to fp32 except in GPT-2
 * style models), the last one since. Decoding: the full cache, twice over before 4.42 (the previous
 * cache stays alive while the next is built, with the prefill logits).
 *
 * <p>Sources: huggingface/transformers generation/utils.py (PR #30536 in 4.42, PR #31292 in 4.45),
 * models/gpt_bigcode/modeling_gpt_bigcode.py (bias buffer of n_positions² booleans, upcast masked
 * softmax); bitsandbytes 0.41 Int8Params / Params4bit (quantization from an fp16 copy; 4-bit compute
 * dtype fp32 by default); PyTorch allocates cuBLAS workspaces through its caching allocator (8 MiB
 * before Hopper, 32 MiB on Hopper). Checked against the Hugging Face LLM optimization guide
 * (octocoder) and the Qwen2.5 speed benchmark (transformers 4.46, FlashAttention-2).
 */
public final class TransformersEngine {

  /** GPT-2 style models return 16-bit logits; the others upcast them to fp32 (before 4.45). */
  private static final Set<String> NO_UPCAST = Set.of("gpt2", "gpt_bigcode", "bloom");

  private TransformersEngine() {}

  static WeightFormat format(EngineSettings.Transformers s) {
    return switch (s.loading()) {
      case "bf16" -> Formats.BF16;
      case "fp16" -> Formats.FP16;
      case "fp32" -> Formats.FP32;
      case "8bit" -> Formats.named("weights", "int8");
      case "4bit" -> Formats.named("weights", "fp4");
      case "nf4" -> Formats.named("weights", "nf4");
      default -> throw new BadInputException("load", "unknown loading " + s.loading());
    };
  }

  public static InferenceEstimate estimate(Model model, Gpu gpu, InferenceWorkload w, EngineSettings.Transformers s) {
    if (!model.hasArchitecture() || !model.architecture().kind().hasKvCache()) {
      throw new BadInputException("model", "the transformers profile models generate() of decoders");
    }
    Architecture arch = model.architecture();
    Dimensions d = arch.dims();
    WeightFormat format = w.weights() != null ? w.weights() : format(s);
    boolean bnb = s.loading().equals("8bit") || s.loading().equals("4bit") || s.loading().equals("nf4");
    DataType act = bnb || s.loading().equals("fp16") ? DataType.F16 : s.loading().equals("fp32") ? DataType.F32 : DataType.BF16;
    boolean allLogits = s.olderThan(4, 45);
    boolean doubleCache = s.olderThan(4, 42);

    long weights = loadedWeights(arch, format, act);
    long largestLinear = 0;
    for (TensorSpec t : arch.tensors()) {
      if (t.role().isBlockLinear() && !t.isVector()) {
        largestLinear = Math.max(largestLinear, t.elements() / Math.max(1, t.experts()));
      }
    }
    long buffers = arch.modelType().equals("gpt_bigcode") ? d.maxPositionEmbeddings() * d.maxPositionEmbeddings() : 0;
    // cuBLAS workspaces PyTorch allocates through its caching allocator (CUBLAS_WORKSPACE_CONFIG defaults in
    // ATen's CublasHandlePool.cpp): ":4096:8" on Hopper and newer = 8 × 4 MiB = 32 MiB; ":4096:2:16:8" before =
    // 2 × 4 MiB + 8 × 16 KiB = 8 MiB + 128 KiB
    long workspace = gpu.isNvidia() && gpu.fp8Tflops() != null && gpu.isHopperOrNewer() ? 32L << 20 : (8L << 20) + (128L << 10);
    long loadTransient = switch (s.loading()) {
      case "8bit" -> 3 * largestLinear;
      case "4bit", "nf4" -> 2 * largestLinear;
      default -> 0;
    };

    long batch = w.batch();
    long prompt = w.promptLen();
    long total = prompt + s.maxNewTokens();
    int layers = arch.attention().size();
    long kvPrompt = KvCache.bytes(arch, 0, layers, batch, prompt, 1, act);
    long kvFinal = KvCache.bytes(arch, 0, layers, batch, total, 1, act);
    long oneLayer = layers == 0 ? 0 : kvFinal / layers;
    long tokens = batch * prompt;
    long b = act.blockBytes();
    long h = d.hiddenSize();
    long f = d.isMoe() ? d.activeMoeIntermediate() : d.intermediateSize();
    long hidden = Math.multiplyExact(tokens, 5 * h * b);
    long mlp = Math.multiplyExact(tokens, (d.gatedMlp() ? 3 : 2) * f * b);
    long scores = 0;
    if (s.attention().equals("eager")) {
      boolean bigcode = arch.modelType().equals("gpt_bigcode");
      long perScore = bigcode ? 10 : 8;
      long mask = bigcode ? 1 : 2;
      scores = Math.addExact(Math.multiplyExact(Math.multiplyExact(batch * d.numHeads(), prompt * prompt), perScore),
          Math.multiplyExact(batch, prompt * prompt * mask));
    }
    long dequant = switch (s.loading()) {
      case "4bit" -> largestLinear * (2 + 4);
      case "nf4" -> largestLinear * 2;
      default -> 0;
    };
    long vocab = d.vocabSize();
    long logitBytes = NO_UPCAST.contains(arch.modelType()) ? b : b + 4;
    long prefillLogits = allLogits ? Math.multiplyExact(tokens, vocab * logitBytes) : Math.multiplyExact(batch, vocab * (b + 4));
    long decodeLogits = Math.multiplyExact(batch, vocab * (b + 4));
    long transientPrefill = hidden + Math.max(Math.max(mlp, scores), 0) + dequant + prefillLogits;
    long persistent = weights + buffers + workspace;

    long loading = weights + loadTransient;
    long prefill = persistent + kvPrompt + transientPrefill;
    long decode = persistent + (doubleCache ? 2 * kvFinal + (allLogits ? prefillLogits : 0) : kvFinal + oneLayer) + decodeLogits;
    String phase = loading >= prefill && loading >= decode ? "loading" : prefill >= decode ? "prefill" : "decode";

    List<Term> terms = new ArrayList<>();
    long weightTerm = phase.equals("loading") ? weights : weights + buffers;
    terms.add(new Term("weights", Bytes.of(weightTerm), String.format(Locale.ROOT, "%s as loaded (%s)%s = %s", format.label(), s.loading(),
        buffers > 0 && !phase.equals("loading") ? String.format(Locale.ROOT, " + causal-mask buffer %,d² bytes", d.maxPositionEmbeddings()) : "", gib(weightTerm)),
        "exact: tensors as torch or bitsandbytes store them; buffers the model registers", false, MemoryLevel.ALLOCATED));
    long kvTerm = switch (phase) {
      case "loading" -> 0;
      case "prefill" -> kvPrompt;
      default -> doubleCache ? 2 * kvFinal : kvFinal + oneLayer;
    };
    if (!phase.equals("loading")) {
      terms.add(new Term("kv_cache", Bytes.of(kvTerm), phase.equals("prefill")
          ? String.format(Locale.ROOT, "%d × %,d prompt tokens = %s", batch, prompt, gib(kvTerm))
          : String.format(Locale.ROOT, "%d × %,d tokens (prompt %,d + new %,d)%s = %s", batch, total, prompt, s.maxNewTokens(),
              doubleCache ? " × 2 (before 4.42 the previous cache stays alive while the next is built)" : " + one layer copied by torch.cat", gib(kvTerm)),
          "exact: the dynamic cache grows by concatenation", false, MemoryLevel.ALLOCATED));
    }
    long activationTerm = switch (phase) {
      case "loading" -> loadTransient;
      case "prefill" -> hidden + Math.max(mlp, scores) + dequant;
      default -> 0;
    };
    String activationFormula = switch (phase) {
      case "loading" -> String.format(Locale.ROOT, "loading the largest linear (%,d parameters) from an fp16 copy: %d bytes per parameter = %s", largestLinear,
          loadTransient / Math.max(1, largestLinear), gib(loadTransient));
      case "prefill" -> String.format(Locale.ROOT, "%,d prompt tokens × (5 hidden-sized tensors + %s)%s = %s", tokens,
          scores > mlp ? "the eager score matrix " + gib(scores) : (d.gatedMlp() ? "3" : "2") + " × f of the MLP",
          dequant > 0 ? " + the largest linear dequantized from 4-bit " + gib(dequant) : "", gib(activationTerm));
      default -> "one token per sequence: negligible";
    };
    terms.add(new Term("activations", Bytes.of(activationTerm), activationFormula,
        "estimate: live intermediates of one layer (see the class documentation)", true, MemoryLevel.ALLOCATED));
    long logitTerm = switch (phase) {
      case "loading" -> 0;
      case "prefill" -> prefillLogits;
      default -> decodeLogits + (doubleCache && allLogits ? prefillLogits : 0);
    };
    if (logitTerm > 0) {
      terms.add(new Term("logits", Bytes.of(logitTerm), phase.equals("prefill") && allLogits
          ? String.format(Locale.ROOT, "%,d positions × %,d (V) × %d bytes (every prompt position, transformers < 4.45) = %s", tokens, vocab, logitBytes, gib(logitTerm))
          : String.format(Locale.ROOT, "%d × %,d (V) × (%d + 4) bytes = %s", batch, vocab, b, gib(logitTerm)),
          "exact: generate's logits for the version given", false, MemoryLevel.ALLOCATED));
    }
    terms.add(new Term("runtime_overhead", Bytes.of(workspace), "cuBLAS workspace in the caching allocator " + gib(workspace),
        "PyTorch CUDABlas (CUBLAS_WORKSPACE_CONFIG defaults)", false, MemoryLevel.ALLOCATED));
    long allocated = switch (phase) {
      case "loading" -> loading;
      case "prefill" -> prefill;
      default -> decode;
    };
    long slack = (long) Math.ceil((allocated - weights) * Overheads.TRANSIENT_FRAGMENTATION);
    terms.add(new Term("allocator_slack", Bytes.of(slack), Overheads.TRANSIENT_FRAGMENTATION + " × the memory beyond the weights = " + gib(slack),
        "estimate: caching-allocator fragmentation", true, MemoryLevel.RESERVED));
    Bytes context = Overheads.context(gpu);
    terms.add(new Term("runtime_overhead", context, ByteUnits.BINARY.format(context) + " (CUDA context)", "estimate: CUDA context", true, MemoryLevel.DEVICE));
    long device = allocated + slack + context.value();
    List<String> notes = new ArrayList<>();
    notes.add(String.format(Locale.ROOT, "peaks (allocated): loading %s, prefill %s, decode %s; the peak is %s", gib(loading), gib(prefill), gib(decode), phase));
    if (s.attention().equals("sdpa")) {
      notes.add("SDPA is assumed to pick a flash or memory-efficient kernel; its math fallback adds about 4 bytes per attention score");
    }
    EngineDetails.Transformers details = new EngineDetails.Transformers(prefill, decode, s.loading(), s.attention());
    return new InferenceEstimate(model, gpu, w, format, terms, Bytes.of(allocated), Bytes.of(allocated + slack), Bytes.of(device),
        Fit.of(Bytes.of(device), gpu.usable(), w.headroom()), 0, KvCache.bytesPerToken(arch, 1, act), notes, details);
  }

  /** Returns the loaded weights; bitsandbytes keeps the tensors it does not convert in the compute dtype. */
  private static long loadedWeights(Architecture arch, WeightFormat format, DataType act) {
    WeightFormat.Pricer p = format.pricer(arch);
    long total = 0;
    for (TensorSpec t : arch.tensors()) {
      if (!t.loadedForInference()) {
        continue;
      }
      String type = p.typeOf(t);
      boolean converted = !(type.equals("BF16") || type.equals("F16") || type.equals("F32"));
      total += converted ? p.bytes(t, t.shape()) : (t.role() == TensorRole.SCALAR ? 4 : act.bytesFor(t.elements()));
    }
    return total;
  }

  private static String gib(long bytes) {
    return ByteUnits.BINARY.format(Bytes.of(bytes));
  }
}
