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

  public ModelResolver(ModelCatalog catalog) {
    this.catalog = catalog;
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

  /** Returns the model of a local config.json or folder holding one. */
  public static Model fromPath(Path path) {
    Path config = Files.isDirectory(path) ? path.resolve("config.json") : path;
    String file = config.getFileName() == null ? config.toString() : config.getFileName().toString();
    if (file.endsWith(".gguf")) {
      return fromGguf(path);
    }
    if (file.endsWith(".safetensors")) {
      throw new BadInputException("model", path + ": reading .safetensors headers is not available yet; give the model's config.json");
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
      return ModelFactory.fromConfigText(text, config.toString(), id, null, "config.json",
          List.of("config.json: " + config.toAbsolutePath().normalize(), "parameters: counted tensor by tensor from the config's shapes"));
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
}
