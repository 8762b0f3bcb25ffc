package dev.vramcalc.io.source;

import dev.vramcalc.core.BadInputException;

/** A model file that breaks its format or our limits: names the file, the problem and the byte offset. */
public final class MalformedFileException extends BadInputException {

  private final long offset;

  public MalformedFileException(String file, long offset, String problem) {
    super("model", file + ": " + problem + " at byte " + offset);
    this.offset = offset;
  }

  public long offset() {
    return offset;
  }
}
