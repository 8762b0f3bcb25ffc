package dev.vramcalc.core.estimate;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.unit.Bytes;
import dev.vramcalc.core.workload.TrainingWorkload;
import java.util.List;
import java.util.Map;

/**
 * Returns the memory of the most loaded GPU in a training run at its peak, with the terms alive at
 * that moment, the phase the peak falls in, CPU memory for offloading, and the step's communication.
 *
 * @param phases allocated bytes at the start of backward and at the optimizer step
 * @param peakPhase which of them is the peak
 * @param mostLoaded which GPU the breakdown is for (its pipeline stage and role)
 * @param cpuBytes host memory per process for offloaded states, parameters or activations
 * @param communication per-step collectives, or null on one GPU
 * @param state the static state on this GPU at the optimizer step, by component, without the step's
 *     temporaries (weights, gradients, master_weights, optimizer_states, adapters)
 */
public record TrainingEstimate(
    Model model,
    Gpu gpu,
    TrainingWorkload workload,
    List<Term> terms,
    Bytes allocated,
    Bytes reserved,
    Bytes device,
    Fit fit,
    Map<String, Long> phases,
    String peakPhase,
    long trainableParameters,
    String mostLoaded,
    Bytes cpuBytes,
    Communication communication,
    Map<String, Long> state,
    List<String> notes) {

  public TrainingEstimate {
    terms = List.copyOf(terms);
    notes = List.copyOf(notes);
    phases = Map.copyOf(phases);
    state = Map.copyOf(state);
  }

  public long bytesOf(String name) {
    for (Term t : terms) {
      if (t.name().equals(name)) {
        return t.bytes().value();
      }
    }
    return 0;
  }
}
