package dev.vramcalc.cli;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.model.CustomArchitecture;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.unit.Counts;
import dev.vramcalc.io.ModelResolver;
import dev.vramcalc.io.catalog.ModelCatalog;
import dev.vramcalc.io.hub.HubCache;
import dev.vramcalc.io.hub.HubModels;
import dev.vramcalc.io.config.ModelFactory;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Returns the model a command is about: a MODEL argument, architecture flags, or a bare --params count. */
public final class ModelOptions {

  @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL",
      description = "A catalog id (llama-3.1-8b), a Hugging Face id (meta-llama/Llama-3.1-8B) or a path to config.json or a model folder.")
  String model;

  @Option(names = "--params", paramLabel = "COUNT", description = "Only a parameter count (7B, 350M): weight sizes only.")
  String params;

  @Option(names = "--hidden-size", paramLabel = "H") Long hiddenSize;
  @Option(names = "--num-layers", paramLabel = "L") Long numLayers;
  @Option(names = "--num-heads", paramLabel = "A") Long numHeads;
  @Option(names = "--num-kv-heads", paramLabel = "K") Long numKvHeads;
  @Option(names = "--head-dim", paramLabel = "D") Long headDim;
  @Option(names = "--intermediate-size", paramLabel = "F") Long intermediateSize;
  @Option(names = "--vocab-size", paramLabel = "V") Long vocabSize;
  @Option(names = "--tie-word-embeddings", description = "The LM head shares the embedding (custom architecture).") boolean tie;
  @Option(names = "--num-experts", paramLabel = "E") Long numExperts;
  @Option(names = "--experts-per-token", paramLabel = "K") Long expertsPerToken;
  @Option(names = "--moe-intermediate-size", paramLabel = "F") Long moeIntermediateSize;
  @Option(names = "--shared-expert-intermediate-size", paramLabel = "F") Long sharedIntermediateSize;

  @Option(names = "--token", paramLabel = "TOKEN", description = "Hugging Face access token for gated models (default: HF_TOKEN).")
  String token;

  @Option(names = "--revision", paramLabel = "REV", description = "Hub branch, tag or commit (default main).")
  String revision = "main";

  @Option(names = "--offline", description = "Use only the local cache of hub files (also HF_HUB_OFFLINE=1).")
  boolean offline;

  @Option(names = "--cache-dir", paramLabel = "DIR", description = "Cache of hub files (default: VRAMCALC_CACHE, else $HF_HOME/vramcalc, else ~/.cache/huggingface/vramcalc).")
  java.nio.file.Path cacheDir;

  @Option(names = "--gguf-file", paramLabel = "FILE", description = "The GGUF file of a hub repository to read (or name the model owner/name:QUANT).")
  String ggufFile;

  private boolean customFlags() {
    return hiddenSize != null || numLayers != null || numHeads != null || numKvHeads != null || headDim != null
        || intermediateSize != null || vocabSize != null || numExperts != null || expertsPerToken != null
        || moeIntermediateSize != null || sharedIntermediateSize != null;
  }

  Model resolve() {
    int given = (model != null ? 1 : 0) + (params != null ? 1 : 0) + (customFlags() ? 1 : 0);
    if (given == 0) {
      throw new BadInputException("model", "a MODEL is required: a catalog id (llama-3.1-8b), a Hugging Face id, a path to config.json, architecture flags (--hidden-size …) or --params");
    }
    if (given > 1) {
      throw new BadInputException("model", "give one of MODEL, architecture flags (--hidden-size …) or --params");
    }
    if (params != null) {
      long count;
      try {
        count = Counts.parse(params);
      } catch (IllegalArgumentException e) {
        throw new BadInputException("params", "--params: " + e.getMessage());
      }
      return Model.ofParameters(count, Formats.BF16);
    }
    if (customFlags()) {
      CustomArchitecture custom = new CustomArchitecture(hiddenSize, numLayers, numHeads, numKvHeads, headDim,
          intermediateSize, vocabSize, tie, numExperts, expertsPerToken, moeIntermediateSize, sharedIntermediateSize);
      return ModelFactory.fromConfig(custom.config(), "custom", null, "flags",
          List.of("architecture from flags: a Llama-style decoder (RMSNorm, GQA, SwiGLU)" + (numExperts != null ? " with MoE layers" : "")));
    }
    HubModels.Options hub = new HubModels.Options(token, revision, offline || HubCache.offlineFromEnvironment(),
        cacheDir != null ? cacheDir : HubCache.defaultRoot(), ggufFile, Progress.stderr());
    try {
      return new ModelResolver(ModelCatalog.bundled(), HubModels.fromEnvironment(hub)).resolve(model);
    } finally {
      Progress.done();
    }
  }
}
