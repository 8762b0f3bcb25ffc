package dev.vramcalc.core.workload;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.precision.KvCacheType;
import dev.vramcalc.core.precision.WeightFormat;

/**
 * Returns what an inference run asks of a model: how many sequences, how long, in which formats,
 * split over how many GPUs.
 *
 * @param batch B, sequences served at once
 * @param seqLen S, tokens per sequence held in the KV cache (prompt plus generated)
 * @param promptLen tokens processed in one prefill pass per sequence (the activation peak); at most S
 * @param weights the weight format, or null for the checkpoint's own
 * @param kvCache the KV cache element type
 * @param tp tensor-parallel size t
 * @param pp pipeline-parallel size p
 * @param flashAttention whether attention runs without materializing the score matrix
 * @param headroom the safety margin: "fits" needs device memory at most (1 − headroom) × usable
 * @param engine the engine and its settings
 */
public record InferenceWorkload(
    long batch,
    long seqLen,
    long promptLen,
    WeightFormat weights,
    KvCacheType kvCache,
    int tp,
    int pp,
    boolean flashAttention,
    double headroom,
    EngineSettings engine) {

  public InferenceWorkload(long batch, long seqLen, long promptLen, WeightFormat weights, KvCacheType kvCache, int tp, int pp,
      boolean flashAttention, double headroom) {
    this(batch, seqLen, promptLen, weights, kvCache, tp, pp, flashAttention, headroom, new EngineSettings.Generic());
  }

  /** The published validation found no OOM below 80 % of device memory: a 20 % margin. */
  public static final double DEFAULT_HEADROOM = 0.20;

  public static final long MAX_TOKENS = 1L << 40;

  public InferenceWorkload {
    if (batch < 1 || batch > MAX_TOKENS) {
      throw new BadInputException("batch", "--batch (" + batch + ") must be between 1 and " + MAX_TOKENS);
    }
    if (seqLen < 1 || seqLen > MAX_TOKENS) {
      throw new BadInputException("seq-len", "--seq-len (" + seqLen + ") must be between 1 and " + MAX_TOKENS);
    }
    if (promptLen < 1 || promptLen > seqLen) {
      throw new BadInputException("prompt-len", "--prompt-len (" + promptLen + ") must be between 1 and --seq-len (" + seqLen + ")");
    }
    if (Math.multiplyHigh(batch, seqLen) != 0 || batch * seqLen > MAX_TOKENS) {
      throw new BadInputException("batch", "--batch × --seq-len (" + batch + " × " + seqLen + ") exceeds " + MAX_TOKENS + " tokens");
    }
    if (tp < 1 || tp > 4096) {
      throw new BadInputException("tp", "--tp (" + tp + ") must be between 1 and 4096");
    }
    if (pp < 1 || pp > 4096) {
      throw new BadInputException("pp", "--pp (" + pp + ") must be between 1 and 4096");
    }
    if (!(headroom >= 0 && headroom < 1)) {
      throw new BadInputException("headroom", "--headroom (" + headroom + ") must be at least 0 and below 1");
    }
    if (kvCache == null) {
      kvCache = KvCacheType.AUTO;
    }
    if (engine == null) {
      engine = new EngineSettings.Generic();
    }
  }

  /** Returns a workload of B sequences of S tokens on one GPU, checkpoint weights, 16-bit KV cache. */
  public static InferenceWorkload of(long batch, long seqLen) {
    return new InferenceWorkload(batch, seqLen, seqLen, null, KvCacheType.AUTO, 1, 1, true, DEFAULT_HEADROOM);
  }

  public InferenceWorkload withBatch(long b) {
    return new InferenceWorkload(b, seqLen, Math.min(promptLen, seqLen), weights, kvCache, tp, pp, flashAttention, headroom, engine);
  }

  public InferenceWorkload withSeqLen(long s) {
    return new InferenceWorkload(batch, s, Math.min(promptLen == seqLen ? s : promptLen, s), weights, kvCache, tp, pp, flashAttention, headroom, engine);
  }

  public InferenceWorkload withWeights(WeightFormat w) {
    return new InferenceWorkload(batch, seqLen, promptLen, w, kvCache, tp, pp, flashAttention, headroom, engine);
  }

  public InferenceWorkload withTp(int t) {
    return new InferenceWorkload(batch, seqLen, promptLen, weights, kvCache, t, pp, flashAttention, headroom, engine);
  }

  public InferenceWorkload withEngine(EngineSettings e) {
    return new InferenceWorkload(batch, seqLen, promptLen, weights, kvCache, tp, pp, flashAttention, headroom, e);
  }

  public InferenceWorkload withKvCache(KvCacheType kv) {
    return new InferenceWorkload(batch, seqLen, promptLen, weights, kv, tp, pp, flashAttention, headroom, engine);
  }
}
