package dev.vramcalc.io.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vramcalc.core.Model;
import dev.vramcalc.core.engine.Engines;
import dev.vramcalc.core.estimate.EngineDetails;
import dev.vramcalc.core.model.TensorSpec;
import dev.vramcalc.core.precision.Formats;
import dev.vramcalc.core.precision.KvCacheType;
import dev.vramcalc.core.precision.WeightFormat;
import dev.vramcalc.core.workload.EngineSettings;
import dev.vramcalc.core.workload.InferenceWorkload;
import dev.vramcalc.io.ModelResolver;
import dev.vramcalc.io.catalog.GpuCatalogReader;
import dev.vramcalc.io.source.ByteSource;
import dev.vramcalc.io.source.MalformedFileException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GGUF headers written byte by byte: read exactly, and every malformation rejected with its offset. */
public class GgufReaderTest {

  @TempDir Path dir;

  /** A one-layer llama with 64-wide hidden state, Q8_0 linears, F16 embedding, F32 norms. */
  public static GgufBytes tiny() {
    return new GgufBytes()
        .string("general.architecture", "llama")
        .string("general.name", "tiny")
        .u32("general.file_type", 7)
        .u32("llama.block_count", 1)
        .u32("llama.context_length", 2048)
        .u32("llama.embedding_length", 64)
        .u32("llama.feed_forward_length", 128)
        .u32("llama.attention.head_count", 4)
        .u32("llama.attention.head_count_kv", 2)
        .f32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
        .strings("tokenizer.ggml.tokens", 32)
        .tensor("token_embd.weight", new long[] {64, 32}, 1, 64 * 32 * 2)
        .tensor("blk.0.attn_norm.weight", new long[] {64}, 0, 64 * 4)
        .tensor("blk.0.attn_q.weight", new long[] {64, 64}, 8, 64 * 2 * 34)
        .tensor("blk.0.attn_k.weight", new long[] {64, 32}, 8, 32 * 2 * 34)
        .tensor("blk.0.attn_v.weight", new long[] {64, 32}, 8, 32 * 2 * 34)
        .tensor("blk.0.attn_output.weight", new long[] {64, 64}, 8, 64 * 2 * 34)
        .tensor("blk.0.ffn_norm.weight", new long[] {64}, 0, 64 * 4)
        .tensor("blk.0.ffn_gate.weight", new long[] {64, 128}, 8, 128 * 2 * 34)
        .tensor("blk.0.ffn_up.weight", new long[] {64, 128}, 8, 128 * 2 * 34)
        .tensor("blk.0.ffn_down.weight", new long[] {128, 64}, 8, 64 * 4 * 34)
        .tensor("output_norm.weight", new long[] {64}, 0, 64 * 4)
        .tensor("output.weight", new long[] {64, 32}, 8, 32 * 2 * 34);
  }

  private Path write(GgufBytes g, String name) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, g.header());
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(g.fileSize()); // sparse: the data section is never written
    }
    return p;
  }

  /** An in-memory source for truncation tests. */
  private static ByteSource bytes(byte[] b) {
    return ByteSource.of(b, "test.gguf");
  }

  private static byte[] file(GgufBytes g) {
    byte[] h = g.header();
    return Arrays.copyOf(h, (int) g.fileSize());
  }

  @Test
  void readsMetadataTensorsAndExactBytes() throws IOException {
    GgufReader.Header h = GgufReader.read(bytes(file(tiny())));

    assertThat(h.version()).isEqualTo(3);
    assertThat(h.string("general.architecture")).isEqualTo("llama");
    assertThat(h.integer("llama.embedding_length")).isEqualTo(64);
    assertThat(h.get("tokenizer.ggml.tokens")).isInstanceOf(java.util.List.class);
    assertThat(h.tensors()).hasSize(12);
    GgufReader.Tensor q = h.tensors().get(2);
    assertThat(q.name()).isEqualTo("blk.0.attn_q.weight");
    assertThat(q.bytes()).isEqualTo(64 * 2 * 34); // 64 rows × 2 Q8_0 blocks of 34 bytes
    assertThat(h.dataOffset() % 32).isZero();
  }

  @Test
  void theModelOfAGgufFileCountsItsTensorsAndPricesThemAsStored() throws IOException {
    Model m = ModelResolver.bundled().resolve(write(tiny(), "tiny.gguf").toString());

    long expected = 64 * 32 + 64 + 64 * 64 + 2 * 64 * 32 + 64 * 64 + 64 + 3 * 64 * 128 + 64 + 64 * 32;
    assertThat(m.parameters()).isEqualTo(expected);
    assertThat(m.checkpointFormat().label()).isEqualTo("GGUF file (Q8_0)");
    long bytes = m.checkpointFormat().totalBytes(m.architecture(), true);
    assertThat(bytes).isEqualTo(64 * 32 * 2 + 3 * 64 * 4 + (64 * 2 + 32 * 2 + 32 * 2 + 64 * 2 + 128 * 2 + 128 * 2 + 64 * 4 + 32 * 2) * 34);
    assertThat(m.architecture().dims().numKvHeads()).isEqualTo(2);
    assertThat(m.provenance()).anyMatch(s -> s.startsWith("GGUF header"));
  }

  /** Llama-3.1-8B's tensors, typed by llama.cpp's Q4_K_M rules, written as a GGUF with the llama.cpp names. */
  static GgufBytes llama31Q4KM() {
    Model hf = ModelResolver.bundled().resolve("meta-llama/Llama-3.1-8B");
    WeightFormat q4 = Formats.named("weights", "q4_k_m");
    WeightFormat.Pricer pricer = q4.pricer(hf.architecture());
    GgufBytes g = new GgufBytes()
        .string("general.architecture", "llama")
        .string("general.name", "Meta Llama 3.1 8B")
        .u32("general.file_type", 15)
        .u32("llama.block_count", 32)
        .u32("llama.context_length", 131072)
        .u32("llama.embedding_length", 4096)
        .u32("llama.feed_forward_length", 14336)
        .u32("llama.attention.head_count", 32)
        .u32("llama.attention.head_count_kv", 8)
        .u32("llama.rope.dimension_count", 128)
        .strings("tokenizer.ggml.tokens", 128256);
    g.tensor("rope_freqs.weight", new long[] {64}, 0, 256);
    for (TensorSpec t : hf.architecture().tensors()) {
      long[] s = t.shape();
      long[] ne = new long[s.length];
      for (int i = 0; i < s.length; i++) {
        ne[i] = s[s.length - 1 - i];
      }
      String type = pricer.typeOf(t);
      g.tensor(ggufName(t.name()), ne, dev.vramcalc.core.precision.DataType.valueOf(type).ggufId(), pricer.bytes(t, s));
    }
    return g;
  }

  static String ggufName(String hf) {
    if (hf.equals("model.embed_tokens.weight")) {
      return "token_embd.weight";
    }
    if (hf.equals("model.norm.weight")) {
      return "output_norm.weight";
    }
    if (hf.equals("lm_head.weight")) {
      return "output.weight";
    }
    String n = hf.replace("model.layers.", "blk.").replace("self_attn.q_proj", "attn_q").replace("self_attn.k_proj", "attn_k")
        .replace("self_attn.v_proj", "attn_v").replace("self_attn.o_proj", "attn_output").replace("mlp.gate_proj", "ffn_gate")
        .replace("mlp.up_proj", "ffn_up").replace("mlp.down_proj", "ffn_down").replace("post_attention_layernorm", "ffn_norm")
        .replace("input_layernorm", "attn_norm");
    return n;
  }

  @Test
  void aLlama31Q4KMFileGivesLlamaCppsBuffersExactly() throws IOException {
    // llama.cpp, Llama-3.1-8B-Instruct Q4_K_M fully offloaded (calibration llamacpp.json):
    // "CUDA0 model buffer size = 4403.49 MiB", "CPU_Mapped model buffer size = 281.81 MiB"
    Model m = ModelResolver.bundled().resolve(write(llama31Q4KM(), "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf").toString());

    assertThat(m.parameters()).isEqualTo(8_030_261_248L);
    InferenceWorkload w = new InferenceWorkload(1, 8192, 512, null, KvCacheType.AUTO, 1, 1, true, 0.2,
        new EngineSettings.LlamaCpp(8192, 2048, 512, 999, null, KvCacheType.parse("k", "f16"), KvCacheType.parse("v", "f16"), true, 1, false));
    EngineDetails.LlamaCpp l = (EngineDetails.LlamaCpp) Engines.estimate(m, GpuCatalogReader.bundled().get("rtx-4090"), w).engine();

    assertThat(String.format(java.util.Locale.ROOT, "%.2f", l.devices().get(0).modelBufferBytes() / 1048576.0)).isEqualTo("4403.49");
    assertThat(String.format(java.util.Locale.ROOT, "%.2f", l.hostModelBytes() / 1048576.0)).isEqualTo("281.81");
    assertThat(String.format(java.util.Locale.ROOT, "%.2f", l.devices().get(0).kvBufferBytes() / 1048576.0)).isEqualTo("1024.00");
  }

  @Test
  void everyTruncationIsRejectedWithAnOffset() {
    byte[] full = file(tiny());
    int header = tiny().header().length;
    for (int n = 0; n < full.length; n += n < header + 64 ? 1 : 97) {
      byte[] cut = Arrays.copyOf(full, n);
      assertThatThrownBy(() -> GgufReader.read(bytes(cut))).as("truncated at " + n).isInstanceOf(MalformedFileException.class);
    }
  }

  @Test
  void hostileHeadersAreRejectedWithTheProblemAndItsOffset() {
    assertProblem(new byte[] {'G', 'G', 'U', 'X', 3, 0, 0, 0}, "not a GGUF file", 0);
    assertProblem(new GgufBytes().version(1).header(), "version 1 is not supported", 4);
    byte[] manyTensors = new GgufBytes().header();
    System.arraycopy(GgufBytes.u64(-1), 0, manyTensors, 8, 8);
    assertProblem(manyTensors, "tensor count 18446744073709551615 exceeds", 8);
    // a string that claims 2^40 bytes
    byte[] hugeString = concat(GgufBytes.u64(1L << 40), new byte[16]);
    assertProblem(new GgufBytes().rawEntry(hugeString).header(), "string length 1099511627776 exceeds", 24);
    // an array of 2^40 elements
    byte[] hugeArray = concat(GgufBytes.str("a"), GgufBytes.u32(9), GgufBytes.u32(4), GgufBytes.u64(1L << 40));
    assertProblem(new GgufBytes().rawEntry(hugeArray).header(), "array length 1099511627776 exceeds", 24 + 9 + 4 + 4);
    assertProblem(new GgufBytes().u32("a", 1).u32("a", 2).header(), "duplicate metadata key 'a'", 24 + 9 + 4 + 4);
    assertProblem(new GgufBytes().rawEntry(concat(GgufBytes.str("k"), GgufBytes.u32(13))).header(), "unknown metadata value type 13", 24 + 9);
    assertProblem(new GgufBytes().tensor("t", new long[] {1, 2, 3, 4, 5}, 0, 480).header(), "has 5 dimensions", 24 + 9);
    assertProblem(new GgufBytes().tensor("t", new long[] {-5}, 0, 0).header(), "dimension 18446744073709551611", 24 + 9 + 4);
    assertProblem(new GgufBytes().tensor("t", new long[] {1L << 30, 1L << 30}, 0, 0).header(), "more than 2^53 elements", 24 + 9 + 4 + 8);
    assertProblem(new GgufBytes().tensor("t", new long[] {32}, 99, 128).header(), "unknown ggml type 99", 24 + 9 + 4 + 8);
    assertProblem(new GgufBytes().tensor("t", new long[] {33}, 8, 34).header(), "not a multiple of the Q8_0 block", 24 + 9 + 4 + 8);
    assertProblem(new GgufBytes().tensor("t", new long[] {8}, 0, 32).tensor("t", new long[] {8}, 0, 32).header(), "duplicate tensor name 't'", 24 + 33);
    byte[] misaligned = concat(GgufBytes.str("t"), GgufBytes.u32(1), GgufBytes.u64(8), GgufBytes.u32(0), GgufBytes.u64(5));
    assertProblem(new GgufBytes().rawTensor(misaligned).header(), "not a non-negative multiple of the alignment 32", 24 + 9 + 4 + 8 + 4);
    // a tensor whose data lies past the end of the file
    GgufBytes past = new GgufBytes().tensor("t", new long[] {1024}, 0, 4096);
    byte[] header = past.header();
    assertThatThrownBy(() -> GgufReader.read(bytes(Arrays.copyOf(header, header.length + 100)))).isInstanceOf(MalformedFileException.class)
        .hasMessageContaining("runs past the end of the file");
    // an offset near 2^63: offset + bytes stays positive but data offset + end wraps negative (found in review)
    byte[] wrapping = concat(GgufBytes.str("t"), GgufBytes.u32(1), GgufBytes.u64(4), GgufBytes.u32(0), GgufBytes.u64(0x7FFFFFFFFFFFFFE0L));
    byte[] wrapHeader = new GgufBytes().rawTensor(wrapping).header();
    assertThatThrownBy(() -> GgufReader.read(bytes(Arrays.copyOf(wrapHeader, wrapHeader.length + 64)))).isInstanceOf(MalformedFileException.class)
        .hasMessageContaining("runs past the end of the file");
    // a bad general.alignment is reported at its own entry (it was always byte 24); here the second entry, after 'a' (9 + 4 + 4 bytes)
    assertProblem(new GgufBytes().u32("a", 1).u32("general.alignment", 48).header(), "general.alignment (48) must be a power of two", 24 + 17);
    byte[] badUtf8 = concat(GgufBytes.u64(2), new byte[] {(byte) 0xC3, (byte) 0x28}, GgufBytes.u32(4), GgufBytes.u32(1));
    assertProblem(new GgufBytes().rawEntry(badUtf8).header(), "not valid UTF-8", 32);
  }

  private static void assertProblem(byte[] header, String problem, long offset) {
    assertThatThrownBy(() -> GgufReader.read(bytes(Arrays.copyOf(header, header.length + 64))))
        .isInstanceOf(MalformedFileException.class)
        .hasMessageContaining(problem)
        .satisfies(e -> assertThat(((MalformedFileException) e).offset()).isEqualTo(offset));
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      o.writeBytes(p);
    }
    return o.toByteArray();
  }
}
