package dev.vramcalc.core.perf;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.InferenceEstimator;
import dev.vramcalc.core.estimate.KvCache;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.AttentionLayer;
import dev.vramcalc.core.model.Component;
import dev.vramcalc.core.model.Dimensions;
import dev.vramcalc.core.model.TensorRole;
import dev.vramcalc.core.model.TensorSpec;
import dev.vramcalc.core.precision.DataType;
import dev.vramcalc.core.precision.KvCacheType;
import dev.vramcalc.core.precision.WeightFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Returns the roofline of a decode step and of a prefill: per operation the FLOPs, the bytes moved
 * between memory and the chip, the arithmetic intensity (FLOPs per byte), and whether the GPU's
 * ridge point (peak FLOP/s over bandwidth) makes it compute- or memory-bound; the time of each
 * operation is the larger of FLOPs / achievable FLOP/s and bytes / achievable bandwidth.
 *
 * <p>Source: Williams, Waterman and Patterson, "Roofline: an insightful visual performance model"
 * (CACM 2009); for transformers, Pope et al., "Efficiently Scaling Transformer Inference" (arXiv
 * 2211.05102) §2 (decode reads every weight once per step; 2 FLOPs per parameter per token).
 */
public final class Roofline {

  /** Default achievable share of peak memory bandwidth (model bandwidth utilization). */
  public static final double DEFAULT_MEMORY_EFFICIENCY = 0.80;

  /** Default achievable share of dense peak FLOP/s for large GEMMs. */
  public static final double DEFAULT_COMPUTE_EFFICIENCY = 0.60;

  /** Default latency of one small all-reduce, seconds. */
  public static final double DEFAULT_ALLREDUCE_LATENCY = 10e-6;

  public static final String MEMORY_EFFICIENCY_SOURCE =
      "assumed 0.80: serving stacks reach 60–85% of peak HBM bandwidth in memory-bound decode (model bandwidth utilization, "
          + "Databricks 'LLM Inference Performance Engineering', 2023); --memory-efficiency to change";
  public static final String COMPUTE_EFFICIENCY_SOURCE =
      "assumed 0.60: large BF16/FP8 GEMMs reach about 60–80% of dense tensor peak; whole prefills less; --compute-efficiency to change";
  public static final String LATENCY_SOURCE =
      "assumed 10 µs per all-reduce: small-message NCCL latency within a node (nccl-tests all_reduce_perf); --allreduce-latency-us to change";

  /**
   * The settings of a roofline.
   *
   * @param batch sequences decoded together (B)
   * @param contextLen tokens already in each sequence's KV cache at the decode step (L)
   * @param promptLen prompt tokens per sequence in the prefill (P)
   * @param tp tensor-parallel ranks; every operation is per rank
   * @param weights the weight format (null: the checkpoint's)
   * @param kvCache the KV cache type
   * @param flash flash attention (no score matrix in memory)
   * @param memoryEfficiency achievable share of peak bandwidth
   * @param computeEfficiency achievable share of peak FLOP/s
   * @param allReduceLatency seconds per all-reduce beyond its bandwidth term
   */
  public record Settings(long batch, long contextLen, long promptLen, int tp, WeightFormat weights, KvCacheType kvCache, boolean flash,
      double memoryEfficiency, double computeEfficiency, double allReduceLatency) {
    public Settings {
      if (batch < 1 || batch > 1L << 20) {
        throw new BadInputException("batch", "--batch (" + batch + ") must be between 1 and 1048576");
      }
      if (contextLen < 1 || contextLen > 1L << 24) {
        throw new BadInputException("seq-len", "--seq-len (" + contextLen + ") must be between 1 and 16777216");
      }
      if (promptLen < 1 || promptLen > 1L << 24) {
        throw new BadInputException("prompt-len", "--prompt-len (" + promptLen + ") must be between 1 and 16777216");
      }
      if (tp < 1 || tp > 1024) {
        throw new BadInputException("tp", "--tp (" + tp + ") must be between 1 and 1024");
      }
      if (!(memoryEfficiency > 0 && memoryEfficiency <= 1)) {
        throw new BadInputException("memory-efficiency", "--memory-efficiency (" + memoryEfficiency + ") must be in (0, 1]");
      }
      if (!(computeEfficiency > 0 && computeEfficiency <= 1)) {
        throw new BadInputException("compute-efficiency", "--compute-efficiency (" + computeEfficiency + ") must be in (0, 1]");
      }
      if (!(allReduceLatency >= 0 && allReduceLatency < 1)) {
        throw new BadInputException("allreduce-latency-us", "--allreduce-latency-us must be between 0 and 1,000,000");
      }
    }
  }

  /**
   * One operation summed over the layers it occurs in.
   *
   * @param name qkv_proj, attention, o_proj, mlp, experts, shared_experts, router, norms, lm_head, embedding, tp_all_reduce
   * @param flops floating-point operations per rank
   * @param bytes bytes read and written per rank (weights, KV cache, activations)
   * @param seconds the roofline time: max(FLOPs / achievable FLOP/s, bytes / achievable bandwidth), or the link time for communication
   * @param bound "memory", "compute" or "communication"
   * @param formula the arithmetic with the numbers filled in
   */
  public record Operation(String name, double flops, double bytes, double seconds, String bound, String formula) {
    public double intensity() {
      return bytes == 0 ? 0 : flops / bytes;
    }
  }

  /**
   * A phase (decode step or prefill).
   *
   * @param operations the operations in execution order
   * @param seconds the phase time, the sum of the operations' times
   */
  public record Phase(List<Operation> operations, double seconds) {
    public double flops() {
      return operations.stream().mapToDouble(Operation::flops).sum();
    }

    public double bytes() {
      return operations.stream().filter(o -> !o.bound().equals("communication")).mapToDouble(Operation::bytes).sum();
    }
  }

  /**
   * The roofline.
   *
   * @param peakFlops dense peak FLOP/s of the compute type
   * @param peakLabel which peak ("BF16 tensor", "FP8 tensor")
   * @param bandwidth peak memory bandwidth, bytes/s
   * @param expectedExperts for MoE, the expected distinct experts a decode step reads per MoE layer
   */
  public record Result(Settings settings, Phase decode, Phase prefill, Phase firstToken, double peakFlops, String peakLabel, double bandwidth,
      double expectedExperts, List<String> notes) {

    /** Returns the ridge point: FLOPs per byte above which an operation is compute-bound. */
    public double ridge() {
      return peakFlops / bandwidth;
    }

    public double decodeTokensPerSecondPerSequence() {
      return 1 / decode.seconds();
    }

    public double decodeTokensPerSecond() {
      return settings.batch() / decode.seconds();
    }

    /** Returns the time to first token of a request prefilled alone: the prefill of one prompt, which produces its first token. */
    public double timeToFirstToken() {
      return firstToken.seconds();
    }

    /** Returns the bandwidth ceiling on decode: peak bandwidth over the bytes one step reads, times the batch. */
    public double bandwidthCeilingTokensPerSecond() {
      return settings.batch() * bandwidth / decode.bytes();
    }
  }

  private Roofline() {}

  /** Returns the roofline of a decode step at context L and of a prefill of B prompts of P tokens. */
  public static Result of(Model model, Gpu gpu, Settings s) {
    if (!model.hasArchitecture()) {
      throw new BadInputException("model", "the roofline needs the architecture (a config.json or --hidden-size, --num-layers, …), not only --params");
    }
    if (gpu.bandwidthGBs() <= 0) {
      throw new BadInputException("gpu", "the roofline needs the GPU's bandwidth and peak FLOP/s: pick a catalog GPU (--gpu), not --gpu-memory");
    }
    Architecture arch = model.architecture();
    WeightFormat format = s.weights() != null ? s.weights() : model.checkpointFormat();
    DataType act = InferenceEstimator.activationType(model, format);
    Peak peak = Peak.of(gpu, format, act);
    if (peak.flops <= 0) {
      throw new BadInputException("gpu", "the catalog has no " + peak.label + " peak for " + gpu.id() + ": the roofline cannot bound compute");
    }
    double bw = gpu.bandwidthGBs() * 1e9;
    Profile profile = Profile.of(arch, format, s.tp());
    List<String> notes = new ArrayList<>();
    double expected = 0;
    if (arch.dims().isMoe()) {
      expected = expectedExperts(arch.dims().numExperts(), arch.dims().expertsPerToken(), s.batch());
      notes.add(String.format(Locale.ROOT, "MoE: a token uses %d of %d experts; %d tokens in a decode step read an expected %.1f distinct experts per layer "
          + "(E·(1 − (1 − e/E)^T), uniform routing); FLOPs count only the active experts", arch.dims().expertsPerToken(), arch.dims().numExperts(), s.batch(), expected));
    }
    if (arch.kind() != dev.vramcalc.core.model.ModelKind.DECODER) {
      notes.add("this is not a decoder-only language model: the decode rows assume autoregressive generation over the text stack");
    }
    if (hasVision(arch)) {
      notes.add("the vision tower is not in the roofline: image inputs add its FLOPs to the prefill");
    }
    Phase decode = phase(arch, profile, s, peak, bw, linkBandwidth(gpu), act, s.batch(), s.batch(), s.contextLen(), false);
    Phase prefill = phase(arch, profile, s, peak, bw, linkBandwidth(gpu), act, s.batch() * s.promptLen(), s.batch(), s.promptLen(), true);
    Phase first = s.batch() == 1 ? prefill : phase(arch, profile, s, peak, bw, linkBandwidth(gpu), act, s.promptLen(), 1, s.promptLen(), true);
    if (s.tp() > 1) {
      notes.add(String.format(Locale.ROOT, "tensor parallel %d: each rank reads 1/%d of the weights and all-reduces the hidden state twice per layer over %s",
          s.tp(), s.tp(), linkLabel(gpu)));
    }
    return new Result(s, decode, prefill, first, peak.flops, peak.label, bw, expected, notes);
  }

  private static boolean hasVision(Architecture arch) {
    return arch.tensors().stream().anyMatch(t -> t.component() == Component.VISION_TOWER);
  }

  private static String linkLabel(Gpu gpu) {
    return gpu.interconnect() == null ? "the GPU's link" : gpu.interconnect() + String.format(Locale.ROOT, " (%.0f GB/s)", linkBandwidth(gpu) / 1e9);
  }

  /** Returns the per-GPU link bandwidth in bytes/s ({@link Gpu#linkGBs}: the catalog's, else PCIe 4.0 x16). */
  public static double linkBandwidth(Gpu gpu) {
    return gpu.linkGBs() * 1e9;
  }

  /**
   * Returns the expected number of distinct experts {@code T} tokens route to when each picks
   * {@code e} of {@code E} uniformly: {@code E · (1 − (1 − e/E)^T)}.
   *
   * <p>Example: Mixtral (E = 8, e = 2), 1 token: 2; 4 tokens: 8 · (1 − 0.75⁴) = 5.47.
   */
  public static double expectedExperts(int numExperts, int perToken, long tokens) {
    if (numExperts <= 0) {
      return 0;
    }
    double miss = Math.pow(1 - (double) perToken / numExperts, (double) tokens);
    return numExperts * (1 - miss);
  }

  /** The peak FLOP/s a weight format computes at. */
  record Peak(double flops, String label) {
    static Peak of(Gpu gpu, WeightFormat f, DataType act) {
      if (act == DataType.F32) {
        return new Peak(orZero(gpu.fp32Tflops()) * 1e12, "FP32");
      }
      String label = f.label().toUpperCase(Locale.ROOT);
      if ((f.id().startsWith("fp8") || label.startsWith("FP8")) && gpu.fp8Tflops() != null) {
        return new Peak(gpu.fp8Tflops() * 1e12, "FP8 tensor (W8A8)");
      }
      if (label.contains("W8A8") && label.contains("INT8") && gpu.int8Tops() != null) {
        return new Peak(gpu.int8Tops() * 1e12, "INT8 tensor (W8A8)");
      }
      return new Peak(orZero(gpu.bf16Tflops()) * 1e12, act == DataType.F16 ? "FP16 tensor" : "BF16 tensor");
    }

    private static double orZero(Double d) {
      return d == null ? 0 : d;
    }
  }

  /**
   * The weights of each operation summed over the layers, priced once per (architecture, format,
   * TP): the linear parameters that multiply each token and the bytes they occupy on one rank.
   */
  record Profile(Map<String, double[]> linear, double expertElementsPerExpert, double expertBytesPerExpert, int moeLayers,
      double normElements, double normBytes, double lmHeadElements, double lmHeadBytes, double embeddingRowBytes) {

    static final String[] ORDER = {"qkv_proj", "o_proj", "mlp", "shared_experts", "router"};

    static Profile of(Architecture arch, WeightFormat format, int tp) {
      WeightFormat.Pricer pricer = format.pricer(arch);
      Map<String, double[]> linear = new LinkedHashMap<>();
      for (String k : ORDER) {
        linear.put(k, new double[2]);
      }
      double expertElements = 0;
      double expertBytes = 0;
      java.util.Set<Integer> moeLayers = new java.util.HashSet<>();
      double normElements = 0;
      double normBytes = 0;
      double lmElements = 0;
      double lmBytes = 0;
      double embeddingRow = 0;
      TensorSpec embedding = null;
      boolean hasLmHead = false;
      for (TensorSpec t : arch.tensors()) {
        if (!t.loadedForInference() || t.component() == Component.VISION_TOWER || t.component() == Component.PROJECTOR
            || t.component() == Component.POOLER || t.component() == Component.HEADS) {
          continue;
        }
        long[] shard = t.shardShape(tp);
        double elements = 1;
        for (long d : shard) {
          elements *= d;
        }
        double bytes = pricer.bytes(t, shard);
        TensorRole r = t.role();
        if (r == TensorRole.TOKEN_EMBEDDING || r == TensorRole.POSITION_EMBEDDING || r == TensorRole.TOKEN_TYPE_EMBEDDING) {
          if (r == TensorRole.TOKEN_EMBEDDING) {
            embedding = t;
          }
          embeddingRow += bytes / shard[0];
          continue;
        }
        if (r == TensorRole.ATTN_SINKS || r == TensorRole.SCALAR || r == TensorRole.PATCH_EMBEDDING || r == TensorRole.CLASS_EMBEDDING) {
          continue; // a few values per head, or vision inputs: nothing a text token's roofline sees
        }
        if (r == TensorRole.LM_HEAD) {
          hasLmHead = true;
          lmElements += elements;
          lmBytes += bytes;
          continue;
        }
        if (t.role().isExpert() || (t.component() == Component.EXPERTS && r == TensorRole.BIAS)) {
          int e = Math.max(t.experts(), 1);
          expertElements += elements / e;
          expertBytes += bytes / e;
          moeLayers.add(t.layer());
          continue;
        }
        String op = switch (r) {
          case ATTN_Q, ATTN_K, ATTN_V, ATTN_QKV, ATTN_Q_A, ATTN_Q_B, ATTN_KV_A, ATTN_KV_B -> "qkv_proj";
          case ATTN_O -> "o_proj";
          case MLP_GATE, MLP_UP, MLP_GATE_UP, MLP_DOWN -> "mlp";
          case SHARED_GATE, SHARED_UP, SHARED_GATE_UP, SHARED_DOWN, SHARED_EXPERT_GATE -> "shared_experts";
          case ROUTER -> "router";
          case BIAS -> switch (t.component()) {
            case ATTENTION -> "qkv_proj";
            case MLP -> "mlp";
            case SHARED_EXPERTS -> "shared_experts";
            case ROUTER -> "router";
            default -> "norms";
          };
          default -> "norms";
        };
        if (op.equals("norms")) {
          normElements += elements;
          normBytes += bytes;
          continue;
        }
        double[] acc = linear.get(op);
        // Biases add one FLOP per element rather than two; a rounding the roofline may ignore.
        acc[0] += elements;
        acc[1] += bytes;
      }
      if (!hasLmHead && embedding != null) {
        long[] shard = embedding.shardShape(tp);
        lmElements = (double) shard[0] * shard[1];
        lmBytes = pricer.bytes(embedding, shard);
      }
      return new Profile(linear, expertElements, expertBytes, moeLayers.size(), normElements, normBytes, lmElements, lmBytes, embeddingRow);
    }
  }

  /**
   * Returns one phase: {@code tokens} tokens through every operation, attention over
   * {@code perSequence} tokens of {@code batch} sequences (causal when {@code prefill}).
   */
  private static Phase phase(Architecture arch, Profile p, Settings s, Peak peak, double bw, double link, DataType act, long tokens, long batch,
      long perSequence, boolean prefill) {
    double flopRate = peak.flops * s.computeEfficiency();
    double byteRate = bw * s.memoryEfficiency();
    Dimensions d = arch.dims();
    int tp = s.tp();
    double a = act.bytesFor(1024) / 1024.0;
    double h = d.hiddenSize();
    List<Operation> ops = new ArrayList<>();
    double lookup = tokens * (p.embeddingRowBytes() + h * a);
    ops.add(new Operation("embedding", 0, lookup, lookup / byteRate, "memory", String.format(Locale.ROOT,
        "%,d (tokens) × (%s per embedding row read + the hidden state written)", tokens, size(p.embeddingRowBytes()))));
    for (String name : Profile.ORDER) {
      double[] w = p.linear().get(name);
      if (w[0] == 0) {
        continue;
      }
      double flops = 2.0 * tokens * w[0];
      double io = tokens * h * a * 2 * layersWith(arch, name);
      double bytes = w[1] + io;
      ops.add(op(name, flops, bytes, flopRate, byteRate, String.format(Locale.ROOT,
          "2 × %,d (tokens) × %s (parameters per rank) FLOPs; %s weights + %s activations in and out", tokens, count(w[0]), size(w[1]), size(io))));
      if (name.equals("o_proj")) {
        ops.add(attention(arch, s, tokens, batch, perSequence, prefill, act, flopRate, byteRate));
      }
    }
    if (p.moeLayers() > 0) {
      int e = d.expertsPerToken();
      double distinct = expectedExperts(d.numExperts(), e, tokens);
      double flops = 2.0 * tokens * e * p.expertElementsPerExpert();
      double io = tokens * h * a * 2 * p.moeLayers();
      double bytes = distinct * p.expertBytesPerExpert() + io;
      ops.add(op("experts", flops, bytes, flopRate, byteRate, String.format(Locale.ROOT,
          "2 × %,d (tokens) × %d (active experts) × %s (parameters per expert per rank, all MoE layers) FLOPs; %.1f expected distinct experts × %s + activations",
          tokens, e, count(p.expertElementsPerExpert()), distinct, size(p.expertBytesPerExpert()))));
    }
    double normFlops = 4.0 * tokens * p.normElements();
    double normBytes = p.normBytes() + 2.0 * tokens * p.normElements() * a;
    ops.add(op("norms", normFlops, normBytes, flopRate, byteRate, String.format(Locale.ROOT,
        "4 FLOPs per element (square, sum, scale, weight) × %,d tokens × %s norm elements; read and write the hidden state", tokens, count(p.normElements()))));
    long logitTokens = prefill ? batch : tokens;
    double lmFlops = 2.0 * logitTokens * p.lmHeadElements();
    double lmBytes = p.lmHeadBytes() + logitTokens * (h * a + p.lmHeadElements() / h * a);
    ops.add(op("lm_head", lmFlops, lmBytes, flopRate, byteRate, String.format(Locale.ROOT,
        "2 × %,d (positions with logits: the last of each sequence) × %s (V·h per rank) FLOPs; %s weights", logitTokens, count(p.lmHeadElements()), size(p.lmHeadBytes()))));
    if (tp > 1) {
      double payload = tokens * h * a;
      int reduces = 2 * d.numLayers();
      double ring = 2.0 * (tp - 1) / tp * payload;
      double seconds = reduces * (ring / link + s.allReduceLatency());
      ops.add(new Operation("tp_all_reduce", 0, reduces * ring, seconds, "communication", String.format(Locale.ROOT,
          "%d all-reduces (2 per layer) × (2·(%d − 1)/%d × %s of hidden state / link bandwidth + %.0f µs latency)", reduces, tp, tp, size(payload), s.allReduceLatency() * 1e6)));
    }
    double total = ops.stream().mapToDouble(Operation::seconds).sum();
    return new Phase(ops, total);
  }

  private static double layersWith(Architecture arch, String op) {
    return switch (op) {
      case "qkv_proj", "o_proj" -> arch.dims().numLayers();
      case "mlp" -> arch.dims().numLayers() - arch.dims().numMoeLayers();
      default -> arch.dims().numMoeLayers();
    };
  }

  private static Operation attention(Architecture arch, Settings s, long tokens, long batch, long perSequence, boolean prefill, DataType act,
      double flopRate, double byteRate) {
    Dimensions d = arch.dims();
    int tp = s.tp();
    DataType kvType = s.kvCache().resolve(act);
    double a = act.bytesFor(1024) / 1024.0;
    double flops = 0;
    double bytes = 0;
    long heads = Math.max(d.numHeads() / tp, 1);
    for (AttentionLayer layer : arch.attention()) {
      long kvPerToken = KvCache.bytesPerTokenPerLayer(layer, tp, kvType);
      // absorbed MLA (as serving engines run it): scores over the latent plus rope part, values over the latent
      double qk = layer.scoreDim(true);
      double av = layer.valueDim(true);
      double pairs = prefill ? causalPairs(perSequence, layer.window()) : layer.cachedTokens(perSequence);
      flops += 2.0 * batch * pairs * heads * (qk + av);
      double kvTokens = prefill ? perSequence : layer.cachedTokens(perSequence);
      double kvBytes = batch * kvTokens * kvPerToken;
      double qo = tokens * heads * (qk + av) * a;
      bytes += kvBytes + qo;
      if (prefill && !s.flash()) {
        bytes += 4.0 * batch * heads * pairs * a;
      }
    }
    String formula = prefill
        ? String.format(Locale.ROOT, "2 × %d (B) × causal query·key pairs of %,d tokens × %d heads per rank × (d_qk + d_v) FLOPs; read Q, K, V, write O%s", batch,
            perSequence, heads, s.flash() ? " (flash attention: no score matrix)" : " + the score matrix written and read twice (eager)")
        : String.format(Locale.ROOT, "2 × %d (B) × %,d (cached tokens) × %d heads per rank × (d_qk + d_v) FLOPs; the whole KV cache read once per step", batch,
            perSequence, heads);
    return op("attention", flops, bytes, flopRate, byteRate, formula);
  }

  /** Returns the query·key pairs of a causal pass over n tokens with a window w: Σ_i min(i, w). */
  public static double causalPairs(long n, long window) {
    if (window >= n) {
      return n * (n + 1.0) / 2;
    }
    return window * (window + 1.0) / 2 + (double) (n - window) * window;
  }

  private static Operation op(String name, double flops, double bytes, double flopRate, double byteRate, String formula) {
    double tc = flops / flopRate;
    double tm = bytes / byteRate;
    return new Operation(name, flops, bytes, Math.max(tc, tm), tc > tm ? "compute" : "memory", formula);
  }

  private static String count(double n) {
    if (n >= 1e9) {
      return String.format(Locale.ROOT, "%.2fB", n / 1e9);
    }
    if (n >= 1e6) {
      return String.format(Locale.ROOT, "%.1fM", n / 1e6);
    }
    return String.format(Locale.ROOT, "%,.0f", n);
  }

  private static String size(double bytes) {
    if (bytes < 1 << 20) {
      return String.format(Locale.ROOT, "%,.0f bytes", bytes);
    }
    if (bytes >= 1 << 30) {
      return String.format(Locale.ROOT, "%.2f GiB", bytes / (1 << 30));
    }
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1 << 20));
  }
}
