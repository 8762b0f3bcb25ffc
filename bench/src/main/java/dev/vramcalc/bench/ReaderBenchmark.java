package dev.vramcalc.bench;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.model.TensorSpec;
import dev.vramcalc.io.ModelResolver;
import dev.vramcalc.io.config.ModelFactory;
import dev.vramcalc.io.gguf.GgufBytes;
import dev.vramcalc.io.gguf.GgufModels;
import dev.vramcalc.io.gguf.GgufReader;
import dev.vramcalc.io.safetensors.SafetensorsBytes;
import dev.vramcalc.io.safetensors.SafetensorsCheckpoint;
import dev.vramcalc.io.safetensors.SafetensorsReader;
import dev.vramcalc.io.source.ByteSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The readers on their largest inputs: the largest bundled config.json, the safetensors headers of a
 * 163-shard checkpoint (DeepSeek-V3's shapes, one tensor per expert, its shard count), and a GGUF
 * header of 1,000 tensors; all from memory, so the figures are parsing, not disk.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReaderBenchmark {

  String largestConfig;
  Model deepseek;
  List<ByteSource> shards;
  byte[] gguf;

  @Setup
  public void setup() throws IOException {
    try (InputStream in = ModelResolver.class.getResourceAsStream("/dev/vramcalc/io/catalog/models/google/vit-base-patch16-224/config.json")) {
      largestConfig = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    deepseek = ModelResolver.bundled().resolve("deepseek-ai/DeepSeek-V3");
    List<TensorSpec> tensors = deepseek.architecture().tensors();
    shards = new ArrayList<>();
    int n = 163;
    for (int i = 0; i < n; i++) {
      SafetensorsBytes s = new SafetensorsBytes().architecture(tensors.subList(i * tensors.size() / n, (i + 1) * tensors.size() / n));
      // the header in memory; the source reports the file's full size, its data section reads as zeros
      shards.add(ByteSource.of(s.header(), s.fileSize(), "model-" + (i + 1) + "-of-" + n + ".safetensors"));
    }
    GgufBytes g = new GgufBytes().string("general.architecture", "llama").u32("llama.block_count", 111).u32("llama.embedding_length", 4096)
        .u32("llama.feed_forward_length", 14336).u32("llama.attention.head_count", 32).u32("llama.attention.head_count_kv", 8)
        .u32("llama.context_length", 131072).strings("tokenizer.ggml.tokens", 128256);
    g.tensor("token_embd.weight", new long[] {4096, 128256}, 12, 128256L * 16 * 144);
    for (int l = 0; l < 111; l++) {
      g.tensor("blk." + l + ".attn_norm.weight", new long[] {4096}, 0, 16384);
      g.tensor("blk." + l + ".attn_q.weight", new long[] {4096, 4096}, 12, 4096L * 16 * 144);
      g.tensor("blk." + l + ".attn_k.weight", new long[] {4096, 1024}, 12, 1024L * 16 * 144);
      g.tensor("blk." + l + ".attn_v.weight", new long[] {4096, 1024}, 14, 1024L * 16 * 210);
      g.tensor("blk." + l + ".attn_output.weight", new long[] {4096, 4096}, 12, 4096L * 16 * 144);
      g.tensor("blk." + l + ".ffn_norm.weight", new long[] {4096}, 0, 16384);
      g.tensor("blk." + l + ".ffn_gate.weight", new long[] {4096, 14336}, 12, 14336L * 16 * 144);
      g.tensor("blk." + l + ".ffn_up.weight", new long[] {4096, 14336}, 12, 14336L * 16 * 144);
      g.tensor("blk." + l + ".ffn_down.weight", new long[] {14336, 4096}, 14, 4096L * 56 * 210);
    }
    gguf = g.header();
  }

  /** Reading the largest bundled config.json (vit-base-patch16-224, 68 KiB of label names) into a model. */
  @Benchmark
  public Model largestConfig() {
    return ModelFactory.fromConfigText(largestConfig, "config.json", "vit", null, "bench", List.of());
  }

  /** Parsing 163 safetensors headers (DeepSeek-V3's 91,000 stored tensors) and joining them with the config. */
  @Benchmark
  public SafetensorsCheckpoint.Joined safetensors163Shards() throws IOException {
    List<SafetensorsReader.Header> headers = new ArrayList<>();
    for (ByteSource shard : shards) {
      headers.add(SafetensorsReader.read(shard));
    }
    return SafetensorsCheckpoint.join(deepseek, headers, "bench");
  }

  /** Reading a GGUF header of 1,000 tensors (with a 128k-token vocabulary) and building its model. */
  @Benchmark
  public Model gguf1000Tensors() throws IOException {
    GgufReader.Header h = GgufReader.read(ByteSource.of(gguf, -1, "bench.gguf"));
    return GgufModels.model(h, "bench.gguf", "bench");
  }
}
