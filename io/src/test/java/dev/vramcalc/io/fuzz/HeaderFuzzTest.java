package dev.vramcalc.io.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vramcalc.io.gguf.GgufModels;
import dev.vramcalc.io.gguf.GgufReader;
import dev.vramcalc.io.json.Json;
import dev.vramcalc.io.json.JsonException;
import dev.vramcalc.io.safetensors.SafetensorsReader;
import dev.vramcalc.io.source.ByteSource;
import dev.vramcalc.io.source.MalformedFileException;
import dev.vramcalc.core.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Jazzer fuzz targets for the readers of untrusted files. In {@code mvn test} they run in
 * regression mode over the seeds in {@code HeaderFuzzTestInputs/<target>/}; the README's
 * {@code JAZZER_FUZZ=1 ./mvnw -pl io -am test -Dtest=HeaderFuzzTest#gguf …} fuzzes one target. A reader may only reject input
 * with its own named error; any other exception, a hang or running out of memory is a finding.
 */
class HeaderFuzzTest {

  static ByteSource source(byte[] data) {
    return ByteSource.of(data, "fuzz");
  }

  @FuzzTest(maxDuration = "5m")
  void gguf(byte[] data) throws IOException {
    GgufReader.Header h;
    try {
      h = GgufReader.read(source(data));
    } catch (MalformedFileException e) {
      return;
    }
    try {
      GgufModels.model(h, "fuzz.gguf", "fuzz");
    } catch (BadInputException e) {
      // a well-formed header whose architecture is incomplete is refused by name
    }
  }

  @FuzzTest(maxDuration = "5m")
  void safetensors(byte[] data) throws IOException {
    try {
      SafetensorsReader.read(source(data));
    } catch (MalformedFileException e) {
      // rejected with a named problem
    }
  }

  @FuzzTest(maxDuration = "5m")
  void json(byte[] data) {
    try {
      Json.parse(new String(data, StandardCharsets.UTF_8), "fuzz");
    } catch (JsonException e) {
      // rejected with a named problem
    }
  }

  @FuzzTest(maxDuration = "5m")
  void config(byte[] data) {
    try {
      dev.vramcalc.io.config.ModelFactory.fromConfigText(new String(data, StandardCharsets.UTF_8), "fuzz/config.json", "fuzz", null, "fuzz", java.util.List.of());
    } catch (BadInputException e) {
      // rejected with a named problem (the JSON errors and the family rules both name theirs)
    }
  }

  @FuzzTest(maxDuration = "5m")
  void engineLog(byte[] data) {
    try {
      dev.vramcalc.io.logs.LogReader.read(new String(data, StandardCharsets.UTF_8), "fuzz.log");
    } catch (BadInputException e) {
      // an unknown format or a malformed line, by name
    }
  }
}
