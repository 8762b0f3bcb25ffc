package dev.vramcalc.core.solve;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.engine.Engines;
import dev.vramcalc.core.estimate.EngineDetails;
import dev.vramcalc.core.estimate.InferenceEstimate;
import dev.vramcalc.core.estimate.TrainingEstimate;
import dev.vramcalc.core.estimate.TrainingEstimator;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.WeightFormat;
import dev.vramcalc.core.workload.EngineSettings;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.core.workload.TrainingWorkload;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import java.util.function.LongPredicate;

/**
 * Returns the largest batch and the longest context that fit under the safety margin, for inference
 * with any engine profile and for training, by a monotone search over the same estimators the
 * infer and train commands use.
 */
public final class Limits {

  /** Largest batch searched. */
  public static final long MAX_BATCH = 1L << 20;

  /** Longest context searched when the model sets no maximum. */
  public static final long MAX_CONTEXT = 1L << 24;

  /** The precisions of the curve: plain types, INT8, INT4 and the GGUF mixes users download. */
  public static final List<String> CURVE_FORMATS = List.of("fp32", "bf16", "int8", "gptq-int4", "q8_0", "q6_k", "q5_k_m", "q4_k_m", "q3_k_m", "q2_k");

  /**
   * The answer of a search.
   *
   * @param value the largest value that fits (0 when even 1 does not)
   * @param limitedBy what stopped the search: "memory", "the model's maximum context", "the search limit"
   */
  public record Result(long value, String limitedBy) {}

  private Limits() {}

  private static boolean quietly(LongPredicate p, long x) {
    try {
      return p.test(x);
    } catch (ArithmeticException | BadInputException e) {
      return false;
    }
  }

  /**
   * Searches; the first evaluation (at 1) runs unguarded so that a workload the engine refuses is
   * reported as the engine's error, not as "nothing fits". Past it, sizes too large to represent
   * count as not fitting.
   */
  private static Result search(LongPredicate fits, long limit, String cap) {
    if (limit >= 1) {
      try {
        fits.test(1);
      } catch (ArithmeticException e) {
        return new Result(0, "memory");
      }
    }
    long v = MonotoneSearch.largest(x -> quietly(fits, x), limit);
    return new Result(v, v == limit ? cap : "memory");
  }

  /** Returns the context length the model was configured for, or the search limit. */
  public static long contextCap(Model model) {
    long max = model.hasArchitecture() ? model.architecture().dims().maxPositionEmbeddings() : 0;
    return max > 0 ? max : MAX_CONTEXT;
  }

  /** Returns the inference estimate of a batch and context, mapping them onto the engine's own settings. */
  public static InferenceEstimate infer(Model model, Gpu gpu, InferenceWorkload w, long batch, long seq) {
    InferenceWorkload x = w.withSeqLen(seq).withBatch(batch);
    if (w.engine() instanceof EngineSettings.LlamaCpp l) {
      x = x.withEngine(new EngineSettings.LlamaCpp(Math.multiplyExact(batch, seq), l.batchSize(), l.ubatchSize(), l.nGpuLayers(), l.tensorSplit(),
          l.cacheTypeK(), l.cacheTypeV(), l.flashAttn(), (int) Math.min(batch, 4096), l.swaFull()));
    } else if (w.engine() instanceof EngineSettings.Transformers t) {
      long generated = Math.min(t.maxNewTokens(), seq - 1);
      x = new InferenceWorkload(batch, seq, seq - generated, x.weights(), x.kvCache(), x.tp(), x.pp(), x.flashAttention(), x.headroom(),
          new EngineSettings.Transformers(t.loading(), t.attention(), generated, t.version()));
    } else if (w.engine() instanceof EngineSettings.Vllm v) {
      x = x.withEngine(new EngineSettings.Vllm(v.gpuMemoryUtilization(), seq, v.maxNumSeqs(), v.maxNumBatchedTokens(), v.blockSize(), v.kvCacheDtype(),
          v.enforceEager(), v.version(), v.offline()));
    }
    return Engines.estimate(model, gpu, x);
  }

  /**
   * Returns whether a batch and context fit: within the model's maximum context and, for vLLM,
   * whether the engine starts and holds that many requests; for other engines, under the margin.
   */
  public static boolean inferenceFits(Model model, Gpu gpu, InferenceWorkload w, long batch, long seq) {
    return inferIfFits(model, gpu, w, batch, seq) != null;
  }

  /** Returns the estimate when the batch and context fit as {@link #inferenceFits} judges, else null (one estimate, not two). */
  public static InferenceEstimate inferIfFits(Model model, Gpu gpu, InferenceWorkload w, long batch, long seq) {
    if (seq > contextCap(model)) {
      return null;
    }
    InferenceEstimate e = infer(model, gpu, w, batch, seq);
    boolean fits = e.engine() instanceof EngineDetails.Vllm v ? v.fitsMaxModelLen() && v.maxConcurrency() >= batch : e.fit().fits();
    return fits ? e : null;
  }

  /**
   * Returns how far a batch and context are from not fitting, with the sign of {@link #inferenceFits}:
   * the bytes left under the margin (negative when over); for vLLM, the requests the KV cache holds
   * beyond the batch, times the request length. Sizes too large to represent count as not fitting.
   */
  public static double inferenceSlack(Model model, Gpu gpu, InferenceWorkload w, long batch, long seq) {
    if (seq > contextCap(model)) {
      return -1;
    }
    InferenceEstimate e;
    try {
      e = infer(model, gpu, w, batch, seq);
    } catch (ArithmeticException | BadInputException ex) {
      return -1;
    }
    if (e.engine() instanceof EngineDetails.Vllm v) {
      if (!v.fitsMaxModelLen()) {
        return -1;
      }
      double s = (v.maxConcurrency() - batch) * (double) seq;
      return v.maxConcurrency() >= batch ? Math.max(0, s) : Math.min(-1, s);
    }
    double s = e.fit().limit().value() - (double) e.device().value();
    return e.fit().fits() ? Math.max(0, s) : Math.min(-1, s);
  }

  /** Searches guided by the slack: the first evaluation runs unguarded so that a refused workload is an error, not "nothing fits". */
  private static Result guided(java.util.function.LongToDoubleFunction slack, java.util.function.LongPredicate first, long limit, String cap) {
    if (limit >= 1) {
      try {
        first.test(1);
      } catch (ArithmeticException e) {
        return new Result(0, "memory");
      }
    }
    long v = MonotoneSearch.largestGuided(slack, limit);
    return new Result(v, v == limit ? cap : "memory");
  }

  public static Result maxBatch(Model model, Gpu gpu, InferenceWorkload w) {
    return dev.vramcalc.core.estimate.Lean.run(() -> guided(b -> inferenceSlack(model, gpu, w, b, w.seqLen()), b -> inferenceFits(model, gpu, w, b, w.seqLen()), MAX_BATCH, "the search limit"));
  }

  public static Result maxContext(Model model, Gpu gpu, InferenceWorkload w) {
    long cap = contextCap(model);
    return dev.vramcalc.core.estimate.Lean.run(() -> guided(s -> inferenceSlack(model, gpu, w, w.batch(), s), s -> inferenceFits(model, gpu, w, w.batch(), s),
        cap, "the model's maximum context"));
  }

  /** Returns whether a training micro-batch and sequence length fit. */
  public static boolean trainingFits(Model model, Gpu gpu, TrainingWorkload w, long microBatch, long seq) {
    if (seq > contextCap(model)) {
      return false;
    }
    TrainingEstimate e = TrainingEstimator.estimate(model, gpu, new TrainingWorkload.Builder(w).microBatch(microBatch).seqLen(seq).build());
    return e.fit().fits();
  }

  public static Result maxMicroBatch(Model model, Gpu gpu, TrainingWorkload w) {
    return search(b -> trainingFits(model, gpu, w, b, w.seqLen()), MAX_BATCH, "the search limit");
  }

  /** Returns the longest training sequence; with context parallelism lengths are multiples of 2·cp. */
  public static Result maxTrainingContext(Model model, Gpu gpu, TrainingWorkload w) {
    long step = w.cp() > 1 ? 2L * w.cp() : 1;
    long cap = contextCap(model) / step;
    Result r = search(k -> trainingFits(model, gpu, w, w.microBatch(), k * step), cap, "the model's maximum context");
    return new Result(r.value() * step, r.limitedBy());
  }

  /** One precision's row of the curve. */
  public record CurveRow(String precision, List<long[]> batchBySeqLen, List<long[]> seqLenByBatch) {}

  /**
   * Returns the curve behind the maximum: for each precision, the largest batch at each power-of-two
   * sequence length and the longest sequence at each power-of-two batch.
   */
  public static List<CurveRow> curve(Model model, Gpu gpu, InferenceWorkload w, List<String> formats) {
    return dev.vramcalc.core.estimate.Lean.run(() -> curveRows(model, gpu, w, formats));
  }

  private static List<CurveRow> curveRows(Model model, Gpu gpu, InferenceWorkload w, List<String> formats) {
    List<CurveRow> rows = new ArrayList<>();
    long cap = contextCap(model);
    for (String id : formats) {
      WeightFormat f = Formats.named("weights", id);
      if (!model.hasArchitecture() && !(f == Formats.FP32 || f == Formats.BF16 || f == Formats.FP16)) {
        continue;
      }
      InferenceWorkload base = w.withWeights(f);
      try {
        inferenceFits(model, gpu, base, 1, Math.min(256, cap));
      } catch (BadInputException e) {
        continue; // the engine does not load this format (llama.cpp runs GGUF types only)
      }
      List<long[]> bySeq = new ArrayList<>();
      for (long s = 256; s <= cap; s *= 2) {
        final long len = s;
        bySeq.add(new long[] {s, MonotoneSearch.largestGuided(b -> inferenceSlack(model, gpu, base, b, len), MAX_BATCH)});
      }
      List<long[]> byBatch = new ArrayList<>();
      for (long b = 1; b <= 1024; b *= 2) {
        final long batch = b;
        byBatch.add(new long[] {b, MonotoneSearch.largestGuided(s -> inferenceSlack(model, gpu, base, batch, s), cap)});
      }
      rows.add(new CurveRow(id, bySeq, byBatch));
    }
    return rows;
  }

  /** The training precisions of the curve. */
  public static final List<TrainingWorkload.Precision> TRAINING_CURVE = List.of(TrainingWorkload.Precision.values());

  /**
   * Returns the training curve: for each precision mode, the largest micro-batch at each power-of-two
   * sequence length and the longest sequence at each power-of-two micro-batch.
   */
  public static List<CurveRow> trainingCurve(Model model, Gpu gpu, TrainingWorkload w) {
    List<CurveRow> rows = new ArrayList<>();
    long cap = contextCap(model);
    long step = w.cp() > 1 ? 2L * w.cp() : 1;
    for (TrainingWorkload.Precision p : TRAINING_CURVE) {
      TrainingWorkload base = new TrainingWorkload.Builder(w).precision(p).build();
      List<long[]> bySeq = new ArrayList<>();
      for (long s = 256; s <= cap; s *= 2) {
        final long len = s;
        bySeq.add(new long[] {s, search(b -> trainingFits(model, gpu, base, b, len), MAX_BATCH, "").value()});
      }
      List<long[]> byBatch = new ArrayList<>();
      for (long b = 1; b <= 1024; b *= 2) {
        final long batch = b;
        byBatch.add(new long[] {b, step * search(k -> trainingFits(model, gpu, base, batch, k * step), cap / step, "").value()});
      }
      rows.add(new CurveRow(p.id(), bySeq, byBatch));
    }
    return rows;
  }

  /** Returns the estimates at the answer and one past it, for the output. */
  public static <E> List<E> around(long value, LongFunction<E> at) {
    List<E> out = new ArrayList<>();
    if (value > 0) {
      out.add(at.apply(value));
    }
    try {
      out.add(at.apply(value + 1));
    } catch (ArithmeticException | BadInputException e) {
      // past the largest representable workload: nothing to show
    }
    return out;
  }
}
