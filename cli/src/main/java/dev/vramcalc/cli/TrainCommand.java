package dev.vramcalc.cli;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.Communication;
import dev.vramcalc.core.estimate.Term;
import dev.vramcalc.core.estimate.TrainingEstimate;
import dev.vramcalc.core.estimate.TrainingEstimator;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.workload.TrainingWorkload;
import dev.vramcalc.io.json.JsonWriter;
import dev.vramcalc.io.report.Documents;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints the training memory of the most loaded GPU at the step's peak. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Memory per GPU to train or fine-tune: weights, gradients, optimizer states, activations, logits; communication.")
final class TrainCommand implements Callable<Integer> {

  @Mixin ModelOptions modelOptions;
  @Mixin GpuOptions gpuOptions;
  @Mixin OutputOptions output;
  @Mixin SharedOptions shared;
  @Mixin TrainingOptions training;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Model model = modelOptions.resolve();
    Gpu gpu = gpuOptions.required("train", true);
    TrainingWorkload w = training.workload(model, shared, gpuOptions.count());
    TrainingEstimate e = TrainingEstimator.estimate(model, gpu, w);
    PrintWriter out = spec.commandLine().getOut();
    if (output.json) {
      out.println(JsonWriter.write(Documents.train(e)));
      return ExitCodes.OK;
    }
    render(out, e);
    return ExitCodes.OK;
  }

  private void render(PrintWriter out, TrainingEstimate e) {
    String u = output.unit();
    TrainingWorkload w = e.workload();
    out.println(e.model().id() + " — " + w.method().id() + " training on " + (w.gpus() > 1 ? w.gpus() + " × " : "") + e.gpu().name());
    out.println(String.format(Locale.ROOT, "%s, %s, micro-batch %d × %,d tokens, grad accum %d, checkpointing %s, loss %s%s",
        w.precision().id(), w.optimizer().id(), w.microBatch(), w.seqLen(), w.gradAccum(), w.checkpointing().name().toLowerCase(Locale.ROOT),
        w.loss().name().toLowerCase(Locale.ROOT), w.gpus() > 1 ? String.format(Locale.ROOT, "; layout dp %d × tp %d × pp %d × cp %d, ep %d, ZeRO-%d",
            w.dp(), w.tp(), w.pp(), w.cp(), w.ep(), w.shardingStage()) : ""));
    out.println("trainable parameters: " + TrainingEstimator.trainableSummary(e.trainableParameters(), e.model().parameters()));
    out.println("breakdown for " + e.mostLoaded() + ", at the peak: " + e.peakPhase().replace('_', ' '));
    out.println();
    Table t = new Table(false, true, false);
    t.row("component", u, "formula");
    for (String group : List.of("static", "dynamic", "overhead")) {
      t.rule();
      for (Term term : e.terms()) {
        if (Documents.group(term.name()).equals(group)) {
          t.row(term.name() + (term.estimated() ? " ~" : ""), output.gib(term.bytes()), term.formula());
        }
      }
    }
    t.rule();
    t.row("= allocated", output.gib(e.allocated()), "live tensors at the peak (torch max_memory_allocated)");
    t.row("= reserved", output.gib(e.reserved()), "allocated + allocator slack (torch max_memory_reserved)");
    t.row("= device", output.gib(e.device()), "reserved + runtime overhead (nvidia-smi)");
    out.print(t.render());
    StringBuilder phases = new StringBuilder();
    e.phases().forEach((k, v) -> phases.append(phases.length() > 0 ? ", " : "").append(k.replace('_', ' ')).append(' ').append(output.gib(v)).append(' ').append(u));
    out.println("phases (allocated): " + phases);
    if (e.cpuBytes().value() > 0) {
      out.println("CPU memory per process: " + output.gib(e.cpuBytes()) + " " + u);
    }
    double share = 100.0 * e.device().value() / e.gpu().usable().value();
    out.println(String.format(Locale.ROOT, "verdict: %s — %s %s of %s %s usable per GPU (%.1f%%); 'fits' needs at most %s %s (%d%% margin)",
        e.fit().verdict().label(), output.gib(e.device()), u, output.gib(e.gpu().usable()), u, share, output.gib(e.fit().limit()), u,
        Math.round(w.headroom() * 100)));
    Communication c = e.communication();
    if (c != null) {
      out.println();
      Table ct = new Table(false, false, true, true, false);
      ct.row("collective", "group", u + "/step", "seconds", "formula");
      ct.rule();
      for (Communication.Collective col : c.collectives()) {
        ct.row(col.name(), col.group() + " over " + col.link(), output.gib(col.bytesPerStep()), String.format(Locale.ROOT, "%.3f", col.seconds()), col.formula());
      }
      ct.rule();
      ct.row("total", "", output.gib(c.bytesPerStep()), String.format(Locale.ROOT, "%.3f", c.secondsPerStep()), "estimated time if nothing overlaps");
      out.print(ct.render());
    }
    for (String n : e.notes()) {
      out.println("note: " + n);
    }
    out.println("~ estimated; other terms are exact arithmetic on the model's shapes. Sources:");
    for (Term term : e.terms()) {
      out.println("  " + term.name() + ": " + term.source());
    }
  }

  /** The flags of a training run, shared by train and the --train mode of later commands. */
  static final class TrainingOptions {
    static final long DEFAULT_SEQ_LEN = 2048;

    @Option(names = "--method", paramLabel = "M", description = "full, lora, qlora, dora or freeze (default full).") String method = "full";
    @Option(names = "--precision", paramLabel = "P", description = "fp32, bf16-mixed (default), fp16-mixed or bf16 (pure).") String precision = "bf16-mixed";
    @Option(names = "--grad-dtype", paramLabel = "T", description = "Gradient type under mixed precision: bf16/fp16 (default) or fp32 (Megatron).") String gradDtype;
    @Option(names = "--optimizer", paramLabel = "O", description = "adamw (default), adamw-8bit, paged-adamw-8bit, paged-adamw, adafactor, adafactor-momentum, sgd, sgd-momentum, lion.") String optimizer = "adamw";
    @Option(names = "--optimizer-in-backward", description = "Step each parameter as its gradient is ready.") boolean optimizerInBackward;
    @Option(names = "--micro-batch", paramLabel = "B", description = "Sequences per micro-batch per GPU (default 1).") long microBatch = 1;
    @Option(names = "--grad-accum", paramLabel = "G", description = "Gradient accumulation steps (default 1).") int gradAccum = 1;
    @Option(names = "--checkpointing", paramLabel = "C", description = "Activation checkpointing: none (default), selective or full.") String checkpointing = "none";
    @Option(names = "--activation-offload", description = "Move saved activations to CPU memory.") boolean activationOffload;
    @Option(names = "--loss", paramLabel = "L", description = "Logits and loss: full (default), chunked or fused.") String loss = "full";
    @Option(names = "--packed", description = "Sequences are packed rather than padded.") boolean packed;
    @Option(names = "--zero", paramLabel = "STAGE", description = "DeepSpeed ZeRO stage 0-3.") int zero;
    @Option(names = "--fsdp", paramLabel = "S", description = "FSDP sharding: full, grad-op or hybrid.") String fsdp;
    @Option(names = "--gpus-per-node", paramLabel = "N", description = "GPUs per node (default 8).") int gpusPerNode = 8;
    @Option(names = "--offload", paramLabel = "WHAT", description = "CPU offload: optimizer or params.") String offload;
    @Option(names = {"--sp", "--sequence-parallel"}, description = "Sequence parallelism with TP.") boolean sp;
    @Option(names = "--pp-schedule", paramLabel = "S", description = "1f1b (default) or interleaved.") String schedule = "1f1b";
    @Option(names = "--virtual-stages", paramLabel = "V", description = "Layer chunks per pipeline rank (interleaved).") int virtualStages = 1;
    @Option(names = {"--cp", "--context-parallel-size"}, paramLabel = "N") int cp = 1;
    @Option(names = {"--ep", "--expert-parallel-size"}, paramLabel = "N") int ep = 1;
    @Option(names = "--lora-rank", paramLabel = "R", description = "LoRA rank (default 8).") Integer loraRank;
    @Option(names = "--lora-alpha", paramLabel = "A", description = "LoRA alpha (default: the rank).") Double loraAlpha;
    @Option(names = "--lora-targets", paramLabel = "LIST", split = ",", description = "Module names (q_proj,v_proj) or all-linear (default q_proj,v_proj).") List<String> loraTargets;
    @Option(names = "--lora-dropout", paramLabel = "P", description = "LoRA dropout (default 0).") double loraDropout;
    @Option(names = "--adapter-dtype", paramLabel = "T", description = "fp32 (default, PEFT's autocast_adapter_dtype) or the compute dtype.") String adapterDtype = "fp32";
    @Option(names = "--no-double-quant", description = "QLoRA without double quantization.") boolean noDoubleQuant;
    @Option(names = "--freeze-layers", paramLabel = "K", description = "Freeze the first K layers.") int freezeLayers;
    @Option(names = "--freeze-embeddings", description = "Freeze the token embedding.") boolean freezeEmbeddings;
    @Option(names = "--interconnect", paramLabel = "LINK", description = "nvlink, pcie, infiniband or a bandwidth in GB/s.") String interconnect;

    private static <E extends Enum<E>> E choose(Class<E> type, String flag, String value, String... names) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      E[] constants = type.getEnumConstants();
      for (int i = 0; i < names.length; i++) {
        if (names[i].equals(v)) {
          return constants[i];
        }
      }
      throw new BadInputException(flag, "--" + flag + " '" + value + "' must be one of " + String.join(", ", names));
    }

    TrainingWorkload workload(Model model, SharedOptions shared, int gpus) {
      TrainingWorkload.Method m = choose(TrainingWorkload.Method.class, "method", method, "full", "lora", "qlora", "dora", "freeze");
      TrainingWorkload.Lora lora = null;
      if (m.usesAdapters()) {
        int r = loraRank == null ? 8 : loraRank;
        List<String> targets = loraTargets == null ? defaultTargets(model) : loraTargets.stream().map(String::trim).toList();
        if (!adapterDtype.equals("fp32") && !adapterDtype.equals("bf16") && !adapterDtype.equals("fp16")) {
          throw new BadInputException("adapter-dtype", "--adapter-dtype '" + adapterDtype + "' must be fp32, bf16 or fp16");
        }
        lora = new TrainingWorkload.Lora(r, loraAlpha == null ? r : loraAlpha, targets, loraDropout, adapterDtype.equals("fp32"));
      } else if (loraRank != null || loraTargets != null) {
        throw new BadInputException("lora-rank", "--lora-rank and --lora-targets need --method lora, qlora or dora");
      }
      TrainingWorkload.Builder b = TrainingWorkload.builder()
          .method(m)
          .precision(choose(TrainingWorkload.Precision.class, "precision", precision, "fp32", "bf16-mixed", "fp16-mixed", "bf16"))
          .fp32Gradients(gradDtype != null && gradDtype.equalsIgnoreCase("fp32"))
          .optimizer(TrainingWorkload.Optimizer.parse(optimizer))
          .optimizerInBackward(optimizerInBackward)
          .microBatch(microBatch)
          .seqLen(shared.seqLen != null ? shared.seqLen : DEFAULT_SEQ_LEN)
          .gradAccum(gradAccum)
          .checkpointing(choose(TrainingWorkload.Checkpointing.class, "checkpointing", checkpointing, "none", "selective", "full"))
          .activationOffload(activationOffload)
          .loss(choose(TrainingWorkload.Loss.class, "loss", loss, "full", "chunked", "fused"))
          .packed(packed)
          .flashAttention(!shared.noFlash)
          .gpus(gpus)
          .zero(zero)
          .fsdp(fsdp == null ? TrainingWorkload.Fsdp.NONE : choose(TrainingWorkload.Fsdp.class, "fsdp", fsdp, "none", "full", "grad-op", "hybrid"))
          .gpusPerNode(gpusPerNode)
          .offload(offload == null ? TrainingWorkload.Offload.NONE : choose(TrainingWorkload.Offload.class, "offload", offload, "none", "optimizer", "params"))
          .tp(shared.tp != null ? shared.tp : 1)
          .sequenceParallel(sp)
          .pp(shared.pp())
          .schedule(choose(TrainingWorkload.Schedule.class, "pp-schedule", schedule, "1f1b", "interleaved"))
          .virtualStages(virtualStages)
          .cp(cp)
          .ep(ep)
          .lora(lora)
          .doubleQuant(!noDoubleQuant)
          .frozenLayers(freezeLayers)
          .freezeEmbeddings(freezeEmbeddings)
          .interconnect(interconnect == null ? null : TrainingWorkload.Interconnect.parse(interconnect))
          .headroom(shared.headroom());
      if (gradDtype != null && !Arrays.asList("fp32", "bf16", "fp16").contains(gradDtype.toLowerCase(Locale.ROOT))) {
        throw new BadInputException("grad-dtype", "--grad-dtype '" + gradDtype + "' must be fp32, bf16 or fp16");
      }
      return b.build();
    }

    /** PEFT's default targets for Llama-style models are q_proj and v_proj; other families get all-linear. */
    private static List<String> defaultTargets(Model model) {
      boolean hasQv = model.architecture().tensors().stream().anyMatch(t -> t.name().endsWith("q_proj.weight"))
          && model.architecture().tensors().stream().anyMatch(t -> t.name().endsWith("v_proj.weight"));
      return hasQv ? List.of("q_proj", "v_proj") : List.of("all-linear");
    }
  }
}
