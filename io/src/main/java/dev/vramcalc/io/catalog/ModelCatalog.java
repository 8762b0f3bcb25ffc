package dev.vramcalc.io.catalog;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.io.config.ModelFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Returns the bundled model presets: real {@code config.json} files with their provenance, found by
 * catalog id ({@code llama-3.1-8b}), Hugging Face id ({@code meta-llama/Llama-3.1-8B}) or alias.
 */
public final class ModelCatalog {

  static final String INDEX = "/dev/vramcalc/io/catalog/models.csv";
  static final String ROOT = "/dev/vramcalc/io/catalog/models/";

  /** One preset. */
  public record Entry(String id, String hfId, List<String> aliases, String verbatim, String source) {

    /** Returns the resource path of the preset's config.json. */
    public String resource() {
      return ROOT + hfId + "/config.json";
    }
  }

  private static volatile ModelCatalog bundled;

  private final Map<String, Entry> byKey = new LinkedHashMap<>();
  private final List<Entry> entries = new ArrayList<>();
  private final Map<String, Model> loaded = new ConcurrentHashMap<>();

  private ModelCatalog(List<Entry> entries) {
    for (Entry e : entries) {
      this.entries.add(e);
      put(e.id(), e);
      put(e.hfId(), e);
      for (String a : e.aliases()) {
        put(a, e);
      }
    }
  }

  private void put(String key, Entry e) {
    Entry old = byKey.put(key.toLowerCase(Locale.ROOT), e);
    if (old != null && old != e) {
      throw new BadInputException("catalog", "models.csv: '" + key + "' names both " + old.id() + " and " + e.id());
    }
  }

  public static ModelCatalog bundled() {
    ModelCatalog c = bundled;
    if (c == null) {
      // read once even when two threads ask at once (the launcher reads the catalogs while picocli builds the command)
      synchronized (ModelCatalog.class) {
        c = bundled;
        if (c == null) {
          c = parse(Resources.read(INDEX), "models.csv");
          bundled = c;
        }
      }
    }
    return c;
  }

  static ModelCatalog parse(String text, String file) {
    List<Entry> entries = new ArrayList<>();
    for (Csv.Row r : Csv.parse(text, file)) {
      String aliases = r.get("aliases");
      entries.add(new Entry(r.required("id"), r.required("hf_id"),
          aliases.isEmpty() ? List.of() : List.of(aliases.split(";")), r.required("verbatim"), r.required("source")));
    }
    return new ModelCatalog(entries);
  }

  public List<Entry> entries() {
    return List.copyOf(entries);
  }

  /** Returns the preset a name refers to, or null. */
  public Entry find(String name) {
    return name == null ? null : byKey.get(name.trim().toLowerCase(Locale.ROOT));
  }

  /** Returns the preset's model, reading its config once. */
  public Model load(Entry e) {
    return loaded.computeIfAbsent(e.id(), k -> {
      String text = Resources.read(e.resource());
      if (text == null) {
        throw new IllegalStateException("bundled config missing: " + e.resource());
      }
      List<String> provenance = List.of(
          "config.json: bundled preset of " + e.hfId() + " (verbatim: " + e.verbatim() + "; source: " + e.source() + ")",
          "parameters: counted tensor by tensor from the config's shapes");
      return ModelFactory.fromConfigText(text, e.hfId() + "/config.json", e.id(), e.hfId(), "catalog", provenance);
    });
  }

  /** Returns ids close to a name, for "did you mean" hints. */
  public List<String> suggest(String name) {
    String key = name.toLowerCase(Locale.ROOT);
    String tail = key.contains("/") ? key.substring(key.lastIndexOf('/') + 1) : key;
    List<String> out = new ArrayList<>();
    for (Entry e : entries) {
      String id = e.id();
      if (id.contains(tail) || tail.contains(id) || e.hfId().toLowerCase(Locale.ROOT).contains(tail)) {
        out.add(id);
      }
    }
    if (out.isEmpty()) {
      String prefix = tail.length() >= 4 ? tail.substring(0, 4) : tail;
      for (Entry e : entries) {
        if (e.id().startsWith(prefix)) {
          out.add(e.id());
        }
      }
    }
    return out.size() > 8 ? out.subList(0, 8) : out;
  }
}
