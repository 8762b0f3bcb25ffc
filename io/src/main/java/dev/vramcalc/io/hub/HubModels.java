package dev.vramcalc.io.hub;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.NotFoundException;
import dev.vramcalc.io.config.ModelFactory;
import dev.vramcalc.io.gguf.GgufModels;
import dev.vramcalc.io.gguf.GgufReader;
import dev.vramcalc.io.json.Json;
import dev.vramcalc.io.safetensors.SafetensorsCheckpoint;
import dev.vramcalc.io.safetensors.SafetensorsReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Returns a model from a Hugging Face repository without downloading weights: its config.json and
 * the safetensors headers of every shard (by range requests), or the header of one of its GGUF
 * files ({@code owner/name:Q4_K_M} picks it).
 */
public final class HubModels {

  /**
   * Where and how to fetch.
   *
   * @param revision branch, tag or commit ({@code main})
   * @param ggufFile the GGUF file to read, or null
   * @param progress receives one-line progress messages, or null
   */
  public record Options(String token, String revision, boolean offline, Path cacheDir, String ggufFile, Consumer<String> progress) {
    public static Options fromEnvironment() {
      return new Options(null, "main", HubCache.offlineFromEnvironment(), HubCache.defaultRoot(), null, null);
    }
  }

  private final HubClient client;
  private final HubCache cache;
  private final Options options;

  public HubModels(HubClient client, Options options) {
    this.client = client;
    this.options = options;
    this.cache = new HubCache(options.cacheDir(), options.offline());
  }

  public static HubModels fromEnvironment(Options options) {
    return new HubModels(HubClient.fromEnvironment(options.token()), options);
  }

  /** Returns the model of {@code owner/name} or {@code owner/name:QUANT}. */
  public Model load(String spec) {
    String repo = spec;
    String quant = null;
    int colon = spec.indexOf(':');
    if (colon > 0) {
      repo = spec.substring(0, colon);
      quant = spec.substring(colon + 1);
    }
    if (!HubClient.isRepoId(repo)) {
      throw new BadInputException("model", "'" + spec + "' is not a Hugging Face repository id (owner/name, optionally :QUANT)");
    }
    String rev = options.revision() == null ? "main" : options.revision();
    try {
      if (quant != null || options.ggufFile() != null) {
        return gguf(repo, rev, quant);
      }
      Optional<byte[]> config = small(repo, rev, "config.json");
      if (config.isEmpty()) {
        return gguf(repo, rev, null);
      }
      return safetensors(repo, rev, new String(config.get(), StandardCharsets.UTF_8));
    } catch (IOException | UncheckedIOException e) {
      throw new BadInputException("model", repo + ": " + e.getMessage());
    }
  }

  private Optional<byte[]> small(String repo, String rev, String file) throws IOException {
    Optional<byte[]> cached = cache.small(repo, rev, file);
    if (cached != null) {
      return cached;
    }
    if (cache.offline()) {
      throw cache.missing(repo, rev, file);
    }
    say("fetching " + repo + "/" + file);
    Optional<byte[]> got = file.equals("_model_info.json") ? client.modelInfo(repo, rev) : client.file(repo, rev, file);
    cache.putSmall(repo, rev, file, got);
    return got;
  }

  private void say(String message) {
    if (options.progress() != null) {
      options.progress().accept(message);
    }
  }

  private Model safetensors(String repo, String rev, String configText) throws IOException {
    String where = client.endpointHost() + "/" + repo + "@" + rev;
    Model base = ModelFactory.fromConfigText(configText, repo + "/config.json", repo, repo, "hub",
        List.of("config.json: " + where, "parameters: counted tensor by tensor from the config's shapes"));
    List<String> shards = new ArrayList<>();
    Optional<byte[]> index = small(repo, rev, "model.safetensors.index.json");
    if (index.isPresent()) {
      shards.addAll(SafetensorsCheckpoint.indexShards(new String(index.get(), StandardCharsets.UTF_8), repo + "/model.safetensors.index.json"));
    } else {
      shards.add("model.safetensors");
    }
    if (!base.hasArchitecture()) {
      return base;
    }
    List<SafetensorsReader.Header> headers = new ArrayList<>();
    for (int i = 0; i < shards.size(); i++) {
      String shard = shards.get(i);
      int n = i + 1;
      RemoteSource src = new RemoteSource(client, cache, repo, rev, shard,
          bytes -> say(String.format(Locale.ROOT, "reading %s header %d/%d: %,d bytes", shard, n, shards.size(), bytes)));
      SafetensorsReader.Header h;
      try {
        h = SafetensorsReader.read(src);
      } catch (NotFoundException e) {
        if (index.isEmpty()) {
          // no safetensors: the config alone gives the counts
          return new Model(base.id(), base.hfId(), base.origin(), base.architecture(), 0, base.checkpointFormat(),
              append(base.provenance(), "weight bytes: from the config's torch_dtype (the repository has no model.safetensors)"));
        }
        throw e;
      }
      src.commit();
      headers.add(h);
    }
    return SafetensorsCheckpoint.join(base, headers, where).modelWithNotes();
  }

  private static List<String> append(List<String> list, String line) {
    List<String> out = new ArrayList<>(list);
    out.add(line);
    return out;
  }

  private Model gguf(String repo, String rev, String quant) throws IOException {
    String file = options.ggufFile();
    if (file == null) {
      Optional<byte[]> info = small(repo, rev, "_model_info.json");
      if (info.isEmpty()) {
        throw HubClient.notFound(repo, rev, "config.json or model information");
      }
      List<String> ggufs = new ArrayList<>();
      Map<String, Object> root = Json.parseObject(new String(info.get(), StandardCharsets.UTF_8), repo + " model info");
      if (root.get("siblings") instanceof List<?> siblings) {
        for (Object s : siblings) {
          if (s instanceof Map<?, ?> m && m.get("rfilename") instanceof String f && f.toLowerCase(Locale.ROOT).endsWith(".gguf")) {
            ggufs.add(f);
          }
        }
      }
      if (ggufs.isEmpty()) {
        throw new NotFoundException("model", repo + " has neither a config.json nor a .gguf file");
      }
      List<String> picked = new ArrayList<>();
      for (String f : ggufs) {
        String lower = f.toLowerCase(Locale.ROOT);
        boolean split = lower.matches(".*-\\d{5}-of-\\d{5}\\.gguf") && !lower.matches(".*-00001-of-\\d{5}\\.gguf");
        if (!split && !lower.contains("mmproj") && (quant == null || lower.contains(quant.toLowerCase(Locale.ROOT)))) {
          picked.add(f);
        }
      }
      if (picked.size() != 1) {
        throw new BadInputException("model", repo + (quant == null ? " has " + picked.size() + " GGUF files" : ": '" + quant + "' matches " + picked.size()
            + " GGUF files") + "; pick one as " + repo + ":QUANT, one of: " + String.join(", ", picked.isEmpty() ? ggufs.subList(0, Math.min(12, ggufs.size()))
                : picked.subList(0, Math.min(12, picked.size()))));
      }
      file = picked.get(0);
    }
    List<String> files = new ArrayList<>();
    java.util.regex.Matcher split = java.util.regex.Pattern.compile("(.*)-00001-of-(\\d{5})\\.gguf").matcher(file);
    if (split.matches()) {
      int n = Integer.parseInt(split.group(2));
      if (n < 1 || n > 999) {
        throw new BadInputException("model", file + ": split count " + n + " out of range");
      }
      for (int i = 1; i <= n; i++) {
        files.add(String.format(Locale.ROOT, "%s-%05d-of-%05d.gguf", split.group(1), i, n));
      }
    } else {
      files.add(file);
    }
    GgufReader.Header first = null;
    List<GgufReader.Tensor> tensors = new ArrayList<>();
    for (String f : files) {
      RemoteSource src = new RemoteSource(client, cache, repo, rev, f, bytes -> say(String.format(Locale.ROOT, "reading %s header: %,d bytes", f, bytes)));
      GgufReader.Header h = GgufReader.read(src);
      src.commit();
      if (first == null) {
        first = h;
      }
      tensors.addAll(h.tensors());
    }
    GgufReader.Header merged = new GgufReader.Header(first.version(), first.metadata(), List.copyOf(tensors), first.dataOffset(), first.alignment());
    return GgufModels.model(merged, client.endpointHost() + "/" + repo + "/" + file + "@" + rev, repo + ":" + file);
  }
}
