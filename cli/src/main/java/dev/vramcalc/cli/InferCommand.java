package dev.vramcalc.cli;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.InferenceEstimate;
import dev.vramcalc.core.engine.Engines;
import dev.vramcalc.core.workload.EngineSettings;
import dev.vramcalc.core.estimate.MemoryLevel;
import dev.vramcalc.core.estimate.Term;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.KvCacheType;
import dev.vramcalc.core.precision.WeightFormat;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.io.json.JsonWriter;
import dev.vramcalc.io.report.Documents;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints the inference memory per GPU, term by term, with the fit verdict. */
@Command(name = "infer", description = "Memory per GPU to serve a model: weights, KV cache, activations, logits, overheads; fit verdict.")
final class InferCommand implements Callable<Integer> {

  @Mixin ModelOptions modelOptions;
  @Mixin GpuOptions gpuOptions;
  @Mixin OutputOptions output;

  @Option(names = "--weights", paramLabel = "FORMAT", description = "Weight format (default: the checkpoint's own): fp32, fp16, bf16, fp8, int8, gptq-int4, awq-int4, nf4, nf4-dq, mxfp4, nvfp4, q8_0, q6_k, q5_k_m, q4_k_m, q4_0, q3_k_m, q2_k, …")
  String weights;

  @Option(names = {"--kv-cache", "--kv-cache-dtype"}, paramLabel = "TYPE", description = "KV cache type: auto (the compute dtype), fp16, bf16, fp8, q8_0, q4_0, …")
  String kvCache = "auto";

  @Option(names = "--batch", paramLabel = "B", description = "Sequences served at once (default 1).")
  long batch = 1;

  @Option(names = "--seq-len", paramLabel = "S", description = "Tokens per sequence held in the KV cache, prompt plus output (default 4096, capped at the model's maximum).")
  Long seqLen;

  @Option(names = "--prompt-len", paramLabel = "P", description = "Prompt tokens processed in one prefill pass (default: the whole sequence).")
  Long promptLen;

  @Option(names = {"--tp", "--tensor-parallel-size"}, paramLabel = "N", description = "Tensor-parallel size.")
  Integer tp;

  @Option(names = {"--pp", "--pipeline-parallel-size"}, paramLabel = "N", description = "Pipeline-parallel size.")
  int pp = 1;

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

  @Option(names = "--offline", description = "vLLM: the LLM class (offline) rather than 'vllm serve' sets the batch defaults.")
  boolean offline;

  @Option(names = "--load", paramLabel = "MODE", description = "transformers: bf16 (default), fp16, fp32, 8bit, 4bit (bitsandbytes fp4) or nf4.")
  String load = "bf16";

  @Option(names = "--attn-implementation", paramLabel = "IMPL", description = "transformers: sdpa (default), flash_attention_2 or eager.")
  String attnImplementation = "sdpa";

  @Option(names = "--max-new-tokens", paramLabel = "N", description = "transformers: tokens generated after the prompt (default --seq-len − --prompt-len).")
  Long maxNewTokens;

  @Option(names = "--transformers-version", paramLabel = "V", description = "transformers: version whose generate() to follow (default 4.45; earlier keep logits for every prompt position).")
  String transformersVersion = "4.45";

  @Option(names = "--no-flash-attn", description = "Attention materializes the score matrix (eager attention).")
  boolean noFlash;

  @Option(names = "--headroom", paramLabel = "FRACTION", description = "Safety margin (default 0.2: 'fits' needs device memory under 80% of usable).")
  double headroom = InferenceWorkload.DEFAULT_HEADROOM;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  static final long DEFAULT_SEQ_LEN = 4096;

  @Override
  public Integer call() {
    if (!List.of("generic", "llama.cpp", "llamacpp", "transformers", "vllm").contains(engine)) {
      throw new BadInputException("engine", "--engine '" + engine + "' must be generic, vllm, llama.cpp or transformers");
    }
    Model model = modelOptions.resolve();
    Gpu gpu = gpuOptions.device();
    if (gpu == null) {
      throw new BadInputException("gpu", "infer needs a device: --gpu ID (see 'vramcalc gpus') or --gpu-memory SIZE");
    }
    int gpus = gpuOptions.count();
    int t = tp != null ? tp : (gpuOptions.gpus != null ? gpus / Math.max(pp, 1) : 1);
    if (gpuOptions.gpus != null && (long) t * pp != gpus) {
      throw new BadInputException("gpus", "--gpus (" + gpus + ") must equal --tp × --pp (" + t + " × " + pp + ")");
    }
    long s = seqLen != null ? seqLen
        : promptLen != null && maxNewTokens != null ? Math.addExact(promptLen, maxNewTokens)
        : Math.max(defaultSeqLen(model), promptLen != null ? promptLen : 0);
    WeightFormat w = weights == null ? null : Formats.named("weights", weights);
    EngineSettings settings = new EngineSettings.Generic();
    if (engine.startsWith("llama")) {
      if (tp != null && tp > 1) {
        throw new BadInputException("tp", "llama.cpp splits layers across GPUs: use --gpus N (and --tensor-split), not --tp");
      }
      boolean fa = switch (flashAttn.toLowerCase(java.util.Locale.ROOT)) {
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
      settings = new EngineSettings.Vllm(gpuMemoryUtilization, maxModelLen > 0 ? maxModelLen : (seqLen != null ? seqLen : 0), maxNumSeqs, maxNumBatchedTokens,
          blockSize, KvCacheType.parse("kv-cache-dtype", kvCache), enforceEager, vllmVersion, offline);
    }
    long prompt = promptLen != null ? promptLen : s;
    if (engine.equals("transformers")) {
      long newTokens = maxNewTokens != null ? maxNewTokens : s - prompt;
      if (promptLen == null && maxNewTokens != null) {
        prompt = Math.max(1, s - newTokens);
      }
      settings = new EngineSettings.Transformers(load, attnImplementation, newTokens, transformersVersion);
    }
    InferenceWorkload workload = new InferenceWorkload(batch, s, prompt, w,
        KvCacheType.parse("kv-cache", kvCache), t, pp, !noFlash, headroom, settings);
    InferenceEstimate e = Engines.estimate(model, gpu, workload);
    PrintWriter out = spec.commandLine().getOut();
    if (output.json) {
      out.println(JsonWriter.write(Documents.infer(e)));
      return ExitCodes.OK;
    }
    render(out, e, seqLen == null);
    return ExitCodes.OK;
  }

  private static long defaultSeqLen(Model model) {
    if (!model.hasArchitecture()) {
      return DEFAULT_SEQ_LEN;
    }
    long max = model.architecture().dims().maxPositionEmbeddings();
    return max > 0 ? Math.min(DEFAULT_SEQ_LEN, max) : DEFAULT_SEQ_LEN;
  }

  private void render(PrintWriter out, InferenceEstimate e, boolean defaultedSeqLen) {
    String u = output.unit();
    InferenceWorkload w = e.workload();
    Gpu g = e.gpu();
    out.println(e.model().id() + (e.model().hfId() != null && !e.model().hfId().equals(e.model().id()) ? " (" + e.model().hfId() + ")" : "")
        + " on " + (w.tp() * w.pp() > 1 ? (w.tp() * w.pp()) + " × " : "") + g.name());
    out.println(String.format(Locale.ROOT, "batch %d × %,d tokens%s, weights %s, KV cache %s%s%s, %s engine",
        w.batch(), w.seqLen(), defaultedSeqLen ? " (default --seq-len)" : "", e.weightFormat().label(), w.kvCache().id(),
        w.tp() > 1 ? ", tensor parallel " + w.tp() : "", w.pp() > 1 && w.engine() instanceof EngineSettings.Generic ? ", pipeline parallel " + w.pp() : "",
        w.engine().name()));
    if (e.engine() instanceof dev.vramcalc.core.estimate.EngineDetails.LlamaCpp l) {
      Table dt = new Table(false, false, true, true, true);
      dt.row("device", "layers", "model MiB", "KV MiB", "compute MiB");
      dt.rule();
      for (var d : l.devices()) {
        dt.row(d.name(), d.endLayer() > 0 ? d.firstLayer() + "–" + (d.endLayer() - 1) + (d.output() ? " + output" : "") : (d.output() ? "output" : "none"),
            String.format(Locale.ROOT, "%.2f", d.modelBufferBytes() / 1048576.0), String.format(Locale.ROOT, "%.2f", d.kvBufferBytes() / 1048576.0),
            String.format(Locale.ROOT, "%.2f", d.computeBufferBytes() / 1048576.0));
      }
      dt.row("host", "", String.format(Locale.ROOT, "%.2f", l.hostModelBytes() / 1048576.0), "", String.format(Locale.ROOT, "%.2f", l.hostComputeBytes() / 1048576.0));
      out.print(dt.render());
    }
    out.println();
    Table t = new Table(false, true, false);
    t.row("component", u, "formula");
    t.rule();
    List<String> sources = new ArrayList<>();
    for (MemoryLevel level : MemoryLevel.values()) {
      for (Term term : e.terms()) {
        if (term.level() != level) {
          continue;
        }
        sources.add(term.name() + ": " + term.source());
        t.row(term.name() + (term.estimated() ? " ~" : ""), output.gib(term.bytes()), term.formula());
      }
      switch (level) {
        case ALLOCATED -> t.row("= allocated", output.gib(e.allocated()), "live tensors at the peak (torch max_memory_allocated)");
        case RESERVED -> t.row("= reserved", output.gib(e.reserved()), "what the allocator holds (torch max_memory_reserved)");
        case DEVICE -> t.row("= device", output.gib(e.device()), "what nvidia-smi shows for the process");
      }
      t.rule();
    }
    out.print(t.render());
    double share = 100.0 * e.device().value() / g.usable().value();
    out.println(String.format(Locale.ROOT, "verdict: %s — %s %s of %s %s usable per GPU (%.1f%%; %s); 'fits' needs at most %s %s (%d%% margin); headroom %s%s %s",
        e.fit().verdict().label(), output.gib(e.device()), u, output.gib(g.usable()), u, share, g.usableBasis(),
        output.gib(e.fit().limit()), u, Math.round(w.headroom() * 100), e.fit().headroomBytes() < 0 ? "-" : "",
        output.gib(Math.abs(e.fit().headroomBytes())), u));
    for (String n : e.notes()) {
      out.println("note: " + n);
    }
    out.println("~ estimated; other terms are exact arithmetic on the model's shapes. Sources:");
    for (String s : sources) {
      out.println("  " + s);
    }
  }
}
