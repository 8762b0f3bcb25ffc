package dev.vramcalc.core.estimate;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.hardware.Gpu;
import dev.vramcalc.core.precision.WeightFormat;
import dev.vramcalc.core.unit.Bytes;
import dev.vramcalc.core.workload.InferenceWorkload;
import java.util.List;

/**
 * Returns the memory one GPU needs to serve a model: each term with its formula, the three levels,
 * and the fit verdict.
 *
 * @param stage the pipeline stage the terms are for (the most loaded one), 0 without pipelining
 * @param weightFormat the weight format used
 * @param kvBytesPerToken KV bytes of one token across the stage's layers on one rank (full layers)
 * @param notes facts about this estimate (what was assumed, what is missing)
 * @param engine what the engine itself would report
 */
public record InferenceEstimate(
    Model model,
    Gpu gpu,
    InferenceWorkload workload,
    WeightFormat weightFormat,
    List<Term> terms,
    Bytes allocated,
    Bytes reserved,
    Bytes device,
    Fit fit,
    int stage,
    long kvBytesPerToken,
    List<String> notes,
    EngineDetails engine) {

  public InferenceEstimate {
    terms = List.copyOf(terms);
    notes = List.copyOf(notes);
    if (engine == null) {
      engine = new EngineDetails.Generic();
    }
  }

  /** Returns the term with this name, or null. */
  public Term term(String name) {
    for (Term t : terms) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    return null;
  }

  /** Returns the bytes of a term, 0 when absent. */
  public long bytesOf(String name) {
    Term t = term(name);
    return t == null ? 0 : t.bytes().value();
  }
}
