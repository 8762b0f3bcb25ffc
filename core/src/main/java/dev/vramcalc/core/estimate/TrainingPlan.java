package dev.vramcalc.core.estimate;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.Component;
import dev.vramcalc.core.model.TensorRole;
import dev.vramcalc.core.model.TensorSpec;
import dev.vramcalc.core.workload.TrainingWorkload;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Returns which parameters a training run updates: every tensor (full), none of the base with
 * adapters on the targeted linears (LoRA, QLoRA, DoRA), or all but the frozen layers; and what each
 * layer must save for the backward pass as a result.
 */
public final class TrainingPlan {

  /** One adapted linear: which tensor, the adapter's parameter count. */
  public record AdapterSite(TensorSpec base, long in, long out, long copies, long parameters) {}

  private final Architecture arch;
  private final TrainingWorkload w;
  private final List<AdapterSite> adapters = new ArrayList<>();
  private final Map<Integer, List<Activations.Adapter>> adaptersByLayer = new HashMap<>();
  private final int firstTrainableLayer;

  public TrainingPlan(Architecture arch, TrainingWorkload w) {
    this.arch = arch;
    this.w = w;
    if (w.frozenLayers() > arch.dims().numLayers()) {
      throw new BadInputException("freeze-layers", "--freeze-layers (" + w.frozenLayers() + ") exceeds num_hidden_layers (" + arch.dims().numLayers() + ")");
    }
    if (w.method().usesAdapters()) {
      planAdapters();
      int first = Integer.MAX_VALUE;
      for (AdapterSite a : adapters) {
        first = Math.min(first, Math.max(0, a.base().layer()));
      }
      firstTrainableLayer = first;
    } else {
      firstTrainableLayer = w.freezeEmbeddings() ? w.frozenLayers() : -1;
    }
  }

  /** Returns the module name of a tensor: the last path segment before ".weight". */
  public static String moduleName(TensorSpec t) {
    String n = t.name();
    if (n.endsWith(".weight")) {
      n = n.substring(0, n.length() - 7);
    }
    return n.substring(n.lastIndexOf('.') + 1);
  }

  private static boolean adaptable(TensorSpec t) {
    return t.role().isBlockLinear() && t.role() != TensorRole.BIAS && !t.isVector()
        && t.component() != Component.VISION_TOWER && t.component() != Component.PROJECTOR && t.loadedForInference();
  }

  private void planAdapters() {
    TrainingWorkload.Lora lora = w.lora();
    TreeSet<String> known = new TreeSet<>();
    for (TensorSpec t : arch.tensors()) {
      if (adaptable(t)) {
        known.add(moduleName(t));
      }
    }
    for (String target : lora.targets()) {
      if (!target.equals("all-linear") && !known.contains(target)) {
        throw new BadInputException("lora-targets", "--lora-targets '" + target + "' matches no linear module of this model; its linear modules are: "
            + String.join(", ", known) + " (or all-linear)");
      }
    }
    int adapterBytes = lora.fp32Adapters() || w.precision() == TrainingWorkload.Precision.FP32 ? 4 : 2;
    boolean dora = w.method() == TrainingWorkload.Method.DORA;
    for (TensorSpec t : arch.tensors()) {
      if (!adaptable(t) || !(lora.allLinear() || lora.targets().contains(moduleName(t)))) {
        continue;
      }
      long copies = t.experts() > 0 ? t.experts() : 1;
      long in = t.rowLength();
      long out = t.rows() / copies;
      long params = copies * ((long) lora.rank() * (in + out) + (dora ? out : 0));
      adapters.add(new AdapterSite(t, in, out, copies, params));
      adaptersByLayer.computeIfAbsent(t.layer(), k -> new ArrayList<>())
          .add(new Activations.Adapter(t.role(), in, out, copies, lora.rank(), adapterBytes, lora.dropout() > 0, dora));
    }
  }

  public List<AdapterSite> adapters() {
    return List.copyOf(adapters);
  }

  /** Returns whether the base tensor itself is updated. */
  public boolean trains(TensorSpec t) {
    if (w.method().usesAdapters()) {
      return false;
    }
    if (!t.loadedForInference()) {
      return false;
    }
    if (t.layer() >= 0 && t.layer() < w.frozenLayers() && t.component() != Component.VISION_TOWER && t.component() != Component.PROJECTOR) {
      return false;
    }
    return !(w.freezeEmbeddings() && t.role() == TensorRole.TOKEN_EMBEDDING);
  }

  /** Returns the trainable parameter count of the whole model (base tensors plus adapters). */
  public long trainableParameters() {
    long n = 0;
    for (TensorSpec t : arch.tensors()) {
      if (trains(t)) {
        n = Math.addExact(n, t.elements());
      }
    }
    for (AdapterSite a : adapters) {
      n = Math.addExact(n, a.parameters());
    }
    return n;
  }

  /** Returns what layer {@code i} saves for backward. */
  public Activations.LayerTraining layer(int i) {
    if (i < firstTrainableLayer) {
      return Activations.LayerTraining.NONE;
    }
    if (w.method().usesAdapters()) {
      return new Activations.LayerTraining(false, false, false, false, true, adaptersByLayer.getOrDefault(i, List.of()));
    }
    if (i < w.frozenLayers()) {
      return Activations.LayerTraining.PASS_THROUGH;
    }
    return Activations.LayerTraining.FULL;
  }

  /** Returns whether the LM head (or tied embedding) is trained, which makes it save its input. */
  public boolean trainsHead() {
    for (TensorSpec t : arch.tensors()) {
      if ((t.role() == TensorRole.LM_HEAD || t.role() == TensorRole.TOKEN_EMBEDDING) && trains(t)) {
        return true;
      }
    }
    return false;
  }
}
