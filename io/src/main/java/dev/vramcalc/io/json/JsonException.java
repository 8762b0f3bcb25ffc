package dev.vramcalc.io.json;

import dev.vramcalc.core.BadInputException;

/** Returns a JSON document that cannot be read, with the problem and the byte offset where it is. */
public final class JsonException extends BadInputException {
  private static final long serialVersionUID = 1L;

  private final long offset;

  public JsonException(String origin, String problem, long offset) {
    super("json", origin + ": invalid JSON at offset " + offset + ": " + problem);
    this.offset = offset;
  }

  public long offset() {
    return offset;
  }
}
