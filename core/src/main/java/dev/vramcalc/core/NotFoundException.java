package dev.vramcalc.core;

/** Returns a request for a model or device that no catalog or source has (exit 2, HTTP 404). */
public class NotFoundException extends BadInputException {
  private static final long serialVersionUID = 1L;

  public NotFoundException(String field, String message) {
    super(field, message);
  }
}
