package dev.vramcalc.bench;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.engine.Engines;
import dev.vramcalc.core.estimate.InferenceEstimate;
import dev.vramcalc.core.estimate.TrainingEstimate;
import dev.vramcalc.core.estimate.TrainingEstimator;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.precision.KvCacheType;
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

/** One inference estimate and one training estimate: the unit of every search. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EstimatorBenchmark {

  Model llama;
  Gpu rtx4090;
  Gpu h100;
  InferenceWorkload serve;
  TrainingWorkload lora;

  @Setup
  public void setup() {
    llama = ModelResolver.bundled().resolve("meta-llama/Llama-3.1-8B");
    rtx4090 = GpuCatalogReader.bundled().get("rtx-4090");
    h100 = GpuCatalogReader.bundled().get("h100-sxm-80gb");
    serve = new InferenceWorkload(4, 8192, 8192, null, KvCacheType.AUTO, 1, 1, true, 0.2);
    lora = TrainingWorkload.builder().method(TrainingWorkload.Method.LORA).lora(new TrainingWorkload.Lora(16, 16, List.of("all-linear"), 0, true))
        .seqLen(4096).build();
  }

  /** infer meta-llama/Llama-3.1-8B --gpu rtx-4090 --batch 4 --seq-len 8192. */
  @Benchmark
  public InferenceEstimate inferenceEstimate() {
    return Engines.estimate(llama, rtx4090, serve);
  }

  /** train meta-llama/Llama-3.1-8B --gpu h100-sxm-80gb --method lora --lora-targets all-linear --seq-len 4096. */
  @Benchmark
  public TrainingEstimate trainingEstimate() {
    return TrainingEstimator.estimate(llama, h100, lora);
  }
}
