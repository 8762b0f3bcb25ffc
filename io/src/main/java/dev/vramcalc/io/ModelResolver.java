package dev.vramcalc.io;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.NotFoundException;
import dev.vramcalc.io.catalog.ModelCatalog;
import dev.vramcalc.io.config.ModelFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Returns the model a MODEL argument names: a local {@code config.json} or model folder, a bundled
 * preset by catalog id, Hugging Face id or alias.
 */
public final class ModelResolver {

  /** Largest config.json accepted (the largest published configs are a few hundred kilobytes). */
  public static final long MAX_CONFIG_BYTES = 16L << 20;

  private static final Pattern HF_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}");

  private final ModelCatalog catalog;
  private final dev.vramcalc.io.hub.HubModels hub;

  /** A resolver of catalog ids and local paths only. */
  public ModelResolver(ModelCatalog catalog) {
    this(catalog, null);
  }

  /** A resolver that fetches Hugging Face ids missing from the catalog from the hub (null: never). */
  public ModelResolver(ModelCatalog catalog, dev.vramcalc.io.hub.HubModels hub) {
    this.catalog = catalog;
    this.hub = hub;
  }

  public static ModelResolver bundled() {
    return new ModelResolver(ModelCatalog.bundled());
  }

  public ModelCatalog catalog() {
    return catalog;
  }

  /**
   * Returns the model for a name or path.
   *
   * @throws NotFoundException when nothing matches, with suggestions
   * @throws BadInputException when a file is unreadable or malformed
   */
  public Model resolve(String name) {
    if (name == null || name.isBlank()) {
      throw new BadInputException("model", "a MODEL is required: a catalog id (llama-3.1-8b), a Hugging Face id or a path to config.json");
    }
    String trimmed = name.trim();
    ModelCatalog.Entry entry = catalog.find(trimmed);
    if (entry != null) {
      return catalog.load(entry);
    }
    Path path = Path.of(trimmed);
    if (looksLikePath(trimmed) || Files.exists(path)) {
      return fromPath(path);
    }
    String repoPart = trimmed.contains(":") ? trimmed.substring(0, trimmed.indexOf(':')) : trimmed;
    if (hub != null && HF_ID.matcher(repoPart).matches()) {
      return hub.load(trimmed);
    }
    if (HF_ID.matcher(trimmed).matches()) {
      throw new NotFoundException("model", "model '" + trimmed + "' is not in the bundled catalog" + hint(trimmed)
          + "; give a path to its config.json, or describe it with --hidden-size, --num-layers, --num-heads, --intermediate-size and --vocab-size");
    }
    throw new NotFoundException("model", "unknown model '" + trimmed + "'" + hint(trimmed) + "; run 'vramcalc models' for the catalog");
  }

  private String hint(String name) {
    List<String> close = catalog.suggest(name);
    return close.isEmpty() ? "" : " (did you mean " + String.join(", ", close) + "?)";
  }

  private static boolean looksLikePath(String s) {
    return s.startsWith("/") || s.startsWith("./") || s.startsWith("../") || s.startsWith("~") || s.endsWith(".json")
        || s.endsWith(".safetensors") || s.endsWith(".gguf");
  }

  /** Returns the model of a local config.json or folder holding one (with the safetensors headers beside it). */
  public static Model fromPath(Path path) {
    return fromPath(path, true);
  }

  private static Model fromPath(Path path, boolean joinShards) {
    Path config = Files.isDirectory(path) ? path.resolve("config.json") : path;
    String file = config.getFileName() == null ? config.toString() : config.getFileName().toString();
    if (file.endsWith(".gguf")) {
      return fromGguf(path);
    }
    if (file.endsWith(".safetensors") || file.endsWith(".safetensors.index.json")) {
      return fromSafetensors(path, config.getParent() == null ? Path.of(".") : config.getParent());
    }
    if (!Files.isRegularFile(config)) {
      throw new NotFoundException("model", Files.isDirectory(path) ? path + " has no config.json" : "no such file: " + path);
    }
    try {
      long size = Files.size(config);
      if (size > MAX_CONFIG_BYTES) {
        throw new BadInputException("model", config + ": " + size + " bytes exceeds the config.json limit of " + MAX_CONFIG_BYTES);
      }
      String text = Files.readString(config);
      String id = Files.isDirectory(path) ? String.valueOf(path.toAbsolutePath().normalize().getFileName()) : config.toString();
      Model m = ModelFactory.fromConfigText(text, config.toString(), id, null, "config.json",
          List.of("config.json: " + config.toAbsolutePath().normalize(), "parameters: counted tensor by tensor from the config's shapes"));
      Path folder = config.toAbsolutePath().getParent();
      if (joinShards && m.hasArchitecture() && folder != null && (Files.isRegularFile(folder.resolve("model.safetensors.index.json"))
          || Files.isRegularFile(folder.resolve("model.safetensors")))) {
        return joinLocal(m, folder, null);
      }
      return m;
    } catch (java.nio.charset.MalformedInputException e) {
      throw new BadInputException("model", config + ": not UTF-8 text");
    } catch (IOException e) {
      throw new BadInputException("model", config + ": cannot read (" + e.getMessage() + ")");
    }
  }

  /** Returns the model of a local GGUF file, reading only its header. */
  public static Model fromGguf(Path path) {
    if (!Files.isRegularFile(path)) {
      throw new NotFoundException("model", "no such file: " + path);
    }
    try {
      dev.vramcalc.io.gguf.GgufReader.Header h = dev.vramcalc.io.gguf.GgufReader.read(new dev.vramcalc.io.source.FileSource(path));
      return dev.vramcalc.io.gguf.GgufModels.model(h, path.toString(), String.valueOf(path.getFileName()).replaceAll("\\.gguf$", ""));
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new BadInputException("model", path + ": cannot read (" + e.getMessage() + ")");
    }
  }

  /** Returns the model of a local .safetensors file or index, with the config.json beside it. */
  static Model fromSafetensors(Path path, Path folder) {
    if (!Files.isRegularFile(path)) {
      throw new NotFoundException("model", "no such file: " + path);
    }
    Path config = folder.resolve("config.json");
    if (!Files.isRegularFile(config)) {
      throw new BadInputException("model", path + ": no config.json beside it; the safetensors header gives shapes but not the architecture (put config.json in "
          + folder + ")");
    }
    Model m = fromPath(config, false);
    if (!m.hasArchitecture()) {
      return m;
    }
    return joinLocal(m, folder, path.getFileName().toString().endsWith(".safetensors") && !Files.isRegularFile(folder.resolve("model.safetensors.index.json"))
        ? path : null);
  }

  /** Joins a config's model with the safetensors headers in its folder (the index's shards, or one file). */
  static Model joinLocal(Model m, Path folder, Path single) {
    List<Path> shards = new java.util.ArrayList<>();
    Path index = folder.resolve("model.safetensors.index.json");
    try {
      if (single != null) {
        shards.add(single);
      } else if (Files.isRegularFile(index)) {
        if (Files.size(index) > MAX_CONFIG_BYTES) {
          throw new BadInputException("model", index + " exceeds " + MAX_CONFIG_BYTES + " bytes");
        }
        for (String f : dev.vramcalc.io.safetensors.SafetensorsCheckpoint.indexShards(Files.readString(index), index.toString())) {
          shards.add(folder.resolve(f));
        }
      } else {
        shards.add(folder.resolve("model.safetensors"));
      }
      List<dev.vramcalc.io.safetensors.SafetensorsReader.Header> headers = new java.util.ArrayList<>();
      for (Path shard : shards) {
        if (!Files.isRegularFile(shard)) {
          throw new NotFoundException("model", "shard " + shard + " named by the index is missing");
        }
        headers.add(dev.vramcalc.io.safetensors.SafetensorsReader.read(new dev.vramcalc.io.source.FileSource(shard)));
      }
      return dev.vramcalc.io.safetensors.SafetensorsCheckpoint.join(m, headers, folder.toString()).modelWithNotes();
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new BadInputException("model", folder + ": cannot read (" + e.getMessage() + ")");
    }
  }
}
