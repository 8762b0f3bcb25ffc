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
import dev.vramcalc.core.model.AttentionLayer;
import dev.vramcalc.core.model.Component;
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

/**
 * Returns llama.cpp's buffers per device: the model buffer of the layers each GPU holds, the KV
 * buffer (with a separate, smaller cache for sliding-window layers), the compute buffer reserved for
 * the worst-case graph, and the host buffers.
 *
 * <p>Sources: ggml-org/llama.cpp src/llama-model.cpp (layer assignment: layer {@code il} goes to the
 * first device whose cumulative split exceeds {@code (il − i_gpu_start) / act_gpu_layers}; the output
 * layer is offloaded when n_gpu_layers exceeds the layer count; the token embedding stays on the
 * CPU); src/llama-kv-cache.cpp and llama-kv-cache-iswa.cpp (cells padded to 256; SWA cache of {@code
 * min(cells, n_swa·n_seq + n_ubatch)}); src/llama-context.cpp (output buffer {@code 4·n_vocab·n_seq};
 * graph reserve at {@code n_ubatch} tokens over a full cache). The compute-buffer formula reproduces
 * the published Llama-3-8B logs (560.00, 258.50 MiB) and is an estimate elsewhere.
 */
public final class LlamaCppEngine {

  /** KV cells are a multiple of this (llama.cpp ≥ b7000; earlier 256 with flash attention, 32 without). */
  public static final long CELL_PADDING = 256;

  private LlamaCppEngine() {}

  static long pad(long n, long to) {
    return (n + to - 1) / to * to;
  }

  /** Returns the GGUF mix to price: the requested one, or Q4_K_M, the most common download. */
  static WeightFormat format(Model model, InferenceWorkload w) {
    if (w.weights() == null) {
      // a model read from a .gguf file carries its own per-tensor types
      return model.checkpointFormat().label().startsWith("GGUF") ? model.checkpointFormat() : Formats.named("weights", "q4_k_m");
    }
    String id = w.weights().id();
    return switch (id) {
      case "fp16" -> Formats.named("weights", "f16");
      case "bf16" -> Formats.named("weights", "gguf-bf16");
      default -> {
        if (w.weights().label().startsWith("GGUF")) {
          yield w.weights();
        }
        throw new BadInputException("weights", "llama.cpp runs GGUF files: --weights must be a GGUF type such as q4_k_m, q8_0, f16 (not " + id + ")");
      }
    };
  }

  /** Returns the device holding a layer for cumulative split fractions, or -1 for the CPU. */
  static int deviceOf(int layer, int gpuStart, int actGpuLayers, double[] cumulative) {
    if (layer < gpuStart) {
      return -1;
    }
    double x = (double) (layer - gpuStart) / actGpuLayers;
    for (int d = 0; d < cumulative.length; d++) {
      if (x < cumulative[d]) {
        return d;
      }
    }
    return cumulative.length - 1;
  }

  public static InferenceEstimate estimate(Model model, Gpu gpu, int devices, InferenceWorkload w, EngineSettings.LlamaCpp s) {
    if (!model.hasArchitecture()) {
      throw new BadInputException("model", "the llama.cpp profile needs the architecture");
    }
    Architecture arch = model.architecture();
    int best = -1;
    for (int ngl = arch.dims().numLayers() + 1; ngl >= 0; ngl--) {
      InferenceEstimate e = run(model, arch, gpu, devices, w, s, ngl, -1);
      if (e.fit().fits()) {
        best = ngl;
        break;
      }
    }
    return run(model, arch, gpu, devices, w, s, s.nGpuLayers(), best);
  }

  private static InferenceEstimate run(Model model, Architecture arch, Gpu gpu, int devices, InferenceWorkload w, EngineSettings.LlamaCpp s,
      int nGpuLayers, int bestFit) {
    Dimensions d = arch.dims();
    int layers = d.numLayers();
    WeightFormat format = format(model, w);
    WeightFormat.Pricer pricer = format.pricer(arch);
    int ngl = Math.min(nGpuLayers, layers + 1);
    int gpuStart = layers - Math.min(ngl, layers);
    int act = Math.max(ngl, 1);
    double[] cumulative = new double[devices];
    List<Double> split = s.tensorSplit();
    double sum = 0;
    for (int i = 0; i < devices; i++) {
      sum += split.isEmpty() ? 1 : (i < split.size() ? split.get(i) : 0);
    }
    double acc = 0;
    for (int i = 0; i < devices; i++) {
      acc += split.isEmpty() ? 1 : (i < split.size() ? split.get(i) : 0);
      cumulative[i] = sum > 0 ? acc / sum : 1;
    }
    int outputDevice = ngl > layers ? deviceOf(act - 1, 0, act, cumulative) : -1;
    boolean tied = arch.tensors().stream().noneMatch(t -> t.role() == TensorRole.LM_HEAD);

    long[] model_ = new long[devices];
    long host = pricer.extraBytes();
    int[] first = new int[devices];
    int[] end = new int[devices];
    java.util.Arrays.fill(first, Integer.MAX_VALUE);
    for (TensorSpec t : arch.tensors()) {
      if (!t.loadedForInference() || t.component() == Component.VISION_TOWER || t.component() == Component.PROJECTOR) {
        continue;
      }
      long b = pricer.bytes(t, t.shape());
      int dev;
      if (t.layer() >= 0 && t.layer() < layers) {
        dev = deviceOf(t.layer(), gpuStart, act, cumulative);
        if (dev >= 0) {
          first[dev] = Math.min(first[dev], t.layer());
          end[dev] = Math.max(end[dev], t.layer() + 1);
        }
      } else if (t.role() == TensorRole.TOKEN_EMBEDDING || t.role() == TensorRole.POSITION_EMBEDDING || t.role() == TensorRole.TOKEN_TYPE_EMBEDDING
          || t.name().contains("embed")) {
        dev = -1;
        if (t.role() == TensorRole.TOKEN_EMBEDDING && tied && outputDevice >= 0) {
          model_[outputDevice] += b;
        }
      } else {
        dev = outputDevice;
      }
      if (dev < 0) {
        host += b;
      } else {
        model_[dev] += b;
      }
    }

    long ctx = s.ctxSize() > 0 ? s.ctxSize() : Math.max(d.maxPositionEmbeddings(), 1);
    long cells = pad(ctx, CELL_PADDING);
    boolean hasSwa = arch.attention().stream().anyMatch(l -> l instanceof AttentionLayer.SlidingWindow);
    long window = arch.attention().stream().filter(l -> l instanceof AttentionLayer.SlidingWindow)
        .mapToLong(AttentionLayer::window).max().orElse(0);
    long swaCells = hasSwa ? (s.swaFull() ? cells : pad(Math.min(cells, window * s.parallel() + s.ubatchSize()), CELL_PADDING)) : 0;
    DataType k = s.cacheTypeK().resolve(DataType.F16);
    DataType v = s.cacheTypeV().resolve(DataType.F16);
    long[] kv = new long[devices];
    long hostKv = 0;
    long maxKvRowBytes = 0;
    for (int i = 0; i < Math.min(layers, arch.attention().size()); i++) {
      AttentionLayer l = arch.attention().get(i);
      long kElems = l.keyElementsPerToken(1);
      long vElems = l instanceof AttentionLayer.Latent lat ? lat.kvLoraRank() : l.kvElementsPerToken(1) - kElems;
      long n = l instanceof AttentionLayer.SlidingWindow ? swaCells : cells;
      long bytes = Math.multiplyExact(n, k.bytesFor(kElems) + v.bytesFor(vElems));
      maxKvRowBytes = Math.max(maxKvRowBytes, (kElems + vElems) * 2);
      int dev = deviceOf(i, gpuStart, act, cumulative);
      if (dev < 0) {
        hostKv += bytes;
      } else {
        kv[dev] += bytes;
      }
    }

    long u = Math.min(s.ubatchSize(), ctx);
    long h = d.hiddenSize();
    long nKv = cells;
    long f = d.isMoe() ? d.activeMoeIntermediate() : d.intermediateSize();
    // ggml's graph allocator keeps, per ubatch of u tokens, fp32 (4-byte) tensors; the buffer is the largest of three
    // peaks, fitted to logged "compute buffer size" lines (calibration llamacpp.json): the output (logits over the
    // vocabulary plus the normed hidden state), the FFN (gate and up, 2f, plus 2h), and attention (flash: Q, K, V, out
    // of 4h plus the KV view and its mask; without: the KQ scores heads × cells). Example: Llama-3-8B, u 512, the
    // output peak 4 × 512 × (128,256 + 4,096) = 258.50 MiB
    long peakOut = 4 * u * (d.vocabSize() + h);
    long peakFfn = 4 * u * (2 * f + 2 * h);
    long peakAttn = s.flashAttn()
        ? 4 * u * 4 * h + u * nKv * 6 + (k.isBlockQuantized() || v.isBlockQuantized() ? 2 * nKv * maxKvRowBytes / 2 : 0)
        : 4 * u * ((long) d.numHeads() * nKv + nKv + 4 * h);
    long[] compute = new long[devices];
    for (int dev = 0; dev < devices; dev++) {
      if (end[dev] > 0 || dev == outputDevice) {
        compute[dev] = Math.max(Math.max(peakFfn, peakAttn), dev == outputDevice ? peakOut : 0);
      }
    }
    long hostCompute = 4 * u * (h + nKv) + (ngl == 0 ? Math.max(Math.max(peakFfn, peakAttn), peakOut) : 0);
    long output = 4L * d.vocabSize() * Math.max(1, s.parallel());

    Bytes context = Overheads.context(gpu);
    List<EngineDetails.LlamaCpp.Device> list = new ArrayList<>();
    int worst = 0;
    long worstBytes = -1;
    for (int dev = 0; dev < devices; dev++) {
      long total = model_[dev] + kv[dev] + compute[dev] + context.value();
      list.add(new EngineDetails.LlamaCpp.Device("CUDA" + dev, first[dev] == Integer.MAX_VALUE ? 0 : first[dev], end[dev], dev == outputDevice,
          model_[dev], kv[dev], compute[dev], Bytes.of(total)));
      if (total > worstBytes) {
        worstBytes = total;
        worst = dev;
      }
    }
    EngineDetails.LlamaCpp.Device wd = list.get(worst);
    List<Term> terms = new ArrayList<>();
    String dev = wd.name() + (devices > 1 ? " (most loaded of " + devices + ")" : "");
    terms.add(new Term("weights", Bytes.of(wd.modelBufferBytes()), String.format(Locale.ROOT, "%s model buffer: layers %s%s in %s = %s", dev,
        wd.endLayer() > 0 ? wd.firstLayer() + "–" + (wd.endLayer() - 1) : "none", wd.output() ? " and the output layer" : "", format.label(), mib(wd.modelBufferBytes())),
        "exact: llama.cpp per-tensor types (llama-quant.cpp) on the layers this device holds (llama-model.cpp layer split)", false, MemoryLevel.ALLOCATED));
    terms.add(new Term("kv_cache", Bytes.of(wd.kvBufferBytes()), String.format(Locale.ROOT, "%,d cells (--ctx-size %,d padded to %d)%s × K %s + V %s per layer on this device = %s",
        cells, ctx, CELL_PADDING, hasSwa ? String.format(Locale.ROOT, "; sliding-window layers %,d cells", swaCells) : "", k.name(), v.name(), mib(wd.kvBufferBytes())),
        "exact: llama-kv-cache.cpp (one K and one V tensor per layer; iSWA cache for sliding layers)", false, MemoryLevel.ALLOCATED));
    terms.add(new Term("activations", Bytes.of(wd.computeBufferBytes()), String.format(Locale.ROOT,
        "compute buffer: max(FFN 4·u·(2f + 2h), attention %s%s) with u = %d, n_kv = %,d = %s", s.flashAttn() ? "4·u·4h + 6·u·n_kv (flash)" : "4·u·(a·n_kv + n_kv + 4h)",
        wd.output() ? ", output 4·u·(V + h)" : "", u, nKv, mib(wd.computeBufferBytes())),
        "estimate: the worst-case graph llama.cpp reserves at n_ubatch tokens over a full cache (reproduces the Llama-3-8B logs: 560.00 / 258.50 MiB)", true, MemoryLevel.ALLOCATED));
    long allocated = wd.modelBufferBytes() + wd.kvBufferBytes() + wd.computeBufferBytes();
    terms.add(new Term("runtime_overhead", context, ByteUnits.BINARY.format(context) + " (CUDA context; llama.cpp's printed buffers exclude it and the ggml CUDA pool)",
        "estimate: CUDA context", true, MemoryLevel.DEVICE));
    long device = allocated + context.value();
    List<String> notes = new ArrayList<>();
    notes.add(String.format(Locale.ROOT, "host: model buffer %s (token embedding%s), compute buffer %s, output buffer %s",
        mib(host), gpuStart > 0 ? " and " + gpuStart + " layers on the CPU" : "", mib(hostCompute), mib(output)));
    if (w.weights() == null && !format.id().equals("gguf-file")) {
      notes.add("llama.cpp runs GGUF files: priced as Q4_K_M; pick another mix with --weights");
    }
    if (bestFit >= 0) {
      notes.add("largest --n-gpu-layers under the margin on " + devices + " × " + gpu.id() + ": " + (bestFit > layers ? layers + 1 + " (all layers and the output)" : bestFit));
    } else if (nGpuLayers >= 0) {
      notes.add("even --n-gpu-layers 0 does not fit these devices under the margin");
    }
    EngineDetails.LlamaCpp details = new EngineDetails.LlamaCpp(list, host + hostKv, hostCompute, output, cells, swaCells, ngl, bestFit, format.id());
    Fit fit = Fit.of(Bytes.of(device), gpu.usable(), w.headroom());
    return new InferenceEstimate(model, gpu, w, format, terms, Bytes.of(allocated), Bytes.of(allocated), Bytes.of(device), fit, worst,
        KvCache.bytesPerToken(arch, 1, k), notes, details);
  }

  /** Returns MiB with two decimals rounded half-even, as llama.cpp's printf prints them. */
  public static String mib(long bytes) {
    return new java.math.BigDecimal(bytes).divide(java.math.BigDecimal.valueOf(1L << 20)).setScale(2, java.math.RoundingMode.HALF_EVEN).toPlainString() + " MiB";
  }
}
