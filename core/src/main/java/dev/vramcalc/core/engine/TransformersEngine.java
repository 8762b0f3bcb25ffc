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
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.model.Architecture;
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

/**
 * Returns the peak {@code torch.cuda.max_memory_allocated()} of Hugging Face transformers'
 * {@code generate()}: weights as loaded (16-bit, or bitsandbytes 8-bit or 4-bit), buffers the model
 * registers, the dynamic KV cache that grows by concatenation, the prefill pass over the whole
 * prompt (with the score matrix under eager attention) and the logits.
 *
 * <p>Sources: huggingface/transformers generation/utils.py (DynamicCache updated with torch.cat, so
 * one layer's K and V exist twice for a moment; logits for every prompt position before 4.45,
 * for the last one since, logits_to_keep); models/gpt_bigcode (a causal-mask buffer of n_positions²
 * booleans, softmax upcast to fp32); bitsandbytes Linear8bitLt (int8 weight and an fp32 scale per
 * row) and Linear4bit (packed 4-bit codes and an fp32 absmax per 64 values; fp4 without double
 * quantization is load_in_4bit's default); transformers loads bitsandbytes models in fp16.
 */
public final class TransformersEngine {

  private TransformersEngine() {}

  /** Returns the weight format of a loading mode. */
  static WeightFormat format(EngineSettings.Transformers s, Model model) {
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

  public static InferenceEstimate estimate(Model model, Gpu gpu, InferenceWorkload w, EngineSettings.Transformers s, boolean allPositionLogits) {
    if (!model.hasArchitecture() || !model.architecture().kind().hasKvCache()) {
      throw new BadInputException("model", "the transformers profile models generate() of decoders");
    }
    Architecture arch = model.architecture();
    WeightFormat format = format(s, model);
    boolean quantized = s.loading().equals("8bit") || s.loading().equals("4bit") || s.loading().equals("nf4");
    DataType act = quantized || s.loading().equals("fp16") ? DataType.F16 : s.loading().equals("fp32") ? DataType.F32 : DataType.BF16;
    long weights = quantizedWeights(arch, format, act);
    long buffers = arch.modelType().equals("gpt_bigcode") ? arch.dims().maxPositionEmbeddings() * arch.dims().maxPositionEmbeddings() : 0;
    long prompt = w.promptLen();
    long total = prompt + s.maxNewTokens();
    long batch = w.batch();
    long layers = arch.attention().size();
    long kvFinal = KvCache.bytes(arch, 0, (int) layers, batch, total, 1, act);
    long kvPrompt = KvCache.bytes(arch, 0, (int) layers, batch, prompt, 1, act);
    long oneLayer = layers == 0 ? 0 : kvFinal / layers;
    boolean flash = !s.attention().equals("eager");
    long activations = InferenceEstimator.activationPeak(arch, batch * prompt, batch, prompt, 1, act, flash);
    long dequant = 0;
    if (s.loading().equals("4bit") || s.loading().equals("nf4")) {
      for (TensorSpec t : arch.tensors()) {
        if (t.role().isBlockLinear() && !t.isVector()) {
          dequant = Math.max(dequant, t.elements() / Math.max(1, t.experts()) * act.blockBytes());
        }
      }
    }
    long vocab = arch.dims().vocabSize();
    long prefillLogits = Math.multiplyExact(Math.multiplyExact(batch, allPositionLogits ? prompt : 1), vocab * act.blockBytes())
        + Math.multiplyExact(batch, vocab * 4);
    long decodeLogits = Math.multiplyExact(batch, vocab * (act.blockBytes() + 4L));
    long prefill = weights + buffers + kvPrompt + activations + dequant + prefillLogits;
    long decode = weights + buffers + kvFinal + oneLayer + decodeLogits;
    boolean prefillPeak = prefill >= decode;

    List<Term> terms = new ArrayList<>();
    terms.add(new Term("weights", Bytes.of(weights + buffers), String.format(Locale.ROOT, "%s as loaded (%s)%s = %s", format.label(), s.loading(),
        buffers > 0 ? String.format(Locale.ROOT, " + causal-mask buffer %,d² bytes", arch.dims().maxPositionEmbeddings()) : "", gib(weights + buffers)),
        "exact: tensors as bitsandbytes or torch store them; buffers the model registers", false, MemoryLevel.ALLOCATED));
    long kvTerm = prefillPeak ? kvPrompt : kvFinal + oneLayer;
    terms.add(new Term("kv_cache", Bytes.of(kvTerm), prefillPeak
        ? String.format(Locale.ROOT, "%d × %,d prompt tokens in the dynamic cache = %s", batch, prompt, gib(kvTerm))
        : String.format(Locale.ROOT, "%d × %,d tokens (prompt %,d + new %,d) + one layer copied by torch.cat = %s", batch, total, prompt, s.maxNewTokens(), gib(kvTerm)),
        "exact: DynamicCache grows by concatenation", false, MemoryLevel.ALLOCATED));
    if (prefillPeak) {
      terms.add(new Term("activations", Bytes.of(activations + dequant), String.format(Locale.ROOT,
          "prefill of %,d tokens: one layer's intermediates%s%s = %s", batch * prompt, flash ? "" : " and the eager score matrix (compute dtype + fp32 softmax)",
          dequant > 0 ? " + one linear dequantized from 4-bit " + gib(dequant) : "", gib(activations + dequant)),
          "estimate: the largest set of one layer's live intermediates", true, MemoryLevel.ALLOCATED));
    }
    long logits = prefillPeak ? prefillLogits : decodeLogits;
    terms.add(new Term("logits", Bytes.of(logits), prefillPeak
        ? String.format(Locale.ROOT, "%d × %,d positions × %,d (V) × %d bytes + the last position's fp32 copy = %s", batch, allPositionLogits ? prompt : 1, vocab,
            act.blockBytes(), gib(logits))
        : String.format(Locale.ROOT, "%d × %,d (V) × (%d + 4) bytes = %s", batch, vocab, act.blockBytes(), gib(logits)),
        allPositionLogits ? "exact: transformers before 4.45 computes logits for every prompt position" : "exact: logits_to_keep=1 (transformers ≥ 4.45)", false,
        MemoryLevel.ALLOCATED));
    long allocated = prefillPeak ? prefill : decode;
    Bytes context = Overheads.context(gpu);
    long slack = (long) Math.ceil((prefillPeak ? activations + prefillLogits : decodeLogits + oneLayer) * Overheads.TRANSIENT_FRAGMENTATION);
    terms.add(new Term("allocator_slack", Bytes.of(slack), Overheads.TRANSIENT_FRAGMENTATION + " × the transient part = " + gib(slack),
        "estimate: caching-allocator fragmentation", true, MemoryLevel.RESERVED));
    terms.add(new Term("runtime_overhead", context, ByteUnits.BINARY.format(context) + " (runtime context)", "estimate: CUDA context", true, MemoryLevel.DEVICE));
    long device = allocated + slack + context.value();
    List<String> notes = new ArrayList<>();
    notes.add(String.format(Locale.ROOT, "prefill peak %s, decode peak %s (allocated)", gib(prefill), gib(decode)));
    EngineDetails.Transformers details = new EngineDetails.Transformers(prefill, decode, s.loading(), s.attention());
    return new InferenceEstimate(model, gpu, w, format, terms, Bytes.of(allocated), Bytes.of(allocated + slack), Bytes.of(device),
        Fit.of(Bytes.of(device), gpu.usable(), w.headroom()), 0, KvCache.bytesPerToken(arch, 1, act), notes, details);
  }

  /** Returns the loaded weights; bitsandbytes keeps non-converted tensors in the compute dtype. */
  private static long quantizedWeights(Architecture arch, WeightFormat format, DataType act) {
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

  private static String gib(long b) {
    return ByteUnits.BINARY.format(Bytes.of(b));
  }
}
