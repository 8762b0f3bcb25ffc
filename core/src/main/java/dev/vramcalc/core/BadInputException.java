package dev.vramcalc.core;

/**
 * Returns a problem with what the user gave (a flag, a file, a model id): the CLI exits with code 2
 * and the server answers HTTP 400, with this message as the one line shown.
 */
public class BadInputException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public BadInputException(String field, String message) {
    super(message);
    this.field = field;
  }

  public BadInputException(String message) {
    this(null, message);
  }

  /** Returns the flag or config key at fault, or null when the problem is not one field's. */
  public String field() {
    return field;
  }
}
