package dev.vramcalc.io.safetensors;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.model.Architecture;
import dev.vramcalc.core.model.TensorSpec;
import dev.vramcalc.core.precision.WeightFormat;
import dev.vramcalc.io.json.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Joins a model built from its config with the safetensors headers of its checkpoint: every stored
 * tensor (a weight, or a quantized weight's packed values, scales, zeros and indices) is attributed
 * to the parameter tensor it belongs to, so the bytes of each parameter tensor, and of the whole
 * checkpoint, are what the files hold.
 */
public final class SafetensorsCheckpoint implements WeightFormat {

  private final Map<String, Long> bytesBySpec;
  private final long unattributed;
  private final String label;

  private SafetensorsCheckpoint(Map<String, Long> bytesBySpec, long unattributed, String label) {
    this.bytesBySpec = Map.copyOf(bytesBySpec);
    this.unattributed = unattributed;
    this.label = label;
  }

  /**
   * The result of joining.
   *
   * @param model the model with the checkpoint's exact bytes as its format
   * @param storedBytes all tensor bytes of all shards
   * @param matchedShapes parameter tensors whose stored shape equals the config's
   * @param mismatches tensors whose shapes differ, or that one side lacks (a few, for the notes)
   */
  public record Joined(Model model, long storedBytes, long storedElements, int matchedShapes, List<String> mismatches) {

    /** Returns the model with each mismatch between config and headers added to its provenance as a note. */
    public Model modelWithNotes() {
      if (mismatches.isEmpty()) {
        return model;
      }
      List<String> prov = new ArrayList<>(model.provenance());
      mismatches.forEach(x -> prov.add("note: " + x));
      return new Model(model.id(), model.hfId(), model.origin(), model.architecture(), 0, model.checkpointFormat(), prov);
    }
  }

  /** The most shards an index may name (the largest public checkpoints have a few hundred). */
  public static final int MAX_SHARDS = 4096;

  /**
   * Returns the shard files a {@code model.safetensors.index.json} names, sorted: each a plain {@code .safetensors}
   * file name beside the index (no folders, no "..": a local folder and the hub read the same rule), at most
   * {@link #MAX_SHARDS}.
   */
  public static List<String> indexShards(String indexText, String where) {
    Map<String, Object> root = Json.parseObject(indexText, where);
    if (!(root.get("weight_map") instanceof Map<?, ?> map)) {
      throw new BadInputException("model", where + " has no weight_map object");
    }
    java.util.TreeSet<String> files = new java.util.TreeSet<>();
    for (Object v : map.values()) {
      if (!(v instanceof String f) || !f.endsWith(".safetensors") || f.contains("/") || f.contains("\\") || f.contains("..")) {
        throw new BadInputException("model", where + " maps a tensor to '" + v + "', not a .safetensors file beside the index");
      }
      files.add(f);
      if (files.size() > MAX_SHARDS) {
        throw new BadInputException("model", where + " names more than " + MAX_SHARDS + " shards");
      }
    }
    return List.copyOf(files);
  }

  /** Returns the model with its weights priced from the headers. */
  public static Joined join(Model model, List<SafetensorsReader.Header> shards, String where) {
    Architecture arch = model.architecture();
    Map<String, TensorSpec> exact = new HashMap<>();
    Map<String, TensorSpec> stems = new HashMap<>();
    for (TensorSpec t : arch.tensors()) {
      exact.put(t.name(), t);
      stems.put(stem(t.name()), t);
    }
    Map<String, Long> bytes = new HashMap<>();
    long unattributed = 0;
    long stored = 0;
    long elements = 0;
    int matched = 0;
    List<String> mismatches = new ArrayList<>();
    Map<String, long[]> expertShapes = new HashMap<>();
    boolean quantized = false;
    for (SafetensorsReader.Header h : shards) {
      for (SafetensorsReader.Tensor st : h.tensors()) {
        stored += st.bytes();
        if (st.isFloat()) {
          elements += st.elements();
        } else {
          quantized = true;
        }
        TensorSpec spec = attribute(st.name(), exact, stems);
        if (spec == null) {
          unattributed += st.bytes();
          if (mismatches.size() < 8) {
            mismatches.add("stored tensor " + st.name() + " matches no parameter of the " + arch.modelType() + " architecture");
          }
          continue;
        }
        bytes.merge(spec.name(), st.bytes(), Long::sum);
        String normalized = normalize(st.name());
        if (normalized.equals(spec.name()) && st.isFloat()) {
          long[] want = spec.shape();
          if (spec.experts() > 0 && st.shape().length < want.length) {
            want = Arrays.copyOfRange(want, 1, want.length);
            expertShapes.putIfAbsent(spec.name(), st.shape());
          }
          if (Arrays.equals(want, st.shape())) {
            matched++;
          } else if (mismatches.size() < 8) {
            mismatches.add(String.format(Locale.ROOT, "%s: config shape %s, stored %s", st.name(), Arrays.toString(want), Arrays.toString(st.shape())));
          }
        }
      }
    }
    for (TensorSpec t : arch.tensors()) {
      if (!bytes.containsKey(t.name()) && mismatches.size() < 8) {
        mismatches.add("parameter " + t.name() + " is not in the checkpoint");
      }
    }
    String label = "checkpoint as stored (safetensors" + (quantized ? ", quantized" : "") + ")";
    SafetensorsCheckpoint format = new SafetensorsCheckpoint(bytes, unattributed, label);
    List<String> provenance = new ArrayList<>(model.provenance());
    provenance.add(String.format(Locale.ROOT, "weight bytes: %,d bytes in %d safetensors header%s (%s), tensor by tensor (exact)", stored, shards.size(),
        shards.size() == 1 ? "" : "s", where));
    provenance.add(String.format(Locale.ROOT, "parameters: from config.json; %d stored tensors have the config's shape%s", matched,
        mismatches.isEmpty() ? "" : "; " + mismatches.size() + " differences listed in the notes"));
    Model joined = new Model(model.id(), model.hfId(), model.origin() + "+safetensors", arch, 0, format, provenance);
    return new Joined(joined, stored, elements, matched, List.copyOf(mismatches));
  }

  /** Returns the name without its trailing {@code .weight}: the module a stored tensor belongs to. */
  private static String stem(String name) {
    return name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : name;
  }

  /** Returns the name with the expert index replaced by {@code *}, as the architecture names stacked experts. */
  static String normalize(String name) {
    return name.replaceAll("(experts)\\.\\d+\\.", "$1.*.");
  }

  /** Returns the parameter tensor a stored tensor belongs to: itself, or the longest module prefix it extends. */
  static TensorSpec attribute(String stored, Map<String, TensorSpec> exact, Map<String, TensorSpec> stems) {
    String n = normalize(stored);
    TensorSpec t = exact.get(n);
    if (t != null) {
      return t;
    }
    String s = n;
    while (true) {
      int cut = Math.max(s.lastIndexOf('.'), s.lastIndexOf('_'));
      if (cut <= 0) {
        return null;
      }
      s = s.substring(0, cut);
      t = stems.get(s);
      if (t != null) {
        return t;
      }
      t = exact.get(s);
      if (t != null) {
        return t;
      }
    }
  }

  @Override
  public String id() {
    return "checkpoint";
  }

  @Override
  public String label() {
    return label;
  }

  @Override
  public String describe() {
    return "every tensor as the safetensors headers store it (packed quantized values, scales and zeros included)";
  }

  @Override
  public Pricer pricer(Architecture arch) {
    return new Pricer() {
      @Override
      public long bytes(TensorSpec t, long[] shape) {
        Long full = bytesBySpec.get(t.name());
        if (full == null) {
          return 0;
        }
        long whole = t.elements();
        long part = 1;
        for (long d : shape) {
          part = Math.multiplyExact(part, d);
        }
        return part == whole ? full : (long) Math.ceil((double) full * part / whole);
      }

      @Override
      public String typeOf(TensorSpec t) {
        return "stored";
      }

      @Override
      public long extraBytes() {
        return unattributed;
      }
    };
  }
}
