package dev.vramcalc.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vramcalc.core.Model;
import dev.vramcalc.io.ModelResolver;
import dev.vramcalc.io.source.ByteSource;
import dev.vramcalc.io.source.MalformedFileException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Safetensors headers written by the tests: read exactly, joined with configs, hostile ones rejected. */
class SafetensorsReaderTest {

  static ByteSource source(byte[] header, long fileSize) {
    return ByteSource.of(header, fileSize, "test.safetensors");
  }

  static ByteSource source(SafetensorsBytes s) {
    return source(s.header(), s.fileSize());
  }

  @Test
  void readsDtypesShapesAndOffsets() throws IOException {
    SafetensorsBytes s = new SafetensorsBytes().metadata("format", "pt").tensor("a.weight", "BF16", 4, 8).tensor("a.qweight", "I32", 2, 8)
        .tensor("b", "F8_E4M3", 16).tensor("packed", "F4", 2, 16);
    SafetensorsReader.Header h = SafetensorsReader.read(source(s));

    assertThat(h.metadata()).containsEntry("format", "pt");
    assertThat(h.tensors()).extracting(SafetensorsReader.Tensor::name).containsExactly("a.weight", "a.qweight", "b", "packed");
    assertThat(h.tensors().get(0).bytes()).isEqualTo(64);
    assertThat(h.tensors().get(1).bytes()).isEqualTo(64);
    assertThat(h.tensors().get(2).bytes()).isEqualTo(16);
    assertThat(h.tensors().get(3).bytes()).isEqualTo(16); // 32 FP4 values, two per byte
    assertThat(h.dataBytes()).isEqualTo(160);
  }

  @Test
  void headersOfCatalogCheckpointsCountWhatTheirConfigsCount() throws IOException {
    // every bundled model: a checkpoint of its shapes, one tensor per expert, read back and joined
    for (var entry : dev.vramcalc.io.catalog.ModelCatalog.bundled().entries()) {
      String id = entry.id();
      Model m = ModelResolver.bundled().resolve(id);
      SafetensorsBytes s = new SafetensorsBytes().architecture(m.architecture().tensors());
      SafetensorsReader.Header h = SafetensorsReader.read(source(s));
      SafetensorsCheckpoint.Joined j = SafetensorsCheckpoint.join(m, List.of(h), "test");

      assertThat(j.storedElements()).as(id).isEqualTo(m.parameters());
      assertThat(j.mismatches()).as(id).isEmpty();
      assertThat(j.storedBytes()).isEqualTo(2 * m.parameters());
      assertThat(j.model().checkpointFormat().totalBytes(m.architecture(), false)).as(id).isEqualTo(2 * m.parameters());
    }
  }

  @Test
  void quantizedTensorsAreChargedToTheirWeights() throws IOException {
    // a GPTQ-style checkpoint: qweight (I32, 8 nibbles each), qzeros, scales (F16) and g_idx per linear;
    // the bytes of each are charged to the linear they quantize
    Model m = ModelResolver.bundled().resolve("meta-llama/Llama-3.2-1B");
    SafetensorsBytes s = new SafetensorsBytes();
    long expected = 0;
    for (var t : m.architecture().tensors()) {
      String n = t.name();
      if (t.role().isBlockLinear() && !t.isVector()) {
        long out = t.dim(0);
        long in = t.dim(1);
        String stem = n.substring(0, n.length() - ".weight".length());
        s.tensor(stem + ".qweight", "I32", in / 8, out).tensor(stem + ".qzeros", "I32", in / 128, out / 8).tensor(stem + ".scales", "F16", in / 128, out)
            .tensor(stem + ".g_idx", "I32", in);
        expected += in / 8 * out * 4 + in / 128 * out / 8 * 4 + in / 128 * out * 2 + in * 4;
      } else {
        s.tensor(n, "BF16", t.shape());
        expected += 2 * t.elements();
      }
    }
    SafetensorsCheckpoint.Joined j = SafetensorsCheckpoint.join(m, List.of(SafetensorsReader.read(source(s))), "test");

    assertThat(j.mismatches()).isEmpty();
    assertThat(j.model().checkpointFormat().totalBytes(m.architecture(), true)).isEqualTo(expected);
    assertThat(j.model().parameters()).isEqualTo(1_235_814_400L);
  }

  @Test
  void hostileHeadersAreRejected() {
    byte[] huge = new byte[16];
    huge[7] = 0x7f; // header length 2^63 − …
    assertThatThrownBy(() -> SafetensorsReader.read(source(huge, 16))).isInstanceOf(MalformedFileException.class).hasMessageContaining("header length")
        .hasMessageContaining("at byte 0");
    byte[] past = new SafetensorsBytes().tensor("a", "F32", 4).header();
    assertThatThrownBy(() -> SafetensorsReader.read(source(past, past.length - 1))).isInstanceOf(MalformedFileException.class).hasMessageContaining("runs past");
    bad(new SafetensorsBytes().raw("\"a\":{\"dtype\":\"Q9\",\"shape\":[1],\"data_offsets\":[0,1]}"), "unknown dtype 'Q9'");
    bad(new SafetensorsBytes().raw("\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}"), "dimensions must be non-negative");
    bad(new SafetensorsBytes().raw("\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}"), "overflows 64 bits");
    bad(new SafetensorsBytes().raw("\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}"), "spans 4 bytes but F32 × [2] is 8");
    bad(new SafetensorsBytes().raw("\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}"), "(hole)");
    bad(new SafetensorsBytes().tensor("a", "F32", 2).raw("\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}"), "(overlap)");
    bad(new SafetensorsBytes().tensor("a", "F32", 2).tensor("a", "F32", 2), "duplicate key 'a'");
    bad(new SafetensorsBytes().raw("\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}"), "rank 9");
    bad(new SafetensorsBytes().raw("\"a\":[1,2]"), "is not an object");
    bad(new SafetensorsBytes().raw("\"__metadata__\":{\"k\":1}"), "is not a string");
    bad(new SafetensorsBytes().raw("\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}"), "unknown field 'extra'");
  }

  private static void bad(SafetensorsBytes s, String problem) {
    assertThatThrownBy(() -> SafetensorsReader.read(source(s.header(), s.header().length + Math.max(0, s.dataBytes()))))
        .isInstanceOf(MalformedFileException.class).hasMessageContaining(problem).hasMessageContaining("at byte");
  }

  @Test
  void everyTruncationIsRejected() {
    SafetensorsBytes s = new SafetensorsBytes().metadata("format", "pt").tensor("a.weight", "BF16", 4, 8).tensor("b", "F32", 3);
    byte[] file = Arrays.copyOf(s.header(), (int) s.fileSize());
    for (int n = 0; n < file.length; n++) {
      byte[] cut = Arrays.copyOf(file, n);
      assertThatThrownBy(() -> SafetensorsReader.read(source(cut, cut.length))).as("truncated at " + n).isInstanceOf(MalformedFileException.class);
    }
  }

  @Test
  void anIndexNamesPlainShardFilesForFoldersAndTheHubAlike() {
    // the local and hub readers each had half the rules (paths; a shard cap): one reader of the index now
    assertThat(SafetensorsCheckpoint.indexShards("{\"weight_map\":{\"a\":\"m-2.safetensors\",\"b\":\"m-1.safetensors\",\"c\":\"m-1.safetensors\"}}", "index"))
        .containsExactly("m-1.safetensors", "m-2.safetensors");
    assertThatThrownBy(() -> SafetensorsCheckpoint.indexShards("{\"weight_map\":{\"a\":\"../m.safetensors\"}}", "hub index"))
        .hasMessage("hub index maps a tensor to '../m.safetensors', not a .safetensors file beside the index");
    StringBuilder many = new StringBuilder("{\"weight_map\":{");
    for (int i = 0; i <= SafetensorsCheckpoint.MAX_SHARDS; i++) {
      many.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":\"m-").append(i).append(".safetensors\"");
    }
    assertThatThrownBy(() -> SafetensorsCheckpoint.indexShards(many.append("}}").toString(), "local index"))
        .hasMessage("local index names more than 4096 shards");
    assertThatThrownBy(() -> SafetensorsCheckpoint.indexShards("{}", "index")).hasMessage("index has no weight_map object");
  }
}
