package dev.vramcalc.core.engine;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.estimate.InferenceEstimate;
import dev.vramcalc.core.estimate.InferenceEstimator;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.workload.EngineSettings;
import dev.vramcalc.core.workload.InferenceWorkload;

/** Returns the inference estimate of the engine a workload names. */
public final class Engines {

  private Engines() {}

  public static InferenceEstimate estimate(Model model, Gpu gpu, InferenceWorkload w) {
    EngineSettings e = w.engine();
    if (e instanceof EngineSettings.LlamaCpp l) {
      return LlamaCppEngine.estimate(model, gpu, Math.max(1, w.tp() * w.pp()), w, l);
    }
    if (e instanceof EngineSettings.Vllm v) {
      return VllmEngine.estimate(model, gpu, w, v);
    }
    if (e instanceof EngineSettings.Transformers t) {
      return TransformersEngine.estimate(model, gpu, w, t);
    }
    return InferenceEstimator.estimate(model, gpu, w);
  }
}
