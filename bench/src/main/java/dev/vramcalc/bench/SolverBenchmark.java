package dev.vramcalc.bench;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.TrainingEstimate;
import dev.vramcalc.core.estimate.TrainingEstimator;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.precision.KvCacheType;
import dev.vramcalc.core.solve.GpuFit;
import dev.vramcalc.core.solve.Limits;
import dev.vramcalc.core.solve.Planner;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.core.workload.TrainingWorkload;
import dev.vramcalc.io.ModelResolver;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The solvers' speed targets: plan for DeepSeek-V3 on 1024 H100s well under a second; one training
 * estimate of DeepSeek-V3 and a max-batch search in milliseconds.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SolverBenchmark {

  Model deepseek;
  Model llama;
  Gpu h100;
  Gpu rtx4090;
  List<Gpu> catalog;
  TrainingWorkload pretrain;
  TrainingWorkload layout;
  InferenceWorkload serve;

  @Setup
  public void setup() {
    deepseek = ModelResolver.bundled().resolve("deepseek-ai/DeepSeek-V3");
    llama = ModelResolver.bundled().resolve("meta-llama/Llama-3.1-8B");
    h100 = GpuCatalogReader.bundled().get("h100-sxm-80gb");
    rtx4090 = GpuCatalogReader.bundled().get("rtx-4090");
    catalog = GpuCatalogReader.bundled().all();
    pretrain = TrainingWorkload.builder().seqLen(4096).build();
    layout = TrainingWorkload.builder().gpus(1024).tp(8).pp(16).ep(8).zero(1).seqLen(4096).microBatch(1).gradAccum(16).build();
    serve = new InferenceWorkload(1, 8192, 8192, null, KvCacheType.AUTO, 1, 1, true, 0.2);
  }

  /** plan deepseek-ai/DeepSeek-V3 --gpu h100-sxm-80gb --gpus 1024 --train --seq-len 4096. */
  @Benchmark
  public Planner.Plan planDeepSeekV3On1024H100() {
    return Planner.plan(deepseek, h100, pretrain, 1024, new Planner.Constraints(null, null, null, null, null, null, null,
        Planner.defaultGlobalBatch(4096, 1024), true, Planner.DEFAULT_TOP, 0.4));
  }

  /** One training estimate of DeepSeek-V3 with tp 8 × pp 16 × ep 8. */
  @Benchmark
  public TrainingEstimate trainEstimateDeepSeekV3() {
    return TrainingEstimator.estimate(deepseek, h100, layout);
  }

  /** max-context meta-llama/Llama-3.1-8B --gpu rtx-4090 --curve: the longest context and the curve for every precision. */
  @Benchmark
  public List<Limits.CurveRow> maxContextCurve() {
    Limits.maxContext(llama, rtx4090, serve);
    return Limits.curve(llama, rtx4090, serve, Limits.CURVE_FORMATS);
  }

  /** fit meta-llama/Llama-3.1-8B --seq-len 8192: every catalog GPU. */
  @Benchmark
  public List<GpuFit.Entry> fitWholeCatalog() {
    return GpuFit.serving(llama, catalog, serve, 8, 8);
  }

  /** max-batch meta-llama/Llama-3.1-8B --gpu h100-sxm-80gb --seq-len 8192. */
  @Benchmark
  public Limits.Result maxBatchLlama8b() {
    return Limits.maxBatch(llama, h100, serve);
  }
}
