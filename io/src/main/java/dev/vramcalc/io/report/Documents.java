package dev.vramcalc.io.report;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.Fit;
import dev.vramcalc.core.estimate.Footprint;
import dev.vramcalc.core.estimate.InferenceEstimate;
import dev.vramcalc.core.estimate.KvCache;
import dev.vramcalc.core.estimate.Term;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.hardware.GpuCatalog;
import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.AttentionLayer;
import dev.vramcalc.core.model.Component;
import dev.vramcalc.core.model.Dimensions;
import dev.vramcalc.core.precision.DataType;
import dev.vramcalc.core.precision.WeightFormat;
import dev.vramcalc.core.unit.Bytes;
import dev.vramcalc.io.catalog.ModelCatalog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Returns the JSON documents of the interface contract, as ordered maps the CLI prints and the
 * server returns: the same document for the same inputs on both faces.
 */
public final class Documents {

  private Documents() {}

  /** Returns {@code {"error": {"code": ..., "message": ...}}}. */
  public static Map<String, Object> error(String code, String message, String field) {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("code", code);
    inner.put("message", message);
    if (field != null) {
      inner.put("field", field);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("error", inner);
    return doc;
  }

  /** Returns the architecture summary: the glossary's symbols under their config names. */
  public static Map<String, Object> architecture(Architecture a) {
    Map<String, Object> m = new LinkedHashMap<>();
    Dimensions d = a.dims();
    m.put("model_type", a.modelType());
    m.put("kind", a.kind().name().toLowerCase(java.util.Locale.ROOT));
    m.put("hidden_size", d.hiddenSize());
    m.put("num_hidden_layers", d.numLayers());
    m.put("num_attention_heads", d.numHeads());
    m.put("num_key_value_heads", d.numKvHeads());
    m.put("head_dim", d.headDim());
    m.put("intermediate_size", d.intermediateSize());
    m.put("vocab_size", d.vocabSize());
    m.put("attention", attentionKind(a));
    if (d.isMoe()) {
      m.put("num_experts", d.numExperts());
      m.put("experts_per_token", d.expertsPerToken());
      m.put("moe_intermediate_size", d.moeIntermediateSize());
      m.put("shared_expert_intermediate_size", d.sharedIntermediateSize());
      m.put("moe_layers", d.numMoeLayers());
    }
    if (d.maxPositionEmbeddings() > 0) {
      m.put("max_position_embeddings", d.maxPositionEmbeddings());
    }
    if (a.torchDtype() != null) {
      m.put("torch_dtype", a.torchDtype());
    }
    return m;
  }

  /** Returns mha, gqa, mqa, mla, with "+ sliding window" when some layers slide. */
  public static String attentionKind(Architecture a) {
    if (a.attention().isEmpty()) {
      return "bidirectional (encoder)";
    }
    AttentionLayer first = a.attention().get(0);
    if (first instanceof AttentionLayer.Latent) {
      return "mla";
    }
    Dimensions d = a.dims();
    String base = d.numKvHeads() == d.numHeads() ? "mha" : d.numKvHeads() == 1 ? "mqa" : "gqa";
    long sliding = a.attention().stream().filter(l -> l instanceof AttentionLayer.SlidingWindow).count();
    if (sliding == a.attention().size()) {
      return base + " (sliding window on every layer)";
    }
    if (sliding > 0) {
      return base + " (" + sliding + " sliding-window and " + (a.attention().size() - sliding) + " global layers)";
    }
    return base;
  }

  private static Map<String, Object> fit(Fit f) {
    Map<String, Object> m = new LinkedHashMap<>();
    putFit(m, f);
    return m;
  }

  /** Puts the verdict fields: fits, verdict and headroom_bytes. */
  private static void putFit(Map<String, Object> doc, Fit f) {
    doc.put("fits", f.fits());
    doc.put("verdict", f.verdict().label());
    doc.put("headroom_bytes", f.headroomBytes());
  }

  /**
   * Returns the dollars per million tokens of {@code gpus} GPUs at {@code usdPerGpuHour} serving {@code tokensPerSecond}:
   * price × gpus ÷ (tokens/s × 3,600 s) × 10⁶. Example: $2/h × 8 GPUs at 10,000 tokens/s → 16 ÷ 36,000,000 × 10⁶ = $0.444.
   */
  static double usdPerMillionTokens(double usdPerGpuHour, int gpus, double tokensPerSecond) {
    return usdPerGpuHour * gpus / (tokensPerSecond * 3600) * 1e6;
  }

  /** Returns the params document. */
  public static Map<String, Object> params(Model model, WeightFormat format, Gpu gpu, double headroom) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("model", model.id());
    if (model.hfId() != null) {
      doc.put("hf_id", model.hfId());
    }
    WeightFormat f = format != null ? format : model.checkpointFormat();
    if (model.hasArchitecture()) {
      Architecture a = model.architecture();
      Architecture.Parameters p = a.parameters();
      doc.put("architecture", architecture(a));
      doc.put("parameters", p.total());
      doc.put("active_parameters", p.active());
      Map<String, Object> breakdown = new LinkedHashMap<>();
      for (Map.Entry<Component, Long> e : p.breakdown().entrySet()) {
        breakdown.put(e.getKey().key(), e.getValue());
      }
      doc.put("breakdown", breakdown);
      DataType act = dev.vramcalc.core.estimate.InferenceEstimator.activationType(model, f);
      if (a.kind().hasKvCache()) {
        doc.put("kv_bytes_per_token", KvCache.bytesPerToken(a, 1, act));
      }
    } else {
      doc.put("architecture", null);
      doc.put("parameters", model.declaredParameters());
      doc.put("active_parameters", model.declaredParameters());
      doc.put("breakdown", Map.of());
    }
    doc.put("weight_bytes", Footprint.weights(model, f).value());
    doc.put("weights_format", f.id().equals("checkpoint") ? f.label() : f.id());
    doc.put("checkpoint_format", model.checkpointFormat().label());
    List<Object> rows = new ArrayList<>();
    for (Footprint.Entry e : Footprint.table(model, gpu, headroom)) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("precision", e.format().id());
      r.put("label", e.format().label());
      r.put("weight_bytes", e.weights().value());
      if (e.fit() != null) {
        r.putAll(fit(e.fit()));
      }
      rows.add(r);
    }
    doc.put("footprint", rows);
    if (gpu != null) {
      doc.put("gpu", gpu(gpu, 1));
    }
    doc.put("provenance", model.provenance());
    if (model.hasArchitecture()) {
      doc.put("notes", model.architecture().notes());
    }
    return doc;
  }

  /** Returns the GPU summary used inside estimates. */
  public static Map<String, Object> gpu(Gpu g, int count) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", g.id());
    m.put("name", g.name());
    m.put("memory_bytes", g.memory().value());
    m.put("usable_bytes", g.usable().value());
    m.put("usable_basis", g.usableBasis());
    m.put("count", count);
    return m;
  }

  private static Map<String, Object> term(Term t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", t.name());
    m.put("bytes", t.bytes().value());
    m.put("formula", t.formula());
    m.put("source", t.source());
    m.put("estimated", t.estimated());
    m.put("level", t.level().name().toLowerCase(java.util.Locale.ROOT));
    return m;
  }

  /** Returns the model object both memory documents open with: id, hf_id when known, architecture and parameters. */
  private static Map<String, Object> modelHeader(Model m) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("id", m.id());
    if (m.hfId() != null) {
      model.put("hf_id", m.hfId());
    }
    model.put("architecture", m.hasArchitecture() ? m.architecture().modelType() : null);
    model.put("parameters", m.parameters());
    return model;
  }

  /** Returns the per_gpu object's shared part: each component's bytes and the allocated, reserved and device levels. */
  private static Map<String, Object> perGpu(List<Term> terms, Bytes allocated, Bytes reserved, Bytes device) {
    Map<String, Object> perGpu = new LinkedHashMap<>();
    Map<String, Object> components = new LinkedHashMap<>();
    for (Term t : terms) {
      components.put(t.name(), t.bytes().value());
    }
    perGpu.put("components", components);
    perGpu.put("allocated_bytes", allocated.value());
    perGpu.put("reserved_bytes", reserved.value());
    perGpu.put("device_bytes", device.value());
    return perGpu;
  }

  /** Returns the inference document. */
  public static Map<String, Object> infer(InferenceEstimate e) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("mode", "inference");
    Map<String, Object> model = modelHeader(e.model());
    model.put("weights_format", e.weightFormat().id().equals("checkpoint") ? e.weightFormat().label() : e.weightFormat().id());
    doc.put("model", model);
    doc.put("gpu", gpu(e.gpu(), e.workload().tp() * e.workload().pp()));
    Map<String, Object> workload = new LinkedHashMap<>();
    workload.put("batch", e.workload().batch());
    workload.put("seq_len", e.workload().seqLen());
    workload.put("prompt_len", e.workload().promptLen());
    workload.put("kv_cache", e.workload().kvCache().id());
    workload.put("tp", e.workload().tp());
    workload.put("pp", e.workload().pp());
    workload.put("flash_attention", e.workload().flashAttention());
    workload.put("headroom", e.workload().headroom());
    doc.put("workload", workload);
    Map<String, Object> perGpu = perGpu(e.terms(), e.allocated(), e.reserved(), e.device());
    if (e.workload().pp() > 1) {
      perGpu.put("pipeline_stage", e.stage());
    }
    doc.put("per_gpu", perGpu);
    putFit(doc, e.fit());
    doc.put("limit_bytes", e.fit().limit().value());
    doc.put("engine", engine(e));
    if (e.kvBytesPerToken() > 0) {
      doc.put("kv_bytes_per_token", e.kvBytesPerToken());
    }
    List<Object> terms = new ArrayList<>();
    for (Term t : e.terms()) {
      terms.add(term(t));
    }
    doc.put("terms", terms);
    doc.put("notes", e.notes());
    return doc;
  }

  /** Returns which group a component belongs to in training tables: static, dynamic or overhead. */
  public static String group(String component) {
    return switch (component) {
      case "weights", "gradients", "optimizer_states", "master_weights", "adapters", "kv_cache" -> "static";
      case "activations", "logits" -> "dynamic";
      default -> "overhead";
    };
  }

  /** Returns the training document: the inference document's shape with mode "training". */
  public static Map<String, Object> train(dev.vramcalc.core.estimate.TrainingEstimate e) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("mode", "training");
    doc.put("model", modelHeader(e.model()));
    var w = e.workload();
    doc.put("gpu", gpu(e.gpu(), w.gpus()));
    Map<String, Object> workload = new LinkedHashMap<>();
    workload.put("method", w.method().id());
    workload.put("precision", w.precision().id());
    workload.put("optimizer", w.optimizer().id());
    workload.put("micro_batch", w.microBatch());
    workload.put("seq_len", w.seqLen());
    workload.put("grad_accum", w.gradAccum());
    workload.put("global_batch", w.microBatch() * w.gradAccum() * w.dp());
    workload.put("checkpointing", w.checkpointing().name().toLowerCase(java.util.Locale.ROOT));
    workload.put("loss", w.loss().name().toLowerCase(java.util.Locale.ROOT));
    workload.put("gpus", w.gpus());
    workload.put("dp", w.dp());
    workload.put("tp", w.tp());
    workload.put("pp", w.pp());
    workload.put("cp", w.cp());
    workload.put("ep", w.ep());
    workload.put("zero", w.shardingStage());
    workload.put("sequence_parallel", w.sequenceParallel());
    if (w.lora() != null) {
      Map<String, Object> lora = new LinkedHashMap<>();
      lora.put("rank", w.lora().rank());
      lora.put("alpha", w.lora().alpha());
      lora.put("targets", w.lora().targets());
      workload.put("lora", lora);
    }
    doc.put("workload", workload);
    doc.put("trainable_parameters", e.trainableParameters());
    Map<String, Object> perGpu = perGpu(e.terms(), e.allocated(), e.reserved(), e.device());
    perGpu.put("most_loaded", e.mostLoaded());
    perGpu.put("peak_phase", e.peakPhase());
    perGpu.put("phases", e.phases());
    perGpu.put("cpu_bytes", e.cpuBytes().value());
    doc.put("per_gpu", perGpu);
    putFit(doc, e.fit());
    doc.put("limit_bytes", e.fit().limit().value());
    if (e.communication() != null) {
      Map<String, Object> comm = new LinkedHashMap<>();
      comm.put("bytes_per_step", e.communication().bytesPerStep());
      comm.put("seconds_per_step", e.communication().secondsPerStep());
      List<Object> list = new ArrayList<>();
      for (var c : e.communication().collectives()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("group", c.group());
        m.put("bytes_per_step", c.bytesPerStep());
        m.put("link", c.link());
        m.put("gb_per_second", c.gbPerSecond());
        m.put("seconds", c.seconds());
        m.put("formula", c.formula());
        list.add(m);
      }
      comm.put("collectives", list);
      doc.put("communication", comm);
    }
    List<Object> terms = new ArrayList<>();
    for (Term t : e.terms()) {
      Map<String, Object> m = term(t);
      m.put("group", group(t.name()));
      terms.add(m);
    }
    doc.put("terms", terms);
    doc.put("notes", e.notes());
    return doc;
  }

  /** Returns the engine object of an inference document: the numbers the engine itself reports. */
  public static Map<String, Object> engine(InferenceEstimate e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", e.workload().engine().name());
    if (e.engine() instanceof dev.vramcalc.core.estimate.EngineDetails.LlamaCpp l) {
      List<Object> devices = new ArrayList<>();
      for (var d : l.devices()) {
        Map<String, Object> dm = new LinkedHashMap<>();
        dm.put("name", d.name());
        dm.put("first_layer", d.firstLayer());
        dm.put("end_layer", d.endLayer());
        dm.put("output_layer", d.output());
        dm.put("model_buffer_bytes", d.modelBufferBytes());
        dm.put("kv_buffer_bytes", d.kvBufferBytes());
        dm.put("compute_buffer_bytes", d.computeBufferBytes());
        dm.put("device_bytes", d.deviceBytes().value());
        devices.add(dm);
      }
      m.put("devices", devices);
      Map<String, Object> host = new LinkedHashMap<>();
      host.put("model_buffer_bytes", l.hostModelBytes());
      host.put("compute_buffer_bytes", l.hostComputeBytes());
      m.put("host", host);
      m.put("output_buffer_bytes", l.outputBufferBytes());
      m.put("kv_cells", l.kvCells());
      m.put("swa_cells", l.swaCells());
      m.put("n_gpu_layers", l.gpuLayers());
      m.put("max_n_gpu_layers_that_fit", l.maxGpuLayersThatFit());
      m.put("weights_format", l.weightsFormat());
    } else if (e.engine() instanceof dev.vramcalc.core.estimate.EngineDetails.Vllm v) {
      m.put("version", v.version());
      m.put("budget_bytes", v.budgetBytes());
      m.put("weights_bytes", v.weightsBytes());
      m.put("activation_peak_bytes", v.activationPeakBytes());
      m.put("non_torch_bytes", v.nonTorchBytes());
      m.put("cuda_graph_bytes", v.cudaGraphBytes());
      m.put("kv_cache_bytes", v.kvCacheBytes());
      m.put("kv_cache_tokens", v.kvCacheTokens());
      m.put("num_blocks", v.numBlocks());
      m.put("max_concurrency", v.maxConcurrency());
      m.put("max_model_len", v.maxModelLen());
      m.put("max_num_batched_tokens", v.maxNumBatchedTokens());
      m.put("max_num_seqs", v.maxNumSeqs());
      m.put("fits_max_model_len", v.fitsMaxModelLen());
      m.put("largest_max_model_len", v.largestModelLen());
    } else if (e.engine() instanceof dev.vramcalc.core.estimate.EngineDetails.Transformers t) {
      m.put("loading", t.loading());
      m.put("attention", t.attention());
      m.put("prefill_peak_bytes", t.prefillPeakBytes());
      m.put("decode_peak_bytes", t.decodePeakBytes());
    }
    return m;
  }

  /** Returns the models document: every preset with its shape and counts. */
  public static Map<String, Object> models(ModelCatalog catalog) {
    List<Object> rows = new ArrayList<>();
    for (ModelCatalog.Entry entry : catalog.entries()) {
      Model m = catalog.load(entry);
      Architecture.Parameters p = m.architecture().parameters();
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("id", entry.id());
      r.put("hf_id", entry.hfId());
      r.put("model_type", m.architecture().modelType());
      r.put("parameters", p.total());
      r.put("active_parameters", p.active());
      r.put("checkpoint_format", m.checkpointFormat().label());
      r.put("attention", attentionKind(m.architecture()));
      r.put("verbatim", entry.verbatim());
      r.put("source", entry.source());
      rows.add(r);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("models", rows);
    return doc;
  }

  /** Returns the GPU catalog document. */
  public static Map<String, Object> gpus(GpuCatalog catalog) {
    List<Object> rows = new ArrayList<>();
    for (Gpu g : catalog.all()) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("id", g.id());
      r.put("name", g.name());
      r.put("vendor", g.vendor());
      r.put("segment", g.segment());
      r.put("memory_bytes", g.memory().value());
      r.put("memory_label", g.memoryLabel());
      r.put("usable_bytes", g.usable().value());
      r.put("usable_basis", g.usableBasis());
      r.put("bandwidth_gb_s", g.bandwidthGBs());
      r.put("bf16_tflops", g.bf16Tflops());
      r.put("fp8_tflops", g.fp8Tflops());
      r.put("int8_tops", g.int8Tops());
      r.put("interconnect", g.interconnect());
      r.put("interconnect_gb_s", g.interconnectGBs());
      r.put("price_usd", g.priceUsd());
      r.put("price_usd_per_hour", g.priceUsdPerHour());
      r.put("source", g.source());
      rows.add(r);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("gpus", rows);
    return doc;
  }

  /** Returns the global-batch recommendation: target, options per data-parallel size and the summary. */
  public static Map<String, Object> batchPlan(dev.vramcalc.core.solve.BatchPlanner.Plan p) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("target_sequences", p.targetSequences());
    doc.put("target_tokens", p.targetTokens());
    doc.put("reached", p.options().stream().anyMatch(dev.vramcalc.core.solve.BatchPlanner.Option::reaches));
    doc.put("summary", p.summary());
    List<Object> options = new ArrayList<>();
    for (dev.vramcalc.core.solve.BatchPlanner.Option o : p.options()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("data_parallel", (long) o.dataParallel());
      m.put("micro_batch", o.microBatch());
      m.put("grad_accum", o.gradAccum());
      m.put("global_batch_sequences", o.microBatch() * o.gradAccum() * o.dataParallel());
      m.put("device_bytes", o.estimate() == null ? null : o.estimate().device().value());
      m.put("verdict", o.estimate() == null ? null : o.estimate().fit().verdict().label());
      m.put("reason", o.reason());
      options.add(m);
    }
    doc.put("options", options);
    return doc;
  }

  /**
   * Returns the roofline document: {@code operations} (the decode step), {@code prefill_operations},
   * {@code decode_tokens_per_second} (all sequences), {@code prefill_seconds}, the ridge point and the cost.
   */
  public static Map<String, Object> roofline(Model model, Gpu gpu, dev.vramcalc.core.perf.Roofline.Result r, Double pricePerHour, Double throughput) {
    dev.vramcalc.core.perf.Roofline.Settings s = r.settings();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("model", model.id());
    doc.put("gpu", gpu.id());
    doc.put("batch", s.batch());
    doc.put("seq_len", s.contextLen());
    doc.put("prompt_len", s.promptLen());
    doc.put("tp", (long) s.tp());
    doc.put("peak_flops", r.peakFlops());
    doc.put("peak", r.peakLabel());
    doc.put("bandwidth_bytes_per_second", r.bandwidth());
    doc.put("ridge_point", r.ridge());
    doc.put("operations", operations(r.decode()));
    doc.put("prefill_operations", operations(r.prefill()));
    doc.put("decode_seconds_per_step", r.decode().seconds());
    doc.put("decode_tokens_per_second", r.decodeTokensPerSecond());
    doc.put("decode_tokens_per_second_per_sequence", r.decodeTokensPerSecondPerSequence());
    doc.put("decode_bandwidth_ceiling_tokens_per_second", r.bandwidthCeilingTokensPerSecond());
    doc.put("prefill_seconds", r.prefill().seconds());
    doc.put("time_to_first_token_seconds", r.timeToFirstToken());
    if (r.expectedExperts() > 0) {
      doc.put("expected_distinct_experts", r.expectedExperts());
    }
    Map<String, Object> eff = new LinkedHashMap<>();
    eff.put("memory", s.memoryEfficiency());
    eff.put("compute", s.computeEfficiency());
    eff.put("allreduce_latency_seconds", s.allReduceLatency());
    eff.put("memory_source", dev.vramcalc.core.perf.Roofline.MEMORY_EFFICIENCY_SOURCE);
    eff.put("compute_source", dev.vramcalc.core.perf.Roofline.COMPUTE_EFFICIENCY_SOURCE);
    eff.put("latency_source", dev.vramcalc.core.perf.Roofline.LATENCY_SOURCE);
    doc.put("efficiency", eff);
    Double price = pricePerHour != null ? pricePerHour : gpu.priceUsdPerHour();
    if (price != null) {
      double tps = throughput != null ? throughput : r.decodeTokensPerSecond();
      Map<String, Object> cost = new LinkedHashMap<>();
      cost.put("usd_per_gpu_hour", price);
      cost.put("gpus", (long) s.tp());
      cost.put("tokens_per_second", tps);
      cost.put("usd_per_million_tokens", usdPerMillionTokens(price, s.tp(), tps));
      cost.put("basis", throughput != null ? "--throughput" : "the decode estimate at this batch");
      doc.put("cost", cost);
    }
    doc.put("notes", new ArrayList<Object>(r.notes()));
    doc.put("estimated", true);
    return doc;
  }

  private static List<Object> operations(dev.vramcalc.core.perf.Roofline.Phase phase) {
    List<Object> ops = new ArrayList<>();
    for (dev.vramcalc.core.perf.Roofline.Operation o : phase.operations()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", o.name());
      m.put("flops", o.flops());
      m.put("bytes", o.bytes());
      m.put("intensity", o.intensity());
      m.put("bound", o.bound());
      m.put("seconds", o.seconds());
      m.put("formula", o.formula());
      ops.add(m);
    }
    return ops;
  }

  /** Returns the training plan document: ranked layouts with memory, step time and communication. */
  public static Map<String, Object> trainingPlan(Model model, Gpu gpu, int gpus, dev.vramcalc.core.solve.Planner.Plan plan, long tokens, Double price, double seconds,
      double mfu) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("mode", "training");
    doc.put("model", model.id());
    doc.put("gpu", gpu.id());
    doc.put("gpus", (long) gpus);
    doc.put("global_batch", plan.globalBatch());
    doc.put("candidates", plan.candidates());
    doc.put("evaluated", plan.evaluated());
    doc.put("search_seconds", seconds);
    List<Object> layouts = new ArrayList<>();
    int rank = 1;
    for (dev.vramcalc.core.solve.Planner.Layout l : plan.layouts()) {
      dev.vramcalc.core.workload.TrainingWorkload w = l.workload();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rank", (long) rank++);
      m.put("tp", (long) w.tp());
      m.put("pp", (long) w.pp());
      m.put("virtual_stages", (long) w.virtualStages());
      m.put("cp", (long) w.cp());
      m.put("dp", (long) w.dp());
      m.put("ep", (long) w.ep());
      m.put("zero", (long) w.zero());
      m.put("sequence_parallel", w.sequenceParallel());
      m.put("checkpointing", w.checkpointing().name().toLowerCase(java.util.Locale.ROOT));
      m.put("offload", w.offload() != dev.vramcalc.core.workload.TrainingWorkload.Offload.NONE);
      m.put("micro_batch", w.microBatch());
      m.put("grad_accum", (long) w.gradAccum());
      m.put("device_bytes", l.estimate().device().value());
      m.put("verdict", l.estimate().fit().verdict().label());
      m.put("most_loaded", l.estimate().mostLoaded());
      m.put("step_seconds", l.time().seconds());
      m.put("compute_seconds", l.time().computeSeconds());
      m.put("recompute_seconds", l.time().recomputeSeconds());
      m.put("bubble_seconds", l.time().bubbleSeconds());
      m.put("exposed_communication_seconds", l.time().exposedCommunicationSeconds());
      m.put("offload_seconds", l.time().offloadSeconds());
      m.put("tokens_per_second", l.time().tokensPerSecond());
      m.put("communication_bytes_per_step", l.estimate().communication() == null ? 0L : l.estimate().communication().bytesPerStep());
      m.put("time_breakdown", dev.vramcalc.core.perf.StepTime.describe(l.time()));
      m.put("reason", l.reason());
      layouts.add(m);
    }
    doc.put("layouts", layouts);
    doc.put("discarded", new LinkedHashMap<String, Object>(plan.discarded()));
    if (tokens > 0 && !plan.layouts().isEmpty()) {
      double tps = plan.layouts().get(0).time().tokensPerSecond();
      double hours = tokens / tps / 3600;
      Map<String, Object> cost = new LinkedHashMap<>();
      cost.put("tokens", tokens);
      cost.put("hours", hours);
      cost.put("gpu_hours", hours * gpus);
      cost.put("usd_per_gpu_hour", price);
      cost.put("usd", price == null ? null : hours * gpus * price);
      cost.put("basis", "layout #1 at its estimated tokens/s");
      doc.put("cost", cost);
    }
    doc.put("mfu", mfu);
    doc.put("estimated", true);
    return doc;
  }

  /** Returns the serving plan document: ranked tp × pp × replica layouts with memory and speed. */
  public static Map<String, Object> servingPlan(Model model, Gpu gpu, int gpus, dev.vramcalc.core.solve.ServingPlanner.Plan plan, Double price) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("mode", "inference");
    doc.put("model", model.id());
    doc.put("gpu", gpu.id());
    doc.put("gpus", (long) gpus);
    doc.put("engine", plan.layouts().isEmpty() ? null : plan.layouts().get(0).estimate().workload().engine().name());
    doc.put("candidates", plan.candidates());
    List<Object> layouts = new ArrayList<>();
    int rank = 1;
    for (dev.vramcalc.core.solve.ServingPlanner.Layout l : plan.layouts()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rank", (long) rank++);
      m.put("tp", (long) l.tp());
      m.put("pp", (long) l.pp());
      m.put("replicas", (long) l.replicas());
      m.put("batch_per_replica", l.batchPerReplica());
      m.put("device_bytes", l.estimate().device().value());
      m.put("verdict", l.estimate().fit().verdict().label());
      m.put("tokens_per_second", l.tokensPerSecond());
      m.put("tokens_per_second_per_sequence", l.roofline().decodeTokensPerSecondPerSequence());
      m.put("time_to_first_token_seconds", l.roofline().timeToFirstToken());
      m.put("usd_per_million_tokens", price == null ? null : usdPerMillionTokens(price, gpus, l.tokensPerSecond()));
      m.put("reason", l.reason());
      layouts.add(m);
    }
    doc.put("layouts", layouts);
    doc.put("discarded", new LinkedHashMap<String, Object>(plan.discarded()));
    doc.put("estimated", true);
    return doc;
  }

  /** Returns the fit document: one entry per GPU with the smallest count, layout, memory per GPU and price. */
  public static Map<String, Object> fit(Model model, String mode, List<dev.vramcalc.core.solve.GpuFit.Entry> entries, int searched, int maxGpus) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("mode", mode);
    doc.put("model", model.id());
    doc.put("max_gpus", (long) maxGpus);
    doc.put("gpus_searched", (long) searched);
    List<Object> list = new ArrayList<>();
    for (dev.vramcalc.core.solve.GpuFit.Entry e : entries) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("gpu", e.gpu().id());
      m.put("name", e.gpu().name());
      m.put("fits", e.fits());
      m.put("count", (long) e.count());
      m.put("layout", e.layout());
      m.put("parallelism", e.parallelism());
      m.put("device_bytes", e.fits() ? e.deviceBytes() : null);
      m.put("usable_bytes", e.gpu().usable().value());
      m.put("verdict", e.verdict());
      m.put("communication_bytes_per_step", e.communication() == null ? null : e.communication().bytesPerStep());
      m.put("exposed_communication_seconds", e.communicationSeconds());
      m.put("tokens_per_second", e.tokensPerSecond());
      m.put("usd_per_hour", e.usdPerHour());
      m.put("purchase_usd", e.purchaseUsd());
      m.put("reason", e.reason());
      list.add(m);
    }
    doc.put("gpus", list);
    return doc;
  }
}
