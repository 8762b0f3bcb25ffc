package dev.vramcalc.cli;

import dev.vramcalc.core.unit.ByteUnits;
import dev.vramcalc.core.unit.Bytes;
import picocli.CommandLine.Option;

/** Returns the output flags every command takes. */
public final class OutputOptions {

  @Option(names = "--json", description = "Print the JSON document of the interface contract.")
  boolean json;

  @Option(names = "--units", paramLabel = "binary|si", description = "Units of human output: binary (GiB, default) or si (GB).")
  String units = "binary";

  @Option(names = "--stacktrace", description = "Print the stack trace of an error.")
  boolean stacktrace;

  ByteUnits byteUnits() {
    if ("si".equalsIgnoreCase(units)) {
      return ByteUnits.SI;
    }
    if ("binary".equalsIgnoreCase(units)) {
      return ByteUnits.BINARY;
    }
    throw new dev.vramcalc.core.BadInputException("units", "--units '" + units + "' must be binary or si");
  }

  /** Returns bytes in GiB (or GB) with two decimals, no label. */
  String gib(Bytes b) {
    return byteUnits().formatIn(b, 3);
  }

  String gib(long b) {
    return byteUnits().formatIn(Bytes.of(Math.max(0, b)), 3);
  }

  String unit() {
    return byteUnits().label(3);
  }
}
