package dev.vramcalc.io.json;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Returns values parsed from JSON text: objects as {@link Map} in file order, arrays as {@link List},
 * strings, {@link Long} for integers that fit, {@link BigInteger} for those that do not, {@link
 * Double} for other numbers, {@link Boolean}, and {@link #NULL} for JSON null (so a present null
 * differs from an absent key).
 *
 * <p>Strict where it matters for untrusted files: limits on size, nesting depth, string length and
 * element count; duplicate keys rejected; every error names its character offset. Python's {@code
 * NaN} and {@code Infinity}, which {@code json.dump} writes into some configs, are accepted.
 */
public final class Json {

  /** JSON null. */
  public static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  /** Limits on a document; {@link #DEFAULT} suits configs and API bodies. */
  public record Limits(int maxChars, int maxDepth, int maxStringChars, int maxElements) {
    public static final Limits DEFAULT = new Limits(16 << 20, 64, 1 << 20, 1 << 20);
  }

  private final String text;
  private final String origin;
  private final Limits limits;
  private int pos;
  private int elements;

  private Json(String text, String origin, Limits limits) {
    this.text = text;
    this.origin = origin;
    this.limits = limits;
  }

  public static Object parse(String text, String origin) {
    return parse(text, origin, Limits.DEFAULT);
  }

  /**
   * Returns the value of a whole JSON document.
   *
   * @throws JsonException naming the problem and its offset
   */
  public static Object parse(String text, String origin, Limits limits) {
    if (text.length() > limits.maxChars()) {
      throw new JsonException(origin, "document of " + text.length() + " characters exceeds the limit of " + limits.maxChars(), 0);
    }
    Json p = new Json(text, origin, limits);
    p.skipSpace();
    if (p.pos < text.length() && text.charAt(p.pos) == '\uFEFF') {
      p.pos++;
      p.skipSpace();
    }
    Object v = p.value(0);
    p.skipSpace();
    if (p.pos != text.length()) {
      throw p.error("unexpected text after the document");
    }
    return v;
  }

  /** Returns the object at the root, or fails saying the document is not an object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text, String origin) {
    Object v = parse(text, origin);
    if (!(v instanceof Map)) {
      throw new JsonException(origin, "the document must be a JSON object", 0);
    }
    return (Map<String, Object>) v;
  }

  private JsonException error(String problem) {
    return new JsonException(origin, problem, pos);
  }

  private void skipSpace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        pos++;
      } else {
        break;
      }
    }
  }

  private void count() {
    if (++elements > limits.maxElements()) {
      throw error("more than " + limits.maxElements() + " values");
    }
  }

  private Object value(int depth) {
    if (depth > limits.maxDepth()) {
      throw error("nesting deeper than " + limits.maxDepth());
    }
    if (pos >= text.length()) {
      throw error("unexpected end of document");
    }
    count();
    char c = text.charAt(pos);
    return switch (c) {
      case '{' -> object(depth);
      case '[' -> array(depth);
      case '"' -> string();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", NULL);
      case 'N' -> literal("NaN", Double.NaN);
      case 'I' -> literal("Infinity", Double.POSITIVE_INFINITY);
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          yield number();
        }
        throw error("unexpected character '" + printable(c) + "'");
      }
    };
  }

  private static String printable(char c) {
    return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
  }

  private Object literal(String word, Object value) {
    if (!text.startsWith(word, pos)) {
      throw error("unexpected character '" + printable(text.charAt(pos)) + "'");
    }
    pos += word.length();
    return value;
  }

  private Map<String, Object> object(int depth) {
    pos++;
    Map<String, Object> map = new LinkedHashMap<>();
    skipSpace();
    if (pos < text.length() && text.charAt(pos) == '}') {
      pos++;
      return map;
    }
    while (true) {
      skipSpace();
      if (pos >= text.length() || text.charAt(pos) != '"') {
        throw error("expected a quoted key");
      }
      int keyAt = pos;
      String key = string();
      skipSpace();
      if (pos >= text.length() || text.charAt(pos) != ':') {
        throw error("expected ':' after key");
      }
      pos++;
      skipSpace();
      Object v = value(depth + 1);
      if (map.containsKey(key)) {
        throw new JsonException(origin, "duplicate key '" + key + "'", keyAt);
      }
      map.put(key, v);
      skipSpace();
      if (pos >= text.length()) {
        throw error("unexpected end of document inside an object");
      }
      char c = text.charAt(pos++);
      if (c == '}') {
        return map;
      }
      if (c != ',') {
        pos--;
        throw error("expected ',' or '}'");
      }
    }
  }

  private List<Object> array(int depth) {
    pos++;
    List<Object> list = new ArrayList<>();
    skipSpace();
    if (pos < text.length() && text.charAt(pos) == ']') {
      pos++;
      return list;
    }
    while (true) {
      skipSpace();
      list.add(value(depth + 1));
      skipSpace();
      if (pos >= text.length()) {
        throw error("unexpected end of document inside an array");
      }
      char c = text.charAt(pos++);
      if (c == ']') {
        return list;
      }
      if (c != ',') {
        pos--;
        throw error("expected ',' or ']'");
      }
    }
  }

  private String string() {
    pos++;
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= text.length()) {
        throw error("unterminated string");
      }
      char c = text.charAt(pos++);
      if (c == '"') {
        return sb.toString();
      }
      if (c < 0x20) {
        pos--;
        throw error("control character in string");
      }
      if (c == '\\') {
        if (pos >= text.length()) {
          throw error("unterminated escape");
        }
        char e = text.charAt(pos++);
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (pos + 4 > text.length()) {
              throw error("truncated \\u escape");
            }
            int code = 0;
            for (int i = 0; i < 4; i++) {
              int digit = Character.digit(text.charAt(pos + i), 16);
              if (digit < 0) {
                throw error("bad \\u escape");
              }
              code = code * 16 + digit;
            }
            pos += 4;
            sb.append((char) code);
          }
          default -> {
            pos--;
            throw error("bad escape '\\" + printable(e) + "'");
          }
        }
      } else {
        sb.append(c);
      }
      if (sb.length() > limits.maxStringChars()) {
        throw error("string longer than " + limits.maxStringChars() + " characters");
      }
    }
  }

  private static boolean isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private Object number() {
    int start = pos;
    if (text.charAt(pos) == '-') {
      pos++;
      if (text.startsWith("Infinity", pos)) {
        pos += 8;
        return Double.NEGATIVE_INFINITY;
      }
    }
    int digits = pos;
    while (pos < text.length() && isAsciiDigit(text.charAt(pos))) {
      pos++;
    }
    if (pos == digits) {
      throw error("expected a digit");
    }
    if (text.charAt(digits) == '0' && pos - digits > 1) {
      throw new JsonException(origin, "leading zero in number", digits);
    }
    boolean integer = true;
    if (pos < text.length() && text.charAt(pos) == '.') {
      integer = false;
      pos++;
      int frac = pos;
      while (pos < text.length() && isAsciiDigit(text.charAt(pos))) {
        pos++;
      }
      if (pos == frac) {
        throw error("expected a digit after '.'");
      }
    }
    if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
      integer = false;
      pos++;
      if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
        pos++;
      }
      int exp = pos;
      while (pos < text.length() && isAsciiDigit(text.charAt(pos))) {
        pos++;
      }
      if (pos == exp) {
        throw error("expected a digit in the exponent");
      }
    }
    String s = text.substring(start, pos);
    if (s.length() > 400) {
      throw new JsonException(origin, "number longer than 400 characters", start);
    }
    if (integer) {
      if (s.length() <= 18) {
        return Long.parseLong(s);
      }
      BigInteger big = new BigInteger(s);
      return big.bitLength() < 64 ? (Object) big.longValue() : big;
    }
    // correctly rounded like BigDecimal, and an exponent of any length gives ±Infinity or 0 instead of an exception
    return Double.parseDouble(s);
  }
}
